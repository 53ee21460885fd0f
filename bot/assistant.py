"""Client for the Rasa server: readiness, and one message in -> the assistant's replies out."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import List

import requests


class AssistantUnavailable(RuntimeError):
    """Rasa (or the action server behind it) could not answer in time."""


@dataclass(frozen=True)
class Reply:
    """One message from the assistant, as a channel shows it."""

    text: str
    buttons: List[dict] = field(default_factory=list)
    # What the reply is about ("naloxone", "treatment"...), from the Rasa channel.
    topic: str | None = None
    # The answer it gives (a flow or knowledge-base label) and how sure the assistant was.
    label: str | None = None
    confidence: float | None = None


class AssistantClient:
    """Talks to Rasa over its REST channel; refuses traffic until Rasa has a model loaded."""

    # A positive readiness answer is trusted this long, so each message costs one request.
    READY_TTL = 15.0

    def __init__(
        self,
        rasa_url: str,
        token: str,
        timeout: float = 8.0,
        action_server_health_url: str | None = None,
    ) -> None:
        self.rasa_url = rasa_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.action_server_health_url = action_server_health_url
        self._http = requests.Session()
        self._ready_until = 0.0
        self._lock = threading.Lock()

    def status(self) -> dict | None:
        """Rasa's /status (model file and id), or None when Rasa is unreachable."""
        try:
            response = self._http.get(
                f"{self.rasa_url}/status", params={"token": self.token}, timeout=2.0
            )
        except requests.RequestException:
            return None
        if response.status_code != 200:
            return None
        return response.json()

    def is_ready(self) -> bool:
        """True when Rasa answers and reports a loaded model."""
        with self._lock:
            if time.monotonic() < self._ready_until:
                return True
        status = self.status()
        ready = bool(status and status.get("model_id") and status.get("model_file"))
        with self._lock:
            self._ready_until = time.monotonic() + self.READY_TTL if ready else 0.0
        return ready

    def mark_unready(self) -> None:
        """Forget a cached readiness answer after a failure."""
        with self._lock:
            self._ready_until = 0.0

    def send(self, sender_id: str, text: str, input_channel: str = "sms") -> List[Reply]:
        """Send one message under `sender_id`; return the assistant's replies in order.

        `input_channel` ("sms" or "webchat") is the Rasa channel (rasa_addons/channels.py)
        whose name picks the response variations: SMS-sized by default, richer on the web.
        """
        if not self.is_ready():
            raise AssistantUnavailable("Rasa has no model loaded or is unreachable")
        payload = {"sender": sender_id, "message": text}
        try:
            response = self._http.post(
                f"{self.rasa_url}/webhooks/{input_channel}/webhook",
                json=payload,
                timeout=self.timeout,
            )
        except requests.RequestException as error:
            self.mark_unready()
            raise AssistantUnavailable(type(error).__name__) from error
        if response.status_code != 200:
            self.mark_unready()
            raise AssistantUnavailable(f"Rasa answered HTTP {response.status_code}")
        replies = [_to_reply(item) for item in response.json() if item.get("text")]
        if not replies and not self.action_server_up():
            # Rasa swallows a failed custom action and answers with nothing.
            raise AssistantUnavailable("action server unreachable")
        return replies

    def action_server_up(self) -> bool:
        """True when the action server answers its health check (or none is configured)."""
        if not self.action_server_health_url:
            return True
        try:
            response = self._http.get(self.action_server_health_url, timeout=2.0)
        except requests.RequestException:
            return False
        return response.status_code == 200


def _to_reply(item: dict) -> Reply:
    buttons = [_button(b) for b in item.get("buttons") or []]
    topic, label, confidence = item.get("topic"), item.get("label"), item.get("confidence")
    return Reply(
        text=item["text"],
        buttons=buttons,
        topic=str(topic)[:32] if topic else None,
        label=str(label)[:64] if label else None,
        confidence=float(confidence) if isinstance(confidence, (int, float)) else None,
    )


def _button(item: dict) -> dict:
    """A button as the web chat shows it: one that sends a payload, or a link (a `url`, such
    as a tap-to-call tel: link; the chat decides which schemes it opens)."""
    if item.get("url"):
        return {"title": str(item.get("title", "")), "url": str(item["url"])}
    return {"title": str(item.get("title", "")), "payload": str(item.get("payload", ""))}
