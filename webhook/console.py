"""The navigator console: sign-in, the live queue, and one conversation's page.

Every view needs a signed-in account (and the audit page a supervisor or admin); which
conversations an account may see is decided in bot/handoff.py, which also audits.
`init_console(app)` registers the blueprint, CSRF protection and the cookie settings.
"""

from __future__ import annotations

from datetime import timedelta
from functools import wraps

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf.csrf import CSRFError, CSRFProtect

from bot.accounts.models import OVERSEERS
from bot.accounts.service import NavigatorService
from bot.handoff.service import (
    OUTCOMES,
    ConsoleSettings,
    HandoffError,
    HandoffService,
    NotAllowed,
    build_handoff_service,
    summary_rows,
)
from bot.privacy import PhoneVault
from webhook import chat, openapi, sms

bp = Blueprint("console", __name__, url_prefix="/console")

# Console pages carry conversations: never cached, never framed, referrer kept same-origin
# (Flask-WTF checks it on https).
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'self'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
}


def init_console(
    app: Flask,
    console: ConsoleSettings | None = None,
    handoffs: HandoffService | None = None,
    navigators: NavigatorService | None = None,
) -> None:
    """Register the console, CSRF protection (the JSON and SMS APIs exempt) and cookies.

    Services come from the arguments, else from app.config HANDOFFS / NAVIGATORS (tests
    pass them there), else are built over the conversations' database; `console` defaults
    to SETTINGS.console when the settings carry one.
    """
    conversations, settings = app.config["CONVERSATIONS"], app.config["SETTINGS"]
    handoffs = handoffs or app.config.get("HANDOFFS")
    navigators = navigators or app.config.get("NAVIGATORS")
    app.extensions["helpline.handoffs"] = handoffs or build_handoff_service(
        conversations,
        console or getattr(settings, "console", None),
        PhoneVault(settings.hmac_key, settings.encryption_key),
        settings.public_url,
        getattr(settings, "checkins", None),
    )
    app.extensions["helpline.navigators"] = navigators or NavigatorService(conversations.sessions)
    app.config.update(
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        # The token lives as long as the signed-in session, so an open queue page still works.
        WTF_CSRF_TIME_LIMIT=None,
    )
    csrf = CSRFProtect(app)
    for blueprint in (chat.bp, sms.bp, openapi.bp):
        csrf.exempt(blueprint)
    # Imported here: webhook.dashboard imports this module (signed_in, HEADERS).
    from webhook import dashboard

    app.register_blueprint(bp)
    app.register_blueprint(dashboard.bp)


def _handoffs() -> HandoffService:
    return current_app.extensions["helpline.handoffs"]


def signed_in(*roles: str):
    """Views need a signed-in, active account, and one of `roles` when given."""

    def decorate(view):
        @wraps(view)
        def checked(**kwargs):
            navigator_id = session.get("navigator_id")
            navigator = (
                current_app.extensions["helpline.navigators"].get(navigator_id)
                if isinstance(navigator_id, int)
                else None
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


@bp.after_request
def console_headers(response):
    """No caching or framing of console pages."""
    response.headers.update(HEADERS)
    return response


@bp.errorhandler(HandoffError)
def handoff_error(error: HandoffError):
    """A refused action: say why, with the way back."""
    return render_template("console/error.html", message=str(error)), error.status


@bp.errorhandler(CSRFError)
def csrf_error(_error: CSRFError):
    """An expired or missing form token."""
    message = "This form expired. Go back, reload the page and try again."
    return render_template("console/error.html", message=message), 400


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    """The sign-in form; failures are throttled per account and per address."""
    if request.method == "GET":
        return render_template("console/sign_in.html")
    result = current_app.extensions["helpline.navigators"].sign_in(
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
    session["navigator_id"] = result.navigator.id
    return redirect(url_for("console.queue"))


@bp.post("/sign-out")
@signed_in()
def sign_out():
    """End the session."""
    session.clear()
    return redirect(url_for("console.sign_in"))


@bp.get("/")
@signed_in()
def queue():
    """The live queue page (it polls queue.json)."""
    items = _handoffs().queue(g.navigator)
    return render_template("console/queue.html", items=items, summary_rows=summary_rows)


@bp.get("/queue.json")
@signed_in()
def queue_json():
    """The queue for the page's poll."""
    items = _handoffs().queue(g.navigator)
    return jsonify(items=[item.as_json(g.navigator) for item in items])


@bp.get("/handoffs/<int:handoff_id>")
@signed_in()
def handoff(handoff_id: int):
    """One conversation: summary, messages with delivery status, notes, actions."""
    view = _handoffs().view(handoff_id, g.navigator)
    return render_template(
        "console/handoff.html", view=view, outcomes=OUTCOMES, summary=summary_rows(view.handoff)
    )


@bp.get("/handoffs/<int:handoff_id>/messages.json")
@signed_in()
def handoff_messages(handoff_id: int):
    """New messages and SMS delivery states, for the conversation page's poll."""
    after = request.args.get("after", default=0, type=int)
    shown, deliveries = _handoffs().messages_since(handoff_id, g.navigator, after)
    return jsonify(
        messages=[
            {"id": s.message.id, "author": s.message.author, "text": s.message.body or "",
             "at": s.message.created_at.strftime("%H:%M"), "delivery": s.delivery}
            for s in shown
        ],
        deliveries=deliveries,
    )  # fmt: skip


@bp.post("/handoffs/<int:handoff_id>/claim")
@signed_in()
def claim(handoff_id: int):
    """Claim a waiting conversation."""
    _handoffs().claim(handoff_id, g.navigator)
    flash("You hold this conversation now; the assistant stays silent.")
    return _back(handoff_id)


@bp.post("/handoffs/<int:handoff_id>/reply")
@signed_in()
def reply(handoff_id: int):
    """Send the person a message."""
    _handoffs().reply(handoff_id, g.navigator, request.form.get("text", ""))
    flash("Message sent.")
    return _back(handoff_id)


@bp.post("/handoffs/<int:handoff_id>/notes")
@signed_in()
def note(handoff_id: int):
    """Add a private note."""
    _handoffs().note(handoff_id, g.navigator, request.form.get("text", ""))
    flash("Note saved.")
    return _back(handoff_id)


@bp.post("/handoffs/<int:handoff_id>/checkins")
@signed_in()
def start_checkins(handoff_id: int):
    """Sign the person up for check-in texts, with the consent they gave."""
    _handoffs().start_checkins(
        handoff_id,
        g.navigator,
        request.form.get("reason", "other"),
        consented=request.form.get("consent") == "yes",
    )
    flash("Check-ins started. The person got a text saying when, and how to pause or end them.")
    return _back(handoff_id)


@bp.post("/handoffs/<int:handoff_id>/checkins/end")
@signed_in()
def end_checkins(handoff_id: int):
    """End the person's check-ins."""
    _handoffs().end_checkins(handoff_id, g.navigator)
    flash("Check-ins ended. No more check-in texts will go out.")
    return _back(handoff_id)


@bp.post("/handoffs/<int:handoff_id>/hand-back")
@signed_in()
def hand_back(handoff_id: int):
    """Give the conversation back to the assistant."""
    _handoffs().hand_back(handoff_id, g.navigator)
    flash("Handed back: the assistant answers again. Record the outcome when you're done.")
    return _back(handoff_id)


@bp.post("/handoffs/<int:handoff_id>/close")
@signed_in()
def close(handoff_id: int):
    """Close with the outcome of the button pressed."""
    _handoffs().close(handoff_id, g.navigator, request.form.get("outcome", ""))
    flash(f"Closed: {OUTCOMES[request.form['outcome']].lower()}.")
    return redirect(url_for("console.queue"))


@bp.get("/audit")
@signed_in(*OVERSEERS)
def audit():
    """The newest audit entries (supervisors and admins)."""
    return render_template("console/audit.html", entries=_handoffs().audit_trail())


def _back(handoff_id: int):
    return redirect(url_for("console.handoff", handoff_id=handoff_id))
