"""The web chat: its page, the embeddable widget, and the JSON API behind them.

The same API serves `helpline chat` in a terminal. Documented in openapi.py.
"""

from __future__ import annotations

import hmac
import logging
import re

from flask import Blueprint, abort, current_app, jsonify, render_template, request

from bot.conversations.keywords import keyword
from bot.conversations.models import Message
from bot.terminal_chat import SESSION_HEADER, STAFF_HEADER, staff_token
from webhook.context import services
from webhook.params import int_arg

log = logging.getLogger(__name__)

bp = Blueprint("chat", __name__)

# What a person may type in one chat message; longer text gets a clear answer, not a cut.
MAX_CHAT_TEXT = 1000
SESSION_ID = re.compile(r"^[0-9a-f]{32}$")
CHANNELS = ("web", "terminal")
# Links a message may carry (a button with a `url`): tap-to-call and https pages only.
LINK_SCHEMES = ("tel:", "https://")
SLOW_DOWN = (
    "You're sending messages faster than we can read them. Please wait a minute and send it again."
)
ERASED: dict[str, object] = {
    "id": None,
    "author": "system",
    "text": "Done: we erased this chat. Reload the page to start a new one.",
    "buttons": [],
}
NOT_ERASED: dict[str, object] = {
    "id": None,
    "author": "system",
    "text": "Sorry, we could not erase this chat just now. Nothing was removed yet. "
    "Please send DELETE again in a few minutes.",
    "buttons": [],
}


@bp.before_app_request
def limit_per_address():
    """Refuse a flood of new chats or messages from one address (counted in memory only)."""
    if request.method == "POST" and request.path.startswith("/api/chat/"):
        if not current_app.extensions["helpline.ip_limiter"].allow(request.remote_addr or "-"):
            abort(429, SLOW_DOWN)


@bp.get("/")
@bp.get("/chat")
def page():
    """The chat page a person opens (or a partner site shows in the widget)."""
    return render_template(
        "chat.html",
        embedded=request.args.get("embed") == "1",
        quick_exit_url=services().settings.quick_exit_url,
    )


@bp.get("/embed.js")
def embed_script():
    """The one-line widget a partner site adds: <script src=".../embed.js" async></script>."""
    response = current_app.send_static_file("embed.js")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.post("/api/chat/sessions")
def start_session():
    """Open a conversation; the server makes the session id."""
    channel = (request.get_json(silent=True) or {}).get("channel", "web")
    if channel not in CHANNELS:
        abort(400, "Unknown channel.")
    if channel == "terminal":
        given = request.headers.get(STAFF_HEADER, "")
        if not hmac.compare_digest(given, staff_token(services().settings.secret_key)):
            abort(403, "Staff chats need staff credentials (use `helpline chat`).")
    conversation = services().conversations.start(channel)
    return jsonify(session_id=conversation.sender_id), 201


@bp.post("/api/chat/messages")
def send_message():
    """Keep the person's message and return the assistant's replies."""
    conversations = services().conversations
    conversation = _conversation()
    payload = request.get_json(silent=True)
    text = payload.get("text") if isinstance(payload, dict) else None
    if not isinstance(text, str) or not text.strip():
        abort(400, "Please type a message.")
    if len(text) > MAX_CHAT_TEXT:
        abort(
            413,
            f"That message is too long for us (over {MAX_CHAT_TEXT} characters). "
            "Please send it in shorter parts.",
        )
    limit = services().settings.chat_messages_per_minute
    if conversations.recent_inbound(conversation, seconds=60) >= limit:
        abort(429, SLOW_DOWN)
    if keyword(text) == "delete":
        try:
            conversations.erase([conversation.id])
        except Exception:  # the tracker store is down: nothing was removed
            log.exception("chat erasure failed; the person was asked to send DELETE again")
            return jsonify(message_id=None, pending=False, erased=False, replies=[NOT_ERASED])
        return jsonify(message_id=None, pending=False, erased=True, replies=[ERASED])
    outcome = services().inbound.handle(conversation, text.strip())
    return jsonify(
        message_id=outcome.message.id,
        pending=not outcome.answered and not outcome.following,
        # An emergency's first reply came alone: the rest follows at the next poll.
        following=outcome.following,
        replies=[_as_json(m) for m in outcome.replies],
    )


@bp.get("/api/chat/messages")
def list_messages():
    """Messages for the person after `after` (answers to kept messages arrive here); with
    `history=1` the person's own messages too, so a reloaded page shows the whole chat."""
    conversation = _conversation()
    after = int_arg("after", 0)
    if int_arg("history", 0, high=1):
        messages = services().conversations.history(conversation, after)
    else:
        messages = services().conversations.messages_after(conversation, after)
    return jsonify(messages=[_as_json(m) for m in messages])


def _conversation():
    """The chat named by the session header: the chat's only credential travels in a
    header, never in a URL, so no access log or proxy log ever holds it."""
    session_id = request.headers.get(SESSION_HEADER, "")
    conversation = None
    if SESSION_ID.match(session_id):
        conversation = services().conversations.find(session_id)
    if conversation is None or conversation.channel not in CHANNELS:
        abort(404, "This chat has ended. Please reload the page to start a new one.")
    return conversation


def _as_json(message: Message) -> dict:
    return {
        "id": message.id,
        "author": message.author,
        "text": message.body,
        "buttons": [b for b in message.buttons or [] if _shown(b)],
    }


def _shown(button: dict) -> bool:
    """A reply button, or a link with a scheme the chat opens (never javascript: or data:)."""
    url = button.get("url")
    return url is None or (isinstance(url, str) and url.lower().startswith(LINK_SCHEMES))
