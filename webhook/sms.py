"""Twilio webhooks: inbound texts and delivery reports, signature-checked before anything else."""

from __future__ import annotations

import logging
from functools import wraps

from flask import Blueprint, Response, abort, request
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from bot.sms.inbound import InboundSms
from webhook.context import services

log = logging.getLogger(__name__)

bp = Blueprint("sms", __name__, url_prefix="/sms")


def twilio_signed(view):
    """403 unless the request carries Twilio's valid signature for our public URL.

    The URL Twilio signed is the public https one (we may sit behind a TLS proxy), so it is
    rebuilt from PUBLIC_URL, never from the Host header. No auth token: refuse everything.
    """

    @wraps(view)
    def checked(*args, **kwargs):
        settings = services().settings
        if not settings.twilio_auth_token:
            log.error("TWILIO_AUTH_TOKEN is not set: refusing SMS webhook traffic")
            abort(403, "Forbidden.")
        url = settings.public_url + request.path
        if request.query_string:
            url += "?" + request.query_string.decode("latin-1")
        signature = request.headers.get("X-Twilio-Signature", "")
        if not RequestValidator(settings.twilio_auth_token).validate(url, request.form, signature):
            log.warning("refused an SMS webhook request with a bad or missing signature")
            abort(403, "Forbidden.")
        return view(*args, **kwargs)

    return checked


@bp.post("/inbound")
@twilio_signed
def inbound():
    """One inbound text: kept, acted on, and answered inline as TwiML when we can."""
    form = request.form
    if not form.get("From") or not form.get("MessageSid"):
        abort(400, "Missing From or MessageSid.")
    sms = InboundSms(
        phone=form["From"],
        body=form.get("Body", ""),
        message_sid=form["MessageSid"],
        num_media=_int(form.get("NumMedia")),
    )
    replies = services().sms.handle(sms)
    twiml = MessagingResponse()
    for text in replies:
        twiml.message(text)
    return Response(str(twiml), mimetype="application/xml")


@bp.post("/status")
@twilio_signed
def status():
    """A delivery report for a text we sent."""
    sid, state = request.form.get("MessageSid"), request.form.get("MessageStatus")
    if not sid or not state:
        abort(400, "Missing MessageSid or MessageStatus.")
    services().outbox.record_status(sid, state, request.form.get("ErrorCode"))
    return "", 204


def _int(value) -> int:
    try:
        return max(0, int(value or 0))
    except ValueError:
        return 0
