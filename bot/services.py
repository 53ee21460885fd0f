"""Cached getters that wire the core services from the settings (nothing runs at import)."""

from __future__ import annotations

from functools import lru_cache

from bot.assistant import AssistantClient
from bot.conversations import ConversationService
from bot.db import session_factory
from bot.settings import get_settings


@lru_cache(maxsize=1)
def assistant_client() -> AssistantClient:
    """The client for this process's Rasa server."""
    settings = get_settings()
    return AssistantClient(settings.rasa_url, settings.rasa_token, settings.rasa_timeout)


@lru_cache(maxsize=1)
def conversation_service() -> ConversationService:
    """The message path shared by every channel."""
    return ConversationService(session_factory(), assistant_client())
