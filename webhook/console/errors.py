"""Refusals as the console shows them: the domain's errors mapped to HTTP statuses here."""

from __future__ import annotations

from flask import render_template
from flask_wtf.csrf import CSRFError

from bot.handoff.errors import Conflict, HandoffError, NotAllowed, NotFound
from webhook.console import bp

STATUS = {NotFound: 404, NotAllowed: 403, Conflict: 409}


def status_of(error: HandoffError) -> int:
    """The HTTP status for a refused console action (400 unless more specific)."""
    return next((code for kind, code in STATUS.items() if isinstance(error, kind)), 400)


@bp.app_errorhandler(HandoffError)
def handoff_error(error: HandoffError):
    """A refused action: say why, with the way back."""
    return render_template("console/error.html", message=str(error)), status_of(error)


@bp.errorhandler(CSRFError)
def csrf_error(_error: CSRFError):
    """An expired or missing form token."""
    message = "This form expired. Go back, reload the page and try again."
    return render_template("console/error.html", message=message), 400
