"""Rasa input channels for the gateway: REST-shaped, but named "sms" and "webchat".

Rasa picks channel-specific response variations by the OUTPUT channel's name, and the
stock REST channel always answers through one named "collector". These channels answer
through output channels named after themselves, so `channel: webchat` variations reach
the web chat and SMS gets the default, SMS-sized ones. They also never log message text
(the stock channel does on errors).
"""

from __future__ import annotations

import logging
from asyncio import CancelledError
from typing import Any, Awaitable, Callable, Dict

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.content import response_topics

log = logging.getLogger(__name__)


class _NamedCollector(CollectingOutputChannel):
    """Collects the replies; its name selects the response variations.

    Each collected reply also carries its topic, for the action team's figures: the
    domain file of the response it came from, or the `topic` a custom action gave.
    """

    channel_name = "collector"

    @classmethod
    def name(cls) -> str:
        return cls.channel_name

    async def send_response(self, recipient_id: str, message: Dict[str, Any]) -> None:
        topic = message.get("topic") or response_topics().get(message.get("utter_action") or "")
        first = len(self.messages)
        await super().send_response(recipient_id, message)
        for item in self.messages[first:]:
            item["topic"] = topic
            # What was understood, for the review of what the assistant could not answer.
            for key in ("label", "confidence"):
                if message.get(key) is not None:
                    item[key] = message[key]


class GatewayInput(RestInput):
    """POST /webhooks/<name>/webhook with {"sender", "message"}; replies as a JSON list."""

    channel_name = "gateway"

    @classmethod
    def name(cls) -> str:
        return cls.channel_name

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """The webhook route, answering through an output channel of this channel's name."""
        webhook = Blueprint(f"gateway_webhook_{self.name()}", __name__)
        collector_class = type(
            f"{self.name().title()}Collector", (_NamedCollector,), {"channel_name": self.name()}
        )

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            collector = collector_class()
            message = UserMessage(
                self._extract_message(request),
                collector,
                await self._extract_sender(request),
                input_channel=self.name(),
                metadata=self.get_metadata(request),
            )
            try:
                await on_new_message(message)
            except CancelledError:
                log.error("%s channel: message handling timed out", self.name())
            except Exception as error:  # noqa: BLE001 - answer what we have; never the text
                log.error(
                    "%s channel: %s while handling a message", self.name(), type(error).__name__
                )
            return response.json(collector.messages)

        return webhook


class SmsInput(GatewayInput):
    """Text messages (default, SMS-sized response variations)."""

    channel_name = "sms"


class WebchatInput(GatewayInput):
    """The web chat (`channel: webchat` response variations when there are some)."""

    channel_name = "webchat"
