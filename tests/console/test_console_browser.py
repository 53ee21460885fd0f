"""The console in a real browser (Debian's headless Chromium), served over https in-process.

Proves what the test client cannot: the Secure cookie and the CSRF referrer check work in
a browser, and the queue page announces a new request by itself.
"""

from __future__ import annotations

import pytest

from tests.harness import sign_in_page
from tests.support import PASSWORD

pytestmark = pytest.mark.browser


def test_a_navigator_signs_in_sees_a_new_request_announced_and_answers_it(
    served, app, staff, page, conversations, handoffs
):
    base = served
    page.goto(f"{base}/console/")
    assert page.get_by_role("heading", name="Sign in").is_visible()
    sign_in_page(page, base, "ana@example.org", PASSWORD)
    page.get_by_role("heading", name="Queue").wait_for()
    assert page.get_by_text("Nobody is waiting.").is_visible()
    cookie = next(c for c in page.context.cookies() if c["name"] == "session")
    assert cookie["secure"] and cookie["httpOnly"] and cookie["sameSite"] == "Strict"

    chat = app.test_client()
    session_id = chat.post("/api/chat/sessions", json={"channel": "web"}).get_json()["session_id"]
    conversation = conversations.find(session_id)
    handoffs.request(conversation.id, "recent_overdose", True, {"town": "Hartford"})
    link = page.get_by_role("link", name="Overdose in the last days")
    link.wait_for(timeout=10000)  # the page polls every 4 s
    assert "1 new request, urgent" in page.locator("#announce").text_content()
    assert page.locator("#announce").get_attribute("aria-live") == "assertive"
    assert page.title().startswith("(1 new) ")

    link.click()
    assert page.get_by_text("Hartford").is_visible()
    page.get_by_role("button", name="Claim this conversation").click()
    page.get_by_text("You hold this conversation now").wait_for()
    # What the person writes meanwhile shows up on the open page by itself.
    chat.post(
        "/api/chat/messages",
        headers={"X-Chat-Session": session_id},
        json={"text": "is someone there?"},
    )
    page.locator("#log").get_by_text("is someone there?").wait_for(timeout=10000)
    page.get_by_label("Your reply to the person").fill("Hi, I'm Ana, a recovery navigator.")
    page.get_by_role("button", name="Send reply").click()
    page.get_by_text("Posted to the web chat").wait_for()
    shown = chat.get("/api/chat/messages", headers={"X-Chat-Session": session_id}).get_json()[
        "messages"
    ]
    assert [m["text"] for m in shown] == ["Hi, I'm Ana, a recovery navigator."]

    page.get_by_role("button", name="Connected to treatment").click()
    page.get_by_text("Closed: connected to treatment.").wait_for()
    assert page.get_by_text("Nobody is waiting.").is_visible()
