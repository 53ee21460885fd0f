"""A navigator starts and ends check-ins from the console, only with the person's consent."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.checkins.models import CheckInSeries
from bot.conversations.models import Message, Outbox
from bot.handoff.models import AuditEntry
from bot.sms.inbound import InboundSms
from tests.support import ConsoleBrowser, request_for, web_chat


@pytest.fixture
def texted(sms, conversations, handoffs):
    """A person who texted and asked for a navigator: (handoff, conversation id)."""
    sms.handle(InboundSms(phone="+18605550111", body="I need help", message_sid="SMcon1"))
    with conversations.sessions() as session:
        conversation_id = session.execute(
            select(Message.conversation_id).where(Message.direction == "in")
        ).scalar_one()
    handoff = handoffs.request(conversation_id, "treatment", False).handoff
    return handoff, conversation_id


def series(conversations) -> list:
    with conversations.sessions() as session:
        return list(session.execute(select(CheckInSeries)).scalars())


def checkin_messages(conversations) -> list:
    with conversations.sessions() as session:
        return list(
            session.execute(
                select(Message.body, Outbox.status)
                .join(Outbox, Outbox.message_id == Message.id)
                .where(Message.author == "checkin")
            ).all()
        )


def audit_actions(conversations) -> list:
    with conversations.sessions() as session:
        return list(session.execute(select(AuditEntry.action).order_by(AuditEntry.id)).scalars())


def test_a_navigator_starts_check_ins_with_the_persons_consent(ana, texted, conversations):
    handoff, conversation_id = texted
    unclaimed = ana.post(
        f"/console/handoffs/{handoff.id}/checkins", {"reason": "overdose", "consent": "yes"}
    )
    assert unclaimed.status_code == 403
    assert "Claim this conversation first" in unclaimed.get_data(as_text=True)
    ana.post(f"/console/handoffs/{handoff.id}/claim")
    page = ana.get(f"/console/handoffs/{handoff.id}").get_data(as_text=True)
    assert "The person agreed to check-in texts" in page

    refused = ana.post(f"/console/handoffs/{handoff.id}/checkins", {"reason": "overdose"})
    assert refused.status_code == 400
    assert "need the person&#39;s agreement" in refused.get_data(as_text=True)
    assert series(conversations) == []

    started = ana.post(
        f"/console/handoffs/{handoff.id}/checkins", {"reason": "overdose", "consent": "yes"}
    )
    assert started.status_code == 302
    [made] = series(conversations)
    assert (made.conversation_id, made.reason, made.enrolled_by) == (
        conversation_id, "overdose", "navigator"
    )  # fmt: skip
    assert made.navigator_id is not None and made.consented_at is not None
    # The person is told at once, by text, with how to pause or end them.
    [(body, status)] = checkin_messages(conversations)
    assert body.startswith("As you agreed with your navigator, we'll text to check in tomorrow")
    assert "PAUSE" in body and "STOP CHECKINS" in body and status == Outbox.QUEUED
    assert "checkins_start" in audit_actions(conversations)

    page = ana.get(f"/console/handoffs/{handoff.id}").get_data(as_text=True)
    assert "Check-ins are <strong>active</strong>" in page and "Day 30: scheduled" in page
    again = ana.post(
        f"/console/handoffs/{handoff.id}/checkins", {"reason": "overdose", "consent": "yes"}
    )
    assert again.status_code == 409 and len(series(conversations)) == 1

    ended = ana.post(f"/console/handoffs/{handoff.id}/checkins/end")
    assert ended.status_code == 302
    [made] = series(conversations)
    assert (made.status, made.end_reason) == ("ended", "navigator")
    assert "checkins_end" in audit_actions(conversations)


def test_check_ins_are_not_offered_for_a_web_chat(ana, app, conversations, handoffs):
    handoff = request_for(conversations, handoffs, web_chat(app))
    ana.post(f"/console/handoffs/{handoff.id}/claim")
    page = ana.get(f"/console/handoffs/{handoff.id}").get_data(as_text=True)
    assert "Check-in texts" not in page
    refused = ana.post(
        f"/console/handoffs/{handoff.id}/checkins", {"reason": "overdose", "consent": "yes"}
    )
    assert refused.status_code == 400
    assert "only for people who text" in refused.get_data(as_text=True)


def test_another_navigators_conversation_is_not_found(
    console, app, staff, texted, handoffs, conversations
):
    handoff, _ = texted
    console.claim(handoff.id, staff["ana"])
    ben = ConsoleBrowser(app)
    ben.sign_in("ben@example.org")
    refused = ben.post(
        f"/console/handoffs/{handoff.id}/checkins", {"reason": "overdose", "consent": "yes"}
    )
    assert refused.status_code == 404
    assert series(conversations) == []
