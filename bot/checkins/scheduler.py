"""The worker's scheduler: APScheduler, with its jobs kept in the helpline's own database.

One job per check-in fires at its due time; a daily job runs retention; when the directory
sync is on, a look every few minutes runs it once a night (the sync's own records decide
whether tonight's has run, so restarts and a second worker do not repeat it). Jobs live in the
`scheduler_jobs` table of the same database as the check-ins (SQLite by default,
PostgreSQL in production), so they survive restarts, and a job due while the worker was
down runs as soon as it is back. Only the worker runs a scheduler: the gateway and the
console write check-in rows, and the worker's sweep gives each new row its job.

The check-in rows, not the jobs, are the truth. Sending is an atomic `scheduled -> sent`
step (bot/checkins/sending.py), so a job that fires twice sends once. A job lost in a
crash (APScheduler removes a one-off job as it starts it) is noticed by the sweep: a row
still scheduled well after its due time whose job is gone is sent at once.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from typing import Callable, Tuple

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.checkins.sending import CheckInSending
from bot.db import utcnow

log = logging.getLogger(__name__)

JOB_TABLE = "scheduler_jobs"
# A scheduled check-in this long past due whose job is gone was lost in a crash.
LOST_AFTER = timedelta(minutes=2)
# How often the worker asks whether tonight's directory sync is due.
DIRECTORY_SYNC_CHECK = timedelta(minutes=10)

# The scheduler running in this process. Jobs in a persistent store name their function
# by import path, so the job functions below reach the services through it.
_running: CheckInScheduler | None = None


def fire_checkin(checkin_id: int) -> None:
    """Job: send one check-in (a no-op when it was already handled)."""
    if _running is not None:
        _running.fire(checkin_id)


def sweep() -> None:
    """Job: give new check-ins their jobs and send any whose job was lost."""
    if _running is not None:
        _running.sweep()


def run_retention() -> None:
    """Job: the daily retention pass."""
    if _running is not None and _running.retention is not None:
        _running.retention()


def run_directory_sync() -> None:
    """Job: sync the provider directory if tonight's sync has not run yet."""
    if _running is not None and _running.directory_sync is not None:
        try:
            _running.directory_sync()
        except Exception as error:  # noqa: BLE001 - the next look tries again
            log.error("directory sync: %s", type(error).__name__)


def job_id(checkin_id: int, due_at: datetime) -> str:
    """The same check-in and due time always give the same job id (re-adding replaces)."""
    return f"checkin-{checkin_id}-{int(due_at.timestamp())}"


class CheckInScheduler:
    """Runs the check-in and retention jobs in a background thread of the worker."""

    def __init__(
        self,
        database_url: str,
        checkins: CheckInSending,
        retention: Callable[[], object] | None = None,
        sweep_seconds: float = 30.0,
        retention_hour: int = 3,
        directory_sync: Callable[[], object] | None = None,
    ) -> None:
        self.checkins = checkins
        self.retention = retention
        self.directory_sync = directory_sync
        self.sweep_seconds = sweep_seconds
        self.retention_hour = retention_hour
        sqlite = database_url.startswith("sqlite")
        options: dict = {"connect_args": {"timeout": 30}} if sqlite else {"pool_pre_ping": True}
        self.scheduler = BackgroundScheduler(
            jobstores={
                "default": SQLAlchemyJobStore(
                    url=database_url, tablename=JOB_TABLE, engine_options=options
                ),
                "memory": MemoryJobStore(),
            },
            executors={"default": ThreadPoolExecutor(2)},
            # Late is better than never for a check-in: a job missed while the worker was
            # down runs once (coalesced) when it is back; the hours are checked on sending.
            job_defaults={"coalesce": True, "misfire_grace_time": None, "max_instances": 1},
            timezone=timezone.utc,
        )

    def start(self) -> None:
        """Start the scheduler thread; the first sweep runs at once."""
        global _running
        _running = self
        self.scheduler.start()
        self.scheduler.add_job(
            sweep,
            "interval",
            seconds=self.sweep_seconds,
            id="checkins-sweep",
            jobstore="memory",
            next_run_time=datetime.now(timezone.utc),
        )
        if self.retention is not None:
            self.scheduler.add_job(
                run_retention,
                CronTrigger(hour=self.retention_hour, timezone=self.checkins.settings.zone),
                id="retention",
                replace_existing=True,
            )
        if self.directory_sync is not None:
            self.scheduler.add_job(
                run_directory_sync,
                "interval",
                seconds=DIRECTORY_SYNC_CHECK.total_seconds(),
                id="directory-sync",
                jobstore="memory",
                next_run_time=datetime.now(timezone.utc),
            )
        log.info("scheduler started")

    def shutdown(self, wait: bool = True) -> None:
        """Stop the thread (jobs stay in the database)."""
        global _running
        if self.scheduler.running:
            self.scheduler.shutdown(wait=wait)
        if _running is self:
            _running = None

    def run_once(self, now: datetime | None = None, batch: int = 500) -> int:
        """One pass without a running scheduler (`helpline worker --once`): give new
        check-ins their jobs, and send the ones already due. Returns how many were sent."""
        now = now or utcnow()
        self.scheduler.start(paused=True)  # jobs are stored, none run
        try:
            while self.sweep(now)[0]:
                pass  # every new check-in gets its job, 500 at a time
            sent, seen = 0, set[int]()
            while True:
                due = [
                    (checkin_id, name)
                    for checkin_id, name in self.checkins.overdue(
                        now + timedelta(seconds=1), limit=len(seen) + batch
                    )
                    if checkin_id not in seen  # one that fails stays due: tried once a pass
                ]
                if not due:
                    return sent
                for checkin_id, name in due:
                    seen.add(checkin_id)
                    sent += self.fire(checkin_id) == "sent"
                    if name is not None and self.scheduler.get_job(name) is not None:
                        self.scheduler.remove_job(name)
        finally:
            self.scheduler.shutdown(wait=False)

    def sweep(self, now: datetime | None = None) -> Tuple[int, int]:
        """Schedule new check-ins; send lost ones. Returns (jobs added, lost ones sent)."""
        now = now or utcnow()
        added = 0
        for checkin_id, due_at in self.checkins.to_schedule():
            # Add first, then record: a crash in between only re-adds the same job id.
            name = job_id(checkin_id, due_at)
            self.scheduler.add_job(
                fire_checkin,
                "date",
                run_date=due_at,
                args=[checkin_id],
                id=name,
                replace_existing=True,
            )
            self.checkins.set_job(checkin_id, name)
            added += 1
        recovered = 0
        for checkin_id, existing in self.checkins.overdue(now - LOST_AFTER):
            if existing is not None and self.scheduler.get_job(existing) is not None:
                continue  # its job is waiting for a free executor thread
            log.warning("check-in %s lost its job; sending it now", checkin_id)
            self.fire(checkin_id)
            recovered += 1
        if added:
            log.info("scheduled %d check-in(s)", added)
        return added, recovered

    def fire(self, checkin_id: int) -> str:
        """Send one check-in now (the job's work); errors are logged, never raised."""
        try:
            outcome = self.checkins.send(checkin_id)
        except Exception as error:  # noqa: BLE001 - the row stays scheduled; the sweep retries
            log.error("check-in %s: %s while sending", checkin_id, type(error).__name__)
            return "error"
        log.info("check-in %s: %s", checkin_id, outcome)
        return outcome
