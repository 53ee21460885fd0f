"""GET /health: is the gateway able to answer people right now?"""

from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import text

from webhook.context import services

bp = Blueprint("health", __name__)


@bp.get("/health")
def health():
    """Report Rasa (with a loaded model), the action server and the database; 503 if any is down."""
    conversations = services().conversations
    status = conversations.assistant.status()
    checks = {
        "rasa": bool(status and status.get("model_id")),
        "action_server": conversations.assistant.action_server_up(),
        "database": _database_ok(conversations.sessions),
    }
    body: dict[str, object] = {
        "status": "ok" if all(checks.values()) else "degraded",
        "checks": checks,
    }
    if status and status.get("model_id"):
        body["model"] = status["model_id"]
    replicas = getattr(conversations.assistant, "replicas", None)
    if replicas:
        body["rasa_replicas"] = {
            "ready": conversations.assistant.replicas_ready(),
            "configured": len(replicas),
        }
    return jsonify(body), 200 if all(checks.values()) else 503


def _database_ok(sessions) -> bool:
    try:
        with sessions() as session:
            session.execute(text("SELECT 1"))
        return True
    except Exception:  # noqa: BLE001 - any failure means "not reachable" to a health check
        return False
