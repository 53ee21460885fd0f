"""Saved replies, kept by admins: the list with forms to add, change and delete. The work
and the audit are in bot/handoff/saved_replies.py."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for

from bot.accounts.models import ADMIN
from bot.handoff.saved_replies import MAX_TITLE, placeholders
from bot.handoff.views import MAX_REPLY
from webhook.console import bp
from webhook.console.auth import signed_in
from webhook.context import services


@bp.get("/saved-replies")
@signed_in(ADMIN)
def saved_replies():
    """Every saved reply, each with its form, and one to add a new one."""
    return render_template(
        "console/saved_replies.html",
        replies=services().saved_replies.all(),
        placeholders=placeholders(),
        max_title=MAX_TITLE,
        max_body=MAX_REPLY,
    )


@bp.post("/saved-replies")
@signed_in(ADMIN)
def add_saved_reply():
    """Add a saved reply."""
    services().saved_replies.add(g.navigator, request.form.get("title", ""), _body())
    flash("Saved reply added.")
    return _back()


@bp.post("/saved-replies/<id:reply_id>")
@signed_in(ADMIN)
def change_saved_reply(reply_id: int):
    """Change a saved reply's title and text."""
    services().saved_replies.change(g.navigator, reply_id, request.form.get("title", ""), _body())
    flash("Saved reply changed.")
    return _back()


@bp.post("/saved-replies/<id:reply_id>/delete")
@signed_in(ADMIN)
def delete_saved_reply(reply_id: int):
    """Delete a saved reply."""
    services().saved_replies.remove(g.navigator, reply_id)
    flash("Saved reply deleted.")
    return _back()


def _body() -> str:
    # "text" as the reply form names it, so every console form posts its words the same way.
    return request.form.get("text", "")


def _back():
    return redirect(url_for("console.saved_replies"))
