"""Erases conversations from Rasa's SQL tracker store (Rasa's HTTP API cannot delete)."""

from __future__ import annotations

from typing import List

from sqlalchemy import text

from bot.db import get_engine


def erase_trackers(tracker_database_url: str, sender_ids: List[str]) -> int:
    """Delete every stored event of these conversations; return how many rows went."""
    if not sender_ids:
        return 0
    engine = get_engine(tracker_database_url)
    with engine.begin() as connection:
        if not engine.dialect.has_table(connection, "events"):
            return 0  # Rasa has not stored anything yet
        deleted = 0
        for sender_id in sender_ids:
            result = connection.execute(
                text("DELETE FROM events WHERE sender_id = :sender_id"), {"sender_id": sender_id}
            )
            deleted += result.rowcount
        return deleted
