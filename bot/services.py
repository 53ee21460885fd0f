"""Cached getters that wire the core services from the settings (nothing runs at import)."""

from __future__ import annotations

from functools import lru_cache, partial

from bot.assistant import AssistantClient
from bot.checkins.service import CheckInService
from bot.conversations.service import ConversationService
from bot.db import session_factory
from bot.handoff.service import HandoffService, build_handoff_service
from bot.privacy import PhoneVault
from bot.retention import RetentionService
from bot.settings import get_settings
from bot.sms.sender import TwilioSender
from bot.sms.service import SmsService
from bot.tracker import erase_trackers


@lru_cache(maxsize=1)
def assistant_client() -> AssistantClient:
    """The client for this process's Rasa server."""
    settings = get_settings()
    return AssistantClient(
        settings.rasa_url,
        settings.rasa_token,
        settings.rasa_timeout,
        settings.action_server_health_url,
    )


@lru_cache(maxsize=1)
def conversation_service() -> ConversationService:
    """The message path shared by every channel."""
    return ConversationService(
        session_factory(),
        assistant_client(),
        partial(erase_trackers, get_settings().tracker_database_url),
    )


@lru_cache(maxsize=1)
def checkin_service() -> CheckInService:
    """Follow-up check-ins: opt-in, keywords, sending due ones."""
    return CheckInService(conversation_service().sessions, get_settings().checkins)


@lru_cache(maxsize=1)
def sms_service() -> SmsService:
    """The SMS channel's rules over the shared message path."""
    settings = get_settings()
    return SmsService(
        conversation_service(),
        PhoneVault(settings.hmac_key, settings.encryption_key),
        settings.operator_name,
        checkin_service(),
    )


@lru_cache(maxsize=1)
def retention_service() -> RetentionService:
    """Deletes message bodies (and Rasa's record) after RETENTION_DAYS."""
    settings = get_settings()
    return RetentionService(
        conversation_service().sessions,
        partial(erase_trackers, settings.tracker_database_url),
        settings.retention_days,
    )


@lru_cache(maxsize=1)
def sms_sender() -> TwilioSender | None:
    """The Twilio sender, or None when sending is not configured."""
    settings = get_settings()
    if not (settings.twilio_account_sid and settings.twilio_auth_token):
        return None
    if not (settings.twilio_from_number or settings.twilio_messaging_service_sid):
        return None
    return TwilioSender(
        settings.twilio_account_sid,
        settings.twilio_auth_token,
        status_callback=f"{settings.public_url}/sms/status",
        from_number=settings.twilio_from_number,
        messaging_service_sid=settings.twilio_messaging_service_sid,
    )


@lru_cache(maxsize=1)
def handoff_service() -> HandoffService:
    """Warm handoff requests and the unclaimed-request notices (action server, worker)."""
    settings = get_settings()
    return build_handoff_service(
        conversation_service(),
        settings.console,
        PhoneVault(settings.hmac_key, settings.encryption_key),
        settings.public_url,
        settings.checkins,
    )
