"""The review page in a real browser: a supervisor finds an unanswered message (scrubbed),
types to find the right answer, saves it and downloads the labelled examples."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

from bot.assistant import Reply
from tests.harness import sign_in_page
from tests.support import PASSWORD

pytestmark = pytest.mark.browser


def test_a_supervisor_labels_an_unanswered_message_and_exports_it(
    served, services, assistant, staff, page
):
    text = "my name is Jess, is it ok to have a few beers while on subs"
    assistant.script[text] = [Reply("menu", [], "fallback", "treatment/bupe_safety", 0.22)]
    conversation = services.conversations.start("web")
    services.conversations.answer(services.conversations.record(conversation, text), claimed=True)

    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in_page(page, served, "sue@example.org", PASSWORD)
    page.get_by_role("link", name="What we could not answer").click()
    page.get_by_role("heading", name="What we could not answer").wait_for()
    row = page.locator("tr", has_text="a few beers while on subs")
    assert "Jess" not in row.inner_text() and "Offered its menu" in row.inner_text()

    box = row.get_by_label("Answer for message")
    box.fill("treatment/alcohol")
    row.get_by_role("button", name="Save").click()
    page.get_by_text("Label saved.").wait_for()
    assert (
        page.locator("tr", has_text="a few beers").get_by_label("Answer for message").input_value()
        == "treatment/alcohol"
    )

    with page.expect_download() as download:
        page.get_by_role("link", name="Download labelled examples (Rasa NLU YAML)").click()
    exported = open(download.value.path(), encoding="utf-8").read()
    [example] = RasaYAMLReader().reads(exported).intent_examples
    assert example.get("intent_response_key") == "treatment/alcohol"
    assert "Jess" not in example.get("text") and "few beers" in example.get("text")
