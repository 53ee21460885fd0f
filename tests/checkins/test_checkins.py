"""Follow-up check-ins on the SMS path, with a frozen clock: opt-in, schedule, hours, the
menu replies, PAUSE / RESUME / STOP CHECKINS / STOP, and at-most-once sending."""

from __future__ import annotations

import threading
from datetime import datetime, time, timedelta, timezone
from itertools import count

import pytest
import time_machine
from sqlalchemy import func, select

from bot.checkins.models import CheckIn, CheckInSeries
from bot.checkins.schedule import CheckInSettings
from bot.checkins.series import CheckInError
from bot.checkins.texts import MENU, TEXTS
from bot.conversations.keywords import checkin_keyword
from bot.conversations.models import Conversation, Message, Outbox
from bot.settings import Settings, SettingsError
from bot.sms.inbound import InboundSms
from tests.support import TEST_SECRETS, RecordingSender, hold, make_services, make_settings

UTC = timezone.utc
PHONE = "+18605550199"
# 10:00 in New York (EST) on a Tuesday.
START = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
_sids = count(1)


def text_in(sms, body: str, phone: str = PHONE) -> list:
    return sms.handle(InboundSms(phone=phone, body=body, message_sid=f"SMck{next(_sids)}"))


def series_of(conversations) -> CheckInSeries:
    with conversations.sessions() as session:
        series = session.execute(select(CheckInSeries).order_by(CheckInSeries.id.desc())).scalar()
        list(series.checkins)
        return series


def checkin_rows(conversations) -> list:
    with conversations.sessions() as session:
        return list(session.execute(select(CheckIn).order_by(CheckIn.due_at)).scalars())


def queued_texts(conversations) -> list:
    with conversations.sessions() as session:
        return list(
            session.execute(
                select(Message.body)
                .join(Outbox, Outbox.message_id == Message.id)
                .where(Message.author == "checkin", Outbox.status == Outbox.QUEUED)
                .order_by(Message.id)
            ).scalars()
        )


def utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# -- the schedule -------------------------------------------------------------------------


def test_the_default_schedule_is_days_1_3_7_14_30_at_the_opt_in_time_of_day():
    due = CheckInSettings().due_times(datetime(2026, 12, 1, 19, 30, tzinfo=UTC))  # 14:30 EST
    assert [(day, at.isoformat()) for day, at in due] == [
        (1, "2026-12-02T19:30:00+00:00"),
        (3, "2026-12-04T19:30:00+00:00"),
        (7, "2026-12-08T19:30:00+00:00"),
        (14, "2026-12-15T19:30:00+00:00"),
        (30, "2026-12-31T19:30:00+00:00"),
    ]


def test_an_opt_in_outside_the_hours_gets_its_check_ins_at_the_start_of_the_hours():
    # 02:10 in New York: the check-ins go at 10:00 local, not in the night.
    due = CheckInSettings().due_times(datetime(2026, 12, 1, 7, 10, tzinfo=UTC))
    assert due[0] == (1, datetime(2026, 12, 2, 15, 0, tzinfo=UTC))
    # 21:00 in New York: also 10:00 local on the day.
    due = CheckInSettings().due_times(datetime(2026, 12, 2, 2, 0, tzinfo=UTC))
    assert due[0] == (1, datetime(2026, 12, 2, 15, 0, tzinfo=UTC))


def test_the_schedule_keeps_local_time_across_the_end_of_daylight_saving():
    # Opt in Friday 2026-10-30 14:00 EDT (18:00 UTC); clocks go back on Sunday 11-01.
    due = dict(CheckInSettings().due_times(datetime(2026, 10, 30, 18, 0, tzinfo=UTC)))
    assert due[1] == datetime(2026, 10, 31, 18, 0, tzinfo=UTC)  # 14:00 EDT
    assert due[3] == datetime(2026, 11, 2, 19, 0, tzinfo=UTC)  # 14:00 EST


def test_next_send_time_waits_for_the_hours():
    settings = CheckInSettings()
    inside = datetime(2026, 12, 1, 20, 0, tzinfo=UTC)  # 15:00 local
    assert settings.next_send_time(inside) == inside
    late = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)  # 20:00 local
    assert settings.next_send_time(late) == datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
    early = datetime(2026, 12, 2, 11, 0, tzinfo=UTC)  # 06:00 local
    assert settings.next_send_time(early) == datetime(2026, 12, 2, 15, 0, tzinfo=UTC)


def test_the_schedule_and_hours_come_from_the_environment(database_url):
    env = {**TEST_SECRETS, "DATABASE_URL": database_url}
    settings = Settings.from_env(
        {**env, "CHECKIN_DAYS": "2, 5", "CHECKIN_HOURS": "09:30-17:00",
         "NAVIGATOR_TIMEZONE": "America/Chicago", "RETENTION_DAYS": "14"}
    ).checkins  # fmt: skip
    assert settings == CheckInSettings((2, 5), time(9, 30), time(17, 0), "America/Chicago")
    assert settings.describe() == {
        "when": "in 2 days, then 1 more time over the next 5 days",
        "start": "9:30am",
        "end": "5pm",
    }
    for bad in (
        {"CHECKIN_DAYS": "0,3"},
        {"CHECKIN_DAYS": "soon"},
        {"CHECKIN_HOURS": "19:00-10:00"},
        {"CHECKIN_HOURS": "ten to six"},
        {"CHECKIN_TIMEZONE": "Mars/Olympus"},
        {"RETENTION_DAYS": "0"},
    ):
        with pytest.raises(SettingsError):
            Settings.from_env({**env, **bad})


@pytest.mark.parametrize(
    "text, word",
    [
        ("CHECKIN", "optin"),
        ("check in", "optin"),
        ("Check-in!", "optin"),
        ("pause", "pause"),
        ("Resume.", "resume"),
        ("stop checkins", "cancel"),
        ("STOP CHECK-INS", "cancel"),
        ("no more check ins", "cancel"),
        ("STOP", None),  # the carrier keyword: every text ends, handled before check-ins
        ("I want to check in to detox", None),
        ("pause for a second, what is naloxone", None),
        ("1", None),
    ],
)
def test_check_in_keywords_count_only_as_the_whole_message(text, word):
    assert checkin_keyword(text) == word


# -- the SMS path, end to end with a frozen clock ---------------------------------------


def test_a_check_in_series_on_the_sms_path(
    services, sending, sms, conversations, checkins, assistant
):
    sender = RecordingSender()
    with time_machine.travel(START, tick=False) as clock:
        reply = text_in(sms, "CHECKIN")
        assert reply == [
            "Thank you. We'll text to check in tomorrow, then 4 more times over the next 30 "
            "days, between 10am and 7pm. Reply PAUSE to pause check-ins, STOP CHECKINS to end "
            "them, or STOP to end all texts."
        ]
        assert assistant.received == []  # the line answered the keyword itself
        series = series_of(conversations)
        assert (series.status, series.enrolled_by, series.reason) == ("active", "person", "other")
        rows = checkin_rows(conversations)
        assert [r.day for r in rows] == [1, 3, 7, 14, 30]
        assert utc(rows[0].due_at) == START + timedelta(days=1)

        # Not due yet: nothing goes.
        assert sending.send(rows[0].id) == "early"
        assert queued_texts(conversations) == []

        # Day 1: the check-in goes through the outbox, once.
        clock.move_to(START + timedelta(days=1, seconds=1))
        assert sending.send(rows[0].id) == "sent"
        assert sending.send(rows[0].id) == "done"
        assert queued_texts(conversations) == [TEXTS["checkin"]]
        assert services.outbox.deliver_due(sender) == 1
        assert sender.sent == [(PHONE, TEXTS["checkin"])]

        # "1" is the menu: the assistant is asked for a person; the "1" itself is kept.
        clock.move_to(START + timedelta(days=1, minutes=20))
        text_in(sms, "1")
        assert assistant.received[-1][1] == MENU["1"] == "/request_human"
        with conversations.sessions() as session:
            kept = session.execute(
                select(Message).where(Message.direction == "in").order_by(Message.id.desc())
            ).scalar()
            assert (kept.body, kept.payload) == ("1", "/request_human")
        assert checkin_rows(conversations)[0].replied_at is not None
        # The conversation moved on: a later "1" is just a "1".
        text_in(sms, "1")
        assert assistant.received[-1][1] == "1"

        # Day 3: a reply in words counts as a reply and goes to the assistant as it is.
        clock.move_to(START + timedelta(days=3, seconds=1))
        assert sending.send(rows[1].id) == "sent"
        clock.move_to(START + timedelta(days=3, hours=2))
        text_in(sms, "doing ok today, thanks")
        assert assistant.received[-1][1] == "doing ok today, thanks"
        assert checkin_rows(conversations)[1].replied_at is not None

        # PAUSE: day 7 is skipped; RESUME names the next one.
        assert text_in(sms, "PAUSE") == [TEXTS["paused"]]
        clock.move_to(START + timedelta(days=7, seconds=1))
        assert sending.send(rows[2].id) == "skipped"
        assert text_in(sms, "resume") == [
            "Check-in texts are back on. Next one: Tue Dec 15, 10am. Reply PAUSE to pause them."
        ]

        # STOP ends every text, check-ins included, at once.
        assert text_in(sms, "STOP")[0].startswith("You won't get any more texts")
        series = series_of(conversations)
        assert (series.status, series.end_reason) == ("ended", "stop")
        assert [r.status for r in checkin_rows(conversations)] == [
            "sent", "sent", "skipped", "cancelled", "cancelled"
        ]  # fmt: skip
        clock.move_to(START + timedelta(days=14, seconds=1))
        assert sending.send(rows[3].id) == "done"
        # Day 3's text was still queued: STOP suppressed it, so nothing more goes out.
        assert queued_texts(conversations) == []
        assert services.outbox.deliver_due(sender) == 0
        assert sender.sent == [(PHONE, TEXTS["checkin"])]


def test_stop_checkins_ends_only_the_check_ins(sms, conversations, checkins, assistant):
    with time_machine.travel(START, tick=False):
        text_in(sms, "CHECKIN")
        assert text_in(sms, "stop check-ins") == [TEXTS["cancelled"]]
        series = series_of(conversations)
        assert (series.status, series.end_reason) == ("ended", "cancelled")
        assert {r.status for r in checkin_rows(conversations)} == {"cancelled"}
        # Every other text still works, and CHECKIN starts a new series.
        assert text_in(sms, "what is naloxone") == ["echo: what is naloxone"]
        assert text_in(sms, "CHECKIN")[0].startswith("Thank you. We'll text to check in")
        assert series_of(conversations).status == "active"


def test_keywords_without_a_series_say_how_to_start_one(sms):
    with time_machine.travel(START, tick=False):
        assert text_in(sms, "PAUSE") == [TEXTS["none"]]
        assert text_in(sms, "STOP CHECKINS") == [TEXTS["none"]]


def test_a_second_opt_in_keeps_one_series_and_says_when_the_next_is(sms, conversations):
    with time_machine.travel(START, tick=False):
        text_in(sms, "CHECKIN")
        again = text_in(sms, "check in")
        assert again == [
            "You're signed up for check-ins. Next one: Wed Dec 2, 10am. Reply PAUSE to pause "
            "them or STOP CHECKINS to end them."
        ]
        with conversations.sessions() as session:
            assert session.execute(select(func.count(CheckInSeries.id))).scalar_one() == 1


def test_a_repeated_provider_retry_of_the_opt_in_is_answered_once(sms, conversations):
    with time_machine.travel(START, tick=False):
        message = InboundSms(phone=PHONE, body="CHECKIN", message_sid="SMretry1")
        assert sms.handle(message)
        assert sms.handle(message) == []
        with conversations.sessions() as session:
            assert session.execute(select(func.count(CheckInSeries.id))).scalar_one() == 1


def test_a_check_in_due_outside_the_hours_waits_for_them(sending, sms, conversations, checkins):
    with time_machine.travel(START, tick=False) as clock:
        text_in(sms, "CHECKIN")
        first = checkin_rows(conversations)[0]
        # The worker was down all day and comes back at 21:00 local.
        clock.move_to(datetime(2026, 12, 3, 2, 0, tzinfo=UTC))
        assert sending.send(first.id) == "deferred"
        row = checkin_rows(conversations)[0]
        assert utc(row.due_at) == datetime(2026, 12, 3, 15, 0, tzinfo=UTC)
        assert row.job_id is None and row.status == "scheduled"
        assert queued_texts(conversations) == []
        clock.move_to(datetime(2026, 12, 3, 15, 0, 1, tzinfo=UTC))
        assert sending.send(first.id) == "sent"


def test_no_check_in_while_a_navigator_is_talking_with_the_person(
    sending, sms, conversations, checkins
):
    with time_machine.travel(START, tick=False) as clock:
        text_in(sms, "CHECKIN")
        first = checkin_rows(conversations)[0]
        series = series_of(conversations)
        hold(conversations.sessions, series.conversation_id, 7)
        clock.move_to(START + timedelta(days=1, seconds=1))
        assert sending.send(first.id) == "skipped"
        assert checkin_rows(conversations)[0].skip_reason == "navigator"
        assert queued_texts(conversations) == []


def test_the_last_check_in_says_it_is_the_last_and_ends_the_series(database_url, conversations):
    two_days = make_services(make_settings(database_url, CHECKIN_DAYS="1,2"))
    sms, short = two_days.sms, two_days.checkin_sending
    with time_machine.travel(START, tick=False) as clock:
        text_in(sms, "CHECKIN")
        rows = checkin_rows(conversations)
        clock.move_to(START + timedelta(days=1, seconds=1))
        assert short.send(rows[0].id) == "sent"
        clock.move_to(START + timedelta(days=2, seconds=1))
        assert short.send(rows[1].id) == "sent"
        assert queued_texts(conversations) == [TEXTS["checkin"], TEXTS["checkin"] + TEXTS["last"]]
        series = series_of(conversations)
        assert (series.status, series.end_reason) == ("ended", "finished")
        for text in queued_texts(conversations):
            assert len(text) <= 320 and text.isascii()


def test_two_processes_firing_the_same_check_in_send_it_once(sending, sms, conversations, checkins):
    with time_machine.travel(START, tick=False) as clock:
        text_in(sms, "CHECKIN")
        first = checkin_rows(conversations)[0]
        clock.move_to(START + timedelta(days=1, seconds=1))
        barrier, outcomes = threading.Barrier(4), []

        def fire():
            barrier.wait()
            outcomes.append(sending.send(first.id))

        threads = [threading.Thread(target=fire) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sorted(outcomes) == ["done", "done", "done", "sent"]
    assert len(queued_texts(conversations)) == 1


def test_check_ins_are_for_people_who_text(conversations, checkins):
    web = conversations.start("web")
    with pytest.raises(CheckInError, match="only for people who text"):
        checkins.enroll(web.id)


def test_after_stop_a_navigator_cannot_start_check_ins(sms, conversations, checkins):
    with time_machine.travel(START, tick=False):
        text_in(sms, "hello")
        text_in(sms, "STOP")
        with conversations.sessions() as session:
            conversation_id = session.execute(select(Conversation.id)).scalar_one()
        with pytest.raises(CheckInError, match="texted STOP"):
            checkins.enroll(conversation_id, "overdose", navigator_id=1)
        # START again, and the person may opt in themselves.
        text_in(sms, "START")
        assert text_in(sms, "CHECKIN")[0].startswith("Thank you.")


def test_every_check_in_text_fits_one_sms_and_uses_plain_characters():
    settings = CheckInSettings()
    samples = [
        TEXTS["checkin"] + TEXTS["last"],
        TEXTS["enrolled"].format(**settings.describe()),
        TEXTS["enrolled_by_navigator"].format(**settings.describe()),
        TEXTS["already"].format(next="Wed Dec 30, 12:30pm"),
        TEXTS["resumed"].format(next="Wed Dec 30, 12:30pm"),
        TEXTS["paused"],
        TEXTS["resumed_none"],
        TEXTS["cancelled"],
        TEXTS["none"],
    ]
    for text in samples:
        assert len(text) <= 320, text
        assert text.isascii(), text


def test_a_running_series_with_nothing_left_gives_way_to_a_new_opt_in(sms, conversations):
    with time_machine.travel(START, tick=False):
        text_in(sms, "CHECKIN")
        # As if PAUSE had raced the worker ending the series: running, nothing scheduled.
        with conversations.sessions() as session:
            series = session.execute(select(CheckInSeries)).scalar_one()
            series.status = "paused"
            for checkin in series.checkins:
                checkin.status = "skipped"
            session.commit()
        assert text_in(sms, "CHECKIN")[0].startswith("Thank you. We'll text to check in")
        with conversations.sessions() as session:
            statuses = session.execute(
                select(CheckInSeries.status, CheckInSeries.end_reason).order_by(CheckInSeries.id)
            ).all()
        assert statuses == [("ended", "finished"), ("active", None)]
