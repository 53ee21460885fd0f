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


def test_a_navigators_shift_saved_replies_places_previous_contact_tags_and_off_shift(
    served, app, staff, page, conversations, handoffs, sms, console, services, tmp_path
):
    import re

    from sqlalchemy import select

    from bot.conversations.models import Conversation
    from bot.handoff.saved_replies import sms_length
    from bot.sms.inbound import InboundSms
    from tests.directory.places import PLACES, load, write_local

    load(services.sessions, write_local(tmp_path / "local.csv", PLACES))

    base = served
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in_page(page, base, "ana@example.org", PASSWORD)
    page.get_by_role("heading", name="Queue").wait_for()
    assert page.locator("#on-shift").inner_text().startswith("Nobody is on shift")
    page.get_by_role("button", name="Go on shift").click()
    page.get_by_text("On shift: Ana.").wait_for()
    assert page.locator("#shift-state").inner_text() == "On shift"

    sms.handle(InboundSms(phone="+18605550142", body="can someone help me", message_sid="SM1"))
    with conversations.sessions() as session:
        conversation_id = session.execute(select(Conversation.id)).scalar_one()
    # The same person asked before: Ben helped them to naloxone and noted it.
    before = handoffs.request(conversation_id, "naloxone", True, {}).handoff
    console.claim(before.id, staff["ben"])
    console.note(before.id, staff["ben"], "Picked up a kit at Kits C; call back about bupe.")
    console.close(before.id, staff["ben"], "naloxone", ["naloxone"])
    told = handoffs.request(conversation_id, "treatment", True, {"town": "Hartford"})
    assert "with you shortly" in told.message  # Ana is on shift
    link = page.get_by_role("link", name="Treatment and recovery")
    link.wait_for(timeout=10000)
    link.click()
    page.get_by_role("button", name="Claim this conversation").click()
    page.get_by_text("You hold this conversation now").wait_for()

    # Local times, never UTC; the person's words in a compact bubble on their side.
    stamp = page.locator("#log time").first.inner_text()
    assert re.fullmatch(r"today \d{1,2}:\d\d [ap]\.m\.", stamp), stamp
    assert "UTC" not in page.locator("main").inner_text()
    bubble = page.locator(".msg--person").first
    assert bubble.locator(".msg__text").inner_text() == "can someone help me"
    assert bubble.bounding_box()["height"] < 70  # one line of text and its label
    person_x = bubble.bounding_box()["x"]
    assert person_x < page.locator("#log").bounding_box()["x"] + 30  # on the left

    # A saved reply by click: the naloxone steps, lines filled in; the SMS count follows.
    box = page.get_by_label("Your reply to the person")
    page.get_by_role("button", name=re.compile("^Naloxone steps")).click()
    text = box.input_value()
    assert "call 911" in text and "press the plunger" in text and "{line" not in text
    length = sms_length(text)
    assert page.locator("#reply-length").inner_text() == (
        f"{length.characters} characters, {length.segments} texts (GSM-7)"
    )
    # A curly apostrophe makes it UCS-2; a stigmatizing word gets a gentle note only.
    box.press("End")
    box.type(" You\u2019re not an addict.")
    assert "(UCS-2)" in page.locator("#reply-length").inner_text()
    assert "addict" in page.locator("#reply-words").inner_text()
    assert page.get_by_role("button", name="Send reply").is_enabled()

    # By keyboard: Alt+5 in the reply box inserts the fifth one, with the person's town.
    box.fill("")
    box.press("Alt+5")
    assert box.input_value() == (
        "I can look for treatment and naloxone near Hartford. What would help most right now?"
    )
    assert page.locator("#reply-words").inner_text() == ""
    page.get_by_role("button", name="Send reply").click()
    page.get_by_text("Text queued").wait_for()

    # The previous contact: Ben's request, its outcome, tags and note, in local time.
    previous = page.get_by_role("region", name="Previous contacts")
    seen = previous.inner_text()
    assert f"Request {before.id}, today" in seen and "UTC" not in seen
    assert "Naloxone provided" in seen and "Referrals" in seen
    assert "Picked up a kit at Kits C; call back about bupe." in seen and "Ben" in seen

    # Places from the directory: the town the person shared, changed to a ZIP code, with
    # buprenorphine taking Medicaid; a listing goes into the reply by keyboard.
    places = page.get_by_role("region", name="Places from the directory")
    near = places.get_by_label("Near (town or ZIP code)")
    assert near.input_value() == "Hartford"
    near.fill("06360")
    places.get_by_label("Medication", exact=True).select_option("buprenorphine")
    places.get_by_label("Takes Medicaid").check()
    places.get_by_role("button", name="Find places").click()
    insert = page.get_by_role("button", name="Insert Clinic A into the reply")
    insert.wait_for()
    assert "Nearest buprenorphine (like Suboxone), taking Medicaid to Norwich" in (
        places.inner_text()
    )
    insert.focus()
    page.keyboard.press("Enter")
    placed = box.input_value()
    assert re.fullmatch(r"Clinic A, 860-555-0101, 1 Main St, Norwich CT \(\d+(\.\d)? mi\)", placed)
    assert page.evaluate("document.activeElement.id") == "reply-text"
    length = sms_length(placed)
    assert page.locator("#reply-length").inner_text() == (
        f"{length.characters} characters, 1 text (GSM-7)"
    )
    page.get_by_role("button", name="Send reply").click()
    page.locator("#log").get_by_text(placed).wait_for()

    # Wrap-up: referral tags ticked by click and by keyboard, then the outcome by keyboard.
    tags = page.get_by_role("group", name="Referral tags (optional)")
    tags.get_by_label("Naloxone", exact=True).click()
    housing = tags.get_by_label("Housing", exact=True)
    housing.focus()
    page.keyboard.press("Space")
    assert housing.is_checked()
    for _ in range(5):  # food, transport, insurance, recovery coach, then the outcomes
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Connected to treatment"
    page.keyboard.press("Enter")
    page.get_by_text("Closed: connected to treatment; referrals: naloxone, housing.").wait_for()

    # Off shift: the next person is told honestly that no one is here right now.
    page.get_by_role("button", name="Go off shift").click()
    page.get_by_text("You are off shift.").wait_for()
    assert page.locator("#on-shift").inner_text().startswith("Nobody is on shift")
    later = handoffs.request(conversations.start("web").id, "other", True, {})
    assert later.message.startswith("No one is here right now")

    # The action team's dashboard counts the tags: naloxone on 5 requests is shown, housing
    # on 1 is kept back as "fewer than 5".
    for _ in range(3):  # with Ben's earlier one and Ana's
        handoff = handoffs.request(conversations.start("web").id, "naloxone", True, {}).handoff
        console.claim(handoff.id, staff["ben"])
        console.close(handoff.id, staff["ben"], "naloxone", ["naloxone"])
    page.get_by_role("button", name="Sign out").click()
    sign_in_page(page, base, "sue@example.org", PASSWORD)
    page.get_by_role("link", name="Dashboard").click()
    page.get_by_role("heading", name="Referral tags").wait_for()
    table = page.get_by_role("table", name="Referral tags: the numbers")
    rows = [" ".join(row.split()) for row in table.locator("tbody tr").all_inner_texts()]
    assert rows == [
        "Treatment 0",
        "Naloxone 5",
        "Housing fewer than 5",
        "Food 0",
        "Transport 0",
        "Insurance 0",
        "Recovery coach 0",
    ]
    bars = page.locator("svg[aria-labelledby^='chart-referrals-title'] rect > title")
    assert "Naloxone: 5 handoffs" in bars.all_text_contents()
