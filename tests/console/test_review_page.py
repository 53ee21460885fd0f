"""The review page: supervisors and admins see what went unanswered (scrubbed), label it,
and download the labelled examples; every look is audited."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader
from sqlalchemy import select

from bot.assistant import Reply
from bot.handoff.models import AuditEntry
from bot.review.models import ReviewLabel
from tests.support import ConsoleBrowser


@pytest.fixture
def unsure(services, assistant):
    """A web chat message the assistant answered unsurely, naming a phone number."""
    text = "can i have a few beers on subs? text me 860-555-0142"
    assistant.script[text] = [Reply("...", [], "treatment", "treatment/bupe_safety", 0.34)]
    conversation = services.conversations.start("web")
    message = services.conversations.record(conversation, text)
    services.conversations.answer(message, claimed=True)
    return message


def signed_in(app, who: str) -> ConsoleBrowser:
    browser = ConsoleBrowser(app)
    assert browser.sign_in(f"{who}@example.org").status_code == 302
    return browser


@pytest.mark.parametrize("who", ["sue", "ada"])
def test_overseers_see_the_message_scrubbed(app, staff, unsure, who):
    page = signed_in(app, who).get("/console/review").get_data(as_text=True)
    assert "can i have a few beers on subs?" in page
    assert "860-555-0142" not in page and "{{PHONE}}" in page
    assert "34% sure" in page and 'list="answers"' in page


def test_a_navigator_is_refused_and_sees_nothing(app, staff, unsure):
    response = signed_in(app, "ana").get("/console/review")
    assert response.status_code == 403 and "beers" not in response.get_data(as_text=True)


def test_labelling_then_exporting(app, services, staff, unsure):
    sue = signed_in(app, "sue")
    response = sue.post(f"/console/review/{unsure.id}/label", {"label": "treatment/alcohol"})
    assert response.status_code == 302
    with services.sessions() as session:
        assert session.execute(select(ReviewLabel.label)).scalar_one() == "treatment/alcohol"
    page = sue.page("/console/review", unlabelled="1").get_data(as_text=True)
    assert "beers" not in page and "Nothing to review" in page

    export = sue.get("/console/review/export.yml")
    assert export.status_code == 200
    assert "attachment" in export.headers["Content-Disposition"]
    [example] = RasaYAMLReader().reads(export.get_data(as_text=True)).intent_examples
    assert example.get("intent_response_key") == "treatment/alcohol"
    assert "860" not in example.get("text")
    with services.sessions() as session:
        actions = list(session.execute(select(AuditEntry.action)).scalars())
    assert actions.count("review_view") == 1 and "review_label" in actions
    assert "review_export" in actions


def test_an_unknown_answer_or_period_gets_a_clear_page(app, staff, unsure):
    sue = signed_in(app, "sue")
    response = sue.post(f"/console/review/{unsure.id}/label", {"label": "made/up"})
    assert response.status_code == 400 and "Choose one of the listed answers" in response.get_data(
        as_text=True
    )
    response = sue.page("/console/review", days="400")
    assert response.status_code == 400 and "1 to 90 days" in response.get_data(as_text=True)


def test_a_label_without_the_csrf_token_is_refused(app, services, staff, unsure):
    sue = signed_in(app, "sue")
    response = sue.post(f"/console/review/{unsure.id}/label", {"label": "treatment/alcohol"},
                        csrf=False)  # fmt: skip
    assert response.status_code == 400
    with services.sessions() as session:
        assert session.execute(select(ReviewLabel)).first() is None
