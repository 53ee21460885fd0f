"""The action team's dashboard: every figure against a small hand-counted data set
(tests/console/dashboard_data.py)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from html.parser import HTMLParser
from typing import Dict, List, Tuple

import pytest

from bot.dashboard.cells import (
    MIN_CELL,
    SUPPRESSED,
    Count,
    nearest_rank,
    small_count,
    suppress_small,
)
from bot.dashboard.export import dashboard_csv
from bot.dashboard.figures import build_dashboard, rate_text
from bot.dashboard.filters import DashboardError, parse_filters
from bot.directory.models import Location
from tests.console.dashboard_data import END, NY, PERIOD, SECRET, START
from tests.support import ConsoleBrowser
from webhook.console.charts import bar_chart, weekly_chart


def figures(conversations, channel="all", start=START, end=END):
    with conversations.sessions() as session:
        return build_dashboard(session, start, end, channel, "America/New_York")


def counts(rows: List[Count]) -> List[Tuple[str, str]]:
    return [(row.label, row.shown) for row in rows]


# -- the figures -------------------------------------------------------------------------


def test_weeks_follow_local_time_and_leave_out_staff_and_alerts(conversations, seeded):
    dashboard = figures(conversations)
    assert [(w.start, w.counts) for w in dashboard.weeks] == [
        (date(2026, 11, 2), {"sms": 3, "web": 1}),  # c4 at Sun 23:30 local belongs here
        (date(2026, 11, 9), {"sms": 1, "web": 2}),  # c5 at Mon 00:30 local starts this week
        (date(2026, 11, 16), {"sms": 1, "web": 1}),
    ]
    assert dashboard.conversations == 9


def test_every_week_of_the_period_appears_with_zeros(conversations, seeded):
    # 23 Nov to 13 Dec: only c13 (Mon 23 Nov, web); the weeks of 30 Nov and 7 Dec are empty.
    dashboard = figures(conversations, start=date(2026, 11, 23), end=date(2026, 12, 13))
    assert [(w.start, w.total) for w in dashboard.weeks] == [
        (date(2026, 11, 23), 1),
        (date(2026, 11, 30), 0),
        (date(2026, 12, 7), 0),
    ]


def test_a_week_across_the_end_of_daylight_saving_time(conversations, seeded):
    # DST ended on Sun 1 Nov 2026 at 02:00. c12 (Sun 1 Nov 23:30 EST = Mon 2 Nov 04:30
    # UTC) still belongs to the week of Mon 26 Oct, which began at 04:00 UTC (EDT).
    dashboard = figures(conversations, start=date(2026, 10, 26), end=date(2026, 11, 8))
    assert [(w.start, w.counts) for w in dashboard.weeks] == [
        (date(2026, 10, 26), {"sms": 1, "web": 0}),
        (date(2026, 11, 2), {"sms": 3, "web": 1}),
    ]


def test_the_week_boundary_moves_with_the_time_zone(conversations, seeded):
    # In UTC, c4 (Sun 8 Nov 23:30 New York) is Mon 9 Nov 04:30, in the second week, and c12
    # (Sun 1 Nov 23:30 New York) is Mon 2 Nov 04:30, inside the period. SMS by UTC week:
    # W1 c1 c2 c12 = 3, W2 c4 c7 = 2, W3 c9 = 1 (against 3, 1, 1 in New York).
    with conversations.sessions() as session:
        utc = build_dashboard(session, START, END, "sms", "UTC")
    assert [w.counts for w in utc.weeks] == [{"sms": 3}, {"sms": 2}, {"sms": 1}]
    assert utc.conversations == 6


def test_topics_count_inbound_messages_largest_first(conversations, seeded):
    assert counts(figures(conversations).topics) == [
        ("Overdose response", "4"),
        ("Naloxone", "2"),
        ("Family support", "1"),
        ("Good Samaritan law", "1"),
        ("Treatment options", "1"),
    ]


def test_the_weekly_fallback_rate(conversations, seeded):
    dashboard = figures(conversations)
    assert [(w.start, w.answered, w.fallbacks) for w in dashboard.fallback_weeks] == [
        (date(2026, 11, 2), 7, 1),
        (date(2026, 11, 9), 5, 2),
        (date(2026, 11, 16), 0, 0),
    ]
    assert [rate_text(w) for w in dashboard.fallback_weeks] == ["14.3%", "40.0%", ""]
    web = figures(conversations, "web")  # c3 2 answered; c5 2 and c6 2 of them the menu
    assert [(w.answered, w.fallbacks) for w in web.fallback_weeks] == [(2, 0), (4, 2), (0, 0)]
    assert rate_text(web.fallback_weeks[1]) == SUPPRESSED  # under five messages: no rate


def test_the_channel_filter_applies_to_every_figure_but_listing_reports(conversations, seeded):
    sms, web = figures(conversations, "sms"), figures(conversations, "web")
    assert [w.counts for w in sms.weeks] == [{"sms": 3}, {"sms": 1}, {"sms": 1}]
    assert [w.counts for w in web.weeks] == [{"web": 1}, {"web": 2}, {"web": 1}]
    assert counts(sms.topics) == [
        ("Naloxone", "2"),
        ("Overdose response", "2"),
        ("Family support", "1"),
    ]
    assert counts(web.topics) == [
        ("Overdose response", "2"),
        ("Good Samaritan law", "1"),
        ("Treatment options", "1"),
    ]
    assert counts(sms.towns) == [("Norwich, CT", "6"), ("Other towns (fewer than 5 each)", "7")]
    assert (sms.lookups, sms.located_lookups, sms.no_nearby) == (16, 13, 5)
    assert counts(web.towns) == [("Other towns (fewer than 5 each)", SUPPRESSED)]
    assert (web.lookups, web.located_lookups, web.no_nearby) == (4, 4, 2)
    assert counts(web.no_nearby_towns) == [("Other towns (fewer than 5 each)", SUPPRESSED)]
    assert (sms.handoffs.requested, sms.handoffs.claimed) == (4, 3)
    assert (sms.handoffs.claim_minutes_p50, sms.handoffs.claim_minutes_p90) == (4, 30)
    assert (web.handoffs.requested, web.handoffs.claimed) == (3, 3)
    assert (web.handoffs.claim_minutes_p50, web.handoffs.claim_minutes_p90) == (10, 60)
    assert (sms.checkins.enrolled, sms.checkins.sent) == (4, 4)
    assert (web.checkins.enrolled, web.checkins.sent, web.checkins.replies) == (0, 0, 0)
    assert web.checkins.opt_outs == 0
    assert counts(sms.listing_reports) == counts(web.listing_reports) != []


def test_towns_under_five_are_grouped_and_a_small_group_is_not_counted(conversations, seeded):
    dashboard = figures(conversations)
    # Hartford (5) is named, New Haven (4) is not; the group (4 + 2 = 6) shows its count.
    assert counts(dashboard.towns) == [
        ("Norwich, CT", "6"),
        ("Hartford, CT", "5"),
        ("Other towns (fewer than 5 each)", "6"),
    ]
    # Putnam's 2 alone would be "fewer than 5", but the total (7) minus Norwich (5) would
    # give it away: Norwich, the smallest named town, joins the group (5 + 2 = 7).
    assert counts(dashboard.no_nearby_towns) == [("Other towns (fewer than 5 each)", "7")]
    assert (dashboard.lookups, dashboard.located_lookups, dashboard.no_nearby) == (20, 17, 7)
    assert round(dashboard.no_nearby_share, 3) == 0.412  # 7 / 17


def test_small_lookup_totals_are_not_given_when_they_would_size_a_group(conversations, seeded):
    # Web: 4 lookups, all in towns under 5, 2 with nothing nearby. Exact totals would be
    # the size of the "fewer than 5" groups, so they are suppressed too (and the share).
    rows = list(csv.reader(io.StringIO(dashboard_csv(figures(conversations, "web")))))
    lookups, none_near = "Towns looked up", "Lookups with no nearby result"
    for row in (
        [lookups, "All lookups", SUPPRESSED],
        [lookups, "Lookups with a known town", SUPPRESSED],
        [none_near, "All lookups with no nearby result", SUPPRESSED],
        [none_near, "Share of lookups with a known town", SUPPRESSED],
    ):
        assert row in rows
    assert not any(
        row[0] in (lookups, none_near) and row[2] in {"1", "2", "3", "4"} for row in rows[1:]
    )


def test_suppress_small_names_only_cells_of_at_least_min_cell():
    assert MIN_CELL == 5
    other = "Other towns (fewer than 5 each)"
    # A group of 4 beside a named row would be the total minus that row: the smallest
    # named row (A) joins it.
    assert suppress_small({"A": 5, "B": 4}) == [Count(other, 9)]
    assert suppress_small({"A": 7, "B": 6, "C": 2}) == [Count("A", 7), Count(other, 8)]
    assert suppress_small({"B": 4}) == [Count(other, None)]
    assert suppress_small({"A": 4, "B": 1}) == [Count(other, 5)]
    assert suppress_small({"A": 9, "B": 7}) == [Count("A", 9), Count("B", 7)]
    assert suppress_small({}) == []
    assert Count("x", None).shown == "fewer than 5"


def test_handoff_figures(conversations, seeded):
    handoffs = figures(conversations).handoffs
    assert (handoffs.requested, handoffs.claimed) == (7, 6)
    assert (handoffs.claim_minutes_p50, handoffs.claim_minutes_p90) == (6, 60)
    assert counts(handoffs.outcomes) == [
        ("Connected to treatment", "2"),
        ("Naloxone provided", "1"),
        ("Referred to services", "0"),
        ("No response", "1"),
        ("Other", "0"),
        ("Still open", "3"),
    ]
    # Staff tests and requests before the period are left out (food would be 1 or 2).
    assert counts(handoffs.referrals) == [
        ("Treatment", SUPPRESSED),
        ("Naloxone", SUPPRESSED),
        ("Housing", SUPPRESSED),
        ("Food", "0"),
        ("Transport", "0"),
        ("Insurance", "0"),
        ("Recovery coach", "0"),
    ]


def test_referral_tags_from_five_up_are_counted_and_filtered_by_channel(
    conversations, handoffs, console, staff
):
    ana = staff["ana"]
    for n in range(6):
        conversation = conversations.start("sms" if n < 5 else "web")
        handoff = handoffs.request(conversation.id, "treatment", True, {}).handoff
        console.claim(handoff.id, ana)
        tags = ["naloxone", "recovery_coach"] if n < 5 else ["naloxone", "housing"]
        console.close(handoff.id, ana, "referred", tags)
    today = datetime.now(NY).date()
    every = figures(conversations, start=today, end=today).handoffs.referrals
    assert dict(counts(every)) == {
        "Treatment": "0",
        "Naloxone": "6",
        "Housing": SUPPRESSED,
        "Food": "0",
        "Transport": "0",
        "Insurance": "0",
        "Recovery coach": "5",
    }
    web = figures(conversations, "web", start=today, end=today).handoffs.referrals
    assert dict(counts(web))["Naloxone"] == SUPPRESSED
    assert dict(counts(web))["Recovery coach"] == "0"


def test_small_count_keeps_back_one_to_four_only():
    assert [small_count("x", n).shown for n in (0, 1, MIN_CELL - 1, MIN_CELL)] == [
        "0",
        SUPPRESSED,
        SUPPRESSED,
        str(MIN_CELL),
    ]


def test_nearest_rank_percentiles():
    values = [60, 2, 30, 4, 10, 6]
    assert nearest_rank(values, 50) == 6  # rank ceil(3.0) = 3 of 2 4 6 10 30 60
    assert nearest_rank(values, 90) == 60  # rank ceil(5.4) = 6
    assert nearest_rank(list(range(1, 11)), 90) == 9  # rank ceil(9.0) = 9
    assert nearest_rank(list(range(1, 11)), 91) == 10  # rank ceil(9.1) = 10
    assert nearest_rank([7], 50) == nearest_rank([7], 90) == 7
    assert nearest_rank([], 50) is None


def test_checkin_figures(conversations, seeded):
    checkins = figures(conversations).checkins
    assert (checkins.enrolled, checkins.sent, checkins.replies, checkins.opt_outs) == (4, 4, 3, 2)


def test_listing_reports_per_provider_largest_first(conversations, seeded):
    assert counts(figures(conversations).listing_reports) == [
        ("Riverside Recovery", "3"),
        ("Harbor Health", "1"),
    ]


def test_the_csv_holds_every_figure(conversations, seeded):
    rows = list(csv.reader(io.StringIO(dashboard_csv(figures(conversations)))))
    weeks, lookups = "Conversations started per week", "Towns looked up"
    none_near, other = "Lookups with no nearby result", "Other towns (fewer than 5 each)"
    unplaced = "Messages the assistant could not place"
    assert rows == [
        ["section", "label", "value"],
        ["Period", "From", "2026-11-02"],
        ["Period", "To", "2026-11-22"],
        ["Period", "Channel", "All channels"],
        ["Period", "Time zone", "America/New_York"],
        [weeks, "Week of 2026-11-02 - SMS", "3"],
        [weeks, "Week of 2026-11-02 - Web chat", "1"],
        [weeks, "Week of 2026-11-09 - SMS", "1"],
        [weeks, "Week of 2026-11-09 - Web chat", "2"],
        [weeks, "Week of 2026-11-16 - SMS", "1"],
        [weeks, "Week of 2026-11-16 - Web chat", "1"],
        [weeks, "Total", "9"],
        ["Topics asked about", "Overdose response", "4"],
        ["Topics asked about", "Naloxone", "2"],
        ["Topics asked about", "Family support", "1"],
        ["Topics asked about", "Good Samaritan law", "1"],
        ["Topics asked about", "Treatment options", "1"],
        [unplaced, "Week of 2026-11-02 - messages answered", "7"],
        [unplaced, "Week of 2026-11-02 - got the menu", "1"],
        [unplaced, "Week of 2026-11-02 - fallback rate", "14.3%"],
        [unplaced, "Week of 2026-11-09 - messages answered", "5"],
        [unplaced, "Week of 2026-11-09 - got the menu", "2"],
        [unplaced, "Week of 2026-11-09 - fallback rate", "40.0%"],
        [unplaced, "Week of 2026-11-16 - messages answered", "0"],
        [unplaced, "Week of 2026-11-16 - got the menu", "0"],
        [unplaced, "Week of 2026-11-16 - fallback rate", ""],
        [lookups, "All lookups", "20"],
        [lookups, "Lookups with a known town", "17"],
        [lookups, "Norwich, CT", "6"],
        [lookups, "Hartford, CT", "5"],
        [lookups, other, "6"],
        [none_near, "All lookups with no nearby result", "7"],
        [none_near, "Share of lookups with a known town", "41.2%"],
        [none_near, other, "7"],
        ["Handoffs", "Requested", "7"],
        ["Handoffs", "Claimed", "6"],
        ["Handoffs", "Minutes to claim, median (p50)", "6.0"],
        ["Handoffs", "Minutes to claim, p90", "60.0"],
        ["Handoff outcomes", "Connected to treatment", "2"],
        ["Handoff outcomes", "Naloxone provided", "1"],
        ["Handoff outcomes", "Referred to services", "0"],
        ["Handoff outcomes", "No response", "1"],
        ["Handoff outcomes", "Other", "0"],
        ["Handoff outcomes", "Still open", "3"],
        ["Referral tags", "Treatment", "fewer than 5"],
        ["Referral tags", "Naloxone", "fewer than 5"],
        ["Referral tags", "Housing", "fewer than 5"],
        ["Referral tags", "Food", "0"],
        ["Referral tags", "Transport", "0"],
        ["Referral tags", "Insurance", "0"],
        ["Referral tags", "Recovery coach", "0"],
        ["Check-ins", "People enrolled", "4"],
        ["Check-ins", "Check-ins sent", "4"],
        ["Check-ins", "Replies", "3"],
        ["Check-ins", "Opt-outs", "2"],
        ["Wrong-listing reports per provider", "Riverside Recovery", "3"],
        ["Wrong-listing reports per provider", "Harbor Health", "1"],
    ]


def test_a_formula_in_a_provider_name_is_written_as_text(conversations, seeded):
    with conversations.sessions() as session:
        location = session.query(Location).filter_by(name="Harbor Clinic").one()
        location.organization.name = "=HYPERLINK(1)"
        session.commit()
    text = dashboard_csv(figures(conversations))
    assert "'=HYPERLINK(1)" in text and ",=HYPERLINK" not in text


# -- filters -----------------------------------------------------------------------------


def test_the_default_period_is_twelve_full_weeks_and_this_one():
    # Wednesday 25 Nov 2026: this week's Monday is 23 Nov; 12 weeks before it is 31 Aug.
    filters = parse_filters({}, date(2026, 11, 25))
    assert (filters.start, filters.end, filters.channel) == (
        date(2026, 8, 31),
        date(2026, 11, 25),
        "all",
    )
    only_to = parse_filters({"to": "2026-06-10"}, date(2026, 11, 25))
    assert only_to.start == date(2026, 3, 16)  # Monday 8 Jun minus 12 weeks


@pytest.mark.parametrize(
    "args, message",
    [
        ({"from": "2026-13-01"}, "The From date must be a date like"),
        ({"to": "yesterday"}, "The To date must be a date like"),
        ({"from": "2026-11-10", "to": "2026-11-09"}, "The From date is after the To date."),
        ({"from": "2023-01-01", "to": "2026-11-09"}, "at most 2 years"),
        ({"from": "1066-10-14"}, "between 2000 and 2100"),
        ({"channel": "terminal"}, "Channel must be"),
    ],
)
def test_bad_filters_are_refused_with_a_reason(args, message):
    with pytest.raises(DashboardError, match=message):
        parse_filters(args, date(2026, 11, 25))


# -- the pages ---------------------------------------------------------------------------


@pytest.fixture
def sue(app, staff) -> ConsoleBrowser:
    browser = ConsoleBrowser(app)
    assert browser.sign_in("sue@example.org").status_code == 302
    return browser


class Page(HTMLParser):
    """What a person reads: table rows, bar titles, alerts and links."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.rows: List[List[str]] = []
        self.bar_titles: List[str] = []
        self.links: Dict[str, str] = {}
        self.text: List[str] = []
        self._cell: List[str] | None = None
        self._in: List[str] = []
        self._href = ""
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self._in.append(tag)
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "a":
            self._href, self._cell = dict(attrs).get("href", ""), []

    def handle_endtag(self, tag):
        while self._in and self._in.pop() != tag:
            pass
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "a" and self._cell is not None:
            self.links["".join(self._cell).strip()] = self._href
            self._cell = None

    def handle_data(self, data):
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)
        if self._in[-2:] == ["rect", "title"]:
            self.bar_titles.append(data)


def test_an_overseer_sees_the_figures_as_charts_and_tables(sue, seeded):
    response = sue.page("/console/dashboard/", **PERIOD)
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    page = Page(html)
    text = " ".join(page.text)
    assert "Figures are counts only; towns with fewer than 5 lookups are grouped." in text
    assert ["Week of (Monday)", "SMS", "Web chat", "Total"] in page.rows
    assert ["2026-11-02", "3", "1", "4"] in page.rows
    assert ["2026-11-09", "1", "2", "3"] in page.rows
    assert ["Hartford, CT", "5"] in page.rows
    assert ["Other towns (fewer than 5 each)", "7"] in page.rows  # no nearby
    assert ["Riverside Recovery", "3"] in page.rows
    assert ["2026-11-09", "5", "2", "40.0%"] in page.rows  # the weekly fallback rate
    assert "Week of 2026-11-02, SMS: 3" in page.bar_titles
    assert "Overdose response: 4 messages" in page.bar_titles
    assert "Other towns (fewer than 5 each): 7 lookups" in page.bar_titles
    assert "Still open: 3 handoffs" in page.bar_titles
    assert ["Referral tag", "Handoffs"] in page.rows
    assert ["Housing", "fewer than 5"] in page.rows and ["Food", "0"] in page.rows
    assert "Naloxone: fewer than 5 handoffs" in page.bar_titles
    assert "7 of 17 lookups with a known town (41.2%)" in text
    assert 'style="' not in html and "<style" not in html and "<script" not in html
    assert html.count('<svg class="chart"') == 7
    assert html.count("<figcaption>") == 7 and html.count('role="img"') == 7
    assert page.links["Download CSV"] == (
        "/console/dashboard/export.csv?from=2026-11-02&to=2026-11-22&channel=all"
    )
    assert page.links["Dashboard"] == "/console/dashboard/"


def test_the_page_says_check_ins_are_sms_only_under_web(sue, seeded):
    page = Page(sue.page("/console/dashboard/", channel="web", **PERIOD).get_data(as_text=True))
    text = " ".join(page.text)
    assert "Check-ins are sent by SMS only, so they are all 0 for web chat." in text
    assert ["Week of (Monday)", "Web chat"] in page.rows
    assert ["2026-11-09", "2"] in page.rows
    assert "Week of 2026-11-09, Web chat: 2" in page.bar_titles
    assert not any("SMS:" in title for title in page.bar_titles)
    assert page.links["Download CSV"].endswith("channel=web")
    # 4 lookups on the web: the totals would size the small groups, so they are not given.
    assert "fewer than 5 lookups for services; fewer than 5 named a town" in text
    assert "Fewer than 5 lookups with a known town in this period: too few to show." in text


def test_the_default_page_opens_without_filters(sue, seeded):
    response = sue.page("/console/dashboard/")
    assert response.status_code == 200
    today = datetime.now(NY).date()
    start = today - timedelta(days=today.weekday(), weeks=12)
    assert f'value="{start}"' in response.get_data(as_text=True)


def test_the_csv_download(sue, seeded):
    response = sue.page("/console/dashboard/export.csv", channel="sms", **PERIOD)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="helpline-figures-2026-11-02-to-2026-11-22-sms.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["section", "label", "value"]
    assert ["Period", "Channel", "SMS"] in rows
    assert ["Towns looked up", "Other towns (fewer than 5 each)", "7"] in rows
    assert ["Handoffs", "Minutes to claim, p90", "30.0"] in rows
    assert ["Check-ins", "Opt-outs", "2"] in rows
    plain = sue.page("/console/dashboard/export.csv", **PERIOD)
    assert plain.headers["Content-Disposition"].endswith(
        'filename="helpline-figures-2026-11-02-to-2026-11-22.csv"'
    )


def test_no_body_sender_or_conversation_id_is_ever_shown(sue, seeded):
    shown = sue.page("/console/dashboard/", **PERIOD).get_data(as_text=True)
    exported = sue.page("/console/dashboard/export.csv", **PERIOD).get_data(as_text=True)
    for text in (shown, exported):
        assert SECRET not in text
        for conversation in seeded.values():
            assert conversation.sender_id not in text


@pytest.mark.parametrize("email", ["sue@example.org", "ada@example.org"])
def test_supervisors_and_admins_may_open_the_dashboard(staff, app, seeded, email):
    browser = ConsoleBrowser(app)
    browser.sign_in(email)
    assert browser.page("/console/dashboard/", **PERIOD).status_code == 200
    assert browser.page("/console/dashboard/export.csv", **PERIOD).status_code == 200


def test_navigators_are_refused_and_strangers_sent_to_sign_in(staff, app, seeded):
    ana = ConsoleBrowser(app)
    ana.sign_in("ana@example.org")
    for path in ("/console/dashboard/", "/console/dashboard/export.csv"):
        refused = ana.page(path, **PERIOD)
        assert refused.status_code == 403
        assert "Your role cannot open this page." in refused.get_data(as_text=True)
        assert "Riverside" not in refused.get_data(as_text=True)
        stranger = ConsoleBrowser(app).page(path, **PERIOD)
        assert stranger.status_code == 302
        assert stranger.headers["Location"].endswith("/console/sign-in")
    queue = ana.page("/console/").get_data(as_text=True)
    assert "/console/dashboard/" not in queue  # no link for a navigator


@pytest.mark.parametrize(
    "query, message",
    [
        ({"from": "2026-11-31"}, "The From date must be a date like 2026-09-01."),
        ({"from": "2026-11-22", "to": "2026-11-02"}, "The From date is after the To date."),
        ({"from": "2020-01-01", "to": "2026-11-22"}, "The period can be at most 2 years"),
        ({"channel": "alert"}, "Channel must be all channels, SMS or web chat."),
    ],
)
def test_bad_parameters_give_the_page_with_a_reason(sue, seeded, query, message):
    for path in ("/console/dashboard/", "/console/dashboard/export.csv"):
        response = sue.page(path, **query)
        assert response.status_code == 400
        html = response.get_data(as_text=True)
        assert message in html and 'role="alert"' in html
        assert "Traceback" not in html and "<svg" not in html
        assert '<form method="get"' in html


# -- the charts --------------------------------------------------------------------------


def test_bars_are_proportional_and_a_suppressed_bar_never_shows_its_size():
    chart = bar_chart("c", "T", [Count("A", 10), Count("B", 0), Count("C", None)], "lookups")
    # 330 px for the largest (10); a zero has no length; "fewer than 5" is drawn as its
    # upper bound, 5 / 10 * 330 = 165, outlined.
    assert [(bar.width, bar.css) for bar in chart.bars] == [
        (330, "chart__bar"),
        (0, "chart__bar"),
        (165, "chart__bar chart__bar--suppressed"),
    ]
    assert [bar.title for bar in chart.bars] == [
        "A: 10 lookups",
        "B: 0 lookups",
        "C: fewer than 5 lookups",
    ]


def test_weekly_columns_stack_the_channels_on_one_scale(conversations, seeded):
    chart = weekly_chart("w", figures(conversations))
    # The largest week has 4, so the scale runs 0..4 over 200 px (50 px a conversation),
    # from the baseline at y = 212. Week 1: SMS 3 (150 px) under web 1 (50 px).
    first_week = [(bar.y, bar.height, bar.css) for bar in chart.bars[:2]]
    assert first_week == [
        (62, 150, "chart__bar chart__bar--sms"),
        (12, 50, "chart__bar chart__bar--web"),
    ]
    assert [label.text for label in chart.labels if label.css == "chart__axis"] == [
        "0", "1", "2", "3", "4", "Nov 2", "Nov 9", "Nov 16",
    ]  # fmt: skip
