"""The navigator console: sign-in, the live queue, one conversation's page, the dashboard.

Every view needs a signed-in account (the audit page and the dashboard a supervisor or
admin); which conversations an account may see is decided in bot/handoff/access.py, which
also audits. `create_app` registers `bp` and the dashboard's blueprint.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("console", __name__, url_prefix="/console")

# The routes attach themselves to `bp`.
from webhook.console import auth, errors, review, saved_replies, views  # noqa: E402, F401
