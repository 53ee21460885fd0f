"""Who may see and act on which handoff. One place, so the rule is the same everywhere.

Navigators see the waiting queue and what they hold; supervisors and admins see
everything. Access follows the claim: after a request is closed its past holder keeps it
for a short grace period (CLOSED_GRACE, to finish notes and the outcome), then no longer,
so an SMS conversation (one per phone) does not stay open to them for the person's later
texts. A refused look is audited as "denied", with the same answer for "no such
handoff" and "not yours", so ids reveal nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, false, or_, select, true
from sqlalchemy.orm import Session

from bot.accounts.models import Navigator
from bot.conversations.models import Message
from bot.db import utcnow
from bot.handoff.errors import Conflict, NotAllowed, NotFound
from bot.handoff.models import AuditEntry, Handoff

CLOSED_GRACE = timedelta(minutes=30)


def visible(viewer: Navigator, grace: timedelta = CLOSED_GRACE, now: datetime | None = None):
    """The SQL condition for the handoffs `viewer` may see."""
    if viewer.oversees:
        return true()
    since = (now or utcnow()) - grace
    mine = and_(
        Handoff.claimed_by == viewer.id,
        or_(Handoff.status != Handoff.CLOSED, Handoff.closed_at >= since),
    )
    return or_(Handoff.status == Handoff.WAITING, mine)


def visible_handoff(
    session: Session, handoff_id: int, viewer: Navigator, grace: timedelta = CLOSED_GRACE
) -> Handoff:
    """The handoff, if `viewer` may see it; else the refusal is audited and NotFound raised."""
    handoff = session.execute(
        select(Handoff).where(Handoff.id == handoff_id, visible(viewer, grace))
    ).scalar_one_or_none()
    if handoff is None:
        session.add(AuditEntry(navigator_id=viewer.id, action="denied", handoff_id=handoff_id))
        session.commit()
        raise NotFound("No such conversation in your queue.")
    return handoff


def taken_on(
    session: Session, handoff_id: int, navigator: Navigator, grace: timedelta = CLOSED_GRACE
) -> Handoff:
    """A handoff this navigator claimed (open, or closed within the grace), or any for an
    overseer."""
    handoff = visible_handoff(session, handoff_id, navigator, grace)
    if not navigator.oversees and handoff.claimed_by != navigator.id:
        raise NotAllowed("Claim this conversation first.")
    return handoff


def held_by(
    session: Session, handoff_id: int, navigator: Navigator, supervisors_too: bool = False
) -> Handoff:
    """A handoff this navigator holds right now (or, with `supervisors_too`, an overseer)."""
    handoff = visible_handoff(session, handoff_id, navigator)
    if handoff.status != Handoff.CLAIMED:
        raise Conflict("Claim the conversation first.")
    if handoff.claimed_by != navigator.id and not (supervisors_too and navigator.oversees):
        raise NotAllowed("Another navigator holds this conversation.")
    return handoff


def shown_messages(handoff: Handoff):
    """The SQL condition for the messages of a handoff's conversation a navigator may read.

    Before anyone claims it: none (the summary shows what the person agreed to share).
    After the claim: the conversation from the request on, and what came before only
    when the person said yes to sharing.
    """
    mine = Message.conversation_id == handoff.conversation_id
    if handoff.status == Handoff.WAITING:
        return and_(mine, false())
    if handoff.consented:
        return mine
    return and_(mine, Message.created_at >= handoff.requested_at)
