"""Signing in and out of the console, and the check every console view makes."""

from __future__ import annotations

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
    session.clear()
    session.permanent = True
    session["token"] = services().console_sessions.start(result.navigator.id)
    return redirect(url_for("console.queue"))


@bp.post("/sign-out")
@signed_in()
def sign_out():
    """End the session, on the server too: a copied cookie no longer works."""
    token = session.get("token")
    services().console_sessions.end(token if isinstance(token, str) else None)
    session.clear()
    return redirect(url_for("console.sign_in"))
