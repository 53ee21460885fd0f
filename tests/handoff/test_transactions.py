"""One use case, one transaction: a failure part-way leaves nothing half done.

Each test makes a step fail at the point where the change used to be committed in two or
three pieces (claim, then hold; reply, then audit; enrol, then text, then audit; STOP, then
the check-ins), and checks that nothing of the use case was kept.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from bot.accounts.models import NAVIGATOR, SUPERVISOR
from bot.checkins.models import CheckInSeries
from bot.conversations.models import Contact, Conversation, Message, Outbox
from bot.db import utcnow
from bot.handoff import audit
from bot.handoff import console as console_module
from bot.handoff.errors import Conflict
from bot.handoff.models import AuditEntry, Handoff
from bot.sms import inbound as sms_inbound
from bot.sms.inbound import InboundSms
from tests.support import PASSWORD, count_rows, dispose, make_services, make_settings


class Boom(RuntimeError):
    """The failure a test injects."""


@pytest.fixture
def settings(database_url):
    return make_settings(database_url, NAVIGATOR_HOURS="24/7")


@pytest.fixture
def ana(services):
    return services.accounts.create("ana@example.org", "Ana", PASSWORD, NAVIGATOR)


def texted(services, body="I need help", phone="+18605550111", sid="SMtx1"):
    """A person who texted the line; their conversation."""
    services.sms.handle(InboundSms(phone=phone, body=body, message_sid=sid))
    with services.sessions() as session:
        return session.execute(select(Conversation).order_by(Conversation.id.desc())).scalar()


def fail_audit_of(monkeypatch, module, action: str) -> None:
    """Make writing the audit row of `action` fail, as a crash at that point would."""
    real = audit.entry

    def entry(navigator_id, name, handoff, detail=None):
        if name == action:
            raise Boom(action)
        return real(navigator_id, name, handoff, detail)

    monkeypatch.setattr(module, "entry", entry)


def test_a_claim_that_fails_before_it_holds_the_conversation_leaves_it_waiting(
    services, ana, monkeypatch
):
    conversation = texted(services)
    handoff = services.handoffs.request(conversation.id, "treatment", False).handoff

    def hold_fails(session, conversation_id, navigator_id):
        raise Boom("hold")

    monkeypatch.setattr(console_module, "hold", hold_fails)
    with pytest.raises(Boom):
        services.console.claim(handoff.id, ana)
    with services.sessions() as session:
        kept = session.get(Handoff, handoff.id)
        assert (kept.status, kept.claimed_by) == (Handoff.WAITING, None)
        assert session.get(Conversation, conversation.id).navigator_id is None
    monkeypatch.undo()
    services.console.claim(handoff.id, ana)  # and it can be claimed for real afterwards
    with services.sessions() as session:
        assert session.get(Conversation, conversation.id).navigator_id == ana.id


def test_a_reply_whose_audit_row_fails_is_not_sent(services, ana, monkeypatch):
    conversation = texted(services)
    handoff = services.handoffs.request(conversation.id, "treatment", False).handoff
    services.console.claim(handoff.id, ana)
    fail_audit_of(monkeypatch, console_module, "reply")
    with pytest.raises(Boom):
        services.console.reply(handoff.id, ana, "Hi, I'm Ana.")
    assert count_rows(services.sessions, Message, Message.author == "navigator") == 0
    assert count_rows(services.sessions, Outbox, Outbox.status == Outbox.QUEUED) == 0
    assert count_rows(services.sessions, AuditEntry, AuditEntry.action == "reply") == 0


def test_check_ins_whose_audit_row_fails_are_not_started_nor_announced(services, ana, monkeypatch):
    conversation = texted(services)
    handoff = services.handoffs.request(conversation.id, "overdose", False).handoff
    services.console.claim(handoff.id, ana)
    fail_audit_of(monkeypatch, console_module, "checkins_start")
    with pytest.raises(Boom):
        services.console.start_checkins(handoff.id, ana, "overdose", consented=True)
    assert count_rows(services.sessions, CheckInSeries) == 0
    assert count_rows(services.sessions, Message, Message.author == "checkin") == 0


def test_stop_that_fails_part_way_changes_nothing_and_the_worker_finishes_it(services, monkeypatch):
    conversation = texted(services, body="CHECKIN", sid="SMtx-optin")
    assert count_rows(services.sessions, CheckInSeries, CheckInSeries.status == "active") == 1

    def end_fails(session, contact_id):
        raise Boom("checkins")

    carrier = services.inbound.steps["sms"][0]
    monkeypatch.setattr(carrier, "end_checkins", end_fails)
    with pytest.raises(Boom):
        services.sms.handle(InboundSms(phone="+18605550111", body="STOP", message_sid="SMtx-stop"))
    with services.sessions() as session:
        assert session.get(Contact, conversation.contact_id).opted_out_at is None
        stop = session.execute(select(Message).where(Message.body == "STOP")).scalar_one()
        assert stop.status == Message.PROCESSING  # kept, and not answered
    assert count_rows(services.sessions, CheckInSeries, CheckInSeries.status == "active") == 1

    monkeypatch.undo()
    with time_machine.travel(utcnow() + timedelta(minutes=2)):
        services.inbound.answer_pending()
    with services.sessions() as session:
        assert session.get(Contact, conversation.contact_id).opted_out_at is not None
        assert session.get(Message, stop.id).status == Message.ANSWERED
    assert count_rows(services.sessions, CheckInSeries, CheckInSeries.status == "active") == 0


def test_a_replayed_start_after_stop_does_not_opt_the_person_in_again(services):
    phone = "+18605550122"
    services.sms.handle(InboundSms(phone=phone, body="START", message_sid="SMreplay-start"))
    services.sms.handle(InboundSms(phone=phone, body="STOP", message_sid="SMreplay-stop"))
    # The provider delivers the earlier START again (a retry): it is recognised first.
    again = services.sms.handle(InboundSms(phone=phone, body="START", message_sid="SMreplay-start"))
    assert again == []
    with services.sessions() as session:
        assert session.execute(select(Contact.opted_out_at)).scalar_one() is not None


def test_the_steps_never_see_a_repeated_message(services, monkeypatch):
    seen = []
    real = sms_inbound.keyword
    monkeypatch.setattr(sms_inbound, "keyword", lambda text: seen.append(text) or real(text))
    for _ in range(3):
        services.sms.handle(InboundSms(phone="+18605550133", body="HELP", message_sid="SMonce"))
    assert seen == ["HELP"]


@pytest.fixture
def both(url_of_each_kind):
    built = make_services(make_settings(url_of_each_kind, NAVIGATOR_HOURS="24/7"))
    yield built
    dispose(built)


@pytest.mark.parametrize("action", ["close", "hand_back"])
def test_closing_or_handing_back_at_once_has_one_winner(both, action):
    ana = both.accounts.create("ana@example.org", "Ana", PASSWORD, NAVIGATOR)
    sue = both.accounts.create("sue@example.org", "Sue", PASSWORD, SUPERVISOR)
    conversation = both.conversations.start("web")
    handoff = both.handoffs.request(conversation.id, "treatment", False).handoff
    both.console.claim(handoff.id, ana)
    barrier, outcomes = threading.Barrier(2), []

    def act(navigator):
        barrier.wait()
        try:
            if action == "close":
                both.console.close(handoff.id, navigator, "treatment")
            else:
                both.console.hand_back(handoff.id, navigator)
            outcomes.append("done")
        except Conflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=act, args=(n,)) for n in (ana, sue)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict", "done"]
    assert count_rows(both.sessions, AuditEntry, AuditEntry.action == action) == 1
