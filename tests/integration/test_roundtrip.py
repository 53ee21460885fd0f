"""Whole journeys through the real processes: a lookup by text, and a warm handoff by web
chat and by SMS that survives every process restarting in the middle."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import requests
from argon2 import PasswordHasher
from sqlalchemy import select, update

from bot.accounts.models import NAVIGATOR
from bot.accounts.service import NavigatorService
from bot.checkins.models import CheckIn, CheckInSeries
from bot.checkins.texts import TEXTS
from bot.conversations.models import Message, Outbox
from bot.db import utcnow
from bot.directory.replies import ASK_PLACE
from bot.handoff.models import Handoff
from tests.harness import sign_in_page
from tests.integration.support import response_texts, services_for, sessions_of, text_in, wait_for

pytestmark = pytest.mark.integration

PASSWORD = "correct horse battery"


def reachable(listing: str) -> bool:
    """A listing says how to reach the place: a phone number or a street address."""
    return "Call " in listing or re.search(r" mi, [^,.]+, ", listing) is not None


def test_one_text_finds_buprenorphine_near_a_zip_and_replies_narrow_it(helpline):
    if not helpline.directory_loaded:
        pytest.skip("the real directory files are not beside the project (../shared/data)")
    phone = "+18605550161"
    results = text_in(helpline, "where can i get bupe near 06360", phone)
    assert results[0].startswith("Near Norwich, CT 06360, buprenorphine")  # the first answer
    assert all(len(text) <= 320 for text in results)
    listings = [text for text in results if " mi, " in text]
    assert len(listings) == 3 and all(reachable(text) for text in listings)
    assert "WRONG" in results[-1] and "another town or ZIP" in results[-1]
    # The same search elsewhere, then another medication: replies to the list. The 2020
    # listings loaded here say nothing about insurance, so MEDICAID is never offered.
    moved = text_in(helpline, "what about greenfield ma", phone)
    assert moved[0].startswith("Near Greenfield, MA, buprenorphine")
    assert "MEDICAID" not in moved[-1]
    changed = text_in(helpline, "methadone instead", phone)
    assert changed[0].startswith("Near Greenfield, MA, methadone")
    flagged = text_in(helpline, "wrong 1", phone)
    assert flagged[0].startswith("Thank you. I've flagged")


def test_the_medication_is_kept_across_the_place_question_and_states_pick_the_town(helpline):
    if not helpline.directory_loaded:
        pytest.skip("the real directory files are not beside the project (../shared/data)")
    phone = "+18605550163"
    assert text_in(helpline, "i need bupe", phone) == [ASK_PLACE]
    results = text_in(helpline, "06340", phone)
    assert results[0].startswith("Near Groton, CT 06340, buprenorphine")
    orange = text_in(helpline, "methadone clinic in orange ma", "+18605550164")
    assert orange[0].startswith("Near Orange, MA, methadone")
    assert all(reachable(text) for text in orange if " mi, " in text)


def test_unknown_place_is_asked_again_with_a_clear_answer(helpline):
    phone = "+18605550162"
    text_in(helpline, "where can i get narcan near me", phone)
    again = text_in(helpline, "asdf", phone)
    assert "couldn't find that place" in again[0] and "ZIP code" in again[0]


def test_warm_handoff_in_the_web_chat_with_a_navigator_in_the_console(helpline, browser):
    NavigatorService(sessions_of(helpline), PasswordHasher(time_cost=1)).create(
        f"nav-{helpline.name}@example.org", "Ana", PASSWORD, NAVIGATOR
    )
    person = browser.new_page()
    person.goto(f"{helpline.gateway}/chat")
    box = person.get_by_label("Your message")

    def say(text):
        count = person.locator(".msg--assistant, .msg--system, .msg--navigator").count()
        box.fill(text)
        box.press("Enter")
        person.locator(".msg--assistant, .msg--system, .msg--navigator").nth(count).wait_for()

    say("can i talk to a real person")
    say("yes")
    assert "navigator" in person.locator(".msg--assistant").last.inner_text().lower()

    navigator = browser.new_page()
    sign_in_page(navigator, helpline.gateway, f"nav-{helpline.name}@example.org", PASSWORD)
    navigator.get_by_role("link", name="Talk to a person").first.click()
    navigator.get_by_role("button", name="Claim this conversation").click()
    navigator.get_by_text("You hold this conversation now").wait_for()
    navigator.get_by_label("Your reply to the person").fill("Hi, I'm Ana, a recovery navigator.")
    navigator.get_by_role("button", name="Send reply").click()

    person.locator(".msg--navigator").get_by_text("Hi, I'm Ana").wait_for(timeout=15000)
    assert person.locator(".msg--navigator .msg__who").first.inner_text() == "Recovery navigator"

    navigator.get_by_role("button", name="Hand back to the assistant").click()
    say("thanks")
    welcome = response_texts("utter_you_are_welcome", "webchat")
    assert person.locator(".msg--assistant").last.inner_text().endswith(welcome[0])
    person.close()
    navigator.close()


def test_an_sms_handoff_survives_every_process_restarting(helpline):
    phone = "+18605550163"
    text_in(helpline, "i want to talk to a human", phone)
    connected = text_in(helpline, "no", phone)
    assert "navigator" in connected[0].lower()
    sessions = sessions_of(helpline)
    with sessions() as session:
        handoff = session.execute(select(Handoff).order_by(Handoff.id.desc())).scalars().first()
    assert handoff.status == Handoff.WAITING and handoff.summary is None

    for process in ("gateway", "worker", "rasa", "actions"):
        helpline.stop(process)
    # The person writes while everything is down: nothing answers, nothing is lost.
    with pytest.raises(requests.ConnectionError):
        text_in(helpline, "hello?", phone)
    for process in ("actions", "rasa", "gateway", "worker"):
        helpline.start(process)
    helpline.wait_healthy()

    with sessions() as session:
        again = session.get(Handoff, handoff.id)
        assert again.status == Handoff.WAITING  # the queue survived
    accounts = NavigatorService(sessions, PasswordHasher(time_cost=1))
    navigator = accounts.create(f"sms-{helpline.name}@example.org", "Ben", PASSWORD, NAVIGATOR)
    console = services_for(helpline).console
    console.claim(handoff.id, navigator)
    assert text_in(helpline, "are you there", phone) == []  # the assistant stays silent
    console.reply(handoff.id, navigator, "Hi, this is Ben. How can I help?")

    def queued():
        with sessions() as session:
            return session.execute(
                select(Outbox.status)
                .join(Message, Message.id == Outbox.message_id)
                .where(Message.author == "navigator")
            ).scalar_one_or_none()

    # No Twilio account here: the reply waits in the outbox for the worker, not lost.
    assert wait_for(queued, timeout=10) == Outbox.QUEUED


def test_a_check_in_series_by_text_scheduled_sent_replied_handed_off_stopped(helpline):
    phone = "+18605550171"
    sessions = sessions_of(helpline)
    signed_up = text_in(helpline, "CHECKIN", phone)
    assert signed_up[0].startswith("Thank you. We'll text to check in tomorrow")

    def checkins(*columns):
        with sessions() as session:
            return session.execute(select(*columns).order_by(CheckIn.due_at)).all()

    # The worker's scheduler gives every check-in its job in the database.
    def jobs():
        found = [job for (job,) in checkins(CheckIn.job_id)]
        return len(found) == 5 and all(found)

    wait_for(jobs, timeout=30)

    # A day passes: day 1 comes due (its row moved to now; the sweep schedules it again).
    first_id = checkins(CheckIn.id)[0][0]
    with sessions() as session:
        session.execute(
            update(CheckIn)
            .where(CheckIn.id == first_id)
            .values(due_at=utcnow() - timedelta(seconds=1), job_id=None)
        )
        session.commit()

    def checkin_texts():
        with sessions() as session:
            return session.execute(
                select(Message.body, Outbox.status)
                .join(Outbox, Outbox.message_id == Message.id)
                .where(Message.author == "checkin")
            ).all()

    sent = wait_for(checkin_texts, timeout=60)
    assert sent == [(TEXTS["checkin"], Outbox.QUEUED)]  # no Twilio account: it waits there

    # "1": the assistant offers a navigator (asking about sharing first); "yes" connects.
    asked = text_in(helpline, "1", phone)
    assert asked[0] in response_texts("utter_ask_handoff_consent")
    connected = text_in(helpline, "yes", phone)
    assert "navigator" in " ".join(connected).lower()
    with sessions() as session:
        series = session.execute(select(CheckInSeries)).scalars().all()
        [mine] = [s for s in series if s.id == session.get(CheckIn, first_id).series_id]
        handoff = session.execute(
            select(Handoff).where(Handoff.conversation_id == mine.conversation_id)
        ).scalar_one()
        assert handoff.status == Handoff.WAITING and handoff.consented
        assert session.get(CheckIn, first_id).replied_at is not None

    # STOP ends every text, check-ins included.
    text_in(helpline, "STOP", phone)
    with sessions() as session:
        mine = session.get(CheckInSeries, mine.id)
        assert (mine.status, mine.end_reason) == ("ended", "stop")
        statuses = (
            session.execute(
                select(CheckIn.status).where(CheckIn.series_id == mine.id).order_by(CheckIn.due_at)
            )
            .scalars()
            .all()
        )
    assert statuses == ["sent", "cancelled", "cancelled", "cancelled", "cancelled"]
    assert len(checkin_texts()) == 1
