"""Sends an SMS through Twilio's REST API (the only code that calls the provider)."""

from __future__ import annotations

import logging
from typing import List, Protocol

log = logging.getLogger(__name__)


class SendError(RuntimeError):
    """The provider did not take the message; `permanent` means retrying will not help."""

    def __init__(self, code: str, permanent: bool) -> None:
        super().__init__(code)
        self.code = code
        self.permanent = permanent


class SmsSender(Protocol):
    """Anything that can send one SMS and return the provider's message id."""

    def send(self, to: str, body: str) -> str:
        """Send `body` to `to`; return the provider's id or raise SendError."""


# Twilio error codes where a retry cannot succeed (unsubscribed, invalid or unreachable
# numbers, blocked content).
PERMANENT_ERRORS = {"21211", "21408", "21610", "21612", "21614", "30003", "30004", "30005", "30006"}


class TwilioSender:
    """SmsSender over twilio.rest.Client, with a status callback for delivery reports."""

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        status_callback: str,
        from_number: str | None = None,
        messaging_service_sid: str | None = None,
    ) -> None:
        from twilio.rest import Client

        if not (from_number or messaging_service_sid):
            raise ValueError("set TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID")
        self._client = Client(account_sid, auth_token)
        self._status_callback = status_callback
        self._from = from_number
        self._service = messaging_service_sid

    def send(self, to: str, body: str) -> str:
        """Send one SMS; Twilio errors become SendError with Twilio's code."""
        import requests
        from twilio.base.exceptions import TwilioException, TwilioRestException

        origin: dict[str, str | None] = (
            {"messaging_service_sid": self._service} if self._service else {"from_": self._from}
        )
        try:
            message = self._client.messages.create(
                to=to, body=body, status_callback=self._status_callback, **origin
            )
        except TwilioRestException as error:
            code = str(error.code or error.status)
            raise SendError(code, permanent=code in PERMANENT_ERRORS) from None
        except (TwilioException, requests.RequestException) as error:
            raise SendError(type(error).__name__, permanent=False) from None
        return message.sid

    def delete(self, message_ids: List[str]) -> int:
        """Delete Twilio's stored copies of these messages (after a person's DELETE);
        returns how many went. One that cannot go yet (still sending) is logged and left."""
        import requests
        from twilio.base.exceptions import TwilioException

        gone = 0
        for message_id in message_ids:
            try:
                if self._client.messages(message_id).delete():
                    gone += 1
            except (TwilioException, requests.RequestException) as error:
                log.warning("Twilio kept a message copy (%s)", type(error).__name__)
        log.info("deleted %d of %d message copies at Twilio", gone, len(message_ids))
        return gone
