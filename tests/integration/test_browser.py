"""What a person sees in a real browser (Debian's headless Chromium, driven by Playwright)."""

from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Response

from tests.integration.support import response_texts

pytestmark = [pytest.mark.integration, pytest.mark.browser]


def flat(text: str) -> str:
    return " ".join(text.split())


def test_a_short_conversation_on_a_phone_screen(helpline, browser):
    page = browser.new_page(viewport={"width": 375, "height": 667}, is_mobile=True)
    page.goto(f"{helpline.gateway}/chat")
    assert page.get_by_role("heading", name="Helpline chat").is_visible()
    box = page.get_by_label("Your message")
    box.fill("hey")
    box.press("Enter")
    reply = page.locator(".msg--assistant").first
    reply.wait_for(timeout=20000)
    shown = flat(reply.inner_text())
    assert any(flat(text) in shown for text in response_texts("utter_greet", "webchat")), shown
    # Nothing wider than the phone's screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    # The log is announced to screen readers and the send button is reachable by keyboard.
    assert page.locator("#log").get_attribute("aria-live") == "polite"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Send"
    page.close()


@pytest.fixture
def partner_site(helpline):
    """A partner's page on another origin, embedding the widget with its one script tag."""
    html = (
        "<!doctype html><html lang=en><head><title>Health district</title></head><body>"
        f'<h1>Health district</h1><script src="{helpline.gateway}/embed.js" async></script>'
        "</body></html>"
    )
    app = Response(html, mimetype="text/html")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()


def test_the_widget_on_a_partner_page_opens_the_chat(partner_site, browser):
    page = browser.new_page()
    page.goto(partner_site)
    page.get_by_role("button", name="Chat with the helpline").click()
    button = page.get_by_role("button", name="Close chat")
    assert button.get_attribute("aria-expanded") == "true"
    chat = page.frame_locator("iframe[title='Helpline chat']")
    chat.get_by_label("Your message").fill("thanks")
    chat.get_by_role("button", name="Send").click()
    reply = chat.locator(".msg--assistant").first
    reply.wait_for(timeout=20000)
    shown = flat(reply.inner_text())
    assert any(flat(t) in shown for t in response_texts("utter_you_are_welcome", "webchat"))
    page.keyboard.press("Escape")  # inside the chat: the widget hears it by postMessage
    page.get_by_role("button", name="Chat with the helpline").wait_for(timeout=5000)
    page.close()
