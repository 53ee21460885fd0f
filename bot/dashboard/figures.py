"""The overdose action team's figures: counts over a period, never a person or a message.

Every figure is an aggregate over the people's channels (SMS and web chat); staff trying
the line ("terminal") and on-call alerts ("alert") are left out. No query here reads a
message body, a sender id or a conversation id into the result, and towns with fewer than
MIN_CELL lookups are never named (`suppress_small`). Periods are whole local days in the
console's time zone; weeks start on Monday, local time.
"""

from __future__ import annotations

import csv
import io
import math
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Callable, Dict, Iterable, List, Mapping, Sequence, Tuple
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from bot.checkins.models import CheckIn, CheckInSeries
from bot.conversations.models import Conversation, Message

# Cells smaller than this are not shown by name: a town looked up 2 times could point at
from bot.db import as_utc
from bot.directory.models import ListingReport, Location, LookupRecord, Organization
from bot.handoff.models import Handoff
from bot.handoff.service import OUTCOMES

# the one person who did it.
MIN_CELL = 5
SUPPRESSED = "fewer than 5"
OTHER_TOWNS = "Other towns (fewer than 5 each)"

# People's channels; "terminal" (staff trying the line) and "alert" never count.
CHANNELS: Dict[str, str] = {"sms": "SMS", "web": "Web chat"}
CHANNEL_FILTERS: Dict[str, str] = {"all": "All channels", **CHANNELS}

TOPICS: Dict[str, str] = {
    "overdose": "Overdose response",
    "naloxone": "Naloxone",
    "good_samaritan": "Good Samaritan law",
    "treatment": "Treatment options",
    "harm_reduction": "Harm reduction",
    "family": "Family support",
    "needs": "Everyday needs (food, housing...)",
    "service": "About the line",
    "directory": "Finding services nearby",
    "handoff": "Talking to a navigator",
    "core": "Greetings and other",
}
STILL_OPEN = "Still open"

DEFAULT_WEEKS = 12  # full weeks before the current one
MAX_PERIOD_DAYS = 731  # two years, a leap day included
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)


class DashboardError(ValueError):
    """A filter the dashboard cannot use; the message says what to change."""


# -- the figures -------------------------------------------------------------------------


@dataclass(frozen=True)
class Count:
    """One labelled count; `value` is None when it is too small to show (1 to MIN_CELL - 1)."""

    label: str
    value: int | None

    @property
    def shown(self) -> str:
        """The count as the page and the CSV write it."""
        return SUPPRESSED if self.value is None else str(self.value)


@dataclass(frozen=True)
class Week:
    """Conversations started in one local week, per channel."""

    start: date
    counts: Dict[str, int]

    @property
    def total(self) -> int:
        """All channels together."""
        return sum(self.counts.values())


@dataclass(frozen=True)
class HandoffFigures:
    """Requests for a navigator made in the period, and what became of them."""

    requested: int = 0
    claimed: int = 0
    # Minutes from request to claim, nearest-rank percentiles; None when none was claimed.
    claim_minutes_p50: float | None = None
    claim_minutes_p90: float | None = None
    outcomes: List[Count] = field(default_factory=list)


@dataclass(frozen=True)
class CheckInFigures:
    """Follow-up check-ins (SMS only)."""

    enrolled: int = 0
    sent: int = 0
    replies: int = 0  # of the check-ins sent in the period, how many got a reply
    opt_outs: int = 0


@dataclass(frozen=True)
class Dashboard:
    """Every figure for one period and channel filter."""

    start: date
    end: date
    channel: str
    timezone: str
    channels: Tuple[str, ...]  # the channels the weekly figures are split into
    weeks: List[Week]
    topics: List[Count]
    towns: List[Count]
    lookups: int  # every lookup, the place understood or not
    located_lookups: int  # lookups whose place was understood
    no_nearby: int  # of those, how many found nothing within the normal radius
    no_nearby_towns: List[Count]
    handoffs: HandoffFigures
    checkins: CheckInFigures
    listing_reports: List[Count]

    @property
    def conversations(self) -> int:
        """Conversations started in the period."""
        return sum(week.total for week in self.weeks)

    @property
    def no_nearby_share(self) -> float | None:
        """Share of located lookups with no nearby result (0..1); None without lookups."""
        return self.no_nearby / self.located_lookups if self.located_lookups else None


# -- filters -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """A valid period (local dates, both included) and channel filter."""

    start: date
    end: date
    channel: str = "all"


def week_start(day: date) -> date:
    """The Monday of `day`'s week."""
    return day - timedelta(days=day.weekday())


def default_start(end: date) -> date:
    """The Monday DEFAULT_WEEKS full weeks before `end`'s week."""
    return week_start(end) - timedelta(weeks=DEFAULT_WEEKS)


def parse_filters(args: Mapping[str, str], today: date) -> Filters:
    """Filters from the page's query string ("from", "to", "channel"); DashboardError if bad."""
    end = _parse_date(args.get("to"), "To", today)
    start = _parse_date(args.get("from"), "From", default_start(end))
    channel = (args.get("channel") or "all").strip().lower()
    if channel not in CHANNEL_FILTERS:
        raise DashboardError("Channel must be all channels, SMS or web chat.")
    if start > end:
        raise DashboardError("The From date is after the To date.")
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        raise DashboardError("The period can be at most 2 years; choose a shorter one.")
    return Filters(start, end, channel)


def _parse_date(raw: str | None, name: str, default: date) -> date:
    raw = (raw or "").strip()
    if not raw:
        return default
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise DashboardError(f"The {name} date must be a date like 2026-09-01.") from None
    if not EARLIEST <= day <= LATEST:
        raise DashboardError(f"The {name} date must be between {EARLIEST.year} and {LATEST.year}.")
    return day


# -- small cells and percentiles ---------------------------------------------------------


def suppress_small(counts: Mapping[str, int], other_label: str = OTHER_TOWNS) -> List[Count]:
    """Rows named only when their count is at least MIN_CELL, largest first; the rest are
    summed into one `other_label` row, itself shown as "fewer than 5" when 1 to 4 (and then
    only when no row is named: otherwise the smallest named row is grouped too)."""
    shown = sorted(
        ((label, n) for label, n in counts.items() if n >= MIN_CELL), key=lambda r: (-r[1], r[0])
    )
    grouped = sum(n for n in counts.values() if 0 < n < MIN_CELL)
    if 0 < grouped < MIN_CELL and shown:
        # The page also gives the total, so a small group beside named rows would give its
        # size away (total minus the named rows): the smallest named row joins the group.
        grouped += shown.pop()[1]
    rows = [Count(label, n) for label, n in shown]
    if grouped:
        rows.append(Count(other_label, grouped if grouped >= MIN_CELL else None))
    return rows


def small_total(value: int, written: Callable[[int], str] = str) -> str:
    """A total as the page and the CSV write it: 1 to MIN_CELL - 1 is "fewer than 5" (it
    would be the size of a suppressed group when no row is named)."""
    return SUPPRESSED if 0 < value < MIN_CELL else written(value)


def share_text(dashboard: Dashboard) -> str:
    """The no-nearby share as a percentage; empty without lookups, suppressed when small."""
    share = dashboard.no_nearby_share
    if share is None:
        return ""
    return SUPPRESSED if dashboard.located_lookups < MIN_CELL else f"{share:.1%}"


def nearest_rank(values: Sequence[float], percent: float) -> float | None:
    """The nearest-rank percentile: the smallest value with at least `percent`% of the
    values at or below it, i.e. sorted(values)[ceil(percent / 100 * n) - 1]."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(percent / 100 * len(ordered)))
    return ordered[rank - 1]


# -- queries -----------------------------------------------------------------------------


def build_dashboard(
    session: Session, start: date, end: date, channel: str = "all", tz: str = "America/New_York"
) -> Dashboard:
    """Every figure for local dates [start, end] in time zone `tz` and one channel filter."""
    if channel not in CHANNEL_FILTERS:
        raise DashboardError(f"unknown channel {channel!r}")
    zone = ZoneInfo(tz)
    since, until = _utc_bounds(start, end, zone)
    channels = tuple(CHANNELS) if channel == "all" else (channel,)
    towns, no_nearby_towns, lookups, located, no_nearby = _lookups(session, since, until, channels)
    return Dashboard(
        start=start,
        end=end,
        channel=channel,
        timezone=tz,
        channels=channels,
        weeks=_weeks(session, since, until, channels, start, end, zone),
        topics=_topics(session, since, until, channels),
        towns=towns,
        lookups=lookups,
        located_lookups=located,
        no_nearby=no_nearby,
        no_nearby_towns=no_nearby_towns,
        handoffs=_handoffs(session, since, until, channels),
        checkins=_checkins(session, since, until, channels),
        listing_reports=_listing_reports(session, since, until),
    )


def _utc_bounds(start: date, end: date, zone: ZoneInfo) -> Tuple[datetime, datetime]:
    """[local midnight of start, local midnight after end) as UTC instants."""
    since = datetime.combine(start, time(), zone).astimezone(timezone.utc)
    until = datetime.combine(end + timedelta(days=1), time(), zone).astimezone(timezone.utc)
    return since, until


def _weeks(
    session: Session,
    since: datetime,
    until: datetime,
    channels: Tuple[str, ...],
    start: date,
    end: date,
    zone: ZoneInfo,
) -> List[Week]:
    """Conversations per local week and channel, every week of the period (zeros too).

    The rows of the period are fetched and bucketed here, not grouped in SQL: a local,
    DST-aware week has no portable SQL spelling (SQLite has no time zones; PostgreSQL's
    date_trunc('week', created_at AT TIME ZONE ...) does not run on SQLite). The cost is
    one (created_at, channel) row per conversation of the period - about 13,000 for a
    quarter at 50,000 conversations a year - against one GROUP BY row per week.
    """
    mondays = []
    monday = week_start(start)
    while monday <= end:
        mondays.append(monday)
        monday += timedelta(weeks=1)
    # Each local Monday midnight as a UTC instant: a row's week is found by bisection.
    # SQLite hands back naive UTC times, PostgreSQL aware ones; the bounds match either.
    bounds = [datetime.combine(day, time(), zone).astimezone(timezone.utc) for day in mondays]
    naive_bounds = [bound.replace(tzinfo=None) for bound in bounds]
    counts = [{name: 0 for name in channels} for _ in mondays]
    # Core rows through the connection: the ORM's row handling triples the time here.
    rows = session.connection().execute(
        select(Conversation.created_at, Conversation.channel).where(
            Conversation.created_at >= since,
            Conversation.created_at < until,
            Conversation.channel.in_(channels),
        )
    )
    for created_at, channel in rows:
        edges = naive_bounds if created_at.tzinfo is None else bounds
        counts[bisect_right(edges, created_at) - 1][channel] += 1
    return [Week(day, by_channel) for day, by_channel in zip(mondays, counts, strict=True)]


def _topics(
    session: Session, since: datetime, until: datetime, channels: Tuple[str, ...]
) -> List[Count]:
    """Inbound messages per known topic, largest first (unknown topics are not counted)."""
    rows = session.execute(
        select(Message.topic, func.count())
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(
            Message.direction == Message.INBOUND,
            Message.topic.is_not(None),
            Message.created_at >= since,
            Message.created_at < until,
            Conversation.channel.in_(channels),
        )
        .group_by(Message.topic)
    ).all()
    counts = [Count(TOPICS.get(topic, topic), n) for topic, n in rows]
    return sorted(counts, key=lambda c: (-(c.value or 0), c.label))


def _lookups(
    session: Session, since: datetime, until: datetime, channels: Tuple[str, ...]
) -> Tuple[List[Count], List[Count], int, int, int]:
    """Towns looked up and towns with no nearby result (both suppressed), and the totals."""
    rows = session.execute(
        select(
            LookupRecord.town,
            LookupRecord.state,
            func.count(),
            func.sum(case((LookupRecord.nearby == 0, 1), else_=0)),
        )
        .where(
            LookupRecord.at >= since,
            LookupRecord.at < until,
            LookupRecord.channel.in_(channels),
        )
        .group_by(LookupRecord.town, LookupRecord.state)
    ).all()
    looked_up: Dict[str, int] = {}
    none_near: Dict[str, int] = {}
    total = 0
    for town, state, n, without in rows:
        total += n
        if town is None:
            continue  # the place was not understood: no town to show
        label = f"{town}, {state}" if state else town
        looked_up[label] = looked_up.get(label, 0) + n
        if without:
            none_near[label] = none_near.get(label, 0) + int(without)
    return (
        suppress_small(looked_up),
        suppress_small(none_near),
        total,
        sum(looked_up.values()),
        sum(none_near.values()),
    )


def _handoffs(
    session: Session, since: datetime, until: datetime, channels: Tuple[str, ...]
) -> HandoffFigures:
    """Requests made in the period: how many, how many claimed, how fast, with what outcome."""
    in_period = (
        Handoff.requested_at >= since,
        Handoff.requested_at < until,
        Conversation.channel.in_(channels),
    )
    by_outcome = session.execute(
        select(Handoff.outcome, func.count(), func.count(Handoff.claimed_at))
        .join(Conversation, Conversation.id == Handoff.conversation_id)
        .where(*in_period)
        .group_by(Handoff.outcome)
    ).all()
    per_outcome = {outcome: n for outcome, n, _ in by_outcome}
    outcomes = [Count(label, per_outcome.get(key, 0)) for key, label in OUTCOMES.items()]
    outcomes.append(Count(STILL_OPEN, per_outcome.get(None, 0)))
    waits = [
        (as_utc(claimed) - as_utc(requested)).total_seconds() / 60
        for requested, claimed in session.execute(
            select(Handoff.requested_at, Handoff.claimed_at)
            .join(Conversation, Conversation.id == Handoff.conversation_id)
            .where(*in_period, Handoff.claimed_at.is_not(None))
        )
    ]
    return HandoffFigures(
        requested=sum(n for _, n, _ in by_outcome),
        claimed=sum(claimed for _, _, claimed in by_outcome),
        claim_minutes_p50=nearest_rank(waits, 50),
        claim_minutes_p90=nearest_rank(waits, 90),
        outcomes=outcomes,
    )


def _checkins(
    session: Session, since: datetime, until: datetime, channels: Tuple[str, ...]
) -> CheckInFigures:
    """Enrolments, check-ins sent and replied to, and opt-outs (none outside SMS)."""
    series_channel = Conversation.channel.in_(channels)
    enrolled_in_period = and_(CheckInSeries.created_at >= since, CheckInSeries.created_at < until)
    opted_out_in_period = and_(
        CheckInSeries.end_reason.in_(CheckInSeries.OPT_OUTS),
        CheckInSeries.ended_at >= since,
        CheckInSeries.ended_at < until,
    )
    enrolled, opt_outs = session.execute(
        select(
            func.sum(case((enrolled_in_period, 1), else_=0)),
            func.sum(case((opted_out_in_period, 1), else_=0)),
        )
        .select_from(CheckInSeries)
        .join(Conversation, Conversation.id == CheckInSeries.conversation_id)
        .where(series_channel, or_(enrolled_in_period, opted_out_in_period))
    ).one()
    sent, replies = session.execute(
        select(func.count(), func.count(CheckIn.replied_at))
        .select_from(CheckIn)
        .join(CheckInSeries, CheckInSeries.id == CheckIn.series_id)
        .join(Conversation, Conversation.id == CheckInSeries.conversation_id)
        .where(
            CheckIn.status == CheckIn.SENT,
            CheckIn.sent_at >= since,
            CheckIn.sent_at < until,
            series_channel,
        )
    ).one()
    return CheckInFigures(int(enrolled or 0), sent, replies, int(opt_outs or 0))


def _listing_reports(session: Session, since: datetime, until: datetime) -> List[Count]:
    """Wrong-listing reports per provider, largest first (reports carry no channel)."""
    rows = session.execute(
        select(Organization.name, func.count())
        .select_from(ListingReport)
        .join(Location, Location.id == ListingReport.location_id)
        .join(Organization, Organization.id == Location.organization_id)
        .where(ListingReport.created_at >= since, ListingReport.created_at < until)
        .group_by(Organization.id, Organization.name)
    ).all()
    return [Count(name, n) for name, n in sorted(rows, key=lambda r: (-r[1], r[0]))]


# -- the CSV export ----------------------------------------------------------------------


def csv_filename(dashboard: Dashboard) -> str:
    """e.g. helpline-figures-2026-09-01-to-2026-11-24.csv (with -sms / -web when filtered)."""
    channel = "" if dashboard.channel == "all" else f"-{dashboard.channel}"
    return f"helpline-figures-{dashboard.start}-to-{dashboard.end}{channel}.csv"


def minutes(value: float | None) -> str:
    """Minutes to one decimal, or an empty cell when there is no value."""
    return "" if value is None else f"{value:.1f}"


def csv_rows(dashboard: Dashboard) -> Iterable[Tuple[str, str, str]]:
    """The figures as (section, label, value) rows, small cells written "fewer than 5"."""
    yield "Period", "From", str(dashboard.start)
    yield "Period", "To", str(dashboard.end)
    yield "Period", "Channel", CHANNEL_FILTERS[dashboard.channel]
    yield "Period", "Time zone", dashboard.timezone
    section = "Conversations started per week"
    for week in dashboard.weeks:
        for name in dashboard.channels:
            yield section, f"Week of {week.start} - {CHANNELS[name]}", str(week.counts[name])
    yield section, "Total", str(dashboard.conversations)
    for count in dashboard.topics:
        yield "Topics asked about", count.label, count.shown
    yield "Towns looked up", "All lookups", small_total(dashboard.lookups)
    yield "Towns looked up", "Lookups with a known town", small_total(dashboard.located_lookups)
    for count in dashboard.towns:
        yield "Towns looked up", count.label, count.shown
    section = "Lookups with no nearby result"
    yield section, "All lookups with no nearby result", small_total(dashboard.no_nearby)
    yield section, "Share of lookups with a known town", share_text(dashboard)
    for count in dashboard.no_nearby_towns:
        yield section, count.label, count.shown
    handoffs = dashboard.handoffs
    yield "Handoffs", "Requested", str(handoffs.requested)
    yield "Handoffs", "Claimed", str(handoffs.claimed)
    yield "Handoffs", "Minutes to claim, median (p50)", minutes(handoffs.claim_minutes_p50)
    yield "Handoffs", "Minutes to claim, p90", minutes(handoffs.claim_minutes_p90)
    for count in handoffs.outcomes:
        yield "Handoff outcomes", count.label, count.shown
    checkins = dashboard.checkins
    yield "Check-ins", "People enrolled", str(checkins.enrolled)
    yield "Check-ins", "Check-ins sent", str(checkins.sent)
    yield "Check-ins", "Replies", str(checkins.replies)
    yield "Check-ins", "Opt-outs", str(checkins.opt_outs)
    for count in dashboard.listing_reports:
        yield "Wrong-listing reports per provider", count.label, count.shown


def dashboard_csv(dashboard: Dashboard) -> str:
    """The figures as a plain CSV: a section,label,value header, then one row per figure."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(("section", "label", "value"))
    for row in csv_rows(dashboard):
        writer.writerow(tuple(_inert(cell) for cell in row))
    return out.getvalue()


def _inert(cell: str) -> str:
    # A provider or town name starting with = + - @ would run as a spreadsheet formula.
    return f"'{cell}" if cell[:1] in ("=", "+", "-", "@") else cell
