"""The Flask gateway: chat API, health, and errors that never show a stack trace."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.conversations.messages import safety_reply
from tests.support import make_services
from webhook import create_app


@pytest.fixture
def app(services):
    return create_app(services, {"TESTING": True})


@pytest.fixture
def client(app):
    return app.test_client()


def start(client, channel="web") -> str:
    response = client.post("/api/chat/sessions", json={"channel": channel})
    assert response.status_code == 201
    return response.get_json()["session_id"]


def test_chat_round_trip(client, assistant):
    session_id = start(client)
    response = client.post(
        "/api/chat/messages", headers={"X-Chat-Session": session_id}, json={"text": " hi "}
    )
    assert response.status_code == 200
    data = response.get_json()
    assert data["pending"] is False
    assert [r["text"] for r in data["replies"]] == ["echo: hi"]
    assert data["replies"][0]["buttons"] == [{"title": "More", "payload": "/more"}]
    # Rasa sees the server-made opaque id, never anything the person supplied.
    assert assistant.received == [(session_id, "hi", "webchat")]


def test_replies_are_listed_after_a_message_id(client):
    session_id = start(client)
    client.post("/api/chat/messages", headers={"X-Chat-Session": session_id}, json={"text": "one"})
    first = client.get("/api/chat/messages", headers={"X-Chat-Session": session_id}).get_json()[
        "messages"
    ]
    client.post("/api/chat/messages", headers={"X-Chat-Session": session_id}, json={"text": "two"})
    later = client.get(
        f"/api/chat/messages?after={first[-1]['id']}", headers={"X-Chat-Session": session_id}
    ).get_json()["messages"]
    assert [m["text"] for m in first] == ["echo: one"]
    assert [m["text"] for m in later] == ["echo: two"]


def test_assistant_down_answers_with_safety_reply(client, assistant):
    assistant.down = True
    session_id = start(client)
    data = client.post(
        "/api/chat/messages", headers={"X-Chat-Session": session_id}, json={"text": "help"}
    ).get_json()
    assert data["pending"] is True
    assert [r["text"] for r in data["replies"]] == [safety_reply()]


@pytest.mark.parametrize(
    "body, status, words",
    [
        ({"text": ""}, 400, "type a message"),
        ({"text": "   "}, 400, "type a message"),
        ({"text": 5}, 400, "type a message"),
        ({}, 400, "type a message"),
        ({"text": "a" * 1001}, 413, "too long"),
    ],
)
def test_bad_input_gets_a_clear_answer(client, assistant, body, status, words):
    session_id = start(client)
    response = client.post("/api/chat/messages", headers={"X-Chat-Session": session_id}, json=body)
    assert response.status_code == status
    assert words in response.get_json()["error"].lower()
    assert "911" in response.get_json()["error"]
    assert assistant.received == []


def test_unknown_or_malformed_session_is_404_with_a_way_forward(client):
    for session_id in ("0" * 32, "not-a-session", "A" * 32):
        response = client.post(
            "/api/chat/messages", headers={"X-Chat-Session": session_id}, json={"text": "hi"}
        )
        assert response.status_code == 404
        assert "reload the page" in response.get_json()["error"]
    response = client.post(
        "/api/chat/messages", headers={"X-Chat-Session": "../../etc"}, json={"text": "hi"}
    )
    assert response.status_code == 404 and "911" in response.get_json()["error"]
    assert client.post("/api/chat/messages", json={"text": "no header"}).status_code == 404


def test_the_session_id_never_travels_in_a_url(client):
    session_id = start(client)
    old_style = client.post(f"/api/chat/sessions/{session_id}/messages", json={"text": "hi"})
    assert old_style.status_code in (404, 405)
    assert not any(
        "session" in str(rule) and "<" in str(rule)
        for rule in client.application.url_map.iter_rules()
    )


def test_sms_conversations_are_not_reachable_through_the_chat_api(client, conversations):
    sms = conversations.start("sms")
    response = client.get("/api/chat/messages", headers={"X-Chat-Session": sms.sender_id})
    assert response.status_code == 404


def test_unknown_channel_is_refused(client):
    assert client.post("/api/chat/sessions", json={"channel": "sms"}).status_code == 400


def test_unexpected_error_shows_no_stack_trace(app, client, assistant, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("secret internals: person said something private")

    monkeypatch.setattr(assistant, "send", explode)
    session_id = start(client)
    response = client.post(
        "/api/chat/messages", headers={"X-Chat-Session": session_id}, json={"text": "hi"}
    )
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "Traceback" not in body and "secret internals" not in body
    assert "911" in body


def test_chat_page_is_accessible_markup(client):
    page = client.get("/chat").get_data(as_text=True)
    assert 'role="log"' in page and 'aria-live="polite"' in page
    assert '<label for="text"' in page
    assert "call 911" in page.lower()


def test_health_reports_each_part(client, assistant):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ok",
        "checks": {"rasa": True, "action_server": True, "database": True},
        "model": "test-model",
    }
    assistant.actions_down = True
    response = client.get("/health")
    assert response.status_code == 503
    assert response.get_json()["checks"]["action_server"] is False
    assistant.down = True
    assert client.get("/health").get_json()["checks"]["rasa"] is False


def test_delete_erases_the_web_chat(client, conversations):
    session_id = start(client)
    client.post("/api/chat/messages", headers={"X-Chat-Session": session_id}, json={"text": "hi"})
    data = client.post(
        "/api/chat/messages", headers={"X-Chat-Session": session_id}, json={"text": "Delete"}
    ).json
    assert data["erased"] is True and "erased" in data["replies"][0]["text"]
    assert (
        client.get("/api/chat/messages", headers={"X-Chat-Session": session_id}).status_code == 404
    )
    assert conversations.find(session_id) is None


def test_delete_with_rasa_store_down_keeps_the_chat_and_says_so(client, conversations, trackers):
    session_id = start(client)
    client.post("/api/chat/messages", headers={"X-Chat-Session": session_id}, json={"text": "hi"})
    trackers.fail_with = ConnectionError("tracker store down")
    response = client.post(
        "/api/chat/messages", headers={"X-Chat-Session": session_id}, json={"text": "DELETE"}
    )
    assert response.status_code == 200
    assert response.json["erased"] is False
    assert "could not erase" in response.json["replies"][0]["text"]
    assert conversations.find(session_id) is not None


def test_messages_per_session_are_limited_with_a_clear_answer(settings, assistant):
    limited = replace(settings, chat_messages_per_minute=3)
    client = create_app(make_services(limited, assistant)).test_client()
    session_id = start(client)
    codes = [
        client.post(
            "/api/chat/messages", headers={"X-Chat-Session": session_id}, json={"text": f"m{i}"}
        ).status_code
        for i in range(4)
    ]
    assert codes == [200, 200, 200, 429]
    other = start(client)
    response = client.post(
        "/api/chat/messages", headers={"X-Chat-Session": other}, json={"text": "hi"}
    )
    assert response.status_code == 200  # another person is not slowed down


def test_requests_per_address_are_limited(settings, assistant):
    limited = replace(settings, chat_requests_per_minute_per_ip=2)
    client = create_app(make_services(limited, assistant)).test_client()
    start(client)
    start(client)
    response = client.post("/api/chat/sessions", json={})
    assert response.status_code == 429
    assert "wait a minute" in response.get_json()["error"]
    assert client.get("/chat").status_code == 200  # reading is not limited


def test_embed_script_and_embedded_page(client):
    script = client.get("/embed.js")
    assert script.status_code == 200 and "javascript" in script.mimetype
    body = script.get_data(as_text=True)
    assert "/chat?embed=1" in body and "aria-expanded" in body
    page = client.get("/chat?embed=1")
    assert 'class="embedded"' in page.get_data(as_text=True)


def test_pages_may_be_framed_only_where_configured(settings, assistant):
    only = replace(settings, embed_allowed_origins="https://health.example.gov")
    client = create_app(make_services(only, assistant)).test_client()
    headers = client.get("/chat").headers
    assert "frame-ancestors https://health.example.gov" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_openapi_describes_every_chat_route(app, client):
    spec = client.get("/api/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    documented = {
        (path, method.upper())
        for path, item in spec["paths"].items()
        for method in item
        if method != "parameters"
    }
    served = {
        (rule.rule.replace("<session_id>", "{session_id}"), method)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/chat")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert documented == served


def test_only_the_helplines_own_pages_may_frame_the_chat_by_default(client):
    assert "frame-ancestors 'self'" in client.get("/chat").headers["Content-Security-Policy"]


def test_api_answers_are_never_cached_and_https_gets_hsts(settings, assistant, client):
    session_id = start(client)
    answer = client.get("/api/chat/messages", headers={"X-Chat-Session": session_id})
    assert answer.headers["Cache-Control"] == "no-store"
    https = replace(settings, public_url="https://helpline.example.org")
    secure = create_app(make_services(https, assistant)).test_client()
    assert "max-age=31536000" in secure.get("/health").headers["Strict-Transport-Security"]
    plain = replace(settings, public_url="http://127.0.0.1:8000")
    local = create_app(make_services(plain, assistant)).test_client()
    assert "Strict-Transport-Security" not in local.get("/health").headers


def test_a_staff_chat_needs_staff_credentials(client, settings):
    from bot.terminal_chat import STAFF_HEADER, staff_token

    refused = client.post("/api/chat/sessions", json={"channel": "terminal"})
    assert refused.status_code == 403
    forged = client.post(
        "/api/chat/sessions", json={"channel": "terminal"}, headers={STAFF_HEADER: "x" * 64}
    )
    assert forged.status_code == 403
    staff = client.post(
        "/api/chat/sessions",
        json={"channel": "terminal"},
        headers={STAFF_HEADER: staff_token(settings.secret_key)},
    )
    assert staff.status_code == 201


@pytest.mark.parametrize("after", ["99999999999999999999999", "-1", "ten"])
def test_a_bad_after_gets_a_clear_400_not_an_error(client, after):
    session_id = start(client)
    response = client.get(
        f"/api/chat/messages?after={after}", headers={"X-Chat-Session": session_id}
    )
    assert response.status_code == 400
    assert "after must be" in response.get_json()["error"]


def test_history_shows_the_persons_own_messages_too_in_order(client):
    session_id = start(client)
    headers = {"X-Chat-Session": session_id}
    for text in ("one", "two"):
        client.post("/api/chat/messages", headers=headers, json={"text": text})
    history = client.get("/api/chat/messages?history=1", headers=headers).get_json()["messages"]
    assert [(m["author"], m["text"]) for m in history] == [
        ("person", "one"),
        ("assistant", "echo: one"),
        ("person", "two"),
        ("assistant", "echo: two"),
    ]
    assert [m["id"] for m in history] == sorted(m["id"] for m in history)
    # Polling after the last id (without history) gets nothing twice.
    later = client.get(f"/api/chat/messages?after={history[-1]['id']}", headers=headers)
    assert later.get_json()["messages"] == []
    # Without history=1 the answer is what it always was: messages to the person only.
    plain = client.get("/api/chat/messages", headers=headers).get_json()["messages"]
    assert [m["text"] for m in plain] == ["echo: one", "echo: two"]
    after_first = client.get(
        f"/api/chat/messages?history=1&after={history[1]['id']}", headers=headers
    ).get_json()["messages"]
    assert [m["text"] for m in after_first] == ["two", "echo: two"]


def test_history_of_an_erased_chat_is_gone(client):
    session_id = start(client)
    headers = {"X-Chat-Session": session_id}
    client.post("/api/chat/messages", headers=headers, json={"text": "hi"})
    client.post("/api/chat/messages", headers=headers, json={"text": "DELETE"})
    response = client.get("/api/chat/messages?history=1", headers=headers)
    assert response.status_code == 404 and "reload the page" in response.get_json()["error"]


@pytest.mark.parametrize("history", ["2", "yes", "-1"])
def test_a_bad_history_flag_gets_a_clear_400(client, history):
    session_id = start(client)
    response = client.get(
        f"/api/chat/messages?history={history}", headers={"X-Chat-Session": session_id}
    )
    assert response.status_code == 400
    assert "history must be" in response.get_json()["error"]


def test_openapi_documents_the_history_option_and_link_buttons(client):
    spec = client.get("/api/openapi.json").get_json()
    get = spec["paths"]["/api/chat/messages"]["get"]
    assert "history" in [p["name"] for p in get["parameters"]]
    schemas = spec["components"]["schemas"]
    assert "person" in schemas["Message"]["properties"]["author"]["enum"]
    assert "url" in schemas["Button"]["properties"]


CALL = {"title": "Call", "url": "tel:+18605551234"}
DIRECTIONS = {
    "title": "Directions",
    "url": "https://www.google.com/maps/dir/?api=1&destination=41.35%2C-72.09",
}


def _from_a_custom_action(buttons: list):
    """What the gateway gets back from Rasa when an action sends
    dispatcher.utter_message(text=..., buttons=buttons): Rasa's own output channel."""
    import asyncio

    from bot.assistant import _to_reply
    from rasa_addons.channels import WebchatInput, _NamedCollector

    collector = type(
        "WebchatCollector", (_NamedCollector,), {"channel_name": WebchatInput.name()}
    )()
    asyncio.run(collector.send_response("someone", {"text": "1. Clinic A", "buttons": buttons}))
    return [_to_reply(item) for item in collector.messages]


def test_link_buttons_survive_from_a_custom_action_to_the_chat(client, assistant):
    bad = [
        {"title": "Script", "url": "javascript:alert(1)"},
        {"title": "Data", "url": "data:text/html,hi"},
        {"title": "Plain", "url": "http://example.org/"},
    ]
    more = {"title": "More places", "payload": "/more"}
    assistant.script["near 06360"] = _from_a_custom_action([CALL, DIRECTIONS, *bad, more])
    session_id = start(client)
    headers = {"X-Chat-Session": session_id}
    data = client.post("/api/chat/messages", headers=headers, json={"text": "near 06360"}).json
    # Only tel: and https: links reach the person; reply buttons are untouched.
    assert data["replies"][0]["buttons"] == [CALL, DIRECTIONS, more]
    history = client.get("/api/chat/messages?history=1", headers=headers).json["messages"]
    assert history[-1]["buttons"] == [CALL, DIRECTIONS, more]


def test_a_text_message_never_carries_link_buttons(client, assistant, sender, conversations):
    from twilio.request_validator import RequestValidator

    from tests.support import PUBLIC, TWILIO_TOKEN

    assistant.script["naloxone 06360"] = _from_a_custom_action([CALL, DIRECTIONS])
    params = {"From": "+18605550199", "Body": "naloxone 06360", "MessageSid": "SM" + "7" * 32}
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(PUBLIC + "/sms/inbound", params)
    response = client.post("/sms/inbound", data=params, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 200
    twiml = response.get_data(as_text=True)
    assert "1. Clinic A" in twiml
    assert "tel:" not in twiml and "google.com" not in twiml and "Directions" not in twiml
    assert sender.sent == []  # answered inline: nothing else went out


def test_the_chat_page_greets_and_offers_four_ways_to_start(client):
    import re

    from bot.crisis import OVERDOSE_NOW, detect

    page = client.get("/chat").get_data(as_text=True)
    assert "anonymous" in page and "24/7" in page and "talk with a person" in page
    starts = dict(re.findall(r'data-send="([^"]+)">([^<]+)</button>', page))
    assert sorted(starts.values()) == [
        "Find naloxone",
        "Find treatment",
        "Someone may be overdosing",
        "Talk to a person",
    ]
    payload = {title: sent for sent, title in starts.items()}
    # The overdose button's words must reach the crisis check's 911 steps, whoever holds
    # the chat (a navigator's hold lets only a crisis through to the assistant).
    assert detect(payload["Someone may be overdosing"]) == OVERDOSE_NOW
    assert payload["Find naloxone"] == "/find_naloxone"
    assert payload["Find treatment"] == "/find_treatment"
    assert payload["Talk to a person"] == "/request_human"
    assert 'href="tel:911"' in page


def test_quick_exit_goes_to_the_configured_everyday_site(settings, assistant, database_url):
    from bot.settings import SettingsError
    from tests.support import make_settings

    page = create_app(make_services(settings, assistant)).test_client().get("/chat")
    assert 'data-exit-url="https://www.weather.gov/"' in page.get_data(as_text=True)
    assert "Quick exit: leave this page fast" in page.get_data(as_text=True)
    other = make_settings(database_url, QUICK_EXIT_URL="https://www.example.org/news?a=1&b=2")
    page = create_app(make_services(other, assistant)).test_client().get("/chat?embed=1")
    assert 'data-exit-url="https://www.example.org/news?a=1&amp;b=2"' in page.get_data(as_text=True)
    for bad in ("javascript:alert(1)", "www.weather.gov", "ftp://example.org/", "https://"):
        with pytest.raises(SettingsError, match="QUICK_EXIT_URL"):
            make_settings(database_url, QUICK_EXIT_URL=bad)
