"""The Flask gateway: the helpline's only public entry (web chat, health; later SMS and console)."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

from webhook import chat, health

log = logging.getLogger(__name__)


def create_app(config: dict | None = None) -> Flask:
    """Build the gateway. `config` may carry CONVERSATIONS / SETTINGS overrides for tests."""
    app = Flask(__name__)
    app.config.update(JSON_SORT_KEYS=False, MAX_CONTENT_LENGTH=64 * 1024)
    app.config.update(config or {})
    if "SETTINGS" not in app.config:
        from bot.settings import get_settings

        app.config["SETTINGS"] = get_settings()
    if "CONVERSATIONS" not in app.config:
        from bot.services import conversation_service

        app.config["CONVERSATIONS"] = conversation_service()
    app.secret_key = app.config["SETTINGS"].secret_key

    app.register_blueprint(health.bp)
    app.register_blueprint(chat.bp)
    _register_error_pages(app)
    return app


def _register_error_pages(app: Flask) -> None:
    """Every error is a short, plain answer: no stack trace or error page reaches a person."""

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        return _error_body(error.code or 500, error.description or error.name)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        # The type only: exception text may quote what a person wrote.
        log.error("unhandled %s on %s %s", type(error).__name__, request.method, request.path)
        return _error_body(500, "Something went wrong on our side.")


def _error_body(code: int, description: str):
    text = (
        f"{description} If someone may be overdosing, call 911 now. "
        "For a mental health crisis call or text 988."
    )
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        return jsonify(error=text), code
    return text, code, {"Content-Type": "text/plain; charset=utf-8"}
