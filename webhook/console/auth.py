"""Signing in and out of the console, and the check every console view makes."""

from __future__ import annotations

import time
from functools import wraps

from flask import g, jsonify, redirect, render_template, request, session, url_for

from bot.handoff.errors import NotAllowed
from webhook.console import bp
from webhook.context import services

# Console pages carry conversations: never cached, never framed, referrer kept same-origin
# (Flask-WTF checks it on https).
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'self'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
}


def signed_in(*roles: str):
    """Views need a signed-in, active account, and one of `roles` when given."""

    def decorate(view):
        @wraps(view)
        def checked(**kwargs):
            token = session.get("token")
            # A page's background poll (the .json routes) is not the navigator's own action.
            navigator = services().console_sessions.navigator(
                token if isinstance(token, str) else None,
                activity=not request.path.endswith(".json"),
            )
            if navigator is None:
                session.clear()
                if request.path.endswith(".json"):
                    return jsonify(error="Please sign in again."), 401
                return redirect(url_for("console.sign_in"))
            g.navigator = navigator
            if roles and navigator.role not in roles:
                raise NotAllowed("Your role cannot open this page.")
            return view(**kwargs)

        return checked

    return decorate


def console_headers(response):
    """No caching or framing of console pages."""
    response.headers.update(HEADERS)
    return response


bp.after_request(console_headers)


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    """The sign-in form; failures are throttled per account and per address."""
    if request.method == "GET":
        return render_template("console/sign_in.html")
    result = services().accounts.sign_in(
        request.form.get("email", ""), request.form.get("password", ""), request.remote_addr or "-"
    )
    if result.navigator is None:
        status = 429 if result.throttled else 401
        error = (
            "Too many failed sign-ins. Wait 15 minutes, or ask an admin."
            if result.throttled
            else "That email and password do not match an account."
        )
        return render_template("console/sign_in.html", error=error), status
    # The password is right: the second factor is next (enrolment on the first sign-in).
    session.clear()
    session.permanent = True
    session["pending"] = {"id": result.navigator.id, "at": time.time()}
    return redirect(url_for("console.second_factor"))


# A password step is good for this long while the person finds their authenticator.
PENDING_SECONDS = 300


def _pending() -> int | None:
    pending = session.get("pending")
    if not isinstance(pending, dict) or not isinstance(pending.get("id"), int):
        return None
    if time.time() - float(pending.get("at") or 0) > PENDING_SECONDS:
        session.clear()
        return None
    return pending["id"]


@bp.route("/second-factor", methods=["GET", "POST"])
def second_factor():
    """The code from the authenticator app (or a recovery code); on the first sign-in,
    enrolment: scan the QR code, confirm with a code, keep the recovery codes."""
    navigator_id = _pending()
    if navigator_id is None:
        return redirect(url_for("console.sign_in"))
    factor, accounts = services().second_factor, services().accounts
    navigator = accounts.get(navigator_id)
    if navigator is None:
        session.clear()
        return redirect(url_for("console.sign_in"))
    address = request.remote_addr or "-"
    enrolled = factor.enrolled(navigator_id)
    if request.method == "GET":
        return _second_factor_page(navigator_id, enrolled)
    if accounts.throttled(navigator.email, address):
        error = "Too many wrong codes. Wait 15 minutes, or ask an admin."
        return _second_factor_page(navigator_id, enrolled, error), 429
    code = request.form.get("code", "")
    if enrolled:
        if not factor.verify(navigator_id, code):
            accounts.failed(navigator.email, address)
            return _second_factor_page(navigator_id, enrolled, "That code did not work."), 401
        _start(navigator_id)
        return redirect(url_for("console.queue"))
    codes = factor.confirm(navigator_id, code)
    if not codes:
        accounts.failed(navigator.email, address)
        return _second_factor_page(navigator_id, enrolled, "That code did not work."), 401
    _start(navigator_id)
    return render_template("console/recovery_codes.html", codes=codes)


def _second_factor_page(navigator_id: int, enrolled: bool, error: str | None = None):
    enrolment = None if enrolled else services().second_factor.begin(navigator_id)
    return render_template("console/second_factor.html", enrolment=enrolment, error=error)


def _start(navigator_id: int) -> None:
    session.clear()
    session.permanent = True
    session["token"] = services().console_sessions.start(navigator_id)


@bp.post("/sign-out")
@signed_in()
def sign_out():
    """End the session, on the server too: a copied cookie no longer works."""
    token = session.get("token")
    services().presence.go_off(g.navigator, "signed out")
    services().console_sessions.end(token if isinstance(token, str) else None)
    session.clear()
    return redirect(url_for("console.sign_in"))
