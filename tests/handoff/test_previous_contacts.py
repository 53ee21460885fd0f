"""Previous contacts: the same person's earlier requests on the conversation page, only with
their consent, only to whoever may read them, audited, and gone with retention and erasure.

On both databases (PostgreSQL when reachable at TEST_POSTGRES_URL, as tests/conftest.py
decides).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from bot.accounts.models import SUPERVISOR
from bot.conversations.models import Conversation, Message
from bot.db import utcnow
from bot.handoff.errors import NotFound
from bot.handoff.models import AuditEntry, Handoff
from bot.sms.inbound import InboundSms
from tests.support import dispose, make_services, make_settings

PHONE = "+18605550177"
PASSWORD = "correct horse battery"


@pytest.fixture
def services(url_of_each_kind):
    built = make_services(make_settings(url_of_each_kind, NAVIGATOR_HOURS="24/7"))
    yield built
    dispose(built)


@pytest.fixture
def staff(services):
    accounts = services.accounts
    return {
        "ana": accounts.create("ana@example.org", "Ana", PASSWORD),
        "ben": accounts.create("ben@example.org", "Ben", PASSWORD),
        "sue": accounts.create("sue@example.org", "Sue", PASSWORD, SUPERVISOR),
    }


def texted(services, body="hello", phone=PHONE, sid="SM1") -> Conversation:
    """The person texts the line; their (one) SMS conversation."""
    services.sms.handle(InboundSms(phone=phone, body=body, message_sid=sid))
    with services.sessions() as session:
        return session.execute(
            select(Conversation)
            .where(Conversation.channel == "sms")
            .order_by(Conversation.id.desc())
            .limit(1)
        ).scalar_one()


def earlier_request(services, conversation_id, navigator, note="Wanted kit hours"):
    """A request a navigator took on, noted and closed with naloxone and transport tags."""
    handoff = services.handoffs.request(conversation_id, "naloxone", True, {}).handoff
    services.console.claim(handoff.id, navigator)
    services.console.note(handoff.id, navigator, note)
    services.console.close(handoff.id, navigator, "naloxone", ["transport", "naloxone"])
    return handoff


def previous_views(services):
    with services.sessions() as session:
        return session.execute(
            select(AuditEntry.navigator_id, AuditEntry.handoff_id, AuditEntry.detail).where(
                AuditEntry.action == "previous_view"
            )
        ).all()


def test_the_holder_and_supervisors_see_earlier_requests_with_outcome_tags_and_notes(
    services, staff
):
    conversation = texted(services)
    first = earlier_request(services, conversation.id, staff["ben"])
    now = services.handoffs.request(conversation.id, "treatment", True, {"town": "Norwich"})
    current = now.handoff

    # Before the claim a navigator learns only that there were earlier contacts.
    waiting = services.console.view(current.id, staff["ana"]).previous
    assert waiting.withheld and waiting.shown == []
    assert previous_views(services) == []

    services.console.claim(current.id, staff["ana"])
    (shown,) = services.console.view(current.id, staff["ana"]).previous.shown
    assert shown.handoff.id == first.id and shown.handoff.outcome == "naloxone"
    assert shown.referrals == ["naloxone", "transport"]  # REFERRAL_TAGS order
    assert [(note.body, name) for note, name in shown.notes] == [("Wanted kit hours", "Ben")]
    assert shown.channel == "sms"

    supervisor = services.console.view(current.id, staff["sue"]).previous
    assert [p.handoff.id for p in supervisor.shown] == [first.id]
    # Each look is audited against the earlier request, naming the one it was seen from.
    assert previous_views(services) == [
        (staff["ana"].id, first.id, f"on request {current.id}"),
        (staff["sue"].id, first.id, f"on request {current.id}"),
    ]
    # Ben, who closed the earlier one, may not open today's (the existing rule).
    with pytest.raises(NotFound):
        services.console.view(current.id, staff["ben"])


def test_nothing_is_shown_or_looked_up_when_the_person_declined_sharing(services, staff):
    conversation = texted(services)
    earlier_request(services, conversation.id, staff["ben"])
    current = services.handoffs.request(conversation.id, "treatment", False).handoff
    services.console.claim(current.id, staff["ana"])
    for viewer in (staff["ana"], staff["sue"]):
        previous = services.console.view(current.id, viewer).previous
        assert previous.declined and not previous.withheld and previous.shown == []
    assert previous_views(services) == []


def test_only_the_same_persons_requests_count(services, staff):
    conversation = texted(services)
    with services.sessions() as session:
        contact_id = session.get(Conversation, conversation.id).contact_id
    # An older conversation of the same phone counts; another phone and a web chat do not.
    same_phone = services.conversations.start("sms", contact_id=contact_id)
    ours = earlier_request(services, same_phone.id, staff["ben"], "same phone")
    stranger = texted(services, phone="+18605550188", sid="SM2")
    earlier_request(services, stranger.id, staff["ben"], "another phone")
    earlier_request(services, services.conversations.start("web").id, staff["ben"], "web")
    current = services.handoffs.request(conversation.id, "other", True, {}).handoff
    services.console.claim(current.id, staff["ana"])
    shown = services.console.view(current.id, staff["ana"]).previous.shown
    assert [p.handoff.id for p in shown] == [ours.id]

    # A web chat's own earlier request is the same person's.
    chat = services.conversations.start("web")
    before = earlier_request(services, chat.id, staff["ben"], "asked before in this chat")
    again = services.handoffs.request(chat.id, "other", True, {}).handoff
    assert again.id != before.id
    services.console.claim(again.id, staff["ana"])
    assert [p.handoff.id for p in services.console.view(again.id, staff["ana"]).previous.shown] == [
        before.id
    ]


def test_retention_and_erasure_take_earlier_requests_off_the_page(services, staff):
    conversation = texted(services)
    with services.sessions() as session:
        contact_id = session.get(Conversation, conversation.id).contact_id
    old = services.conversations.start("sms", contact_id=contact_id)
    older = earlier_request(services, old.id, staff["ben"], "from long ago")
    recent = services.conversations.start("sms", contact_id=contact_id)
    earlier_request(services, recent.id, staff["ben"], "last week")
    current = services.handoffs.request(conversation.id, "other", True, {}).handoff
    services.console.claim(current.id, staff["ana"])

    def shown():
        previous = services.console.view(current.id, staff["ana"]).previous
        return [note.body for p in previous.shown for note, _ in p.notes]

    assert shown() == ["last week", "from long ago"]  # newest first
    # The old conversation idles past RETENTION_DAYS (30): the nightly run expires it.
    long_ago = utcnow() - timedelta(days=40)
    with services.sessions() as session:
        session.execute(
            update(Conversation)
            .where(Conversation.id == old.id)
            .values(created_at=long_ago, last_activity_at=long_ago)
        )
        session.execute(
            update(Message).where(Message.conversation_id == old.id).values(created_at=long_ago)
        )
        session.execute(
            update(Handoff)
            .where(Handoff.id == older.id)
            .values(requested_at=long_ago, closed_at=long_ago)
        )
        session.commit()
    assert shown() == ["last week"]  # older than the retention period
    services.retention.run()
    with services.sessions() as session:
        assert session.get(Conversation, old.id).expired_at is not None
    # A console keeping requests longer still leaves out one from before the expiry.
    services.console.retention = timedelta(days=90)
    assert shown() == ["last week"]
    services.console.retention = None
    assert shown() == ["last week"]

    services.conversations.erase([recent.id])
    assert shown() == []
