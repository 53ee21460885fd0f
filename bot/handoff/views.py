"""What the handoff hands back to the console and the person: reasons, outcomes, rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Dict, List, Mapping, Tuple

from bot.accounts.models import Navigator
from bot.checkins.models import CheckInSeries
from bot.conversations.messages import clean_text
from bot.conversations.models import Message
from bot.handoff.models import Handoff, HandoffNote

# Why a person asked, and how soon a navigator should pick up (lower first). An overdose in
# the last days and "I want treatment today" go to the top of the queue.
REASONS: Dict[str, Tuple[int, str]] = {
    "recent_overdose": (0, "Overdose in the last days"),
    "treatment_today": (1, "Wants treatment today"),
    "treatment": (2, "Treatment and recovery"),
    "naloxone": (2, "Naloxone"),
    "family": (2, "Family or friend support"),
    "other": (2, "Talk to a person"),
}
# Fields of the consented summary, in the order the console shows them.
SUMMARY_FIELDS = {
    "topic": "Asked about",
    "town": "Town",
    "medication": "Medication interest",
    "insurance": "Insurance",
    "urgency": "Urgency",
}
OUTCOMES: Dict[str, str] = {
    "treatment": "Connected to treatment",
    "naloxone": "Naloxone provided",
    "referred": "Referred to services",
    "no_response": "No response",
    "other": "Other",
}
# What a navigator referred the person to, ticked (any, or none) when closing; the action
# team's dashboard counts them (bot/dashboard/figures.py).
REFERRAL_TAGS: Dict[str, str] = {
    "treatment": "Treatment",
    "naloxone": "Naloxone",
    "housing": "Housing",
    "food": "Food",
    "transport": "Transport",
    "insurance": "Insurance",
    "recovery_coach": "Recovery coach",
}
MAX_REPLY = 1600
MAX_NOTE = 4000


@dataclass(frozen=True)
class RequestResult:
    """A stored request and what the person should be told about it."""

    handoff: Handoff
    created: bool
    on_duty: bool
    next_opening: datetime | None
    when: str
    message: str


@dataclass(frozen=True)
class QueueItem:
    """One row of the console's queue."""

    handoff: Handoff
    channel: str
    waiting_seconds: int
    claimed_by_name: str | None
    delivery_failed: bool
    # How soon a request should be claimed; 0 when there is no target.
    target_seconds: int = 0

    @property
    def reason_label(self) -> str:
        """The reason in words."""
        return REASONS.get(self.handoff.reason, REASONS["other"])[1]

    @property
    def over_target(self) -> bool:
        """True when the request still waits past its claim target."""
        return (
            self.handoff.status == Handoff.WAITING
            and self.target_seconds > 0
            and self.waiting_seconds > self.target_seconds
        )

    def as_json(self, viewer: Navigator) -> dict:
        """The row for the queue's JSON poll."""
        handoff = self.handoff
        return {
            "id": handoff.id,
            "status": handoff.status,
            "urgent": handoff.urgency < 2,
            "reason": self.reason_label,
            "summary": summary_rows(handoff),
            "channel": self.channel,
            "waiting_seconds": self.waiting_seconds,
            "claimed_by": self.claimed_by_name,
            "mine": handoff.claimed_by == viewer.id,
            "contact_later": handoff.contact_later_at is not None,
            "delivery_failed": self.delivery_failed,
            "target_minutes": self.target_seconds // 60,
            "over_target": self.over_target,
        }


@dataclass(frozen=True)
class ShownMessage:
    """A message as the console shows it, with the SMS delivery status when there is one."""

    message: Message
    delivery: str | None


@dataclass(frozen=True)
class PreviousRequest:
    """One earlier request: when, why, how it ended, and what the navigators noted."""

    handoff: Handoff
    channel: str
    referrals: List[str] = field(default_factory=list)
    notes: List[Tuple[HandoffNote, str]] = field(default_factory=list)


@dataclass(frozen=True)
class PreviousContacts:
    """What the page says about the person's earlier requests."""

    shown: List[PreviousRequest] = field(default_factory=list)
    # Earlier requests exist, but this viewer may not see them.
    withheld: bool = False
    # The person did not agree to share: nothing was looked up.
    declined: bool = False


@dataclass(frozen=True)
class HandoffView:
    """Everything the conversation page shows."""

    handoff: Handoff
    channel: str
    messages: List[ShownMessage]
    notes: List[Tuple[HandoffNote, str]] = field(default_factory=list)
    # The person's running check-in series (None: none, or check-ins not set up).
    checkins: CheckInSeries | None = None
    # Check-ins can be offered: an SMS conversation and check-ins set up here.
    checkins_possible: bool = False
    # The referral tags ticked at close (REFERRAL_TAGS keys, in that order).
    referrals: List[str] = field(default_factory=list)
    # The person's earlier requests, as far as consent and the viewer's role allow.
    previous: PreviousContacts = field(default_factory=PreviousContacts)


def summary_rows(handoff: Handoff) -> List[Tuple[str, str]]:
    """The consented summary as (label, value) rows; empty when the person declined."""
    if not handoff.consented or not handoff.summary:
        return []
    return [
        (label, str(handoff.summary[key]))
        for key, label in SUMMARY_FIELDS.items()
        if handoff.summary.get(key)
    ]


def clean_summary(summary: Mapping | None) -> dict:
    """Only the known summary fields, short and plain, so nothing else rides along."""
    return {
        key: clean_text(str(summary[key])).strip()[:120]
        for key in SUMMARY_FIELDS
        if summary and summary.get(key)
    }
