"""Client for the Rasa server: readiness, and one message in -> the assistant's replies out."""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass, field
from typing import List, Sequence

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


class _Replica:
    """One Rasa process, with its cached readiness."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self.ready_until = 0.0


class AssistantClient:
    """Talks to Rasa over its REST channel, spread over its replicas; refuses traffic until
    a replica has a model loaded.

    Each conversation sticks to one replica (by a hash of its opaque id), so its messages
    are handled in order by one process. When that replica refuses the connection (down or
    restarting) the conversation moves to the next ready one, which reads the same tracker
    store. A replica that took the message but did not answer in time is not retried on
    another, so a message is never handled twice.
    """

    # A positive readiness answer is trusted this long, so each message costs one request.
    READY_TTL = 15.0

    def __init__(
        self,
        rasa_urls: str | Sequence[str],
        token: str,
        timeout: float = 8.0,
        action_server_health_url: str | None = None,
    ) -> None:
        urls = [rasa_urls] if isinstance(rasa_urls, str) else list(rasa_urls)
        self.replicas = [_Replica(url) for url in urls]
        self.rasa_url = self.replicas[0].url
        self.token = token
        self.timeout = timeout
        self.action_server_health_url = action_server_health_url
        self._http = requests.Session()
        self._lock = threading.Lock()

    def status(self) -> dict | None:
        """The first answering replica's /status (model file and id), or None if none does."""
        for replica in self.replicas:
            status = self._status(replica)
            if status is not None:
                return status
        return None

    def replicas_ready(self) -> int:
        """How many replicas answer with a loaded model (for /health and the metrics)."""
        return sum(self._ready(replica) for replica in self.replicas)

    def is_ready(self) -> bool:
        """True when some replica answers and reports a loaded model."""
        return any(self._ready(replica) for replica in self.replicas)

    def mark_unready(self) -> None:
        """Forget every cached readiness answer after a failure."""
        with self._lock:
            for replica in self.replicas:
                replica.ready_until = 0.0

    def replicas_for(self, sender_id: str) -> List[_Replica]:
        """The replicas in the order a conversation tries them: its own first."""
        start = int(hashlib.sha1(sender_id.encode()).hexdigest()[:8], 16) % len(self.replicas)
        return self.replicas[start:] + self.replicas[:start]

    def send(self, sender_id: str, text: str, input_channel: str = "sms") -> List[Reply]:
        """Send one message under `sender_id`; return the assistant's replies in order.

        `input_channel` ("sms" or "webchat") is the Rasa channel (rasa_addons/channels.py)
        whose name picks the response variations: SMS-sized by default, richer on the web.
        """
        for replica in self.replicas_for(sender_id):
            if not self._ready(replica):
                continue
            try:
                response = self._http.post(
                    f"{replica.url}/webhooks/{input_channel}/webhook",
                    json={"sender": sender_id, "message": text},
                    timeout=self.timeout,
                )
            except requests.ReadTimeout as error:
                # It has the message and may still answer: never hand it to another.
                self._forget(replica)
                raise AssistantUnavailable(type(error).__name__) from error
            except requests.RequestException:
                self._forget(replica)  # refused or reset: the next replica takes it
                continue
            if response.status_code != 200:
                self._forget(replica)
                raise AssistantUnavailable(f"Rasa answered HTTP {response.status_code}")
            replies = [_to_reply(item) for item in response.json() if item.get("text")]
            if not replies and not self.action_server_up():
                # Rasa swallows a failed custom action and answers with nothing.
                raise AssistantUnavailable("action server unreachable")
            return replies
        raise AssistantUnavailable("no Rasa replica has a model loaded or is reachable")

    def _status(self, replica: _Replica) -> dict | None:
        try:
            response = self._http.get(
                f"{replica.url}/status", params={"token": self.token}, timeout=2.0
            )
        except requests.RequestException:
            return None
        if response.status_code != 200:
            return None
        return response.json()

    def _ready(self, replica: _Replica) -> bool:
        with self._lock:
            if time.monotonic() < replica.ready_until:
                return True
        status = self._status(replica)
        ready = bool(status and status.get("model_id") and status.get("model_file"))
        with self._lock:
            replica.ready_until = time.monotonic() + self.READY_TTL if ready else 0.0
        return ready

    def _forget(self, replica: _Replica) -> None:
        with self._lock:
            replica.ready_until = 0.0

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
