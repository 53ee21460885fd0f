"""Previous contacts: the same person's earlier requests, shown on the conversation page.

The same person is the same conversation (an SMS conversation is per phone, a web chat per
browser session) or another conversation of the same SMS contact. Shown only when the
person said yes to sharing on this request - the same yes that lets the holder read what
came before it (bot/handoff/access.py) - and only to whoever may read that: supervisors
and admins, and the navigator who took this request on. Anyone else who may open the page
(a navigator looking at a waiting request) is told that earlier contacts exist, no more.

Retention and erasure remove them: an erased conversation takes its requests with it
(ON DELETE CASCADE), and a request older than the retention period, or from before its
conversation expired, is no longer shown. Each request shown is audited.
"""

from __future__ import annotations

from datetime import datetime
from typing import Dict, List, Tuple

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from bot.accounts.models import Navigator
from bot.conversations.models import Conversation
from bot.handoff.audit import entry
from bot.handoff.models import Handoff, HandoffNote, HandoffReferral
from bot.handoff.views import REFERRAL_TAGS, PreviousContacts, PreviousRequest

# The most recent ones; a person who asked more often than this is a conversation to have.
SHOWN = 10


def may_see_previous(handoff: Handoff, viewer: Navigator) -> bool:
    """Overseers, and the navigator who claimed this request (open, or closed within the
    grace: the caller has checked that they may see it at all)."""
    return viewer.oversees or handoff.claimed_by == viewer.id


def previous_contacts(
    session: Session, handoff: Handoff, viewer: Navigator, since: datetime | None
) -> PreviousContacts:
    """The person's earlier requests made after `since` (the retention cutoff; None keeps
    all), newest first, for a viewer who may see `handoff`. Each shown one is audited as
    "previous_view" in `session`; the caller commits."""
    if not handoff.consented:
        return PreviousContacts(declined=True)
    conversation = session.get(Conversation, handoff.conversation_id)
    assert conversation is not None
    same_person = Conversation.id == conversation.id
    if conversation.contact_id is not None:
        same_person = or_(same_person, Conversation.contact_id == conversation.contact_id)
    conditions = [
        same_person,
        Handoff.id < handoff.id,
        # From before its conversation expired: the texts and Rasa's record are gone.
        or_(Conversation.expired_at.is_(None), Handoff.requested_at > Conversation.expired_at),
    ]
    if since is not None:
        conditions.append(Handoff.requested_at >= since)
    earlier = and_(*conditions)
    joined = select(Handoff, Conversation.channel).join(
        Conversation, Conversation.id == Handoff.conversation_id
    )
    if not may_see_previous(handoff, viewer):
        count = session.execute(
            select(func.count())
            .select_from(Handoff)
            .join(Conversation, Conversation.id == Handoff.conversation_id)
            .where(earlier)
        ).scalar_one()
        return PreviousContacts(withheld=count > 0)
    rows = session.execute(joined.where(earlier).order_by(Handoff.id.desc()).limit(SHOWN)).all()
    ids = [row.id for row, _ in rows]
    tags: Dict[int, set] = {}
    for handoff_id, tag in session.execute(
        select(HandoffReferral.handoff_id, HandoffReferral.tag).where(
            HandoffReferral.handoff_id.in_(ids)
        )
    ):
        tags.setdefault(handoff_id, set()).add(tag)
    notes: Dict[int, List[Tuple[HandoffNote, str]]] = {}
    for note, name in session.execute(
        select(HandoffNote, Navigator.name)
        .join(Navigator, Navigator.id == HandoffNote.navigator_id)
        .where(HandoffNote.handoff_id.in_(ids))
        .order_by(HandoffNote.id)
    ):
        notes.setdefault(note.handoff_id, []).append((note, name))
    for row, _ in rows:
        session.add(entry(viewer.id, "previous_view", row, f"on request {handoff.id}"))
    return PreviousContacts(
        [
            PreviousRequest(
                row,
                channel,
                [tag for tag in REFERRAL_TAGS if tag in tags.get(row.id, set())],
                notes.get(row.id, []),
            )
            for row, channel in rows
        ]
    )
