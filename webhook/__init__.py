"""The Flask gateway: the helpline's only public entry (web chat, health; later SMS and console)."""

from __future__ import annotations

import logging
import traceback

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from bot.ratelimit import WindowLimiter
from webhook import chat, console, health, openapi, sms

log = logging.getLogger(__name__)


def create_app(config: dict | None = None) -> Flask:
    """Build the gateway; `config` may carry SETTINGS, CONVERSATIONS and SMS (tests do)."""
    app = Flask(__name__)
    app.config.update(JSON_SORT_KEYS=False, MAX_CONTENT_LENGTH=64 * 1024)
    app.config.update(config or {})
    if "SETTINGS" not in app.config:
        from bot.settings import get_settings

        app.config["SETTINGS"] = get_settings()
    if "CONVERSATIONS" not in app.config:
        from bot.services import conversation_service

        app.config["CONVERSATIONS"] = conversation_service()
    if "SMS" not in app.config:
        from bot.services import sms_service

        app.config["SMS"] = sms_service()
    settings = app.config["SETTINGS"]
    app.secret_key = settings.secret_key
    app.extensions["helpline.ip_limiter"] = WindowLimiter(settings.chat_requests_per_minute_per_ip)
    if settings.proxy_hops:
        # Behind a TLS proxy: trust its X-Forwarded-For/Proto for this many hops only.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=settings.proxy_hops, x_proto=settings.proxy_hops
        )

    app.register_blueprint(health.bp)
    app.register_blueprint(chat.bp)
    app.register_blueprint(sms.bp)
    app.register_blueprint(openapi.bp)
    console.init_console(app)
    _register_error_pages(app)

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; base-uri 'none'; form-action 'self'; "
            f"frame-ancestors {settings.embed_allowed_origins}",
        )
        return response

    return app


def _register_error_pages(app: Flask) -> None:
    """Every error is a short, plain answer: no stack trace or error page reaches a person."""

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        return _error_body(error.code or 500, error.description or error.name)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        # Type and place only: an exception's text may quote what a person wrote.
        frame = traceback.extract_tb(error.__traceback__)[-1]
        log.error(
            "unhandled %s at %s:%s on %s %s",
            type(error).__name__,
            frame.filename.rsplit("/", 1)[-1],
            frame.lineno,
            request.method,
            request.path,
        )
        return _error_body(500, "Something went wrong on our side.")


def _error_body(code: int, description: str):
    text = (
        f"{description} If someone may be overdosing, call 911 now. "
        "For a mental health crisis call or text 988."
    )
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        return jsonify(error=text), code
    return text, code, {"Content-Type": "text/plain; charset=utf-8"}
