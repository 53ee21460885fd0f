"""What we could not answer: the review page, labelling, and the export (supervisors and
admins). The work is in bot/review/service.py; every look is audited there."""

from __future__ import annotations

from flask import Response, flash, g, redirect, render_template, request, url_for

from bot.accounts.models import OVERSEERS
from bot.review.service import MAX_DAYS, ReviewError
from bot.understanding.answers import title, titles
from webhook.console import bp
from webhook.console.auth import signed_in
from webhook.context import services
from webhook.params import int_arg


def _days() -> int:
    return int_arg("days", 14)


@bp.get("/review")
@signed_in(*OVERSEERS)
def review():
    """Messages of the last N days the assistant fell back on or was unsure of."""
    page = int_arg("page", 1, low=1, high=10**6)
    unlabelled = request.args.get("unlabelled") == "1"
    try:
        items, total = services().review.items(g.navigator, _days(), page, unlabelled)
    except ReviewError as error:
        return render_template("console/error.html", message=str(error)), 400
    groups: dict = {}
    for label in titles():
        groups.setdefault(label.split("/")[0] if "/" in label else "conversation", []).append(label)
    return render_template(
        "console/review.html", items=items, total=total, page=page, days=_days(),
        unlabelled=unlabelled, groups=groups, title=title, max_days=MAX_DAYS,
    )  # fmt: skip


@bp.post("/review/<id:message_id>/label")
@signed_in(*OVERSEERS)
def review_label(message_id: int):
    """Give a message the answer it should have had."""
    try:
        services().review.label(g.navigator, message_id, request.form.get("label", ""))
    except ReviewError as error:
        return render_template("console/error.html", message=str(error)), 400
    flash("Label saved.")
    return redirect(url_for("console.review", days=_days(), page=request.args.get("page", 1)))


@bp.get("/review/export.yml")
@signed_in(*OVERSEERS)
def review_export():
    """The labelled messages as Rasa NLU YAML, scrubbed, to add to data/nlu."""
    try:
        text = services().review.export(g.navigator, int_arg("days", MAX_DAYS))
    except ReviewError as error:
        return render_template("console/error.html", message=str(error)), 400
    return Response(
        text,
        mimetype="application/x-yaml",
        headers={"Content-Disposition": 'attachment; filename="reviewed-examples.yml"'},
    )
