"""The worker's scheduler (APScheduler, jobs in the helpline database) with a frozen clock:
jobs survive a restart, fire once, and a job lost in a crash still gets its check-in sent."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from itertools import count

import pytest
import time_machine
from sqlalchemy import create_engine, select, text

from bot.checkins.models import CheckIn
from bot.checkins.scheduler import JOB_TABLE, CheckInScheduler, job_id
from bot.checkins.texts import TEXTS
from bot.conversations.models import Message, Outbox
from bot.sms.inbound import InboundSms

UTC = timezone.utc
START = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)  # 10:00 in New York
_sids = count(1)


@pytest.fixture
def schedulers(services, database_url, checkins):
    """Makes schedulers over the test database and stops them all at the end."""
    made = []

    def make(**options) -> CheckInScheduler:
        scheduler = CheckInScheduler(
            database_url, services.checkin_sending, sweep_seconds=0.2, **options
        )
        made.append(scheduler)
        return scheduler

    yield make
    for scheduler in made:
        scheduler.shutdown(wait=True)


def opt_in(sms, phone: str = "+18605550123") -> None:
    sms.handle(InboundSms(phone=phone, body="CHECKIN", message_sid=f"SMsch{next(_sids)}"))


def rows(conversations) -> list:
    with conversations.sessions() as session:
        return list(session.execute(select(CheckIn).order_by(CheckIn.due_at)).scalars())


def stored_jobs(database_url) -> set:
    engine = create_engine(database_url)
    with engine.connect() as connection:
        found = {row[0] for row in connection.execute(text(f"SELECT id FROM {JOB_TABLE}"))}
    engine.dispose()
    return found


def checkin_texts(conversations) -> list:
    with conversations.sessions() as session:
        return list(
            session.execute(
                select(Message.body)
                .join(Outbox, Outbox.message_id == Message.id)
                .where(Message.author == "checkin")
            ).scalars()
        )


def wait_for(predicate, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("gave up waiting")


def opt_in_and_schedule(sms, conversations, schedulers) -> None:
    """At START a person opts in; a worker runs until every check-in has its job."""
    with time_machine.travel(START, tick=True):
        opt_in(sms)
        worker = schedulers()
        worker.start()
        wait_for(lambda: all(row.job_id for row in rows(conversations)))
        worker.shutdown()


def test_jobs_are_kept_in_the_database_and_fire_once_after_a_restart(
    sms, conversations, database_url, schedulers
):
    opt_in_and_schedule(sms, conversations, schedulers)
    expected = {job_id(row.id, row.due_at.replace(tzinfo=UTC)) for row in rows(conversations)}
    assert stored_jobs(database_url) == expected and len(expected) == 5

    # The worker is down over day 1 and starts again that afternoon: day 1 goes, once.
    with time_machine.travel(START + timedelta(days=1, hours=3), tick=True):
        second = schedulers()
        second.start()
        wait_for(lambda: checkin_texts(conversations) == [TEXTS["checkin"]])
        time.sleep(0.6)  # several sweeps later, still one
        assert checkin_texts(conversations) == [TEXTS["checkin"]]
        second.shutdown()
    assert [row.status for row in rows(conversations)] == ["sent"] + ["scheduled"] * 4
    assert len(stored_jobs(database_url)) == 4


def test_a_check_in_whose_job_was_lost_in_a_crash_is_still_sent_once(
    sms, conversations, database_url, schedulers
):
    opt_in_and_schedule(sms, conversations, schedulers)
    # A crash as the day-1 job started: APScheduler had removed it, nothing was sent.
    day1 = rows(conversations)[0]
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text(f"DELETE FROM {JOB_TABLE} WHERE id = :id"), {"id": day1.job_id})
    engine.dispose()
    with time_machine.travel(START + timedelta(days=1, minutes=10), tick=True):
        restarted = schedulers()
        restarted.start()
        wait_for(lambda: rows(conversations)[0].status == "sent")
        time.sleep(0.6)
        restarted.shutdown()
    assert checkin_texts(conversations) == [TEXTS["checkin"]]


def test_a_new_opt_in_gets_its_jobs_from_a_running_worker(sms, conversations, schedulers):
    with time_machine.travel(START, tick=True):
        running = schedulers()
        running.start()
        opt_in(sms)  # the gateway writes the rows; the worker's sweep schedules them
        wait_for(lambda: rows(conversations) and all(row.job_id for row in rows(conversations)))
        assert {job.id for job in running.scheduler.get_jobs(jobstore="default")} == {
            row.job_id for row in rows(conversations)
        }


def test_one_pass_without_a_scheduler_thread_sends_what_is_due(
    sms, conversations, database_url, schedulers
):
    with time_machine.travel(START, tick=False) as clock:
        opt_in(sms)
        assert schedulers().run_once() == 0
        assert len(stored_jobs(database_url)) == 5
        clock.move_to(START + timedelta(days=3, hours=1))
        # Day 1 (late) and day 3 are both due: one text, day 1 skipped as stale.
        assert schedulers().run_once() == 1
        assert schedulers().run_once() == 0
    assert checkin_texts(conversations) == [TEXTS["checkin"]]
    assert [(row.status, row.skip_reason) for row in rows(conversations)][:2] == [
        ("skipped", "stale"),
        ("sent", None),
    ]
    assert len(stored_jobs(database_url)) == 3


def test_one_pass_sends_every_due_check_in_however_many(sms, conversations, schedulers):
    with time_machine.travel(START, tick=False) as clock:
        for number in range(3):
            opt_in(sms, phone=f"+1860555020{number}")
        clock.move_to(START + timedelta(days=1, minutes=1))
        assert schedulers().run_once(batch=2) == 3
    assert checkin_texts(conversations) == [TEXTS["checkin"]] * 3


def test_the_retention_job_is_scheduled_nightly_in_local_time(schedulers):
    ran = []
    with time_machine.travel(START, tick=True):
        scheduler = schedulers(retention=lambda: ran.append(1))
        scheduler.start()
        job = scheduler.scheduler.get_job("retention")
        # 03:00 in New York is 08:00 UTC in December.
        assert job.next_run_time.astimezone(UTC) == datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
