"""The console's pages and actions on one conversation: thin views over bot/handoff/."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import flash, g, jsonify, redirect, render_template, request, session, url_for

from bot.accounts.models import OVERSEERS
from bot.content import GSM7_CHARS, GSM7_EXTENDED, stigma_pattern
from bot.handoff.audit import PAGE_SIZE, AuditQuery, audit_actions, audit_trail
from bot.handoff.clock import day_of, when
from bot.handoff.console import HandoffConsole
from bot.handoff.models import Handoff
from bot.handoff.saved_replies import INSTEAD, word_note
from bot.handoff.views import OUTCOMES, REASONS, REFERRAL_TAGS, summary_rows
from webhook.console import bp, places
from webhook.console.auth import signed_in
from webhook.context import services
from webhook.params import date_arg, int_arg


def _console() -> HandoffConsole:
    return services().console


def zone() -> ZoneInfo:
    """The navigators' time zone (NAVIGATOR_TIMEZONE)."""
    return ZoneInfo(services().settings.console.timezone)


@bp.app_template_filter("local")
def local(moment: datetime | None, seconds: bool = False) -> str:
    """Every time a console page shows: "today 6:31 p.m.", local, never UTC."""
    return when(moment, zone(), seconds=seconds)


@bp.app_template_filter("localday")
def localday(moment: datetime | None) -> str:
    """Only the local day: "today", "yesterday", "Nov 28"."""
    return day_of(moment, zone())


@bp.context_processor
def shift():
    """Whether the signed-in navigator is on shift, for the bar's toggle."""
    navigator = g.get("navigator")
    return {"on_shift": navigator is not None and services().presence.is_on(navigator.id)}


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
        staffed=[name for _, name in services().presence.on_shift()],
    )


@bp.get("/queue.json")
@signed_in()
def queue_json():
    """The queue for the page's poll, and who is on shift."""
    items = _console().queue(g.navigator)
    rows = [
        {**item.as_json(g.navigator), "asked": local(item.handoff.requested_at)} for item in items
    ]
    return jsonify(items=rows, on_shift=[name for _, name in services().presence.on_shift()])


@bp.post("/shift")
@signed_in()
def toggle_shift():
    """Go on shift (in this console session) or off it."""
    presence, token = services().presence, session.get("token")
    if request.form.get("on") == "yes" and isinstance(token, str):
        presence.go_on(g.navigator, token)
        flash("You are on shift: people asking for a navigator are told someone is here.")
    else:
        presence.go_off(g.navigator)
        flash("You are off shift.")
    return redirect(url_for("console.queue"))


@bp.get("/handoffs/<id:handoff_id>")
@signed_in()
def handoff(handoff_id: int):
    """One conversation: summary, previous contacts, messages with delivery status, notes,
    actions, and places from the directory (the search form's GET re-renders the page)."""
    view = _console().view(handoff_id, g.navigator)
    held = view.handoff.status == Handoff.CLAIMED and view.handoff.claimed_by == g.navigator.id
    return render_template(
        "console/handoff.html",
        view=view,
        outcomes=OUTCOMES,
        reasons=REASONS,
        referral_tags=REFERRAL_TAGS,
        summary=summary_rows(view.handoff),
        saved=services().saved_replies.for_handoff(view.handoff),
        composer=_composer(),
        # Only the holder writes replies, so only the holder's page searches.
        places=places.place_search(view.handoff, request.args) if held else None,
        place_form=places,
    )


def _composer() -> dict:
    """What the reply box's script needs to count SMS length and check words, from the
    same sources as the server (bot/content.py)."""
    return {
        "gsm7": "".join(sorted(GSM7_CHARS)),
        "gsm7_extended": "".join(sorted(GSM7_EXTENDED)),
        "stigma": stigma_pattern().pattern,
        "instead": json.dumps(INSTEAD),
    }


@bp.get("/handoffs/<id:handoff_id>/messages.json")
@signed_in()
def handoff_messages(handoff_id: int):
    """New messages and SMS delivery states, for the conversation page's poll."""
    after = int_arg("after", 0)
    shown, deliveries = _console().messages_since(handoff_id, g.navigator, after)
    return jsonify(
        messages=[
            {"id": s.message.id, "author": s.message.author, "text": s.message.body or "",
             "at": local(s.message.created_at), "delivery": s.delivery}
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
    text = request.form.get("text", "")
    _console().reply(handoff_id, g.navigator, text)
    flash("Message sent.")
    note = word_note(text)
    if note:
        flash(note)
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
    """Close with the outcome of the button pressed and the referral tags ticked."""
    outcome = request.form.get("outcome", "")
    tags = _console().close(handoff_id, g.navigator, outcome, request.form.getlist("tag"))
    referred = ", ".join(REFERRAL_TAGS[tag].lower() for tag in tags)
    flash(f"Closed: {OUTCOMES[outcome].lower()}" + (f"; referrals: {referred}." if tags else "."))
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
        zone=zone(),
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
