"""Database engine and sessions for the gateway's own database (SQLAlchemy 1.4, 2.0 style)."""

from __future__ import annotations

import os
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import declarative_base, sessionmaker
from sqlalchemy.pool import QueuePool

from bot.settings import ROOT, get_settings

Base = declarative_base()


def utcnow() -> datetime:
    """Timezone-aware now, in UTC."""
    return datetime.now(timezone.utc)


def as_utc(moment: datetime) -> datetime:
    """A stored time as an aware UTC datetime: SQLite hands them back naive, PostgreSQL
    aware, and every time stored here is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets WAL and a busy timeout so several processes can share it."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            private_file(Path(path))
        # SQLAlchemy 1.4 opens a new SQLite connection per session by default (NullPool);
        # a pool keeps them, with their PRAGMAs, across the many short sessions per message.
        engine = create_engine(
            url,
            future=True,
            poolclass=QueuePool,
            pool_size=5,
            max_overflow=10,
            connect_args={"timeout": 30, "check_same_thread": False},
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, future=True, pool_pre_ping=True, pool_size=5, max_overflow=10)


def private_file(path: Path) -> None:
    """Create a database file readable by this user only (0600), in a folder created 0700.

    The databases hold what people wrote, navigators' notes and the audit log. SQLite's
    -wal and -shm files are made with the database file's permissions.
    """
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700)
    elif path.parent.resolve() == (ROOT / "var").resolve():
        path.parent.chmod(0o700)  # the project's own var/, made earlier by the spaCy build
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    path.chmod(0o600)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # In WAL mode NORMAL survives a crash of any process; only a power cut can lose the
    # last commits. PostgreSQL is the profile for a deployment that must not.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


@lru_cache(maxsize=4)
def get_engine(url: str | None = None) -> Engine:
    """The shared engine for `url` (default: the configured DATABASE_URL)."""
    return make_engine(url or get_settings().database_url)


def session_factory(engine: Engine | None = None) -> sessionmaker:
    """A session factory bound to `engine` (default: the configured one)."""
    return sessionmaker(bind=engine or get_engine(), future=True, expire_on_commit=False)


def upgrade(url: str | None = None) -> None:
    """Create or migrate the database to the newest Alembic revision."""
    from alembic import command
    from alembic.config import Config

    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    # ConfigParser treats % as interpolation; escape it for URLs with encoded passwords.
    config.set_main_option(
        "sqlalchemy.url", (url or get_settings().database_url).replace("%", "%%")
    )
    command.upgrade(config, "head")
