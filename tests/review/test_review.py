"""What the assistant could not answer: which messages come up, scrubbed and audited, how
staff label them, and the export as Rasa NLU data."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader
from sqlalchemy import select

from bot.db import utcnow
from bot.handoff.models import AuditEntry
from bot.retention import RetentionService
from bot.review.service import MAX_DAYS, ReviewError


@pytest.fixture
def review(services):
    return services.review


def audit_actions(services) -> list:
    with services.sessions() as session:
        return list(session.execute(select(AuditEntry.action).order_by(AuditEntry.id)).scalars())


def test_the_menu_and_unsure_answers_come_up_and_sure_ones_do_not(services, review, staff, said):
    menu = said("my bf keeps nodding off at work", "family/signs", 0.21, topic="fallback")
    unsure = said("how do i get my carries back", "treatment/methadone_take_homes", 0.41)
    said("where can i get narcan", "naloxone/where", 0.93, topic="naloxone")
    items, total = review.items(staff["sue"])
    assert total == 2
    assert [item.message_id for item in items] == [unsure.id, menu.id]  # newest first
    assert items[0].answered == "treatment/methadone_take_homes" and items[0].confidence == 0.41
    assert items[1].answered is None  # the menu answered nothing
    assert audit_actions(services) == ["review_view"]


def test_texts_are_shown_scrubbed(review, staff, said):
    said("im Jess, text me at 860-555-0142 about detox", "treatment/detox", 0.3)
    [item], _ = review.items(staff["ada"])
    assert "860-555-0142" not in item.text and "Jess" not in item.text
    assert "detox" in item.text


def test_the_period_is_bounded_and_older_messages_drop_out(review, staff, said):
    with time_machine.travel(utcnow() - timedelta(days=20), tick=False):
        said("old one", "treatment/detox", 0.2)
    said("new one", "treatment/detox", 0.2)
    assert [i.text for i in review.items(staff["sue"], days=14)[0]] == ["new one"]
    assert len(review.items(staff["sue"], days=30)[0]) == 2
    for days in (0, MAX_DAYS + 1):
        with pytest.raises(ReviewError):
            review.items(staff["sue"], days=days)


def test_a_label_is_kept_changed_and_taken_off(services, review, staff, said):
    message = said("can i drink on subs", "treatment/other_drugs", 0.33)
    review.label(staff["sue"], message.id, "treatment/alcohol")
    review.label(staff["sue"], message.id, "treatment/bupe_safety")
    [item], _ = review.items(staff["sue"])
    assert item.label == "treatment/bupe_safety"
    assert review.items(staff["sue"], unlabelled_only=True) == ([], 0)
    review.label(staff["sue"], message.id, "")
    assert review.items(staff["sue"], unlabelled_only=True)[1] == 1
    assert audit_actions(services).count("review_label") == 3


def test_only_known_answers_and_kept_messages_can_be_labelled(review, staff, said):
    message = said("can i drink on subs", "treatment/other_drugs", 0.33)
    with pytest.raises(ReviewError):
        review.label(staff["sue"], message.id, "treatment/made_up")
    with pytest.raises(ReviewError):
        review.label(staff["sue"], message.id + 999, "treatment/alcohol")


def test_the_export_is_scrubbed_rasa_nlu_data(services, review, staff, said):
    first = said("my name is jess, can i drink on subs", "treatment/other_drugs", 0.33)
    second = said("- is it ok: a [beer](x) with methadone?", "treatment/other_drugs", 0.2)
    review.label(staff["sue"], first.id, "treatment/alcohol")
    review.label(staff["sue"], second.id, "treatment/alcohol")
    said("not labelled", "treatment/detox", 0.2)
    text = review.export(staff["sue"])
    data = RasaYAMLReader().reads(text)
    examples = [(m.get("intent"), m.get("text")) for m in data.intent_examples]
    assert [intent for intent, _ in examples] == ["treatment", "treatment"]
    assert {m.get("intent_response_key") for m in data.intent_examples} == {"treatment/alcohol"}
    texts = [t for _, t in examples]
    assert "jess" not in " ".join(texts) and "[NAME]" in texts[0]
    assert texts[1] == "- is it ok: a [beer] (x) with methadone?"  # no entity markup
    assert audit_actions(services)[-1] == "review_export"


def test_retention_deletes_the_texts_and_the_review_forgets_them(services, review, staff, said):
    with time_machine.travel(utcnow() - timedelta(days=40), tick=False):
        message = said("can i drink on subs", "treatment/other_drugs", 0.33)
        review.label(staff["sue"], message.id, "treatment/alcohol")
    RetentionService(services.sessions, None, days=30).run()
    assert review.items(staff["sue"], days=MAX_DAYS) == ([], 0)
    assert "examples:" not in review.export(staff["sue"])
    with pytest.raises(ReviewError):
        review.label(staff["sue"], message.id, "treatment/alcohol")
