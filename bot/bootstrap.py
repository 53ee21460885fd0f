"""The one place that builds the helpline's services from the settings.

The gateway (`create_app`), the worker, the command line and the action server each call
`bootstrap()` once; tests call it with fakes in place of Rasa, Twilio or the tracker store.
Nothing is built at import time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Callable, List

from argon2 import PasswordHasher
from sqlalchemy.orm import sessionmaker

from bot.accounts.second_factor import SecondFactor
from bot.accounts.service import NavigatorService
from bot.accounts.sessions import ConsoleSessions
from bot.assistant import AssistantClient
from bot.checkins.sending import CheckInSending
from bot.checkins.series import end_on_stop
from bot.checkins.service import CheckInKeywords, CheckInService
from bot.conversations.inbound import InboundPath
from bot.conversations.service import ConversationService
from bot.db import get_engine, session_factory
from bot.directory.lookups import DirectoryLookups
from bot.directory.sync import DirectorySync
from bot.handoff.alerts import OnCallAlert
from bot.handoff.console import HandoffConsole
from bot.handoff.presence import Presence
from bot.handoff.requests import HandoffRequests
from bot.handoff.saved_replies import SavedReplies
from bot.privacy import PhoneVault
from bot.retention import RetentionService
from bot.review.service import ReviewQueue
from bot.settings import Settings, get_settings
from bot.sms.contacts import ContactBook
from bot.sms.inbound import CarrierKeywords, SmsInbound
from bot.sms.outbox import OutboxSender
from bot.sms.sender import SmsSender, TwilioSender
from bot.tracker import erase_trackers
from bot.understanding.answers import titles

# `sender=UNSET` builds Twilio from the settings; `sender=None` means no sending at all.
UNSET: object = object()


@dataclass(frozen=True)
class Services:
    """Everything the processes use, built once over one database."""

    settings: Settings
    sessions: sessionmaker
    vault: PhoneVault
    conversations: ConversationService
    inbound: InboundPath
    sms: SmsInbound
    outbox: OutboxSender
    sender: SmsSender | None
    checkins: CheckInService
    checkin_sending: CheckInSending
    handoffs: HandoffRequests
    console: HandoffConsole
    presence: Presence
    saved_replies: SavedReplies
    accounts: NavigatorService
    console_sessions: ConsoleSessions
    second_factor: SecondFactor
    retention: RetentionService
    directory: DirectoryLookups
    directory_sync: DirectorySync
    review: ReviewQueue


def bootstrap(
    settings: Settings | None = None,
    *,
    sessions: sessionmaker | None = None,
    assistant=None,
    sender=UNSET,
    trackers: Callable[[List[str]], int] | None = None,
    hasher: PasswordHasher | None = None,
) -> Services:
    """Build every service from `settings` (default: this process's); any argument given
    replaces the real thing (tests pass a scripted assistant, a fake sender...)."""
    settings = settings or get_settings()
    sessions = sessions or session_factory(get_engine(settings.database_url))
    if assistant is None:
        assistant = AssistantClient(
            settings.rasa_urls,
            settings.rasa_token,
            settings.rasa_timeout,
            settings.action_server_health_url,
        )
    if trackers is None:
        trackers = partial(erase_trackers, settings.tracker_database_url)
    vault = PhoneVault(settings.hmac_key, settings.encryption_key)
    conversations = ConversationService(sessions, assistant, trackers)
    checkins = CheckInService(sessions, settings.checkins)
    sms_sender = twilio_sender(settings) if sender is UNSET else sender
    carrier = CarrierKeywords(
        conversations,
        settings.operator_name,
        end_checkins=end_on_stop,
        # After DELETE, the provider's copies of the texts go too (when it can delete).
        erase_copies=getattr(sms_sender, "delete", None),
    )
    inbound = InboundPath(
        conversations,
        {
            "sms": (carrier, CheckInKeywords(checkins, conversations)),
            # The web chat's DELETE is answered by its own endpoint before the path.
        },
        crisis_wait=settings.crisis_wait,
    )
    alert = None
    if settings.console.on_call_phone:
        alert = OnCallAlert(
            sessions, vault, settings.console.on_call_phone, f"{settings.public_url}/console/"
        )
    supervisor = None
    if settings.console.supervisor_phone:
        supervisor = OnCallAlert(
            sessions, vault, settings.console.supervisor_phone, f"{settings.public_url}/console/"
        )
    idle = timedelta(minutes=settings.console.idle_minutes)
    lifetime = timedelta(hours=settings.console.session_hours)
    presence = Presence(sessions, idle, lifetime)
    return Services(
        settings=settings,
        sessions=sessions,
        vault=vault,
        conversations=conversations,
        inbound=inbound,
        sms=SmsInbound(ContactBook(sessions, vault, conversations), inbound),
        outbox=OutboxSender(sessions, vault),
        sender=sms_sender,
        checkins=checkins,
        checkin_sending=CheckInSending(sessions, settings.checkins),
        handoffs=HandoffRequests(sessions, settings.console, alert, presence, supervisor),
        console=HandoffConsole(
            sessions,
            settings.checkins,
            timedelta(minutes=settings.console.closed_grace_minutes),
            timedelta(minutes=settings.console.claim_target_minutes),
            timedelta(days=settings.retention_days),
        ),
        presence=presence,
        saved_replies=SavedReplies(sessions),
        accounts=NavigatorService(sessions, hasher),
        second_factor=SecondFactor(sessions, vault),
        console_sessions=ConsoleSessions(sessions, idle, lifetime),
        retention=RetentionService(sessions, trackers, settings.retention_days),
        directory=DirectoryLookups(sessions),
        directory_sync=DirectorySync(sessions, settings.directory_sync),
        review=ReviewQueue(sessions, titles()),
    )


def twilio_sender(settings: Settings) -> SmsSender | None:
    """The Twilio sender, or None when sending is not configured."""
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


_installed: Services | None = None


def services() -> Services:
    """This process's services, built on first use (the action server's actions use it)."""
    global _installed
    if _installed is None:
        _installed = bootstrap()
    return _installed


def install(built: Services | None) -> None:
    """Make `built` this process's services (tests do); None builds afresh on next use."""
    global _installed
    _installed = built
