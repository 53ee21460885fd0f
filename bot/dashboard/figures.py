"""The overdose action team's figures: counts over a period, never a person or a message.

Every figure is an aggregate over the people's channels (SMS and web chat); staff trying
the line ("terminal") and on-call alerts ("alert") are left out. No query here reads a
message body, a sender id or a conversation id into the result, and towns with fewer than
MIN_CELL lookups are never named (`suppress_small`). Periods are whole local days in the
console's time zone; weeks start on Monday, local time.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Dict, List, Tuple
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from bot.checkins.models import CheckIn, CheckInSeries
from bot.conversations.models import Conversation, Message
from bot.dashboard.cells import (
    MIN_CELL,
    SUPPRESSED,
    Count,
    nearest_rank,
    small_count,
    suppress_small,
)
from bot.dashboard.filters import CHANNEL_FILTERS, CHANNELS, DashboardError, week_start
from bot.db import as_utc
from bot.directory.models import ListingReport, Location, LookupRecord, Organization
from bot.handoff.models import Handoff, HandoffReferral
from bot.handoff.views import OUTCOMES, REFERRAL_TAGS

TOPICS: Dict[str, str] = {
    "crisis": "Emergencies (911, 988 and other lines)",
    "overdose": "Overdose response",
    "naloxone": "Naloxone",
    "law": "Good Samaritan law",
    "treatment": "Treatment options",
    "recovery": "Recovery support",
    "harm_reduction": "Harm reduction",
    "family": "Family support",
    "safety": "Safety and mental health",
    "health": "Physical health",
    "needs": "Everyday needs (food, housing...)",
    "service": "About the line",
    "directory": "Finding services nearby",
    "handoff": "Talking to a navigator",
    "core": "Greetings and other",
}
STILL_OPEN = "Still open"

# -- the figures -------------------------------------------------------------------------


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
class FallbackWeek:
    """Messages the assistant answered in one local week, and how many of them got its
    "did you mean..." menu instead of an answer (the review page lists them)."""

    start: date
    answered: int
    fallbacks: int

    @property
    def rate(self) -> float | None:
        """The share of answered messages that got the menu; None without messages."""
        return self.fallbacks / self.answered if self.answered else None


@dataclass(frozen=True)
class HandoffFigures:
    """Requests for a navigator made in the period, and what became of them."""

    requested: int = 0
    claimed: int = 0
    # Minutes from request to claim, nearest-rank percentiles; None when none was claimed.
    claim_minutes_p50: float | None = None
    claim_minutes_p90: float | None = None
    outcomes: List[Count] = field(default_factory=list)
    # Requests with each referral tag ticked at close (a request may have several), in
    # REFERRAL_TAGS order; 1 to 4 are kept back (`small_count`).
    referrals: List[Count] = field(default_factory=list)


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
    fallback_weeks: List[FallbackWeek]
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


def rate_text(week: FallbackWeek) -> str:
    """A week's fallback rate as a percentage; empty without messages, suppressed when the
    week has too few messages for a rate to mean anything."""
    if week.rate is None:
        return ""
    return SUPPRESSED if week.answered < MIN_CELL else f"{week.rate:.1%}"


def share_text(dashboard: Dashboard) -> str:
    """The no-nearby share as a percentage; empty without lookups, suppressed when small."""
    share = dashboard.no_nearby_share
    if share is None:
        return ""
    return SUPPRESSED if dashboard.located_lookups < MIN_CELL else f"{share:.1%}"


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
        fallback_weeks=_fallback_weeks(session, since, until, channels, start, end, zone),
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
    mondays = _mondays(start, end)
    week_of = _week_finder(mondays, zone)
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
        counts[week_of(created_at)][channel] += 1
    return [Week(day, by_channel) for day, by_channel in zip(mondays, counts, strict=True)]


def _fallback_weeks(
    session: Session,
    since: datetime,
    until: datetime,
    channels: Tuple[str, ...],
    start: date,
    end: date,
    zone: ZoneInfo,
) -> List[FallbackWeek]:
    """Per local week: inbound messages the assistant answered (they carry the topic of the
    answer) and those answered with the fallback menu. Bucketed here as in `_weeks`."""
    mondays = _mondays(start, end)
    week_of = _week_finder(mondays, zone)
    answered = [0] * len(mondays)
    fallbacks = [0] * len(mondays)
    rows = session.connection().execute(
        select(Message.created_at, Message.topic == Message.FALLBACK_TOPIC)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(
            Message.direction == Message.INBOUND,
            Message.topic.is_not(None),
            Message.created_at >= since,
            Message.created_at < until,
            Conversation.channel.in_(channels),
        )
    )
    for created_at, fell_back in rows:
        index = week_of(created_at)
        answered[index] += 1
        fallbacks[index] += bool(fell_back)
    return [FallbackWeek(day, n, f) for day, n, f in zip(mondays, answered, fallbacks, strict=True)]


def _mondays(start: date, end: date) -> List[date]:
    """The local Monday of every week the period touches."""
    mondays = []
    monday = week_start(start)
    while monday <= end:
        mondays.append(monday)
        monday += timedelta(weeks=1)
    return mondays


def _week_finder(mondays: List[date], zone: ZoneInfo):
    """created_at -> the index of its local week among `mondays`, by bisection over each
    local Monday midnight as a UTC instant. SQLite hands back naive UTC times, PostgreSQL
    aware ones; the bounds match either."""
    bounds = [datetime.combine(day, time(), zone).astimezone(timezone.utc) for day in mondays]
    naive_bounds = [bound.replace(tzinfo=None) for bound in bounds]

    def week_of(created_at: datetime) -> int:
        edges = naive_bounds if created_at.tzinfo is None else bounds
        return bisect_right(edges, created_at) - 1

    return week_of


def _topics(
    session: Session, since: datetime, until: datetime, channels: Tuple[str, ...]
) -> List[Count]:
    """Inbound messages per topic, largest first. Messages without a topic, and those
    answered with the fallback menu (counted per week in `_fallback_weeks`), are not."""
    rows = session.execute(
        select(Message.topic, func.count())
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(
            Message.direction == Message.INBOUND,
            Message.topic.is_not(None),
            Message.topic != Message.FALLBACK_TOPIC,
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
    """Requests made in the period: how many, how many claimed, how fast, with what outcome
    and which referral tags."""
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
    per_tag = dict(
        session.execute(
            select(HandoffReferral.tag, func.count())
            .join(Handoff, Handoff.id == HandoffReferral.handoff_id)
            .join(Conversation, Conversation.id == Handoff.conversation_id)
            .where(*in_period)
            .group_by(HandoffReferral.tag)
        ).all()
    )
    return HandoffFigures(
        requested=sum(n for _, n, _ in by_outcome),
        claimed=sum(claimed for _, _, claimed in by_outcome),
        claim_minutes_p50=nearest_rank(waits, 50),
        claim_minutes_p90=nearest_rank(waits, 90),
        outcomes=outcomes,
        referrals=[small_count(label, per_tag.get(key, 0)) for key, label in REFERRAL_TAGS.items()],
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
