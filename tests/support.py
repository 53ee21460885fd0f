"""What tests share: test secrets, stand-ins for Rasa and Twilio, and small helpers.

Fixtures live in conftest.py files (this folder's for everything, each feature folder's for
its own); helpers that are not fixtures live here, so no test module imports another.
"""

from __future__ import annotations

import re
import time
from typing import Dict, List

from argon2 import PasswordHasher
from rasa_sdk import Tracker
from sqlalchemy import func, select

from bot.assistant import AssistantUnavailable, Reply
from bot.bootstrap import Services, bootstrap
from bot.db import make_engine, session_factory
from bot.settings import Settings

TEST_SECRETS = {
    "RASA_TOKEN": "test-token",
    "HELPLINE_SECRET_KEY": "test-secret-key",
    "HELPLINE_HMAC_KEY": "test-hmac-key",
    "HELPLINE_ENCRYPTION_KEY": "8Zz0WZQm8mP6nBLs0X8sZQf3cSRV8hDq2Q8fE3rP5-M=",
}
PUBLIC = "https://helpline.example.org"
TWILIO_TOKEN = "twilio-test-auth-token"
OPERATOR = "Test County Helpline"
PASSWORD = "correct horse battery"
# Argon2 at its cheapest: tests sign in hundreds of times; production keeps the defaults.
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


def make_settings(database_url: str, **env: str) -> Settings:
    """Settings as a process would read them: test secrets, this database, `env` on top."""
    return Settings.from_env(
        {
            **TEST_SECRETS,
            "DATABASE_URL": database_url,
            "PUBLIC_URL": PUBLIC,
            "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
            "HELPLINE_OPERATOR": OPERATOR,
            # The scripted assistant answers at once; tests of a slow one set their own.
            "CRISIS_WAIT": "5",
            **env,
        }
    )


class ScriptedAssistant:
    """Stands in for Rasa: answers from a script (text -> replies; an echo otherwise), or
    is down."""

    def __init__(self) -> None:
        self.down = False
        self.actions_down = False
        self.received: List[tuple] = []
        self.script: Dict[str, List[Reply]] = {}

    def action_server_up(self) -> bool:
        return not self.actions_down

    def status(self):
        return None if self.down else {"model_id": "test-model", "model_file": "test.tar.gz"}

    def send(self, sender_id: str, text: str, input_channel: str = "sms") -> List[Reply]:
        if self.down:
            raise AssistantUnavailable("scripted outage")
        self.received.append((sender_id, text, input_channel))
        if text in self.script:
            return list(self.script[text])
        return [Reply(text=f"echo: {text}", buttons=[{"title": "More", "payload": "/more"}])]


class RecordingSender:
    """Stands in for Twilio: records (phone, text) of every text it is handed; can fail."""

    def __init__(self) -> None:
        self.sent: list = []
        self.deleted: List[str] = []
        self.fail_with: Exception | None = None

    def send(self, to: str, body: str) -> str:
        if self.fail_with:
            raise self.fail_with
        self.sent.append((to, body))
        return f"SMout{len(self.sent):029d}"

    def delete(self, message_ids: List[str]) -> int:
        """Twilio's copies of these messages are deleted (recorded)."""
        self.deleted.extend(message_ids)
        return len(message_ids)


class TrackerEraser:
    """Stands in for Rasa's tracker store: records which conversations were erased."""

    def __init__(self) -> None:
        self.erased: List[str] = []
        self.fail_with: Exception | None = None

    def __call__(self, sender_ids: List[str]) -> int:
        if self.fail_with:
            raise self.fail_with
        self.erased.extend(sender_ids)
        return len(sender_ids)


def make_services(
    settings: Settings,
    assistant: ScriptedAssistant | None = None,
    sender: RecordingSender | None = None,
    trackers: TrackerEraser | None = None,
) -> Services:
    """The real services over the test database, with Rasa, Twilio and the tracker store
    replaced by the stand-ins above."""
    return bootstrap(
        settings,
        sessions=session_factory(make_engine(settings.database_url)),
        assistant=assistant or ScriptedAssistant(),
        sender=sender,
        trackers=trackers or TrackerEraser(),
        hasher=FAST_HASHER,
    )


def dispose(services: Services) -> None:
    """Close the database connections of services a test built itself."""
    services.sessions.kw["bind"].dispose()


def count_rows(sessions, model, *where) -> int:
    """How many rows of `model` match `where`."""
    with sessions() as session:
        return session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def make_tracker(
    slots: Dict | None = None,
    text: str = "",
    intent: str = "find_treatment",
    entities: List | None = None,
    channel: str = "sms",
    events: List | None = None,
    sender_id: str = "0123456789abcdef0123456789abcdef",
) -> Tracker:
    """A tracker as Rasa would send it to the action server, with the latest message."""
    message = {"text": text, "intent": {"name": intent, "confidence": 1.0},
               "entities": entities or []}  # fmt: skip
    return Tracker(
        sender_id=sender_id,
        slots=slots or {},
        latest_message=message,
        events=events
        if events is not None
        else [{"event": "user", "text": text, "parse_data": message, "input_channel": channel}],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def texts_of(dispatcher) -> List[str]:
    """What an action said, in order."""
    return [message["text"] for message in dispatcher.messages]


BASE = "https://localhost"
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


class ConsoleBrowser:
    """A Flask test client that talks https, sends a same-origin Referer and fills CSRF
    tokens, as a navigator's browser does."""

    def __init__(self, app) -> None:
        self.client = app.test_client()

    def get(self, path: str, **kwargs):
        return self.client.get(path, base_url=BASE, **kwargs)

    def page(self, path: str, **query):
        """GET with `query` as the query string (a filter form's fields)."""
        return self.client.get(path, base_url=BASE, query_string=query)

    def post(self, path: str, data: dict | None = None, csrf: bool = True, **kwargs):
        data = dict(data or {})
        if csrf:
            data["csrf_token"] = self.token()
        headers = {"Referer": f"{BASE}/console/", **kwargs.pop("headers", {})}
        return self.client.post(path, data=data, base_url=BASE, headers=headers, **kwargs)

    def open(self, path: str, method: str):
        if method == "GET":
            return self.get(path)
        return self.post(path, {"text": "hello", "outcome": "other"})

    def token(self) -> str:
        return _TOKEN.search(self.get("/console/sign-in").get_data(as_text=True)).group(1)

    def sign_in(self, email: str, password: str = PASSWORD, second_factor: bool = True):
        """The password step (its response is returned), then, unless told not to, the
        second factor as a navigator's authenticator app would answer it."""
        response = self.post("/console/sign-in", {"email": email, "password": password})
        if second_factor and response.headers.get("Location", "").endswith("/second-factor"):
            self.second_factor(email)
        return response

    def second_factor(self, email: str):
        """Enrol (reading the key off the page) or enter the current code."""
        import pyotp

        page = self.get("/console/second-factor").get_data(as_text=True)
        found = re.search(r'data-secret="([A-Z2-7]+)"', page)
        # Each account's authenticator key, kept with the app as the navigator's phone would.
        keys = self.client.application.extensions.setdefault("tests.totp_keys", {})
        if found:
            keys[email] = found.group(1)
        totp = pyotp.TOTP(keys[email])
        # A code works once: a second sign-in within 30 s takes the next one (clock drift
        # of one step is allowed either way).
        for ahead in (0, 30):
            answer = self.post("/console/second-factor", {"code": totp.at(time.time() + ahead)})
            if answer.status_code in (200, 302):
                return answer
        # Many sign-ins of one account within a minute (a test, not a person): stand in
        # for waiting for the next code by forgetting the last step used.
        from bot.accounts.models import Navigator
        from webhook.context import EXTENSION

        sessions = self.client.application.extensions[EXTENSION].sessions
        with sessions() as session:
            navigator = session.execute(
                select(Navigator).where(Navigator.email == email)
            ).scalar_one()
            navigator.totp_last_step = None
            session.commit()
        answer = self.post("/console/second-factor", {"code": totp.now()})
        assert answer.status_code in (200, 302), f"second factor refused for {email}"
        return answer


def web_chat(app) -> str:
    """Open a web chat through the gateway; its session id."""
    response = app.test_client().post("/api/chat/sessions", json={"channel": "web"})
    assert response.status_code == 201
    return response.get_json()["session_id"]


def hold(sessions, conversation_id: int, navigator_id: int | None) -> None:
    """Put a conversation in (or, with None, out of) a navigator's hands, as a claim does."""
    from bot.handoff.console import hold as hold_in

    with sessions() as session:
        hold_in(session, conversation_id, navigator_id)
        session.commit()


def navigator_reply(sessions, conversation_id: int, text: str):
    """Store a navigator's message (queued for SMS), as the console's reply does."""
    from bot.conversations.messages import answer_kept_for_navigator, send

    with sessions() as session:
        (message,) = send(session, conversation_id, [text], author="navigator")
        answer_kept_for_navigator(session, conversation_id)
        session.commit()
        return message


def keep(sessions, conversation, text: str, status: str):
    """Insert a person's message in a given state (as a process that then died left it)."""
    from bot.conversations.messages import insert_inbound

    with sessions() as session:
        message = insert_inbound(session, conversation.id, text, None, status)
        session.commit()
        return message


def request_for(conversations, handoffs, session_id: str, reason="treatment", summary=None):
    """A navigator request for the web chat `session_id` (consented when a summary is given)."""
    conversation = conversations.find(session_id)
    return handoffs.request(conversation.id, reason, summary is not None, summary).handoff


def on_shift(services, navigator, now=None) -> str:
    """Put a navigator on shift in a fresh console session, as the console's toggle does;
    the session's token."""
    token = services.console_sessions.start(navigator.id, now=now)
    services.presence.go_on(navigator, token, now=now)
    return token
