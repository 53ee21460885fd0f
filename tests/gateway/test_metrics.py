"""GET /metrics: Prometheus figures read from the database, behind a bearer token."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.conversations.models import Message
from bot.db import utcnow
from bot.handoff.models import Handoff
from tests.support import make_services
from webhook import create_app

TOKEN = "metrics-test-token"


@pytest.fixture
def watched(settings, assistant):
    services = make_services(replace(settings, metrics_token=TOKEN), assistant)
    return services, create_app(services).test_client()


def scrape(client) -> dict:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    values = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
            values[sample.name + (f"{{{labels}}}" if labels else "")] = sample.value
    return values


def test_metrics_are_off_without_a_token_and_refuse_a_wrong_one(services, watched):
    off = create_app(services).test_client()
    assert off.get("/metrics").status_code == 404  # METRICS_TOKEN unset
    _, metrics = watched
    assert metrics.get("/metrics").status_code == 401
    wrong = {"Authorization": "Bearer nope"}
    assert metrics.get("/metrics", headers=wrong).status_code == 401


def test_the_figures_follow_what_happened(watched, assistant):
    services, client = watched
    before = scrape(client)
    assert before["helpline_messages_unanswered"] == 0
    assert before["helpline_navigator_queue"] == 0
    assert (
        before["helpline_rasa_replicas_ready"] if "helpline_rasa_replicas_ready" in before else True
    )

    chat = services.conversations.start("web")
    services.inbound.handle(chat, "hi")  # answered by the scripted assistant
    assistant.down = True
    services.inbound.handle(chat, "are you there")  # kept, and the safety reply sent
    with services.sessions() as session:
        session.add(Handoff(conversation_id=chat.id, reason="asked", urgency=1,
                            requested_at=utcnow() - timedelta(minutes=7)))  # fmt: skip
        session.commit()

    after = scrape(client)
    assert after["helpline_messages_last_hour{channel=web,direction=in}"] == 2
    assert after["helpline_messages_unanswered"] == 1
    assert after["helpline_oldest_unanswered_seconds"] >= 0
    assert after["helpline_safety_replies_last_hour"] == 1
    assert after["helpline_reply_seconds_last_hour_count"] == 1
    assert after["helpline_reply_seconds_last_hour_bucket{le=+Inf}"] == 1
    assert after["helpline_navigator_queue"] == 1
    assert 7 * 60 <= after["helpline_navigator_oldest_wait_seconds"] < 9 * 60
    assert after["helpline_outbox_backlog"] == 0  # the web chat has no outbox


def test_no_figure_names_a_person_or_holds_a_text(watched):
    services, client = watched
    chat = services.conversations.start("web")
    services.inbound.handle(chat, "my name is Dana, 860-555-0199")
    body = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).get_data(True)
    assert "Dana" not in body and "555" not in body and chat.sender_id not in body
    with services.sessions() as session:
        assert session.query(Message).count() >= 1


def test_rasa_replicas_up_and_configured(services):
    from bot.metrics import HelplineCollector

    class TwoReplicas:
        replicas = ("a", "b")

        def replicas_ready(self):
            return 1

    figures = {
        m.name: m.samples[0].value
        for m in HelplineCollector(services.sessions, TwoReplicas()).collect()
        if m.samples
    }
    assert figures["helpline_rasa_replicas_ready"] == 1
    assert figures["helpline_rasa_replicas_configured"] == 2
