"""The dashboard's hand-counted data set (tests/console/test_dashboard.py checks every figure).

The seed covers three local weeks in America/New_York (EST, UTC-5, after DST ended on
1 November 2026): Mon 2 Nov, Mon 9 Nov and Mon 16 Nov 2026. The hand counts are in the
comments next to the seed and in the tests' assertions.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Dict
from zoneinfo import ZoneInfo

from bot.checkins.models import CheckIn, CheckInSeries
from bot.conversations.models import Conversation, Message
from bot.directory.models import ListingReport, Location, LookupRecord, Organization
from bot.handoff.models import Handoff, HandoffReferral

NY = ZoneInfo("America/New_York")
SECRET = "SECRET-BODY-7731"  # in every seeded message body; must never be shown
START, END = date(2026, 11, 2), date(2026, 11, 22)
PERIOD = {"from": "2026-11-02", "to": "2026-11-22"}


def local(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    """A New York wall-clock time in 2026, as the UTC instant the database stores."""
    return datetime(2026, month, day, hour, minute, tzinfo=NY).astimezone(timezone.utc)


# -- the seed ----------------------------------------------------------------------------

# name: (channel, started). W1 = week of Mon 2 Nov, W2 = 9 Nov, W3 = 16 Nov.
CONVERSATIONS = {
    "c1": ("sms", local(2, 10)),  # W1
    "c2": ("sms", local(4, 12)),  # W1
    "c3": ("web", local(5, 9)),  # W1
    "c4": ("sms", local(8, 23, 30)),  # Sun 23:30 local = Mon 04:30 UTC: still W1
    "c5": ("web", local(9, 0, 30)),  # Mon 00:30 local: W2
    "c6": ("web", local(10, 15)),  # W2
    "c7": ("sms", local(13, 18)),  # W2
    "c8": ("web", local(18, 11)),  # W3
    "c9": ("sms", local(21, 20)),  # Sat 20:00 local = Sun 01:00 UTC: W3
    "c10": ("terminal", local(3, 10)),  # staff trying the line: never counted
    "c11": ("alert", local(12, 10)),  # on-call alert: never counted
    "c12": ("sms", local(1, 23, 30)),  # Sun 1 Nov 23:30 local = 2 Nov 04:30 UTC: before
    "c13": ("web", local(23, 0, 30)),  # Mon 23 Nov 00:30 local: after the period
}
# Weeks, all channels: W1 sms c1 c2 c4 = 3, web c3 = 1; W2 sms c7 = 1, web c5 c6 = 2;
# W3 sms c9 = 1, web c8 = 1. Total 9.

# (conversation, topic, count); each message 5 minutes after the conversation started.
TOPIC_MESSAGES = [
    ("c1", "overdose", 2),
    ("c1", "naloxone", 1),
    ("c2", "naloxone", 1),
    ("c2", None, 1),  # unknown topic: not counted
    ("c2", "fallback", 1),  # the menu: not a topic, counted in the fallback rate
    ("c3", "treatment", 1),
    ("c3", "overdose", 1),
    ("c5", "overdose", 1),
    ("c5", "law", 1),
    ("c6", "fallback", 2),
    ("c7", "family", 1),
    ("c10", "overdose", 3),  # terminal
    ("c11", "overdose", 1),  # alert
    ("c12", "naloxone", 1),  # before the period
]
# All: overdose 2+1+1 = 4, naloxone 1+1 = 2, treatment 1, law 1, family 1.
# SMS (c1 c2 c7): overdose 2, naloxone 2, family 1. Web (c3 c5): overdose 2, treatment 1,
# law 1. Fallback rate: W1 1 of 7 answered (c1 3, c2 2, c3 2), W2 2 of 5 (c5 2, c6 2,
# c7 1), W3 none answered.

# (town, state, channel, nearby, how many), all on 10 Nov unless said.
LOOKUPS = [
    ("Hartford", "CT", "sms", 3, 3),
    ("Hartford", "CT", "web", 2, 2),  # Hartford: 5 -> shown
    ("New Haven", "CT", "sms", 4, 4),  # 4 -> grouped
    ("Norwich", "CT", "sms", 0, 5),  # no nearby result
    ("Norwich", "CT", "sms", 1, 1),  # Norwich: 6, of which 5 with nothing nearby
    ("Putnam", "CT", "web", 0, 2),  # 2, both with nothing nearby
    (None, None, "sms", 0, 3),  # place not understood: in the total only
    ("Hartford", "CT", "terminal", 1, 1),  # staff: never counted
]
# All: 5+4+6+2+3 = 20 lookups, 17 with a town. Towns: Norwich 6, Hartford 5, other
# (New Haven 4 + Putnam 2) = 6, shown as 6. No nearby: Norwich 5 + Putnam 2 = 7 of 17
# = 41.2%; by town: other (Putnam 2, and Norwich 5 so that 2 cannot be worked out) = 7.
# SMS: 3+4+6+3 = 16, 13 with a town. Towns: Norwich 6, other (Hartford 3 + New Haven 4) = 7.
# No nearby: Norwich 5 of 13 = 38.5%. Web: 4 lookups, towns: other (Hartford 2 + Putnam 2)
# = 4 -> "fewer than 5"; no nearby: Putnam 2 of 4 = 50.0% -> other "fewer than 5".

# (conversation, requested, minutes to claim or None, status, outcome)
HANDOFFS = [
    ("c1", local(2, 11), 2, "closed", "treatment"),
    ("c2", local(4, 13), 4, "closed", "naloxone"),
    ("c3", local(5, 10), 6, "closed", "treatment"),
    ("c5", local(9, 1), 10, "closed", "no_response"),
    ("c7", local(13, 19), 30, "claimed", None),
    ("c8", local(18, 12), 60, "returned", None),
    ("c9", local(21, 21), None, "waiting", None),
    ("c10", local(3, 11), 1000, "closed", "other"),  # terminal
    ("c12", local(1, 23, 40), 1, "closed", "referred"),  # Sun 1 Nov: before the period
]
# All: 7 requested, 6 claimed; waits sorted 2 4 6 10 30 60. Nearest rank: p50 is rank
# ceil(0.5 * 6) = 3 -> 6 min; p90 is rank ceil(0.9 * 6) = 6 -> 60 min. Outcomes: treatment
# 2, naloxone 1, referred 0, no response 1, other 0, still open (c7 c8 c9) 3.
# SMS (c1 c2 c7 c9): 4 requested, 3 claimed, waits 2 4 30: p50 rank 2 -> 4, p90 rank 3 -> 30.
# Web (c3 c5 c8): 3 requested, 3 claimed, waits 6 10 60: p50 rank 2 -> 10, p90 rank 3 -> 60.

# (conversation, referral tags ticked when its request was closed)
REFERRALS = [
    ("c1", ("treatment", "naloxone")),
    ("c2", ("naloxone",)),
    ("c3", ("treatment", "housing")),
    ("c10", ("housing", "food")),  # terminal: never counted
    ("c12", ("food",)),  # before the period
]
# All: treatment 2, naloxone 2, housing 1 (each shown as "fewer than 5"); food, transport,
# insurance, recovery coach 0. SMS (c1 c2): treatment 1, naloxone 2. Web (c3): treatment 1,
# housing 1.


def seed(sessions) -> Dict[str, Conversation]:
    """Store the hand-counted data set; return the conversations by name."""
    with sessions() as session:
        rows = {
            name: Conversation(channel=channel, created_at=at, last_activity_at=at)
            for name, (channel, at) in CONVERSATIONS.items()
        }
        session.add_all(rows.values())
        session.flush()
        for name, topic, n in TOPIC_MESSAGES:
            at = rows[name].created_at + timedelta(minutes=5)
            for _ in range(n):
                session.add(_message(rows[name], "in", at, topic))
        # Outbound messages never count, even with a topic.
        session.add(_message(rows["c1"], "out", local(2, 10, 6), "overdose"))
        _seed_lookups(session)
        _seed_handoffs(session, rows)
        _seed_checkins(session, rows)
        _seed_reports(session)
        session.commit()
        return rows


def _message(conversation, direction, at, topic) -> Message:
    author = "person" if direction == "in" else "assistant"
    return Message(
        conversation_id=conversation.id,
        direction=direction,
        author=author,
        body=f"{SECRET} {conversation.sender_id}",
        status="answered" if direction == "in" else "ready",
        created_at=at,
        topic=topic,
    )


def _seed_lookups(session) -> None:
    for town, state, channel, nearby, n in LOOKUPS:
        for _ in range(n):
            session.add(
                LookupRecord(
                    at=local(10, 12), channel=channel, need="treatment", town=town,
                    state=state, nearby=nearby, nearest_miles=None if nearby else 31.5,
                )
            )  # fmt: skip
    # Before the period (Sat 31 Oct): not counted.
    session.add(LookupRecord(at=local(31, 12, month=10), channel="sms", need="naloxone",
                             town="Hartford", state="CT", nearby=2))  # fmt: skip


def _seed_handoffs(session, rows) -> None:
    stored = {}
    for name, requested, wait, status, outcome in HANDOFFS:
        stored[name] = Handoff(
            conversation_id=rows[name].id, status=status, reason="treatment", urgency=2,
            requested_at=requested, outcome=outcome,
            claimed_at=None if wait is None else requested + timedelta(minutes=wait),
        )  # fmt: skip
    session.add_all(stored.values())
    session.flush()
    for name, tags in REFERRALS:
        session.add_all(HandoffReferral(handoff_id=stored[name].id, tag=tag) for tag in tags)


def _seed_checkins(session, rows) -> None:
    def series(name, created, ended=None, reason=None, checkins=()):
        row = CheckInSeries(
            conversation_id=rows[name].id, status="ended" if ended else "active",
            reason="overdose", enrolled_by="person", consented_at=created, created_at=created,
            ended_at=ended, end_reason=reason,
        )  # fmt: skip
        session.add(row)
        session.flush()
        for day, status, sent, replied in checkins:
            session.add(
                CheckIn(series_id=row.id, day=day, due_at=sent or created + timedelta(days=day),
                        status=status, sent_at=sent, replied_at=replied)
            )  # fmt: skip

    # Enrolled in the period: s1 s2 s3 s4 = 4. Sent in the period: s1 2 + s2 1 + s4 1 = 4,
    # of which replied: s1 day 1, s2 day 1, s4 day 7 = 3. Opt-outs: s2 (stop), s3
    # (cancelled) = 2; s4 finished on its own, s5 ended before the period.
    series("c1", local(2, 11), checkins=[
        (1, "sent", local(3, 10), local(3, 11)),
        (3, "sent", local(5, 10), None),
        (5, "skipped", None, None),
        (7, "scheduled", None, None),
    ])  # fmt: skip
    series("c2", local(4, 13), local(6, 9), "stop", [(1, "sent", local(5, 10), local(5, 12))])
    series("c7", local(13, 19), local(14, 9), "cancelled", [(1, "cancelled", None, None)])
    series("c4", local(8, 23, 45), local(20, 9), "finished",
           [(7, "sent", local(15, 10), local(15, 18))])  # fmt: skip
    series("c12", local(28, 9, month=10), local(30, 9, month=10), "stop",
           [(1, "sent", local(29, 10, month=10), local(29, 11, month=10))])  # fmt: skip
    series("c10", local(3, 11), checkins=[(1, "sent", local(4, 10), local(4, 11))])  # terminal


def _seed_reports(session) -> None:
    # Riverside Recovery (two locations): 3 reports in the period. Harbor Health: 1 in the
    # period and 1 before it.
    riverside = Organization(name="Riverside Recovery", name_key="riverside recovery")
    harbor = Organization(name="Harbor Health", name_key="harbor health")
    places = [
        Location(organization=org, name=name, state="CT", latitude=41.7, longitude=-72.7,
                 sources="test", last_verified=date(2026, 10, 1))
        for org, name in ((riverside, "Riverside East"), (riverside, "Riverside West"),
                          (harbor, "Harbor Clinic"))
    ]  # fmt: skip
    session.add_all(places)
    session.flush()
    for place, at in (
        (places[0], local(3, 9)),
        (places[0], local(12, 9)),
        (places[1], local(20, 9)),
        (places[2], local(16, 9)),
        (places[2], local(30, 9, month=10)),
    ):
        session.add(ListingReport(location_id=place.id, reason="closed", created_at=at))
