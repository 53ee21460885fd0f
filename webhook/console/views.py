"""The console's pages and actions on one conversation: thin views over bot/handoff/."""

from __future__ import annotations

from flask import flash, g, jsonify, redirect, render_template, request, url_for

from bot.accounts.models import OVERSEERS
from bot.handoff.audit import PAGE_SIZE, AuditQuery, audit_actions, audit_trail
from bot.handoff.console import HandoffConsole
from bot.handoff.views import OUTCOMES, summary_rows
from webhook.console import bp
from webhook.console.auth import signed_in
from webhook.context import services
from webhook.params import date_arg, int_arg


def _console() -> HandoffConsole:
    return services().console


@bp.get("/")
@signed_in()
def queue():
    """The live queue page (it polls queue.json)."""
    items = _console().queue(g.navigator)
    return render_template(
        "console/queue.html",
        items=items,
        summary_rows=summary_rows,
        directory=services().directory_sync.status(),
    )


@bp.get("/queue.json")
@signed_in()
def queue_json():
    """The queue for the page's poll."""
    items = _console().queue(g.navigator)
    return jsonify(items=[item.as_json(g.navigator) for item in items])


@bp.get("/handoffs/<id:handoff_id>")
@signed_in()
def handoff(handoff_id: int):
    """One conversation: summary, messages with delivery status, notes, actions."""
    view = _console().view(handoff_id, g.navigator)
    return render_template(
        "console/handoff.html", view=view, outcomes=OUTCOMES, summary=summary_rows(view.handoff)
    )


@bp.get("/handoffs/<id:handoff_id>/messages.json")
@signed_in()
def handoff_messages(handoff_id: int):
    """New messages and SMS delivery states, for the conversation page's poll."""
    after = int_arg("after", 0)
    shown, deliveries = _console().messages_since(handoff_id, g.navigator, after)
    return jsonify(
        messages=[
            {"id": s.message.id, "author": s.message.author, "text": s.message.body or "",
             "at": s.message.created_at.strftime("%H:%M"), "delivery": s.delivery}
            for s in shown
        ],
        deliveries=deliveries,
    )  # fmt: skip


@bp.post("/handoffs/<id:handoff_id>/claim")
@signed_in()
def claim(handoff_id: int):
    """Claim a waiting conversation."""
    _console().claim(handoff_id, g.navigator)
    flash("You hold this conversation now; the assistant stays silent.")
    return _back(handoff_id)


@bp.post("/handoffs/<id:handoff_id>/reply")
@signed_in()
def reply(handoff_id: int):
    """Send the person a message."""
    _console().reply(handoff_id, g.navigator, request.form.get("text", ""))
    flash("Message sent.")
    return _back(handoff_id)


@bp.post("/handoffs/<id:handoff_id>/notes")
@signed_in()
def note(handoff_id: int):
    """Add a private note."""
    _console().note(handoff_id, g.navigator, request.form.get("text", ""))
    flash("Note saved.")
    return _back(handoff_id)


@bp.post("/handoffs/<id:handoff_id>/checkins")
@signed_in()
def start_checkins(handoff_id: int):
    """Sign the person up for check-in texts, with the consent they gave."""
    _console().start_checkins(
        handoff_id,
        g.navigator,
        request.form.get("reason", "other"),
        consented=request.form.get("consent") == "yes",
    )
    flash("Check-ins started. The person got a text saying when, and how to pause or end them.")
    return _back(handoff_id)


@bp.post("/handoffs/<id:handoff_id>/checkins/end")
@signed_in()
def end_checkins(handoff_id: int):
    """End the person's check-ins."""
    _console().end_checkins(handoff_id, g.navigator)
    flash("Check-ins ended. No more check-in texts will go out.")
    return _back(handoff_id)


@bp.post("/handoffs/<id:handoff_id>/hand-back")
@signed_in()
def hand_back(handoff_id: int):
    """Give the conversation back to the assistant."""
    _console().hand_back(handoff_id, g.navigator)
    flash("Handed back: the assistant answers again. Record the outcome when you're done.")
    return _back(handoff_id)


@bp.post("/handoffs/<id:handoff_id>/close")
@signed_in()
def close(handoff_id: int):
    """Close with the outcome of the button pressed."""
    outcome = request.form.get("outcome", "")
    _console().close(handoff_id, g.navigator, outcome)
    flash(f"Closed: {OUTCOMES[outcome].lower()}.")
    return redirect(url_for("console.queue"))


@bp.get("/audit")
@signed_in(*OVERSEERS)
def audit():
    """The audit log, newest first, filtered by who, what, when and request, in pages
    (supervisors and admins)."""
    query = AuditQuery(
        navigator_id=int_arg("who", 0) or None,
        action=(request.args.get("what") or "").strip()[:32] or None,
        day_from=date_arg("from"),
        day_to=date_arg("to"),
        handoff_id=int_arg("request", 0) or None,
        page=int_arg("page", 1, low=1, high=10**6),
    )
    entries, total = audit_trail(services().sessions, query)
    pages = max(1, -(-total // PAGE_SIZE))
    filters = {
        key: value
        for key, value in request.args.items()
        if key in ("who", "what", "from", "to", "request") and value
    }
    return render_template(
        "console/audit.html",
        entries=entries,
        total=total,
        page=query.page,
        pages=pages,
        filters=filters,
        names=services().accounts.names(),
        actions=audit_actions(services().sessions),
    )


def _back(handoff_id: int):
    return redirect(url_for("console.handoff", handoff_id=handoff_id))
