"""A terminal chat for staff: talks to the gateway's chat API, the path people's messages take."""

from __future__ import annotations

import hashlib
import hmac
import textwrap
import time
from typing import Callable

import requests

PROMPT = "you> "
# The header that marks a chat as a staff try (left out of the figures): only someone who
# holds this line's SECRET_KEY can make it, so nobody else can hide chats from the figures.
STAFF_HEADER = "X-Helpline-Staff"
# The chat's session id (its only credential) travels in this header, never in a URL.
SESSION_HEADER = "X-Chat-Session"


def staff_token(secret_key: str) -> str:
    """The staff header's value for this line (an HMAC of the line's secret key)."""
    return hmac.new(secret_key.encode(), b"terminal chat", hashlib.sha256).hexdigest()


def run_chat(
    gateway_url: str,
    width: int = 80,
    read: Callable[[str], str] = input,
    write: Callable[[str], None] = print,
    wait_for_pending: float = 30.0,
    token: str = "",
) -> None:
    """Chat until end of input or /quit; replies are shown as a person texting would see them."""
    base = gateway_url.rstrip("/")
    http = requests.Session()
    try:
        response = http.post(
            f"{base}/api/chat/sessions",
            json={"channel": "terminal"},
            headers={STAFF_HEADER: token},
            timeout=10,
        )
    except requests.RequestException:
        write(f"Cannot reach the gateway at {base}. Is `make run` running?")
        return
    if response.status_code != 201:
        write(f"The gateway refused a new chat (HTTP {response.status_code}).")
        return
    session = response.json()["session_id"]
    write("Connected. Type a message; /quit or Ctrl-D to leave.")
    last_id = 0
    while True:
        try:
            text = read(PROMPT)
        except (EOFError, KeyboardInterrupt):
            write("")
            return
        if text.strip() in ("/quit", "/exit"):
            return
        if not text.strip():
            continue
        try:
            response = http.post(
                f"{base}/api/chat/messages",
                json={"text": text},
                headers={SESSION_HEADER: session},
                timeout=30,
            )
        except requests.RequestException:
            write("The gateway did not answer; your message may be kept. Try again.")
            continue
        data = response.json()
        if response.status_code != 200:
            write(data.get("error", f"HTTP {response.status_code}"))
            continue
        for reply in data["replies"]:
            last_id = max(last_id, reply["id"])
            _show(reply, width, write)
        if data["pending"]:
            last_id = _wait_for_answer(http, base, session, last_id, width, write, wait_for_pending)


def _wait_for_answer(http, base, session, last_id, width, write, limit) -> int:
    """Poll for the answer to a kept message (the worker sends it when the assistant is back)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        time.sleep(1.0)
        messages = http.get(
            f"{base}/api/chat/messages",
            params={"after": last_id},
            headers={SESSION_HEADER: session},
            timeout=10,
        ).json()["messages"]
        for message in messages:
            last_id = max(last_id, message["id"])
            _show(message, width, write)
        if any(m["author"] == "assistant" for m in messages):
            break
    return last_id


def _show(message: dict, width: int, write: Callable[[str], None]) -> None:
    label = {"assistant": "bot", "system": "line", "navigator": "navigator"}.get(
        message["author"], message["author"]
    )
    body = textwrap.fill(message["text"] or "", width=max(40, width - 6), subsequent_indent="     ")
    write(f"{label}> {body}")
    for button in message.get("buttons") or []:
        if button.get("url"):
            write(f"     [{button['title']}] -> link: {button['url']}")
        else:
            write(f"     [{button['title']}] -> type: {button['payload']}")
