"""GET /metrics: the helpline's figures for Prometheus (bot/metrics.py), behind a token.

Off unless METRICS_TOKEN is set; Prometheus sends it as `Authorization: Bearer <token>`
(`authorization` in its scrape config). The figures say nothing about any person, but
queue lengths and traffic are still the line's business only.
"""

from __future__ import annotations

import hmac

from flask import Blueprint, Response, abort, current_app, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from bot.metrics import HelplineCollector
from webhook.context import services

bp = Blueprint("metrics", __name__)
REGISTRY = "helpline.metrics_registry"


@bp.get("/metrics")
def metrics():
    """The figures in Prometheus's text format."""
    token = services().settings.metrics_token
    if not token:
        abort(404)
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(given.encode(), token.encode()):
        abort(401, "Metrics need the METRICS_TOKEN as a bearer token.")
    registry = current_app.extensions.get(REGISTRY)
    if registry is None:
        registry = CollectorRegistry(auto_describe=False)
        registry.register(
            HelplineCollector(services().sessions, services().conversations.assistant)
        )
        current_app.extensions[REGISTRY] = registry
    response = Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)
    response.headers["Cache-Control"] = "no-store"
    return response
