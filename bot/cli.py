"""`helpline`: the project's command line (set-up steps, serving, the worker, terminal chat)."""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import sys
import time
import traceback
from pathlib import Path

import click

from bot.accounts.cli import (
    add_navigator,
    create_admin,
    deactivate_navigator,
    reset_second_factor,
)
from bot.directory.cli import directory as directory_commands
from bot.settings import ROOT, SECRET_NAMES, get_settings, read_env_file

log = logging.getLogger("helpline")


@click.group()
def main() -> None:
    """Overdose-response helpline: set-up, serving and staff tools."""
    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "INFO"),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


@main.command("init-env")
@click.option("--path", type=click.Path(path_type=Path), default=ROOT / ".env")
def init_env(path: Path) -> None:
    """Write .env from .env.example with fresh secrets; keep values already in .env."""
    from cryptography.fernet import Fernet

    existing = read_env_file(path)
    generated = {
        "RASA_TOKEN": secrets.token_urlsafe(32),
        "HELPLINE_SECRET_KEY": secrets.token_urlsafe(48),
        "HELPLINE_HMAC_KEY": secrets.token_urlsafe(48),
        "HELPLINE_ENCRYPTION_KEY": Fernet.generate_key().decode(),
    }
    lines, written = [], set()
    for line in (ROOT / ".env.example").read_text().splitlines():
        key = line.split("=", 1)[0].strip() if "=" in line and not line.startswith("#") else None
        if key in existing:
            lines.append(f"{key}={existing[key]}")
        elif key in SECRET_NAMES:
            lines.append(f"{key}={generated[key]}")
        else:
            lines.append(line)
        written.add(key)
    # Values the operator added that the example only mentions in comments stay too.
    lines += [f"{key}={value}" for key, value in existing.items() if key not in written]
    # Created 0600: the secrets are never readable by others, not even for a moment.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write("\n".join(lines) + "\n")
    path.chmod(0o600)
    click.echo(f"{path.name}: {'kept existing values, ' if existing else ''}secrets in place")


@main.command("build-spacy")
@click.option(
    "--path", type=click.Path(path_type=Path), default=ROOT / "var" / "spacy" / "helpline"
)
def build_spacy(path: Path) -> None:
    """Build the project's spaCy pipeline (tokenizer + town/ZIP entity ruler)."""
    from bot.nlp import build_pipeline

    click.echo(f"spaCy pipeline written to {build_pipeline(path)}")


@main.command("db-upgrade")
def db_upgrade() -> None:
    """Create or migrate the gateway database to the newest revision."""
    from bot import db

    db.upgrade()
    click.echo("database is at the newest revision")


@main.command()
@click.argument("process", type=click.Choice(["rasa", "actions", "gateway"]))
@click.option(
    "--replica", default=0, help="Which Rasa replica (it listens on RASA_PORT + this number)."
)
def serve(process: str, replica: int) -> None:
    """Run one process of the helpline in the foreground (`helpline run` starts each)."""
    settings = get_settings()
    env = {**os.environ, **settings.rasa_environment()}
    venv_bin = Path(sys.executable).parent
    # Rasa logs what people wrote at DEBUG: its level is its own (RASA_LOG_LEVEL), not
    # the helpline's LOG_LEVEL, and DEBUG there is for a developer's machine only.
    env["LOG_LEVEL"] = os.environ.get("RASA_LOG_LEVEL") or "INFO"
    if process == "rasa":
        # The API token goes by the environment, never the command line (`ps` shows it).
        env["RASA_TOKEN"] = settings.rasa_token
        argv = [
            sys.executable, "-m", "rasa_addons.run",
            "--enable-api",
            "--interface", "127.0.0.1", "--port", str(settings.rasa_port + replica),
            "--endpoints", str(ROOT / "endpoints.yml"),
            "--credentials", str(ROOT / "credentials.yml"),
            "--model", settings.model_path,
        ]  # fmt: skip
    elif process == "actions":
        env["SANIC_HOST"] = "127.0.0.1"  # rasa-sdk's only way to not listen on every interface
        argv = [
            str(venv_bin / "rasa"), "run", "actions",
            "--actions", "actions", "--port", str(settings.action_port),
        ]  # fmt: skip
    else:
        argv = [
            str(venv_bin / "gunicorn"),
            "--bind", f"{settings.gateway_host}:{settings.gateway_port}",
            "--workers", str(settings.gateway_workers), "--threads", str(settings.gateway_threads),
            "--timeout", "60", "--graceful-timeout", "10",
            "webhook:create_app()",
        ]  # fmt: skip
        url = settings.public_url
        click.echo(f"Web chat: {url}/chat  Console: {url}/console/  Health: {url}/health")
    os.chdir(ROOT)
    os.execve(argv[0], argv, env)


SUPERVISOR_CONFIG = ROOT / "deploy" / "supervisord.conf"


@main.command()
def run() -> None:
    """Run every process under supervisord (what `make run` does): a process that dies is
    started again and the others keep running; Ctrl-C stops them all."""
    from bot.settings import read_env_file

    run_dir = Path(os.environ.get("HELPLINE_RUN_DIR") or ROOT / "var" / "run")
    run_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    env = {**read_env_file(ROOT / ".env"), **os.environ}  # the environment wins over .env
    env["HELPLINE_BIN"] = str(Path(sys.executable).parent)
    env["HELPLINE_RUN_DIR"] = str(run_dir)
    # As many local Rasa processes as the gateway spreads conversations over (RASA_REPLICAS).
    env["RASA_REPLICAS"] = str(len(get_settings().rasa_urls))
    supervisord = str(Path(sys.executable).parent / "supervisord")
    os.chdir(ROOT)
    os.execve(supervisord, [supervisord, "-c", str(SUPERVISOR_CONFIG)], env)


@main.command()
@click.option("--interval", default=2.0, help="Seconds between passes.")
@click.option("--once", is_flag=True, help="One pass, then exit.")
@click.option(
    "--sweep-seconds", default=30.0, help="Seconds between looks for new or lost check-ins."
)
def worker(interval: float, once: bool, sweep_seconds: float) -> None:
    """Answer kept messages, send the SMS outbox, and run the check-in and retention jobs
    (and the nightly directory sync when DIRECTORY_SYNC_NIGHTLY is on)."""
    from bot.bootstrap import bootstrap
    from bot.checkins.scheduler import CheckInScheduler

    services = bootstrap()
    if services.sender is None:
        log.warning("Twilio sending is not configured: SMS replies stay in the outbox")
    nightly = services.settings.directory_sync
    if nightly.nightly:
        log.info(
            "directory sync of %s from FindTreatment.gov every night from %02d:00",
            ",".join(nightly.state_codes), nightly.hour,
        )  # fmt: skip
    scheduler = CheckInScheduler(
        services.settings.database_url,
        services.checkin_sending,
        retention=services.retention.run,
        sweep_seconds=sweep_seconds,
        directory_sync=services.directory_sync.run_if_due if nightly.nightly else None,
    )
    if once:
        scheduler.run_once()  # due check-ins go now; later ones wait in the job store
    else:
        scheduler.start()
    try:
        while True:
            try:
                _worker_pass(services)
            except Exception as error:  # one bad pass must not stop the worker for good
                if once:
                    raise
                frame = traceback.extract_tb(error.__traceback__)[-1]
                # Type and place only: an exception's text may quote what a person wrote.
                log.error(
                    "worker pass failed: %s at %s:%s; next pass in %ss",
                    type(error).__name__, frame.filename.rsplit("/", 1)[-1], frame.lineno,
                    interval,
                )  # fmt: skip
            if once:
                return
            time.sleep(interval)
    finally:
        if not once:
            scheduler.shutdown(wait=False)


def _worker_pass(services) -> None:
    """Answer kept messages, tell unclaimed requests (and remind staff), send the outbox:
    one pass."""
    answered = services.inbound.answer_pending()
    # Before sending, so an SMS "not yet" notice goes out in the same pass.
    told = services.handoffs.notify_unclaimed()
    # Staff are texted again about requests still unclaimed past the claim target.
    reminded = services.handoffs.escalate_unclaimed()
    sent = services.outbox.deliver_due(services.sender) if services.sender else 0
    if answered or told or sent or reminded:
        log.info(
            "worker answered %d kept message(s), sent %d text(s), %d not-yet notice(s), "
            "%d staff reminder(s)",
            answered, sent, told, reminded,
        )  # fmt: skip


@main.command()
@click.option("--days", type=int, default=None, help="Override RETENTION_DAYS for this run.")
def retention(days: int | None) -> None:
    """Delete message bodies (and Rasa's record) older than RETENTION_DAYS; keep the counts.

    The worker runs this every night; run it by hand after lowering RETENTION_DAYS.
    """
    from bot.bootstrap import bootstrap
    from bot.retention import RetentionService

    service = bootstrap().retention
    if days is not None:
        service = RetentionService(service.sessions, service.erase_trackers, days)
    result = service.run()
    click.echo(
        f"deleted {result.bodies_deleted} message bodies; expired "
        f"{result.conversations_expired} conversation(s) "
        f"({result.tracker_events_deleted} assistant events)"
    )


@main.command()
@click.option("--url", default=None, help="Gateway URL (default: this machine's gateway).")
def chat(url: str) -> None:
    """Chat with the assistant in the terminal, through the gateway like a text message."""
    from bot.terminal_chat import run_chat, staff_token

    settings = get_settings()
    run_chat(
        url or f"http://127.0.0.1:{settings.gateway_port}",
        width=shutil.get_terminal_size().columns,
        token=staff_token(settings.secret_key),
    )


@main.group()
def content() -> None:
    """The assistant's answers and phone lines, for program staff to review."""


@content.command("report")
@click.option(
    "--interval-days", type=int, default=None,
    help="Flag what was last reviewed longer ago than this (default 365).",
)  # fmt: skip
@click.option("--due-only", is_flag=True, help="List only what is due for review.")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), default=None, hidden=True)
@click.option("--strict", is_flag=True, help="Exit 1 when anything is due (for a launch check).")
def content_report_command(interval_days: int | None, due_only: bool, today, strict: bool) -> None:
    """Every answer and phone line with its source and review date; DUE marks what is past
    its review interval."""
    from datetime import date

    from bot.content import REVIEW_INTERVAL_DAYS, content_report

    lines_out, due = content_report(
        today.date() if today else date.today(), interval_days or REVIEW_INTERVAL_DAYS, due_only
    )
    click.echo("\n".join(lines_out))
    if strict and due:
        sys.exit(1)


main.add_command(directory_commands)
main.add_command(create_admin)
main.add_command(add_navigator)
main.add_command(deactivate_navigator)
main.add_command(reset_second_factor)
