"""The console's working tools: local times, the conversation's layout, saved replies (kept
by admins, filled in per conversation), the reply box's SMS count and word check, and going
on and off shift."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from bot.content import fill_lines
from bot.conversations.models import Message
from bot.handoff.clock import day_of, when
from bot.handoff.models import AuditEntry, SavedReply
from bot.handoff.saved_replies import fill, sms_length, word_note
from tests.support import ConsoleBrowser, request_for, web_chat

NY = ZoneInfo("America/New_York")


def audited(services, *names):
    with services.sessions() as session:
        return list(
            session.execute(
                select(AuditEntry.action, AuditEntry.detail)
                .where(AuditEntry.action.in_(names))
                .order_by(AuditEntry.id)
            ).all()
        )


def said(app, session_id, text):
    app.test_client().post(
        "/api/chat/messages", headers={"X-Chat-Session": session_id}, json={"text": text}
    )


@pytest.fixture
def ada(app, staff) -> ConsoleBrowser:
    """Ada, an admin, signed in."""
    browser = ConsoleBrowser(app)
    browser.sign_in("ada@example.org")
    return browser


def claimed(app, conversations, handoffs, ana, summary=None):
    session_id = web_chat(app)
    said(app, session_id, "hello?\nare you there")
    handoff = request_for(conversations, handoffs, session_id, summary=summary)
    ana.post(f"/console/handoffs/{handoff.id}/claim")
    return handoff, session_id


# -- local times -----------------------------------------------------------------------------


def test_times_read_today_yesterday_and_dates_in_the_navigators_zone():
    now = datetime(2026, 12, 2, 23, 40, tzinfo=NY)
    assert when(datetime(2026, 12, 2, 23, 31, tzinfo=timezone.utc), NY, now) == "today 6:31 p.m."
    assert when(datetime(2026, 12, 2, 14, 2, tzinfo=timezone.utc), NY, now) == "today 9:02 a.m."
    assert when(datetime(2026, 12, 1, 14, 2, tzinfo=timezone.utc), NY, now) == "yesterday 9:02 a.m."
    assert when(datetime(2026, 11, 28, 5, 5, tzinfo=timezone.utc), NY, now) == "Nov 28, 12:05 a.m."
    assert when(datetime(2025, 7, 4, 16, 0, tzinfo=timezone.utc), NY, now) == (
        "Jul 4, 2025, 12:00 p.m."  # summer time: UTC-4
    )
    # A naive time from SQLite is UTC: 03:30 UTC on Dec 3 is 10:30 p.m. on Dec 2 in New York.
    assert when(datetime(2026, 12, 3, 3, 30), NY, now) == "today 10:30 p.m."
    assert when(datetime(2026, 12, 2, 23, 31, 5), NY, now, seconds=True) == "today 6:31:05 p.m."
    assert day_of(datetime(2026, 12, 1, 14, 2), NY, now) == "yesterday"
    assert day_of(datetime(2025, 11, 28, 14, 2), NY, now) == "Nov 28, 2025"


def test_the_conversation_page_shows_local_times_never_utc(
    app, conversations, handoffs, ana, services
):
    handoff, _ = claimed(app, conversations, handoffs, ana, summary={"town": "Hartford"})
    with services.sessions() as session:  # the person's first words were yesterday
        first = session.execute(select(Message).order_by(Message.id)).scalars().first()
        session.execute(
            update(Message)
            .where(Message.id == first.id)
            .values(created_at=first.created_at - timedelta(days=1))
        )
        session.commit()
    ana.post(f"/console/handoffs/{handoff.id}/notes", {"text": "Prefers text"})
    page = ana.get(f"/console/handoffs/{handoff.id}").get_data(as_text=True)
    assert "UTC" not in page
    assert re.search(r">yesterday \d{1,2}:\d\d [ap]\.m\.</time>", page)
    assert re.search(r">today \d{1,2}:\d\d [ap]\.m\.</time>", page)
    now = datetime.now(NY)
    assert f"today {now.hour % 12 or 12}:" in page
    data = ana.get(f"/console/handoffs/{handoff.id}/messages.json?after=0").get_json()
    assert all(
        re.fullmatch(r"(today|yesterday) \d{1,2}:\d\d [ap]\.m\.", m["at"]) for m in data["messages"]
    )
    queue = ana.get("/console/queue.json").get_json()
    assert queue["items"][0]["asked"].startswith("today ")


def test_the_audit_log_shows_local_times_and_filters_by_local_days(app, services, staff, ana):
    with services.sessions() as session:
        # 03:00 UTC on Dec 2 is 10 p.m. on Dec 1 in New York (a year that is not this one).
        session.add(
            AuditEntry(
                navigator_id=staff["ana"].id,
                action="denied",
                handoff_id=41,
                at=datetime(2024, 12, 2, 3, 0, tzinfo=timezone.utc),
            )
        )
        session.commit()
    sue = ConsoleBrowser(app)
    sue.sign_in("sue@example.org")
    page = sue.page("/console/audit").get_data(as_text=True)
    assert "UTC" not in page and "Dec 1, 2024, 10:00:00 p.m." in page
    dec1 = sue.page("/console/audit", **{"from": "2024-12-01", "to": "2024-12-01"})
    assert "<td>41</td>" in dec1.get_data(as_text=True)
    dec2 = sue.page("/console/audit", **{"from": "2024-12-02", "to": "2024-12-02"})
    assert "<td>41</td>" not in dec2.get_data(as_text=True)


# -- the conversation's layout -----------------------------------------------------------------


class ListItems(HTMLParser):
    """Records, for every <li>, the tag it sits in."""

    def __init__(self):
        super().__init__()
        self.stack: list = []
        self.parents: list = []

    def handle_starttag(self, tag, attrs):
        if tag == "li":
            self.parents.append(self.stack[-1] if self.stack else None)
        if tag not in ("input", "br", "meta", "link", "img"):
            self.stack.append((tag, dict(attrs).get("role")))

    def handle_endtag(self, tag):
        while self.stack and self.stack.pop()[0] != tag:
            pass


def test_bubbles_hold_only_their_text_and_every_li_is_in_a_list(app, conversations, handoffs, ana):
    handoff, _ = claimed(app, conversations, handoffs, ana, summary={"town": "Hartford"})
    ana.post(f"/console/handoffs/{handoff.id}/reply", {"text": "Hi, I'm Ana."})
    page = ana.get(f"/console/handoffs/{handoff.id}").get_data(as_text=True)
    # No template indentation inside the text (it is shown with its line breaks).
    assert '<p class="msg__text">hello?\nare you there</p>' in page
    assert '<p class="msg__text">Hi, I&#39;m Ana.</p>' in page
    assert re.search(r'class="msg msg--person msg--them"', page)
    assert re.search(r'class="msg msg--navigator msg--us"', page)
    parser = ListItems()
    parser.feed(page)
    assert parser.parents and all(
        parent is not None and parent[0] in ("ul", "ol") and parent[1] is None
        for parent in parser.parents
    ), parser.parents
    assert 'role="log"' in page and '<ol class="log">' in page


# -- saved replies ---------------------------------------------------------------------------


def test_the_starting_saved_replies_carry_the_facts_as_written(services):
    replies = {r.title: fill_lines(r.body) for r in services.saved_replies.all()}
    naloxone = replies["Naloxone steps"]
    for step in (
        "call 911",
        "on their back, tilt the head back",
        "one nostril and press the plunger",
        "rescue breaths",
        "after 2-3 minutes: give a second dose in the other nostril",
        "roll them on their side",
        "wears off in about 30-90 minutes and the overdose can come back",
    ):
        assert step in naloxone, step
    assert "call or text 988" in replies["Crisis lines"]
    assert "1-800-662-4357 (English and Spanish)" in replies["Treatment help 24/7"]
    assert "ZIP code to 435748" in replies["Treatment help 24/7"]
    assert (
        "1-800-563-4086, 24/7, for treatment including detox and transportation"
        in (replies["Connecticut Access Line"])
    )
    assert "800-327-5050" in replies["Massachusetts lines"]
    assert "833-773-2445, 24/7, call or text" in replies["Massachusetts lines"]
    assert not any("{line_" in text for text in replies.values())


def test_saved_replies_fill_the_lines_and_only_a_consented_town(conversations, handoffs, app):
    agreed = request_for(conversations, handoffs, web_chat(app), summary={"town": "Norwich"})
    declined = request_for(conversations, handoffs, web_chat(app))
    assert fill("Near {town}: {line_samhsa}", agreed).text == "Near Norwich: 1-800-662-4357"
    missing = fill("Near {town}: {line_samhsa}", declined)
    assert missing.missing and "town" in missing.missing


def test_a_navigator_inserts_saved_replies_filled_for_this_person(
    app, conversations, handoffs, ana
):
    handoff, _ = claimed(app, conversations, handoffs, ana, summary={"town": "Hartford"})
    page = ana.get(f"/console/handoffs/{handoff.id}").get_data(as_text=True)
    assert 'data-text="I can look for treatment and naloxone near Hartford.' in page
    assert "1-800-662-4357" in page and 'aria-keyshortcuts="Alt+1"' in page
    assert "{line_" not in page and "{town}" not in page

    other, _ = claimed(app, conversations, handoffs, ana)  # no summary shared
    page = ana.get(f"/console/handoffs/{other.id}").get_data(as_text=True)
    assert "needs the town, which the person did not share" in page
    assert "near Hartford" not in page


def test_admins_add_change_and_delete_saved_replies_with_csrf_and_audit(app, services, ada, ana):
    assert ana.get("/console/saved-replies").status_code == 403
    assert ana.post("/console/saved-replies", {"title": "x", "text": "y"}).status_code == 403
    page = ada.get("/console/saved-replies").get_data(as_text=True)
    assert "Naloxone steps" in page and "{line_988}" in page

    no_token = ada.post("/console/saved-replies", {"title": "Hi", "text": "Hello"}, csrf=False)
    assert no_token.status_code == 400
    bad = ada.post("/console/saved-replies", {"title": "Hi", "text": "Call {line_nope}"})
    assert bad.status_code == 400 and "{line_nope}" in bad.get_data(as_text=True)

    assert (
        ada.post(
            "/console/saved-replies", {"title": "Greeting", "text": "Hi, I'm a navigator."}
        ).status_code
        == 302
    )
    with services.sessions() as session:
        made = session.execute(
            select(SavedReply).where(SavedReply.title == "Greeting")
        ).scalar_one()
    ada.post(f"/console/saved-replies/{made.id}", {"title": "Hello", "text": "Hi there, {town}."})
    assert "Hi there, {town}." in ada.get("/console/saved-replies").get_data(as_text=True)
    assert ada.post(f"/console/saved-replies/{made.id}/delete").status_code == 302
    assert ada.post(f"/console/saved-replies/{made.id}/delete").status_code == 404
    assert "Hello" not in [r.title for r in services.saved_replies.all()]
    detail = f"saved reply {made.id}"
    assert audited(services, "saved_reply_add", "saved_reply_edit", "saved_reply_delete") == [
        ("saved_reply_add", detail),
        ("saved_reply_edit", detail),
        ("saved_reply_delete", detail),
    ]


# -- the reply box ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "encoding", "characters", "segments"),
    [
        ("", "GSM-7", 0, 0),
        ("a" * 160, "GSM-7", 160, 1),
        ("a" * 161, "GSM-7", 161, 2),
        ("a" * 306, "GSM-7", 306, 2),
        ("a" * 307, "GSM-7", 307, 3),
        ("café €5 [ok]", "GSM-7", 15, 1),  # é is GSM-7; € [ ] take two each
        ("I\u2019m here", "UCS-2", 8, 1),  # a curly apostrophe switches to UCS-2
        ("\u2019" * 70, "UCS-2", 70, 1),
        ("\u2019" * 71, "UCS-2", 71, 2),
        ("hi \U0001f44b", "UCS-2", 5, 1),  # an emoji is two UTF-16 units
    ],
)
def test_sms_length_counts_characters_and_segments(text, encoding, characters, segments):
    length = sms_length(text)
    assert (length.encoding, length.characters, length.segments) == (encoding, characters, segments)


def test_the_word_check_is_a_gentle_note_and_never_stops_the_reply(
    app, conversations, handoffs, ana
):
    assert word_note("Happy to help you find treatment.") is None
    note = word_note("Lots of addicts relapse, that's ok")
    assert '"addicts"' in note and '"relapse"' in note
    assert "person who uses drugs" in note and "return to use" in note
    handoff, session_id = claimed(app, conversations, handoffs, ana)
    page = ana.get(f"/console/handoffs/{handoff.id}").get_data(as_text=True)
    assert 'data-stigma="' in page and 'aria-describedby="reply-length reply-words"' in page
    sent = ana.post(f"/console/handoffs/{handoff.id}/reply", {"text": "You're not an addict."})
    assert sent.status_code == 302
    shown = (
        app.test_client()
        .get("/api/chat/messages", headers={"X-Chat-Session": session_id})
        .get_json()["messages"]
    )
    assert [m["text"] for m in shown if m["author"] == "navigator"] == ["You're not an addict."]
    page = ana.get(f"/console/handoffs/{handoff.id}").get_data(as_text=True)
    assert "Message sent." in page and "A gentle note: &#34;addict&#34;" in page


# -- going on and off shift --------------------------------------------------------------------


def test_going_on_and_off_shift_from_the_console_changes_what_people_are_told(
    app, services, conversations, handoffs, staff, ana
):
    queue = ana.get("/console/").get_data(as_text=True)
    assert "Nobody is on shift" in queue and "Go on shift" in queue
    assert ana.get("/console/queue.json").get_json()["on_shift"] == []
    first = handoffs.request(conversations.start("web").id, "other", True, {})
    assert first.message.startswith("No one is here right now")

    assert ana.post("/console/shift", {"on": "yes"}).status_code == 302
    queue = ana.get("/console/").get_data(as_text=True)
    assert "On shift: Ana." in queue and "Go off shift" in queue
    assert ana.get("/console/queue.json").get_json()["on_shift"] == ["Ana"]
    second = handoffs.request(conversations.start("web").id, "other", True, {})
    assert "with you shortly" in second.message

    ana.post("/console/shift", {"on": "no"})
    assert "Nobody is on shift" in ana.get("/console/").get_data(as_text=True)
    third = handoffs.request(conversations.start("web").id, "other", True, {})
    assert third.message.startswith("No one is here right now")
    assert [a for a, _ in audited(services, "shift_start", "shift_end")] == [
        "shift_start",
        "shift_end",
    ]


def test_signing_out_ends_the_shift(app, services, staff, ana):
    ana.post("/console/shift", {"on": "yes"})
    assert services.presence.on_shift() == [(staff["ana"].id, "Ana")]
    ana.post("/console/sign-out")
    assert services.presence.on_shift() == []
    assert audited(services, "shift_end") == [("shift_end", "signed out")]


def test_the_queue_page_shows_the_wait_against_the_claim_target(app, conversations, handoffs, ana):
    conversation = conversations.start("web")
    handoffs.request(
        conversation.id, "other", True, {}, now=datetime.now(timezone.utc) - timedelta(minutes=8)
    )
    page = ana.get("/console/").get_data(as_text=True)
    assert "waiting 8 min (target 5 min)" in page and "Past the target" in page
    [item] = ana.get("/console/queue.json").get_json()["items"]
    assert item["over_target"] is True and item["target_minutes"] == 5
