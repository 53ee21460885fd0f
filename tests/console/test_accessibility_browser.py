"""An axe-core scan (WCAG 2.1 A and AA rules) of the pages people and navigators use, in a
real browser (Debian's headless Chromium), served over https in-process.

axe-core comes inside the axe-playwright-python wheel (no network). It runs after each
page has drawn what its script adds (chat messages, polled conversation lines), so the
markup the scripts build is checked too, not only the templates'.
"""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.console.dashboard_data import PERIOD
from tests.directory.places import PLACES, load, write_local
from tests.harness import sign_in_page
from tests.support import PASSWORD, request_for, web_chat

pytestmark = pytest.mark.browser

WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def violations(page) -> str:
    """A readable list of the page's WCAG 2.1 A/AA violations; empty when there are none."""
    results = Axe().run(
        page,
        options={"runOnly": {"type": "tag", "values": WCAG_21_AA}, "resultTypes": ["violations"]},
    )
    if not results.violations_count:
        return ""
    return f"{page.url}:\n{results.generate_report()}"


def test_axe_finds_no_violation_on_the_chat_queue_conversation_and_dashboard(
    served, app, staff, page, conversations, handoffs, seeded, services, tmp_path
):
    found = []
    base = served
    page.set_viewport_size({"width": 1280, "height": 800})

    # The web chat, before and after a message (its script draws the messages).
    page.goto(f"{base}/chat")
    found.append(violations(page))
    box = page.get_by_label("Your message")
    box.fill("hello")
    box.press("Enter")
    page.locator(".msg--assistant").first.wait_for()
    found.append(violations(page))

    # The queue as its poll redraws it, with a new request among the data set's.
    sign_in_page(page, base, "ana@example.org", PASSWORD)
    page.get_by_role("heading", name="Queue").wait_for()
    person, session_id = app.test_client(), web_chat(app)
    headers = {"X-Chat-Session": session_id}
    person.post("/api/chat/messages", headers=headers, json={"text": "help"})
    request_for(conversations, handoffs, session_id, "recent_overdose", {"town": "Hartford"})
    link = page.get_by_role("link", name="Overdose in the last days")
    link.wait_for(timeout=10000)
    found.append(violations(page))

    # The conversation once claimed: the reply box, saved replies, the wrap-up form, a
    # note, and a message its poll added.
    link.click()
    page.get_by_role("button", name="Claim this conversation").click()
    page.get_by_text("You hold this conversation now").wait_for()
    page.get_by_label("Add a note").fill("Wants a clinic near Park St")
    page.get_by_role("button", name="Save note").click()
    page.get_by_text("Note saved.").wait_for()
    person.post("/api/chat/messages", headers=headers, json={"text": "is someone there?"})
    page.locator("#log").get_by_text("is someone there?").wait_for(timeout=10000)
    found.append(violations(page))

    # Places from the directory, searched: the listings with their insert buttons.
    load(services.sessions, write_local(tmp_path / "local.csv", PLACES))
    places = page.get_by_role("region", name="Places from the directory")
    places.get_by_label("Near (town or ZIP code)").fill("06360")
    places.get_by_role("button", name="Find places").click()
    page.get_by_role("button", name="Insert Clinic A into the reply").wait_for()
    found.append(violations(page))

    # The dashboard, as a supervisor, over the hand-counted data set (every chart drawn).
    page.get_by_role("button", name="Sign out").click()
    sign_in_page(page, base, "sue@example.org", PASSWORD)
    page.goto(f"{base}/console/dashboard/?from={PERIOD['from']}&to={PERIOD['to']}")
    page.get_by_role("heading", name="Referral tags").wait_for()
    found.append(violations(page))

    report = "\n\n".join(text for text in found if text)
    assert not report, report
