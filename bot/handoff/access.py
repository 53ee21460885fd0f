"""Who may see and act on which handoff. One place, so the rule is the same everywhere.

Navigators see the waiting queue and what they hold; supervisors and admins see
everything. A refused look is audited as "denied", with the same answer for "no such
handoff" and "not yours", so ids reveal nothing.
"""

from __future__ import annotations

from sqlalchemy import or_, select, true
from sqlalchemy.orm import Session

from bot.accounts.models import Navigator
from bot.handoff.errors import Conflict, NotAllowed, NotFound
from bot.handoff.models import AuditEntry, Handoff


def visible(viewer: Navigator):
    """The SQL condition for the handoffs `viewer` may see."""
    if viewer.oversees:
        return true()
    return or_(Handoff.status == Handoff.WAITING, Handoff.claimed_by == viewer.id)


def visible_handoff(session: Session, handoff_id: int, viewer: Navigator) -> Handoff:
    """The handoff, if `viewer` may see it; else the refusal is audited and NotFound raised."""
    handoff = session.execute(
        select(Handoff).where(Handoff.id == handoff_id, visible(viewer))
    ).scalar_one_or_none()
    if handoff is None:
        session.add(AuditEntry(navigator_id=viewer.id, action="denied", handoff_id=handoff_id))
        session.commit()
        raise NotFound("No such conversation in your queue.")
    return handoff


def taken_on(session: Session, handoff_id: int, navigator: Navigator) -> Handoff:
    """A handoff this navigator claimed (in any state since), or any for an overseer."""
    handoff = visible_handoff(session, handoff_id, navigator)
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
