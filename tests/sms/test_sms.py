"""The SMS webhook, signed exactly as Twilio signs, and the outbox behind it."""

from __future__ import annotations

import logging
import threading
import xml.etree.ElementTree as ET
from datetime import timedelta
from itertools import count

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from sqlalchemy import func, select, text
from twilio.request_validator import RequestValidator

from bot.conversations.messages import safety_reply
from bot.conversations.models import Contact, Conversation, Message, Outbox
from bot.db import make_engine, utcnow
from bot.privacy import PhoneVault
from bot.sms.outbox import MAX_ATTEMPTS
from bot.sms.sender import SendError
from tests.support import PUBLIC, TWILIO_TOKEN, RecordingSender, make_services, make_settings
from webhook import create_app

PHONE = "+18605550142"
_sids = count(1)


@pytest.fixture
def client(services):
    return create_app(services, {"TESTING": True}).test_client()


@pytest.fixture
def vault(services) -> PhoneVault:
    return services.vault


@pytest.fixture
def outbox(services):
    return services.outbox


def signed_post(client, path, params, token=TWILIO_TOKEN, signature=None):
    """POST form `params` with the signature Twilio would compute for our public URL."""
    if signature is None:
        signature = RequestValidator(token).compute_signature(PUBLIC + path, params)
    return client.post(path, data=params, headers={"X-Twilio-Signature": signature})


def text_in(client, body, phone=PHONE, sid=None, **extra):
    params = {"From": phone, "To": "+18605550100", "Body": body,
              "MessageSid": sid or f"SM{next(_sids):032d}", "NumMedia": "0", **extra}  # fmt: skip
    return signed_post(client, "/sms/inbound", params)


def replies(response) -> list:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/xml"
    return [m.text for m in ET.fromstring(response.get_data()).iter("Message")]


def count_rows(conversations, model, *where) -> int:
    with conversations.sessions() as session:
        return session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


# -- signatures --------------------------------------------------------------------------


@pytest.mark.parametrize("signature", ["", "bm90IGEgc2lnbmF0dXJl", None])
def test_unsigned_or_forged_requests_are_refused_before_the_database(client, conversations,
                                                                     signature):  # fmt: skip
    params = {"From": PHONE, "Body": "hi", "MessageSid": "SMforged"}
    if signature is None:
        response = signed_post(client, "/sms/inbound", params, token="someone-elses-token")
    else:
        response = client.post(
            "/sms/inbound", data=params, headers={"X-Twilio-Signature": signature}
        )
    assert response.status_code == 403
    assert count_rows(conversations, Message) == 0 and count_rows(conversations, Contact) == 0


def test_tampered_body_is_refused(client, conversations):
    params = {"From": PHONE, "Body": "hi", "MessageSid": "SMtamper"}
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(PUBLIC + "/sms/inbound", params)
    tampered = {**params, "Body": "something else"}
    response = client.post("/sms/inbound", data=tampered, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403
    assert count_rows(conversations, Message) == 0


def test_signature_for_the_internal_url_is_refused_behind_a_proxy(client):
    params = {"From": PHONE, "Body": "hi", "MessageSid": "SMinternal"}
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(
        "http://localhost/sms/inbound", params
    )
    response = client.post("/sms/inbound", data=params, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403


def test_no_auth_token_configured_fails_closed(database_url, conversations):
    unsigned = make_settings(database_url, TWILIO_AUTH_TOKEN="")
    app = create_app(make_services(unsigned))
    response = signed_post(app.test_client(), "/sms/inbound",
                           {"From": PHONE, "Body": "hi", "MessageSid": "SMx"})  # fmt: skip
    assert response.status_code == 403
    assert count_rows(conversations, Message) == 0


# -- conversation over SMS ---------------------------------------------------------------


def test_a_text_gets_the_assistants_answer_inline(outbox, client, assistant, conversations):
    assert replies(text_in(client, "where can i get narcan")) == ["echo: where can i get narcan"]
    sender_id, said, channel = assistant.received[0]
    assert said == "where can i get narcan" and channel == "sms"
    assert PHONE not in sender_id and "5550142" not in sender_id
    # Sent inline, so nothing waits in the outbox.
    assert count_rows(conversations, Outbox, Outbox.status == Outbox.QUEUED) == 0
    assert count_rows(conversations, Outbox, Outbox.status == Outbox.INLINE) == 1


def test_one_phone_keeps_one_conversation(client, assistant):
    text_in(client, "hi")
    text_in(client, "hello again", phone="(860) 555-0142")
    text_in(client, "hi", phone="+18605550199")
    senders = [r[0] for r in assistant.received]
    assert senders[0] == senders[1] != senders[2]


def test_repeated_message_sid_gets_exactly_one_reply(client, assistant, conversations):
    first = replies(text_in(client, "hi", sid="SMretry"))
    again = replies(text_in(client, "hi", sid="SMretry"))
    assert first == ["echo: hi"] and again == []
    assert len(assistant.received) == 1
    assert count_rows(conversations, Message, Message.direction == "in") == 1


def test_two_deliveries_of_one_message_at_once_get_one_reply(client, assistant, conversations):
    barrier = threading.Barrier(2)
    results = []

    def deliver():
        barrier.wait()
        results.append(replies(text_in(client, "same", sid="SMtwice")))

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(map(len, results)) == [0, 1]
    assert len(assistant.received) == 1


def test_rasa_down_gives_the_safety_reply_and_the_answer_follows_by_the_outbox(
    outbox, inbound, client, assistant, conversations, sms, vault
):
    assistant.down = True
    assert replies(text_in(client, "is anyone there")) == [safety_reply()]
    assistant.down = False
    assert inbound.answer_pending() == 1
    sender = RecordingSender()
    assert outbox.deliver_due(sender) == 1
    assert sender.sent == [(PHONE, "echo: is anyone there")]
    assert outbox.deliver_due(sender) == 0  # never twice


# -- carrier keywords --------------------------------------------------------------------


@pytest.mark.parametrize("word", ["STOP", "stop", "Stop.", "STOPALL", "unsubscribe", "CANCEL",
                                  "end", "QUIT"])  # fmt: skip
def test_stop_words_opt_out_at_once(client, assistant, conversations, word):
    confirm = replies(text_in(client, word))
    assert len(confirm) == 1 and "START" in confirm[0]
    assert replies(text_in(client, "hello?")) == []
    assert assistant.received == []
    # The message is still kept.
    assert count_rows(conversations, Message, Message.status == Message.SUPPRESSED) == 1


def test_start_resumes_after_stop(client, assistant):
    text_in(client, "STOP")
    assert replies(text_in(client, "unstop"))[0].startswith("Welcome back")
    assert replies(text_in(client, "hi")) == ["echo: hi"]


def test_stop_using_is_a_question_not_an_opt_out(client, assistant):
    assert replies(text_in(client, "stop using")) == ["echo: stop using"]
    assert replies(text_in(client, "how do i stop")) == ["echo: how do i stop"]


def test_stop_cancels_queued_texts(outbox, inbound, client, assistant, conversations):
    assistant.down = True
    text_in(client, "hi")
    assistant.down = False
    inbound.answer_pending()
    text_in(client, "STOP")
    sender = RecordingSender()
    assert outbox.deliver_due(sender) == 0 and sender.sent == []
    assert count_rows(conversations, Outbox, Outbox.status == Outbox.SUPPRESSED) == 1


def test_help_names_the_line_and_how_to_reach_a_person(client, assistant):
    answer = replies(text_in(client, "HELP"))
    assert len(answer) == 1
    assert "Test County Helpline" in answer[0] and "911" in answer[0] and "988" in answer[0]
    assert "STOP" in answer[0] and len(answer[0]) <= 320
    assert assistant.received == []


def test_media_is_not_fetched_and_the_person_is_told(client, assistant):
    media = {"NumMedia": "1", "MediaUrl0": "https://api.twilio.com/x.jpg",
             "MediaContentType0": "image/jpeg"}  # fmt: skip
    only_media = replies(text_in(client, "", **media))
    assert len(only_media) == 1 and "text only" in only_media[0]
    with_text = replies(text_in(client, "what is this pill", **media))
    assert "text only" in with_text[0] and with_text[1] == "echo: what is this pill"


def test_empty_body_gets_a_clear_answer(client, assistant, conversations):
    assert replies(text_in(client, "   ")) == [
        "We got an empty message. Type your question and send it any time."
    ]
    assert assistant.received == []
    assert count_rows(conversations, Message, Message.direction == "in") == 1


def test_long_mixed_script_text_with_emoji_is_kept_whole(client, assistant, conversations):
    body = ("Necesito ayuda 🙏 мне нужна помощь 我需要帮助 " * 40)[:1600]
    assert replies(text_in(client, body)) == [f"echo: {body}"]
    with conversations.sessions() as session:
        stored = session.execute(select(Message.body).where(Message.direction == "in")).scalar_one()
    assert stored == body


# -- privacy -----------------------------------------------------------------------------


def test_phone_is_stored_only_encrypted_and_found_by_keyed_hash(client, conversations, vault,
                                                                database_url):  # fmt: skip
    text_in(client, "hi")
    engine = make_engine(database_url)
    with engine.connect() as connection:
        for table in ("contacts", "conversations", "messages", "outbox"):
            for row in connection.execute(text(f"SELECT * FROM {table}")):
                assert "5550142" not in " ".join(map(str, row))
    with conversations.sessions() as session:
        contact = session.execute(select(Contact)).scalar_one()
    assert contact.key == vault.key("860-555-0142")
    assert vault.decrypt(contact.phone_encrypted) == PHONE


def test_no_phone_number_or_message_body_in_any_log_line(client, assistant, sms, caplog):
    caplog.set_level(logging.DEBUG)
    assistant.down = True
    text_in(client, "my secret words")
    text_in(client, "DELETE")
    text_in(client, "STOP")
    client.post("/sms/inbound", data={"From": PHONE, "Body": "forged words", "MessageSid": "x"})
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert logged  # something was logged, so the check means something
    for secret in ("5550142", "secret words", "forged words"):
        assert secret not in logged


def test_delete_erases_messages_and_tracker(client, assistant, conversations, trackers):
    text_in(client, "hi")
    text_in(client, "another")
    sender_id = assistant.received[0][0]
    confirm = replies(text_in(client, "delete"))
    assert "erased" in confirm[0]
    assert trackers.erased == [sender_id]
    assert count_rows(conversations, Message) == 0
    assert count_rows(conversations, Conversation) == 0
    text_in(client, "hi again")
    assert assistant.received[-1][0] != sender_id  # a fresh pseudonym afterwards


def test_delete_removes_the_phone_number_too(client, conversations):
    text_in(client, "hi")
    replies(text_in(client, "DELETE"))
    assert count_rows(conversations, Contact) == 0
    assert count_rows(conversations, Message) == 0


def test_delete_after_stop_erases_everything_and_stop_stays_honoured(
    client, assistant, conversations, trackers, vault
):
    text_in(client, "my private words")
    text_in(client, "STOP")
    confirm = replies(text_in(client, "DELETE"))
    assert "erased" in confirm[0]
    assert count_rows(conversations, Message) == 0  # DELETE itself is not kept either
    assert len(trackers.erased) == 1
    with conversations.sessions() as session:
        contact = session.execute(select(Contact)).scalar_one()
    assert contact.phone_encrypted == "" and contact.opted_out_at is not None
    assert contact.key == vault.key(PHONE)
    assert replies(text_in(client, "hello?")) == []  # still opted out
    assert replies(text_in(client, "START"))[0].startswith("Welcome back")
    with conversations.sessions() as session:
        contact = session.execute(select(Contact)).scalar_one()
    assert vault.decrypt(contact.phone_encrypted) == PHONE


def test_delete_removes_the_providers_copies_of_the_texts_too(
    client, inbound, outbox, sender, assistant
):
    text_in(client, "hi", sid="SMcopy0001")
    assistant.down = True
    text_in(client, "are you there", sid="SMcopy0002")  # kept; the answer goes by the outbox
    assistant.down = False
    inbound.answer_pending()
    assert outbox.deliver_due(sender) >= 1
    replies(text_in(client, "DELETE", sid="SMcopy0003"))
    carrier = inbound.steps["sms"][0]
    carrier.copies_job.join(timeout=5)
    deleted = set(sender.deleted)
    assert {"SMcopy0001", "SMcopy0002", "SMcopy0003"} <= deleted
    assert any(sid.startswith("SMout") for sid in deleted)  # the line's own replies too


def test_delete_with_rasa_store_down_removes_nothing_and_says_so(
    client, assistant, conversations, trackers
):
    text_in(client, "hi")
    trackers.fail_with = ConnectionError("tracker store down")
    answer = replies(text_in(client, "DELETE"))
    assert "could not erase" in answer[0] and "DELETE again" in answer[0]
    assert count_rows(conversations, Conversation) == 1
    assert count_rows(conversations, Contact) == 1
    trackers.fail_with = None
    assert "erased" in replies(text_in(client, "DELETE"))[0]
    assert count_rows(conversations, Message) == 0


# -- outbox --------------------------------------------------------------------------------


def queue_one(inbound, client, assistant):
    assistant.down = True
    text_in(client, "hi")
    assistant.down = False
    inbound.answer_pending()


def test_transient_failures_retry_with_back_off_then_succeed(
    inbound, outbox, client, assistant, conversations
):
    queue_one(inbound, client, assistant)
    sender = RecordingSender()
    sender.fail_with = SendError("20429", permanent=False)
    assert outbox.deliver_due(sender) == 0
    with conversations.sessions() as session:
        entry = session.execute(select(Outbox).where(Outbox.status == Outbox.QUEUED)).scalar_one()
        wait = entry.next_attempt_at.replace(tzinfo=None) - utcnow().replace(tzinfo=None)
        assert timedelta(seconds=5) < wait <= timedelta(seconds=10)
        entry.next_attempt_at = utcnow()
        session.commit()
    sender.fail_with = None
    assert outbox.deliver_due(sender) == 1
    with conversations.sessions() as session:
        entry = session.execute(select(Outbox).where(Outbox.status == Outbox.SENT)).scalar_one()
    assert entry.provider_id == "SMout00000000000000000000000000001"
    assert entry.attempts == 2


def test_permanent_failure_and_too_many_tries_give_up(
    inbound, outbox, client, assistant, conversations, sms
):
    queue_one(inbound, client, assistant)
    sender = RecordingSender()
    sender.fail_with = SendError("21610", permanent=True)
    outbox.deliver_due(sender)
    assert count_rows(conversations, Outbox, Outbox.status == Outbox.FAILED) == 1

    queue_one(inbound, client, assistant)
    sender.fail_with = SendError("20500", permanent=False)
    for _ in range(MAX_ATTEMPTS):
        with conversations.sessions() as session:
            session.execute(Outbox.__table__.update().values(next_attempt_at=utcnow()))
            session.commit()
        outbox.deliver_due(sender)
    assert count_rows(conversations, Outbox, Outbox.status == Outbox.FAILED) == 2


def test_a_send_interrupted_mid_way_is_never_repeated(
    inbound, outbox, client, assistant, conversations, sms
):
    queue_one(inbound, client, assistant)
    with conversations.sessions() as session:
        session.execute(
            Outbox.__table__.update()
            .where(Outbox.status == Outbox.QUEUED)
            .values(status=Outbox.SENDING, claimed_at=utcnow() - timedelta(minutes=10))
        )
        session.commit()
    sender = RecordingSender()
    assert outbox.deliver_due(sender) == 0 and sender.sent == []
    assert count_rows(conversations, Outbox, Outbox.status == Outbox.UNKNOWN) == 1


def test_status_callbacks_are_signed_and_recorded(
    inbound, outbox, client, assistant, conversations, sms
):
    queue_one(inbound, client, assistant)
    outbox.deliver_due(RecordingSender())
    sid = "SMout00000000000000000000000000001"
    forged = client.post("/sms/status", data={"MessageSid": sid, "MessageStatus": "failed"})
    assert forged.status_code == 403
    ok = signed_post(
        client,
        "/sms/status",
        {"MessageSid": sid, "MessageStatus": "undelivered", "ErrorCode": "30003"},
    )
    assert ok.status_code == 204
    with conversations.sessions() as session:
        entry = session.execute(select(Outbox).where(Outbox.provider_id == sid)).scalar_one()
    assert (entry.status, entry.error_code) == (Outbox.FAILED, "30003")


# -- anything at all -----------------------------------------------------------------------


@hsettings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=st.text(max_size=1600), media=st.integers(min_value=0, max_value=3))
def test_any_text_is_stored_exactly_once_and_never_a_5xx(client, conversations, body, media):
    sid = f"SMprop{next(_sids):030d}"
    response = text_in(client, body, sid=sid, NumMedia=str(media))
    assert response.status_code == 200
    again = text_in(client, body, sid=sid, NumMedia=str(media))
    assert again.status_code == 200
    if body.strip().upper().strip(".!?,;:'\"()").strip() == "DELETE":
        return  # erased on request, by design
    assert count_rows(conversations, Message, Message.external_id == sid) == 1


def test_a_replayed_start_does_not_opt_back_in_after_stop(client, assistant):
    text_in(client, "STOP", sid="SMreplay0001")
    text_in(client, "START", sid="SMreplay0002")
    text_in(client, "STOP", sid="SMreplay0003")
    assert replies(text_in(client, "START", sid="SMreplay0002")) == []  # the carrier's retry
    assert replies(text_in(client, "hi")) == []  # still opted out
    assert assistant.received == []


def test_twilio_copies_are_deleted_one_by_one_and_a_refusal_is_only_logged(caplog):
    from twilio.base.exceptions import TwilioRestException

    from bot.sms.sender import TwilioSender

    class Copy:
        def __init__(self, sid):
            self.sid = sid

        def delete(self):
            if self.sid == "SMbusy":
                raise TwilioRestException(409, "/Messages/SMbusy", "still sending", code=20009)
            return True

    twilio = TwilioSender("AC" + "0" * 32, "token", "https://x/status", from_number="+18605550100")
    twilio._client = type("Client", (), {"messages": staticmethod(Copy)})()
    caplog.set_level(logging.INFO)
    assert twilio.delete(["SMone", "SMbusy", "SMtwo"]) == 2
    assert "Twilio kept a message copy" in caplog.text and "SMbusy" not in caplog.text
