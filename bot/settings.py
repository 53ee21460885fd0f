"""The one place that reads the environment.

Every process (gateway, action server, Rasa launcher, CLI) builds a `Settings` from the
environment (and the project's `.env`, which `make setup` writes with fresh secrets).
Embedded defaults need no external service: SQLite files under `var/`. The production
profile is selected only by environment variables (see `.env.example`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Mapping, Tuple
from urllib.parse import unquote, urlsplit

from bot.checkins.schedule import CheckInSettings
from bot.directory.nightly import SyncSettings
from bot.handoff.hours import ConsoleSettings

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"

# Secrets that must be set outside tests; `make setup` generates them into `.env`.
SECRET_NAMES = ("RASA_TOKEN", "HELPLINE_SECRET_KEY", "HELPLINE_HMAC_KEY", "HELPLINE_ENCRYPTION_KEY")


class SettingsError(RuntimeError):
    """A required setting is missing or malformed."""


def _default_sqlite(name: str) -> str:
    return f"sqlite:///{VAR / name}"


@dataclass(frozen=True)
class Settings:
    """Configuration for every process of the helpline."""

    database_url: str
    tracker_database_url: str
    redis_url: str | None
    rasa_url: str
    # Every Rasa replica the gateway spreads conversations over (the first is `rasa_url`).
    rasa_urls: Tuple[str, ...]
    rasa_token: str
    action_server_url: str
    gateway_host: str
    gateway_port: int
    rasa_port: int
    action_port: int
    public_url: str
    secret_key: str
    hmac_key: str
    encryption_key: str
    rasa_timeout: float
    crisis_wait: float
    model_path: str
    gateway_workers: int
    gateway_threads: int
    operator_name: str
    twilio_account_sid: str | None
    twilio_auth_token: str | None
    twilio_from_number: str | None
    twilio_messaging_service_sid: str | None
    chat_messages_per_minute: int
    chat_requests_per_minute_per_ip: int
    proxy_hops: int
    embed_allowed_origins: str
    quick_exit_url: str
    # GET /metrics answers only with this bearer token (unset: no metrics endpoint).
    metrics_token: str | None
    console: ConsoleSettings
    checkins: CheckInSettings
    retention_days: int
    directory_sync: SyncSettings

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Build settings from `env` (default: the process environment plus `.env`)."""
        if env is None:
            env = _environment()
        missing = [name for name in SECRET_NAMES if not env.get(name)]
        if missing:
            raise SettingsError(
                "Missing required secret(s): "
                + ", ".join(missing)
                + ". Run `make setup` (it writes them to .env) or set them in the environment."
            )
        try:
            console = ConsoleSettings.from_env(env)
            checkins = CheckInSettings.from_env(env, console.timezone)
            directory_sync = SyncSettings.from_env(env, console.timezone)
        except ValueError as error:
            raise SettingsError(str(error)) from None
        gateway_port = int(env.get("GATEWAY_PORT", "8000"))
        rasa_port = int(env.get("RASA_PORT", "5005"))
        action_port = int(env.get("ACTION_PORT", "5055"))
        tracker_url = env.get("TRACKER_DATABASE_URL") or _default_sqlite("tracker.db")
        rasa_urls = _rasa_urls(env, rasa_port, tracker_url)
        return cls(
            database_url=env.get("DATABASE_URL") or _default_sqlite("helpline.db"),
            tracker_database_url=tracker_url,
            redis_url=env.get("REDIS_URL") or None,
            rasa_url=rasa_urls[0],
            rasa_urls=rasa_urls,
            rasa_token=env["RASA_TOKEN"],
            action_server_url=env.get("ACTION_SERVER_URL")
            or f"http://127.0.0.1:{action_port}/webhook",
            gateway_host=env.get("GATEWAY_HOST", "127.0.0.1"),
            gateway_port=gateway_port,
            rasa_port=rasa_port,
            action_port=action_port,
            public_url=(env.get("PUBLIC_URL") or f"http://127.0.0.1:{gateway_port}").rstrip("/"),
            secret_key=env["HELPLINE_SECRET_KEY"],
            hmac_key=env["HELPLINE_HMAC_KEY"],
            encryption_key=env["HELPLINE_ENCRYPTION_KEY"],
            rasa_timeout=float(env.get("RASA_TIMEOUT", "8")),
            crisis_wait=float(env.get("CRISIS_WAIT", "0.1")),
            model_path=env.get("RASA_MODEL") or str(ROOT / "models"),
            gateway_workers=int(env.get("GATEWAY_WORKERS", "2")),
            # Threads per worker; they mostly wait on the assistant.
            gateway_threads=int(env.get("GATEWAY_THREADS", "8")),
            operator_name=env.get("HELPLINE_OPERATOR") or "County Overdose Response Helpline",
            twilio_account_sid=env.get("TWILIO_ACCOUNT_SID") or None,
            twilio_auth_token=env.get("TWILIO_AUTH_TOKEN") or None,
            twilio_from_number=env.get("TWILIO_FROM_NUMBER") or None,
            twilio_messaging_service_sid=env.get("TWILIO_MESSAGING_SERVICE_SID") or None,
            chat_messages_per_minute=int(env.get("CHAT_MESSAGES_PER_MINUTE", "20")),
            chat_requests_per_minute_per_ip=int(env.get("CHAT_REQUESTS_PER_MINUTE_PER_IP", "120")),
            proxy_hops=int(env.get("PROXY_HOPS", "0")),
            embed_allowed_origins=env.get("EMBED_ALLOWED_ORIGINS", "'self'"),
            quick_exit_url=_web_address(
                "QUICK_EXIT_URL", env.get("QUICK_EXIT_URL") or "https://www.weather.gov/"
            ),
            metrics_token=env.get("METRICS_TOKEN") or None,
            console=console,
            checkins=checkins,
            retention_days=_at_least_one("RETENTION_DAYS", env.get("RETENTION_DAYS") or "30"),
            directory_sync=directory_sync,
        )

    @property
    def action_server_health_url(self) -> str:
        """The action server's health endpoint (same host as its webhook)."""
        parts = urlsplit(self.action_server_url)
        return f"{parts.scheme}://{parts.netloc}/health"

    def rasa_environment(self) -> dict:
        """Variables that `endpoints.yml` substitutes, derived from the URLs above.

        Rasa's SQL tracker store takes a whole database URL in `host`; its lock store is
        Redis only when REDIS_URL is set, otherwise in memory (one Rasa process).
        """
        redis = urlsplit(self.redis_url) if self.redis_url else None
        return {
            "TRACKER_DIALECT": urlsplit(self.tracker_database_url).scheme.split("+")[0],
            "TRACKER_DATABASE_URL": self.tracker_database_url,
            "LOCK_STORE_TYPE": "redis" if redis else "in_memory",
            "LOCK_STORE_HOST": (redis.hostname or "127.0.0.1") if redis else "",
            "LOCK_STORE_PORT": str(redis.port or 6379) if redis else "",
            "LOCK_STORE_DB": (redis.path.lstrip("/") or "0") if redis else "",
            "LOCK_STORE_PASSWORD": unquote(redis.password or "") if redis else "",
            "ACTION_SERVER_URL": self.action_server_url,
            "RASA_TELEMETRY_ENABLED": "false",
        }


def default_rasa_replicas(tracker_database_url: str, redis_url: str | None) -> int:
    """One Rasa process per core (at most 4) when replicas can share conversations safely
    (a server tracker store and Redis's lock store); one with the embedded defaults, whose
    in-memory lock store and SQLite tracker store belong to one process."""
    if redis_url and not tracker_database_url.startswith("sqlite"):
        return max(1, min(os.cpu_count() or 1, 4))
    return 1


def _rasa_urls(env: Mapping[str, str], rasa_port: int, tracker_url: str) -> Tuple[str, ...]:
    """RASA_URL (a comma-separated list of replicas), else RASA_REPLICAS local processes on
    ports RASA_PORT, RASA_PORT + 1, ... (`helpline serve rasa --replica N`)."""
    given = [url.strip().rstrip("/") for url in (env.get("RASA_URL") or "").split(",")]
    if any(given):
        return tuple(url for url in given if url)
    replicas = env.get("RASA_REPLICAS") or str(
        default_rasa_replicas(tracker_url, env.get("REDIS_URL") or None)
    )
    count = _at_least_one("RASA_REPLICAS", replicas)
    return tuple(f"http://127.0.0.1:{rasa_port + n}" for n in range(count))


def _at_least_one(name: str, value: str) -> int:
    """A whole number of at least 1, or a SettingsError naming the setting."""
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise SettingsError(f"{name}={value!r}: expected a whole number of at least 1")
    return number


def _web_address(name: str, value: str) -> str:
    """An http(s) address with a host, or a SettingsError naming the setting."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SettingsError(f"{name}={value!r}: expected an http:// or https:// address")
    return value.strip()


def _environment() -> dict:
    """The process environment over the project's `.env` (the environment wins)."""
    values = dict(read_env_file(ROOT / ".env"))
    values.update(os.environ)
    return values


def read_env_file(path: Path) -> dict:
    """Parse a simple KEY=VALUE file; a missing file is empty."""
    if not path.exists():
        return {}
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        values[key.strip()] = value.strip().strip('"').strip("'")
    return values


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process, read once."""
    return Settings.from_env()
