"""The Flask gateway: the helpline's only public entry (web chat, SMS, console, health)."""

from __future__ import annotations

import logging
import traceback
from datetime import timedelta

from flask import Flask, jsonify, request
from flask_wtf.csrf import CSRFProtect
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from bot.bootstrap import Services, bootstrap
from bot.content import crisis_reply
from bot.ratelimit import address_limiter
from webhook import chat, health, metrics, openapi, sms
from webhook.console import bp as console_bp
from webhook.console.dashboard import bp as dashboard_bp
from webhook.context import EXTENSION
from webhook.params import IdConverter

log = logging.getLogger(__name__)


def create_app(services: Services | None = None, config: dict | None = None) -> Flask:
    """Build the gateway over `services` (default: built from this process's settings);
    `config` overrides Flask settings (tests do)."""
    services = services or bootstrap()
    settings = services.settings
    # The emergency replies are read now, not when the first emergency comes in.
    crisis_reply("overdose_now")
    app = Flask(__name__)
    app.config.update(
        JSON_SORT_KEYS=False,
        MAX_CONTENT_LENGTH=64 * 1024,
        # The console's cookie: sent over https only, never to scripts or other sites.
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.console.session_hours),
        # The server-side session (bot/accounts/sessions.py) decides when a session ends;
        # the cookie is not re-sent on every request, so a poll does not renew it.
        SESSION_REFRESH_EACH_REQUEST=False,
        # The token lives as long as the signed-in session, so an open queue page still works.
        WTF_CSRF_TIME_LIMIT=None,
    )
    app.config.update(config or {})
    app.secret_key = settings.secret_key
    app.extensions[EXTENSION] = services
    app.extensions["helpline.ip_limiter"] = address_limiter(
        settings.chat_requests_per_minute_per_ip, settings.redis_url, settings.hmac_key
    )
    if settings.proxy_hops:
        # Behind a TLS proxy: trust its X-Forwarded-For/Proto for this many hops only.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=settings.proxy_hops, x_proto=settings.proxy_hops
        )

    # Ids in paths are database ids: a number too big to store is a 404, not an error.
    app.url_map.converters["id"] = IdConverter
    for blueprint in (health.bp, chat.bp, sms.bp, openapi.bp, metrics.bp, console_bp, dashboard_bp):
        app.register_blueprint(blueprint)
    # Every form carries a CSRF token; the JSON chat API and Twilio's webhooks cannot.
    csrf = CSRFProtect(app)
    for blueprint in (chat.bp, sms.bp, openapi.bp, metrics.bp):
        csrf.exempt(blueprint)
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
        if request.path.startswith("/api/"):
            # People's messages are never kept by a browser or proxy (the console's pages
            # get the same from webhook/console/auth.py).
            response.headers.setdefault("Cache-Control", "no-store")
        if settings.public_url.startswith("https://"):
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
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
            # The route, not the path: a path may carry an id that names a person's chat.
            request.url_rule.rule if request.url_rule else "-",
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
