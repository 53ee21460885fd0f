"""Numbers from URLs and query strings, kept to what the database can hold.

A huge id or `after=` would reach the database as an integer it cannot bind and end in
an OverflowError; here it is a plain 404 (a path) or 400 (a query string) instead.
"""

from __future__ import annotations

from datetime import date

from flask import abort, request
from werkzeug.routing import IntegerConverter

# The largest id any supported database stores (a signed 64-bit integer).
MAX_ID = 2**63 - 1


class IdConverter(IntegerConverter):
    """`<id:name>`: a database id, 1 to MAX_ID; anything else does not match (404)."""

    def __init__(self, map, *args, **kwargs) -> None:  # noqa: A002 (werkzeug's name)
        super().__init__(map, min=1, max=MAX_ID)


def date_arg(name: str) -> date | None:
    """A date query argument (2026-12-01), or None when absent; a clear 400 otherwise."""
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        abort(400, f"{name} must be a date like 2026-12-01.")


def int_arg(name: str, default: int, low: int = 0, high: int = MAX_ID) -> int:
    """An integer query argument in [low, high]; a clear 400 otherwise."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        abort(400, f"{name} must be a whole number.")
    if not low <= value <= high:
        abort(400, f"{name} must be between {low} and {high}.")
    return value
