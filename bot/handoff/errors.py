"""Why a console action was refused. The web layer maps each to an HTTP status."""

from __future__ import annotations


class HandoffError(Exception):
    """A console action that cannot be done as asked (the message says why)."""


class NotFound(HandoffError):
    """No such handoff, or not one this navigator may see."""


class NotAllowed(HandoffError):
    """The navigator may see the handoff but not do this to it."""


class Conflict(HandoffError):
    """Someone else got there first (already claimed or closed)."""
