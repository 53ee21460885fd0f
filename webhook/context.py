"""The services of the app serving this request (built once by `create_app`)."""

from __future__ import annotations

from flask import current_app

from bot.bootstrap import Services

EXTENSION = "helpline.services"


def services() -> Services:
    """The running app's services."""
    return current_app.extensions[EXTENSION]
