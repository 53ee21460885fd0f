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


EXIT_URL = "https://www.weather.gov/"  # QUICK_EXIT_URL's default
QUICK_STARTS = ["Someone may be overdosing", "Find naloxone", "Find treatment", "Talk to a person"]


@pytest.fixture
def phone(browser):
    """A phone-sized tab whose exit site is served locally (this machine has no internet)."""
    context = browser.new_context(viewport={"width": 375, "height": 700}, is_mobile=True)
    context.route(
        f"{EXIT_URL}**",
        lambda route: route.fulfill(
            content_type="text/html", body="<!doctype html><title>Weather</title><h1>Weather</h1>"
        ),
    )
    yield context.new_page()
    context.close()


def shown(page) -> list:
    """The conversation as the person sees it: (who, what) for each message after the greeting."""
    return [
        (flat(item.locator(".msg__who").inner_text()), flat(item.inner_text()))
        for item in page.locator(".msg:not(.msg--welcome)").all()
    ]


def wait_for_reply(page, count: int = 1):
    page.locator(".msg--assistant").nth(count - 1).wait_for(timeout=20000)


def test_the_first_screen_greets_and_offers_four_ways_to_start(helpline, phone):
    from bot.directory.replies import ASK_PLACE

    phone.goto(f"{helpline.gateway}/chat")
    greeting = phone.locator(".msg--welcome")
    assert "anonymous" in greeting.inner_text() and "24/7" in greeting.inner_text()
    conversation = phone.locator("#log").bounding_box()
    for title in QUICK_STARTS:
        button = phone.get_by_role("button", name=title)
        assert button.is_visible()
        box = button.bounding_box()
        assert box["height"] >= 44 and box["x"] >= 0 and box["x"] + box["width"] <= 375, box
        # On the first screen, above the message box: no scrolling to find it.
        assert box["y"] + box["height"] <= conversation["y"] + conversation["height"], box
    assert phone.get_by_role("button", name="Quick exit").is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    # Every way to start is reachable by keyboard, in reading order.
    reached = []
    for _ in range(8):
        phone.keyboard.press("Tab")
        reached.append(phone.evaluate("document.activeElement.textContent.trim()"))
    assert [t for t in reached if t in QUICK_STARTS] == QUICK_STARTS, reached
    phone.get_by_role("button", name="Find naloxone").focus()
    phone.keyboard.press("Enter")
    wait_for_reply(phone)
    assert shown(phone)[0] == ("You", "You Find naloxone")
    assert flat(ASK_PLACE) in shown(phone)[1][1]
    # Once the chat has started the quick-start buttons are gone; the greeting stays.
    assert not phone.get_by_role("button", name="Find treatment").is_visible()
    assert greeting.is_visible()


def test_someone_may_be_overdosing_gets_the_911_steps_first(helpline, phone):
    phone.goto(f"{helpline.gateway}/chat")
    phone.get_by_role("button", name="Someone may be overdosing").click()
    wait_for_reply(phone)
    first = flat(phone.locator(".msg--assistant").first.inner_text())
    assert any(flat(t) in first for t in response_texts("utter_overdose_now_call", "webchat"))


def test_a_reload_keeps_the_whole_conversation_and_delete_starts_afresh(helpline, phone):
    from bot.directory.replies import ASK_PLACE

    phone.goto(f"{helpline.gateway}/chat")
    phone.get_by_role("button", name="Find naloxone").click()
    wait_for_reply(phone)
    before = shown(phone)
    phone.reload()
    phone.locator(".msg--assistant").first.wait_for(timeout=10000)
    after = shown(phone)
    assert after == before, after
    assert after[0] == ("You", "You Find naloxone")  # what was tapped, not "/find_naloxone"
    assert flat(ASK_PLACE) in after[1][1]
    assert not phone.get_by_role("button", name="Find treatment").is_visible()
    phone.wait_for_timeout(3500)  # a poll: nothing shows twice
    assert shown(phone) == before
    box = phone.get_by_label("Your message")
    box.fill("DELETE")
    box.press("Enter")
    phone.get_by_text("we erased this chat").wait_for(timeout=10000)
    phone.reload()
    phone.get_by_role("button", name="Find treatment").wait_for(timeout=5000)
    assert shown(phone) == []
    assert phone.evaluate("sessionStorage.getItem('helpline-session')") is None


def test_quick_exit_leaves_for_an_everyday_site_and_back_skips_the_chat(helpline, phone):
    phone.goto(f"{helpline.gateway}/health")  # whatever the tab showed before the chat
    phone.goto(f"{helpline.gateway}/chat")
    box = phone.get_by_label("Your message")
    box.fill("thanks")
    box.press("Enter")
    wait_for_reply(phone)
    phone.get_by_role("button", name="Quick exit").click()
    phone.wait_for_url(EXIT_URL)
    assert phone.title() == "Weather"
    phone.go_back()
    assert phone.url == f"{helpline.gateway}/health"  # not the chat
    assert phone.evaluate("sessionStorage.getItem('helpline-session')") is None
    phone.goto(f"{helpline.gateway}/chat")  # a new chat: nothing of the old one
    phone.get_by_role("button", name="Find treatment").wait_for(timeout=5000)
    assert shown(phone) == []


def test_quick_exit_in_the_widget_leaves_the_partner_page(helpline, partner_site, phone):
    phone.goto(f"{helpline.gateway}/health")
    phone.goto(partner_site)
    phone.get_by_role("button", name="Chat with the helpline").click()
    chat = phone.frame_locator("iframe[title='Helpline chat']")
    chat.get_by_role("button", name="Quick exit").click()
    phone.wait_for_url(EXIT_URL)
    assert phone.title() == "Weather"
    phone.go_back()
    assert phone.url == f"{helpline.gateway}/health"  # the partner page went too


def test_places_get_a_call_link_and_a_directions_link_and_nothing_else_opens(helpline, phone):
    from bot.conversations.messages import add_outbound, outbound
    from bot.conversations.models import Conversation
    from tests.integration.support import sessions_of

    phone.goto(f"{helpline.gateway}/chat")
    box = phone.get_by_label("Your message")
    box.fill("thanks")
    box.press("Enter")
    wait_for_reply(phone)
    session_id = phone.evaluate("sessionStorage.getItem('helpline-session')")
    buttons = [
        {"title": "Call", "url": "tel:+18605551234"},
        {"title": "Directions", "url": "https://www.google.com/maps/dir/?api=1&destination=Groton"},
        {"title": "More places", "payload": "/more"},
    ]
    # A directory answer, as the action server's lookup would store it; the chat polls it in.
    sessions = sessions_of(helpline)
    with sessions() as session:
        conversation = session.query(Conversation).filter_by(sender_id=session_id).one()
        place = outbound(conversation.id, "1. Clinic A, Groton CT", "assistant", None, buttons)
        add_outbound(session, conversation.id, [place], inline=True)
        session.commit()
    sessions.kw["bind"].dispose()
    call = phone.get_by_role("link", name="Call", exact=True)
    call.wait_for(timeout=10000)
    assert call.get_attribute("href") == "tel:+18605551234"
    assert call.get_attribute("target") is None
    directions = phone.get_by_role("link", name="Directions")
    assert directions.get_attribute("href").startswith("https://www.google.com/maps/dir/")
    assert directions.get_attribute("target") == "_blank"
    assert "noopener" in directions.get_attribute("rel")
    assert call.bounding_box()["height"] >= 44
    assert phone.get_by_role("button", name="More places").is_visible()
    call.click()  # a phone dials; the chat stays where it was
    assert phone.url == f"{helpline.gateway}/chat"

    # Whatever a message carries, only tel: and https: links are made (chat.js itself).
    bad = {
        "id": 10**9,
        "author": "assistant",
        "text": "Links",
        "buttons": [
            {"title": "Script", "url": "javascript:alert(1)"},
            {"title": "Data", "url": "data:text/html,hi"},
            {"title": "Plain", "url": "http://example.org/"},
            {"title": "Relative", "url": "/elsewhere"},
            {"title": "Shout", "url": "HTTPS://example.org/ok"},
        ],
    }
    phone.route(
        lambda url: "/api/chat/messages?after=" in url,
        lambda route: route.fulfill(json={"messages": [bad]}),
    )
    phone.locator(".msg--assistant", has_text="Links").wait_for(timeout=10000)
    hrefs = phone.locator(".msg__link").evaluate_all("links => links.map(a => a.href)")
    assert hrefs == [
        "tel:+18605551234",
        buttons[1]["url"],
        "https://example.org/ok",
    ], hrefs


def test_find_treatment_from_the_first_screen_lists_places_with_directions(helpline, phone):
    # The quick start, then a town: the real (2020) listings, one message per place, each
    # with a Directions link to its street address.
    if not helpline.directory_loaded:
        pytest.skip("the real directory files are not beside the project (../shared/data)")
    phone.goto(f"{helpline.gateway}/chat")
    phone.get_by_role("button", name="Find treatment").click()
    wait_for_reply(phone)
    box = phone.get_by_label("Your message")
    box.fill("norwich")
    box.press("Enter")
    first = phone.locator(".msg--assistant", has_text="Near Norwich, CT")
    first.wait_for(timeout=20000)
    places = phone.locator(".msg--assistant", has_text=" mi, ")
    assert places.count() == 3
    for number in range(3):
        link = places.nth(number).get_by_role("link", name="Directions")
        assert link.get_attribute("href").startswith("https://www.google.com/maps/dir/?api=1")
        assert "Norwich" in link.get_attribute("href")
    assert phone.get_by_role("button", name="Talk to a person").last.is_visible()
