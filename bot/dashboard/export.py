"""The dashboard's figures as a CSV for partners: section, label, value."""

from __future__ import annotations

import csv
import io
from typing import Iterable, Tuple

from bot.dashboard.cells import small_total
from bot.dashboard.figures import Dashboard, rate_text, share_text
from bot.dashboard.filters import CHANNEL_FILTERS, CHANNELS


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
    section = "Messages the assistant could not place"
    for fallback in dashboard.fallback_weeks:
        label = f"Week of {fallback.start}"
        yield section, f"{label} - messages answered", str(fallback.answered)
        yield section, f"{label} - got the menu", str(fallback.fallbacks)
        yield section, f"{label} - fallback rate", rate_text(fallback)
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
    for count in handoffs.referrals:
        yield "Referral tags", count.label, count.shown
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
