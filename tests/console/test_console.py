"""The navigator console through the Flask test client, over https as in production."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select, update

from bot.accounts.service import FAILURES_PER_ACCOUNT_AT_ADDRESS
from bot.conversations.models import Conversation, Message, Outbox
from bot.handoff.models import AuditEntry, Handoff
from bot.sms.inbound import InboundSms
from bot.sms.sender import SendError
from tests.support import (
    PASSWORD,
    ConsoleBrowser,
    request_for,
    web_chat,
)

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def count(conversations, model) -> int:
    with conversations.sessions() as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


# -- signing in --------------------------------------------------------------------------


def test_sign_in_page_is_accessible_and_has_a_csrf_token(app):
    page = ConsoleBrowser(app).get("/console/sign-in")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<label for="email">' in html and '<label for="password">' in html
    assert 'autocomplete="current-password"' in html and _TOKEN.search(html)
    assert page.headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]


def test_signing_in_sets_a_secure_httponly_samesite_cookie(app, staff):
    response = ConsoleBrowser(app).sign_in("ana@example.org")
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie


# -- the second factor ---------------------------------------------------------------------


def test_a_password_alone_does_not_open_the_console(app, staff):
    browser = ConsoleBrowser(app)
    response = browser.sign_in("ana@example.org", second_factor=False)
    assert response.headers["Location"].endswith("/console/second-factor")
    assert browser.get("/console/").status_code == 302  # back to sign-in
    assert browser.get("/console/queue.json").status_code == 401


def test_first_sign_in_enrols_with_a_qr_code_and_gives_recovery_codes_once(app, staff):
    import pyotp

    browser = ConsoleBrowser(app)
    browser.sign_in("ana@example.org", second_factor=False)
    page = browser.get("/console/second-factor").get_data(as_text=True)
    assert "<svg" in page and "Set up your authenticator" in page
    key = re.search(r'data-secret="([A-Z2-7]+)"', page).group(1)
    assert browser.post("/console/second-factor", {"code": "000000"}).status_code == 401
    done = browser.post("/console/second-factor", {"code": pyotp.TOTP(key).now()})
    codes = re.findall(r"<code>([0-9a-f]{4}-[0-9a-f]{4})</code>", done.get_data(as_text=True))
    assert done.status_code == 200 and len(codes) == 10
    assert browser.get("/console/").status_code == 200

    again = ConsoleBrowser(app)  # the next sign-in asks for a code, and takes a recovery code
    again.sign_in("ana@example.org", second_factor=False)
    assert "Enter your code" in again.get("/console/second-factor").get_data(as_text=True)
    used = again.post("/console/second-factor", {"code": codes[0]})
    assert used.status_code == 302 and again.get("/console/").status_code == 200
    third = ConsoleBrowser(app)
    third.sign_in("ana@example.org", second_factor=False)
    assert third.post("/console/second-factor", {"code": codes[0]}).status_code == 401


def test_a_code_works_once(services, staff):
    import time

    import pyotp

    factor = services.second_factor
    ana = staff["ana"].id
    key = factor.begin(ana).secret
    now = time.time()
    assert factor.confirm(ana, pyotp.TOTP(key).at(now), now=now)
    assert not factor.verify(ana, pyotp.TOTP(key).at(now), now=now)  # replayed
    assert factor.verify(ana, pyotp.TOTP(key).at(now + 30), now=now + 30)


def test_wrong_codes_are_throttled_and_an_admin_reset_makes_the_account_enrol_again(
    app, services, staff
):
    browser = ConsoleBrowser(app)
    browser.sign_in("ana@example.org")  # enrolled
    stranger = ConsoleBrowser(app)
    stranger.client.environ_base["REMOTE_ADDR"] = "10.6.6.6"
    stranger.sign_in("ana@example.org", second_factor=False)  # knows the password only
    for _ in range(FAILURES_PER_ACCOUNT_AT_ADDRESS):
        assert stranger.post("/console/second-factor", {"code": "123456"}).status_code == 401
    assert stranger.post("/console/second-factor", {"code": "123456"}).status_code == 429
    assert services.second_factor.reset("ana@example.org")
    assert browser.get("/console/").status_code == 302  # the reset ended her sessions
    fresh = ConsoleBrowser(app)
    fresh.sign_in("ana@example.org", second_factor=False)
    assert "Set up your authenticator" in fresh.get("/console/second-factor").get_data(as_text=True)


def test_wrong_password_is_refused_and_then_throttled(app, staff):
    browser = ConsoleBrowser(app)
    for _ in range(FAILURES_PER_ACCOUNT_AT_ADDRESS):
        response = browser.sign_in("ana@example.org", "not the password")
        assert response.status_code == 401
        assert "do not match" in response.get_data(as_text=True)
    response = browser.sign_in("ana@example.org")
    assert response.status_code == 429 and "Too many" in response.get_data(as_text=True)
    assert browser.get("/console/").status_code == 302


def test_forms_without_a_csrf_token_are_refused(console, app, staff, conversations, handoffs, ana):
    form = {"email": "ana@example.org", "password": PASSWORD}
    assert ConsoleBrowser(app).post("/console/sign-in", form, csrf=False).status_code == 400
    handoff = request_for(conversations, handoffs, web_chat(app))
    response = ana.post(f"/console/handoffs/{handoff.id}/claim", csrf=False)
    assert response.status_code == 400 and "expired" in response.get_data(as_text=True)
    forged = ana.post(
        f"/console/handoffs/{handoff.id}/claim", headers={"Referer": "https://evil.example/"}
    )
    assert forged.status_code == 400
    assert console.queue(staff["ana"])[0].handoff.status == "waiting"


def test_chat_and_sms_apis_stay_exempt_from_csrf(app):
    client = app.test_client()
    session_id = web_chat(app)
    response = client.post(
        "/api/chat/messages", headers={"X-Chat-Session": session_id}, json={"text": "hi"}
    )
    assert response.status_code == 200 and response.get_json()["replies"][0]["text"] == "echo: hi"
    # No CSRF answer for the SMS webhook: its own signature check refuses it.
    assert client.post("/sms/inbound", data={"From": "+1", "MessageSid": "x"}).status_code == 403


def test_sign_out_ends_the_session(ana):
    assert ana.post("/console/sign-out").status_code == 302
    assert ana.get("/console/").status_code == 302
    assert ana.get("/console/queue.json").status_code == 401


# -- the whole handoff on the web chat ---------------------------------------------------


def test_a_warm_handoff_on_the_web_chat(app, conversations, handoffs, assistant, ana):
    person = app.test_client()
    session_id = web_chat(app)
    handoff = request_for(
        conversations,
        handoffs,
        session_id,
        "treatment_today",
        {"topic": "buprenorphine", "town": "Hartford"},
    )
    [item] = ana.get("/console/queue.json").get_json()["items"]
    assert item["id"] == handoff.id and item["urgent"] and item["status"] == "waiting"
    assert item["summary"] == [["Asked about", "buprenorphine"], ["Town", "Hartford"]]
    assert item["channel"] == "web" and item["waiting_seconds"] >= 0
    page = ana.get("/console/").get_data(as_text=True)
    assert "Wants treatment today" in page and 'aria-live="assertive"' in page

    assert ana.post(f"/console/handoffs/{handoff.id}/claim").status_code == 302
    person.post(
        "/api/chat/messages", headers={"X-Chat-Session": session_id}, json={"text": "hello?"}
    )
    assert assistant.received == []  # silent while the navigator holds it
    page = ana.get(f"/console/handoffs/{handoff.id}").get_data(as_text=True)
    assert "hello?" in page and "Hartford" in page and 'for="reply-text"' in page

    ana.post(f"/console/handoffs/{handoff.id}/reply", {"text": "Hi, I'm Ana. I can help."})
    shown = person.get("/api/chat/messages", headers={"X-Chat-Session": session_id}).get_json()[
        "messages"
    ]
    assert [(m["author"], m["text"]) for m in shown] == [("navigator", "Hi, I'm Ana. I can help.")]
    assert "Posted to the web chat" in ana.get(f"/console/handoffs/{handoff.id}").get_data(
        as_text=True
    )

    ana.post(f"/console/handoffs/{handoff.id}/notes", {"text": "Wants a clinic near Park St"})
    ana.post(f"/console/handoffs/{handoff.id}/hand-back")
    person.post(
        "/api/chat/messages", headers={"X-Chat-Session": session_id}, json={"text": "thanks"}
    )
    assert assistant.received[-1][1] == "thanks"
    response = ana.post(f"/console/handoffs/{handoff.id}/close", {"outcome": "treatment"})
    assert response.status_code == 302
    assert "Closed: connected to treatment." in ana.get("/console/").get_data(as_text=True)
    assert ana.get("/console/queue.json").get_json()["items"] == []
    with conversations.sessions() as session:
        actions = session.execute(select(AuditEntry.action).order_by(AuditEntry.id)).scalars()
        assert list(actions) == [
            "request",
            "claim",
            "view",
            "reply",
            "view",
            "note",
            "hand_back",
            "close",
        ]


def test_sms_reply_shows_its_delivery_status_and_a_failure_is_flagged(
    services, app, conversations, handoffs, sms, ana
):
    sms.handle(InboundSms(phone="+18605550142", body="can i talk to someone", message_sid="SM1"))
    with conversations.sessions() as session:
        conversation = session.execute(select(Conversation)).scalar_one()
    handoff = handoffs.request(conversation.id, "recent_overdose", False).handoff
    ana.post(f"/console/handoffs/{handoff.id}/claim")
    ana.post(f"/console/handoffs/{handoff.id}/reply", {"text": "Hi, this is Ana."})
    page = ana.get(f"/console/handoffs/{handoff.id}").get_data(as_text=True)
    assert "Text queued" in page and "chose not to share a summary" in page

    class Refused:
        def send(self, to, body):
            raise SendError("30006", permanent=True)

    services.outbox.deliver_due(Refused())
    with conversations.sessions() as session:
        assert session.execute(select(Outbox.status).order_by(Outbox.id.desc())).first()[0] == (
            Outbox.FAILED
        )
    page = ana.get(f"/console/handoffs/{handoff.id}").get_data(as_text=True)
    assert "Not delivered" in page and "msg--failed" in page
    assert ana.get("/console/queue.json").get_json()["items"][0]["delivery_failed"] is True


def test_closing_with_referral_tags_stores_audits_and_shows_them(
    app, conversations, handoffs, console, staff, ana
):
    handoff = request_for(conversations, handoffs, web_chat(app), summary={"town": "Hartford"})
    ana.post(f"/console/handoffs/{handoff.id}/claim")
    page = ana.get(f"/console/handoffs/{handoff.id}").get_data(as_text=True)
    assert "<legend>Referral tags (optional)</legend>" in page
    assert 'name="tag" value="recovery_coach"> Recovery coach</label>' in page
    refused = ana.post(f"/console/handoffs/{handoff.id}/close", {"outcome": "other", "tag": "x"})
    assert refused.status_code == 400
    assert "Choose referral tags from the list." in refused.get_data(as_text=True)
    response = ana.post(
        f"/console/handoffs/{handoff.id}/close",
        {"outcome": "referred", "tag": ["recovery_coach", "housing"]},
    )
    assert response.status_code == 302
    assert "Closed: referred to services; referrals: housing, recovery coach." in ana.get(
        "/console/"
    ).get_data(as_text=True)
    page = ana.get(f"/console/handoffs/{handoff.id}").get_data(as_text=True)
    assert "Referrals: Housing, Recovery coach" in page
    assert console.view(handoff.id, staff["ana"]).referrals == ["housing", "recovery_coach"]
    with conversations.sessions() as session:
        trail = session.execute(
            select(AuditEntry.action, AuditEntry.detail)
            .where(AuditEntry.action.in_(["close", "referral"]))
            .order_by(AuditEntry.id)
        ).all()
    assert trail == [("close", "referred"), ("referral", "housing"), ("referral", "recovery_coach")]


def test_closing_without_tags_stays_one_click(app, conversations, handoffs, console, staff):
    handoff = request_for(conversations, handoffs, web_chat(app))
    console.claim(handoff.id, staff["ben"])
    assert console.close(handoff.id, staff["ben"], "no_response") == []
    assert console.view(handoff.id, staff["sue"]).referrals == []


def test_second_claim_gets_a_clear_conflict(app, conversations, handoffs, staff, ana):
    handoff = request_for(conversations, handoffs, web_chat(app))
    sue = ConsoleBrowser(app)
    sue.sign_in("sue@example.org")
    assert sue.post(f"/console/handoffs/{handoff.id}/claim").status_code == 302
    response = ana.post(f"/console/handoffs/{handoff.id}/claim")
    assert response.status_code in (404, 409)
    with conversations.sessions() as session:
        assert session.get(Handoff, handoff.id).claimed_by == staff["sue"].id


def test_queue_json_orders_by_urgency(app, conversations, handoffs, ana):
    routine = request_for(conversations, handoffs, web_chat(app), "family")
    overdose = request_for(conversations, handoffs, web_chat(app), "recent_overdose")
    items = ana.get("/console/queue.json").get_json()["items"]
    assert [i["id"] for i in items] == [overdose.id, routine.id]


def test_console_page_escapes_what_a_person_wrote(app, conversations, handoffs, ana):
    session_id = web_chat(app)
    handoff = request_for(conversations, handoffs, session_id, summary={"town": "<b>x</b>"})
    app.test_client().post(
        "/api/chat/messages",
        headers={"X-Chat-Session": session_id},
        json={"text": "<script>alert(1)</script>"},
    )
    ana.post(f"/console/handoffs/{handoff.id}/claim")
    page = ana.get(f"/console/handoffs/{handoff.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert "<b>x</b>" not in page


# -- every route needs sign-in and the right role ----------------------------------------

# What a navigator gets on each console route for a conversation another navigator holds.
# A new route fails this test until it is listed here.
FOR_ANOTHER_NAVIGATOR = {
    "console.sign_in": {"GET": 200, "POST": 401},
    "console.sign_out": 302,
    "console.second_factor": 302,
    "console.queue": 200,
    "console.queue_json": 200,
    "console.handoff": 404,
    "console.handoff_messages": 404,
    "console.claim": 404,
    "console.reply": 404,
    "console.note": 404,
    "console.hand_back": 404,
    "console.close": 404,
    "console.start_checkins": 404,
    "console.end_checkins": 404,
    "console.audit": 403,
    "console.review": 403,
    "console.review_label": 403,
    "console.review_export": 403,
    "console.toggle_shift": 302,
    "console.saved_replies": 403,
    "console.add_saved_reply": 403,
    "console.change_saved_reply": 403,
    "console.delete_saved_reply": 403,
}


def console_routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("console."):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule, method


def test_every_console_route_needs_sign_in_and_the_right_role(
    console, app, conversations, handoffs, staff
):
    held = request_for(conversations, handoffs, web_chat(app), summary={"town": "Hartford"})
    console.claim(held.id, staff["ana"])  # ana holds it
    routes = list(console_routes(app))
    assert {rule.endpoint for rule, _ in routes} == set(FOR_ANOTHER_NAVIGATOR)
    audited = count(conversations, AuditEntry)

    anonymous = ConsoleBrowser(app)
    for rule, method in routes:
        path = rule.build({name: held.id for name in rule.arguments})[1]
        response = anonymous.open(path, method)
        if rule.endpoint == "console.sign_in":
            assert response.status_code in (200, 401), (path, method)
            continue
        assert response.status_code in (302, 401), (path, method, response.status_code)
        if response.status_code == 302:
            assert response.headers["Location"].endswith("/console/sign-in"), path
        assert "Hartford" not in response.get_data(as_text=True)
    assert count(conversations, AuditEntry) == audited  # nothing was seen or done

    for rule, method in routes:
        ben = ConsoleBrowser(app)
        ben.sign_in("ben@example.org")
        path = rule.build({name: held.id for name in rule.arguments})[1]
        response = ben.open(path, method)
        expected = FOR_ANOTHER_NAVIGATOR[rule.endpoint]
        expected = expected[method] if isinstance(expected, dict) else expected
        assert response.status_code == expected, (path, method)
        assert "Hartford" not in response.get_data(as_text=True), path
    with conversations.sessions() as session:
        handoff = session.get(Handoff, held.id)
        assert (handoff.status, handoff.claimed_by) == ("claimed", staff["ana"].id)


@pytest.mark.parametrize("email", ["sue@example.org", "ada@example.org"])
def test_supervisors_and_admins_see_every_conversation_and_the_audit(
    console, app, conversations, handoffs, staff, email
):
    held = request_for(conversations, handoffs, web_chat(app), summary={"town": "Hartford"})
    console.claim(held.id, staff["ana"])
    overseer = ConsoleBrowser(app)
    overseer.sign_in(email)
    assert [i["id"] for i in overseer.get("/console/queue.json").get_json()["items"]] == [held.id]
    assert "Hartford" in overseer.get(f"/console/handoffs/{held.id}").get_data(as_text=True)
    audit = overseer.get("/console/audit")
    assert audit.status_code == 200 and "claim" in audit.get_data(as_text=True)
    assert overseer.post(f"/console/handoffs/{held.id}/reply", {"text": "x"}).status_code == 403
    assert (
        overseer.post(f"/console/handoffs/{held.id}/close", {"outcome": "other"}).status_code == 302
    )


def test_a_deactivated_account_is_signed_out_at_once(app, conversations, staff, ana):
    from bot.accounts.models import Navigator

    with conversations.sessions() as session:
        session.get(Navigator, staff["ana"].id).active = False
        session.commit()
    assert ana.get("/console/").status_code == 302


def test_the_conversation_page_polls_new_messages_and_delivery_states(
    app, conversations, handoffs, sms, ana
):
    sms.handle(InboundSms(phone="+18605550142", body="anyone there?", message_sid="SM9"))
    with conversations.sessions() as session:
        conversation = session.execute(select(Conversation)).scalar_one()
    handoff = handoffs.request(conversation.id, "treatment", False).handoff
    ana.post(f"/console/handoffs/{handoff.id}/claim")
    page = ana.get(f"/console/handoffs/{handoff.id}").get_data(as_text=True)
    after = int(re.search(r'data-after="(\d+)"', page).group(1))
    url = f"/console/handoffs/{handoff.id}/messages.json"
    assert ana.get(f"{url}?after={after}").get_json() == {"messages": [], "deliveries": {}}

    sms.handle(InboundSms(phone="+18605550142", body="hello??", message_sid="SM10"))
    ana.post(f"/console/handoffs/{handoff.id}/reply", {"text": "I'm here."})
    data = ana.get(f"{url}?after={after}").get_json()
    assert [(m["author"], m["text"]) for m in data["messages"]] == [
        ("person", "hello??"),
        ("navigator", "I'm here."),
    ]
    reply_id = data["messages"][-1]["id"]
    assert data["deliveries"] == {str(reply_id): "queued"}
    with conversations.sessions() as session:
        session.execute(
            update(Outbox).where(Outbox.message_id == reply_id).values(status=Outbox.DELIVERED)
        )
        session.commit()
    later = ana.get(f"{url}?after={reply_id}").get_json()
    assert later == {"messages": [], "deliveries": {str(reply_id): "delivered"}}


def test_an_id_too_big_for_the_database_is_a_plain_404(ana):
    assert ana.get("/console/handoffs/99999999999999999999999").status_code == 404
    assert ana.post("/console/handoffs/99999999999999999999999/claim").status_code == 404
    overflow = ana.get("/console/handoffs/1/messages.json?after=99999999999999999999")
    assert overflow.status_code == 400


# -- sessions end on the server -------------------------------------------------------------


def _cookie(browser):
    return browser.client.get_cookie("session", domain="localhost").value


def _with_cookie(app, value):
    from tests.support import ConsoleBrowser

    other = ConsoleBrowser(app)
    other.client.set_cookie("session", value, domain="localhost")
    return other


def test_a_copied_cookie_stops_working_at_sign_out(app, ana):
    copied = _cookie(ana)
    assert ana.post("/console/sign-out").status_code == 302
    replay = _with_cookie(app, copied)
    assert replay.get("/console/").status_code == 302  # back to sign-in
    assert replay.get("/console/queue.json").status_code == 401


def test_deactivating_an_account_ends_its_open_sessions(app, ana, accounts):
    assert ana.get("/console/").status_code == 200
    accounts.deactivate("ana@example.org")
    assert ana.get("/console/").status_code == 302


def test_polls_do_not_keep_an_idle_session_alive_and_sessions_have_a_lifetime(services, staff):
    from datetime import timedelta

    from bot.db import utcnow

    sessions = services.console_sessions
    from tests.support import PASSWORD

    navigator = services.accounts.sign_in("ana@example.org", PASSWORD, "-").navigator
    start = utcnow()
    token = sessions.start(navigator.id, now=start)
    for minute in range(0, 40, 5):  # an open tab polling for 40 minutes, nobody there
        polled = sessions.navigator(token, activity=False, now=start + timedelta(minutes=minute))
    assert polled is None  # idle past 30 minutes
    token = sessions.start(navigator.id, now=start)
    for minutes in range(20, 12 * 60, 20):  # busy all shift, something every 20 minutes
        assert sessions.navigator(token, now=start + timedelta(minutes=minutes))
    assert sessions.navigator(token, now=start + timedelta(hours=12, minutes=5)) is None


def test_no_one_can_push_their_entries_off_the_audit_log(app, conversations, staff, ana):
    from bot.handoff.models import AuditEntry

    with conversations.sessions() as session:  # a look that was refused, long ago
        session.add(AuditEntry(navigator_id=staff["ana"].id, action="denied", handoff_id=7))
        session.commit()
    for made_up in range(1000, 1250):  # then 250 made-up ids to bury it
        ana.get(f"/console/handoffs/{made_up}")
    sue = ConsoleBrowser(app)
    sue.sign_in("sue@example.org")
    first = sue.page("/console/audit").get_data(as_text=True)
    assert "251 entries, page 1 of 3" in first and 'class="audit--denied"' in first
    last = sue.page("/console/audit", page=3).get_data(as_text=True)
    assert "<td>7</td>" in last  # the buried entry is still reachable
    only = sue.page("/console/audit", who=staff["ana"].id, what="denied", request=7).get_data(
        as_text=True
    )
    assert "1 entry." in only
    assert sue.page("/console/audit", **{"from": "yesterday"}).status_code == 400


# -- what a navigator may read -------------------------------------------------------------


def _said(app, session_id, text):
    app.test_client().post(
        "/api/chat/messages", headers={"X-Chat-Session": session_id}, json={"text": text}
    )


def test_before_a_claim_only_the_agreed_summary_shows_not_the_transcript(
    app, conversations, handoffs, ana
):
    session_id = web_chat(app)
    _said(app, session_id, "my cousin in Groton uses with me")
    declined = request_for(conversations, handoffs, session_id)  # said no to sharing
    page = ana.get(f"/console/handoffs/{declined.id}").get_data(as_text=True)
    assert "my cousin in Groton" not in page
    assert ana.get(f"/console/handoffs/{declined.id}/messages.json").get_json()["messages"] == []


def test_after_a_claim_without_consent_the_holder_reads_from_the_request_on(
    app, conversations, handoffs, ana
):
    from datetime import timedelta

    from sqlalchemy import update

    session_id = web_chat(app)
    _said(app, session_id, "my cousin in Groton uses with me")
    with conversations.sessions() as session:  # said well before asking for a person
        session.execute(
            update(Message).values(created_at=Message.created_at - timedelta(minutes=5))
        )
        session.commit()
    declined = request_for(conversations, handoffs, session_id)
    ana.post(f"/console/handoffs/{declined.id}/claim")
    _said(app, session_id, "are you there")
    page = ana.get(f"/console/handoffs/{declined.id}").get_data(as_text=True)
    assert "are you there" in page and "my cousin in Groton" not in page


def test_with_consent_the_holder_reads_the_whole_conversation(app, conversations, handoffs, ana):
    session_id = web_chat(app)
    _said(app, session_id, "my cousin in Groton uses with me")
    agreed = request_for(conversations, handoffs, session_id, summary={"town": "Groton"})
    ana.post(f"/console/handoffs/{agreed.id}/claim")
    page = ana.get(f"/console/handoffs/{agreed.id}").get_data(as_text=True)
    assert "my cousin in Groton" in page
