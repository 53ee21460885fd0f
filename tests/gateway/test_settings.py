"""Settings: one reader of the environment, fail-fast secrets, and the Rasa profile it derives."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.settings import ROOT, SECRET_NAMES, Settings, SettingsError, read_env_file
from tests.support import TEST_SECRETS


def test_missing_secret_fails_fast_naming_it():
    env = dict(TEST_SECRETS)
    del env["HELPLINE_HMAC_KEY"]
    with pytest.raises(SettingsError, match="HELPLINE_HMAC_KEY"):
        Settings.from_env(env)


def test_embedded_defaults_are_sqlite_and_in_memory_lock():
    settings = Settings.from_env(TEST_SECRETS)
    assert settings.database_url == f"sqlite:///{ROOT / 'var' / 'helpline.db'}"
    rasa = settings.rasa_environment()
    assert rasa["TRACKER_DIALECT"] == "sqlite"
    assert rasa["TRACKER_DATABASE_URL"] == f"sqlite:///{ROOT / 'var' / 'tracker.db'}"
    assert rasa["LOCK_STORE_TYPE"] == "in_memory"
    assert rasa["RASA_TELEMETRY_ENABLED"] == "false"
    assert settings.action_server_health_url == "http://127.0.0.1:5055/health"


def test_production_profile_is_selected_by_environment_only():
    settings = Settings.from_env(
        {
            **TEST_SECRETS,
            "DATABASE_URL": "postgresql://helpline@db.internal:5432/helpline",
            "TRACKER_DATABASE_URL": "postgresql+psycopg2://rasa:p%40ss@db.internal/tracker",
            "REDIS_URL": "redis://:secret@cache.internal:6380/2",
        }
    )
    rasa = settings.rasa_environment()
    assert rasa["TRACKER_DIALECT"] == "postgresql"
    assert rasa["TRACKER_DATABASE_URL"] == "postgresql+psycopg2://rasa:p%40ss@db.internal/tracker"
    assert (rasa["LOCK_STORE_TYPE"], rasa["LOCK_STORE_HOST"], rasa["LOCK_STORE_PORT"]) == (
        "redis",
        "cache.internal",
        "6380",
    )
    assert (rasa["LOCK_STORE_DB"], rasa["LOCK_STORE_PASSWORD"]) == ("2", "secret")


def test_rasa_replicas_are_one_on_the_embedded_defaults_and_one_per_core_in_production(
    monkeypatch,
):
    import os

    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert Settings.from_env(TEST_SECRETS).rasa_urls == ("http://127.0.0.1:5005",)
    production = {**TEST_SECRETS, "TRACKER_DATABASE_URL": "postgresql://db/t",
                  "REDIS_URL": "redis://127.0.0.1:6379/0", "RASA_PORT": "6000"}  # fmt: skip
    assert Settings.from_env(production).rasa_urls == (
        "http://127.0.0.1:6000",
        "http://127.0.0.1:6001",
    )
    monkeypatch.setattr(os, "cpu_count", lambda: 32)
    assert len(Settings.from_env(production).rasa_urls) == 4
    assert len(Settings.from_env({**production, "RASA_REPLICAS": "3"}).rasa_urls) == 3
    given = {**TEST_SECRETS, "RASA_URL": "http://a:5005, http://b:5005/"}
    assert Settings.from_env(given).rasa_urls == ("http://a:5005", "http://b:5005")
    assert Settings.from_env(given).rasa_url == "http://a:5005"
    with pytest.raises(SettingsError, match="RASA_REPLICAS"):
        Settings.from_env({**TEST_SECRETS, "RASA_REPLICAS": "0"})


def test_env_example_names_every_variable_the_settings_read():
    source = (ROOT / "bot" / "settings.py").read_text()
    example = (ROOT / ".env.example").read_text()

    read = set(re.findall(r'env(?:\.get)?\(\s*"([A-Z_]+)"', source)) | set(SECRET_NAMES)
    read |= set(re.findall(r'env\["([A-Z_]+)"\]', source))
    missing = [name for name in sorted(read) if name not in example]
    assert not missing, f".env.example does not mention {missing}"


def test_init_env_generates_secrets_and_keeps_existing_values(tmp_path):
    path = tmp_path / ".env"
    runner = CliRunner()
    assert runner.invoke(main, ["init-env", "--path", str(path)]).exit_code == 0
    first = read_env_file(path)
    assert all(len(first[name]) >= 32 for name in SECRET_NAMES)
    Settings.from_env(first)  # the generated file is a complete configuration
    assert oct(path.stat().st_mode & 0o777) == "0o600"

    path.write_text(path.read_text() + "DATABASE_URL=postgresql://x@y/z\n")
    assert runner.invoke(main, ["init-env", "--path", str(path)]).exit_code == 0
    second = read_env_file(path)
    assert {k: second[k] for k in SECRET_NAMES} == {k: first[k] for k in SECRET_NAMES}
    assert second["DATABASE_URL"] == "postgresql://x@y/z"


def test_env_file_is_never_readable_by_others_even_before_chmod(tmp_path, monkeypatch):
    monkeypatch.setattr(Path, "chmod", lambda self, mode: None)  # no fixing up afterwards
    path = tmp_path / ".env"
    umask = os.umask(0o022)
    try:
        assert CliRunner().invoke(main, ["init-env", "--path", str(path)]).exit_code == 0
    finally:
        os.umask(umask)
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_sqlite_databases_are_private_to_the_helplines_user(tmp_path):
    from bot.db import make_engine

    folder = tmp_path / "var"
    engine = make_engine(f"sqlite:///{folder / 'helpline.db'}")
    with engine.connect() as connection:
        connection.exec_driver_sql("CREATE TABLE t (x)")
    assert oct(folder.stat().st_mode & 0o777) == "0o700"
    assert oct((folder / "helpline.db").stat().st_mode & 0o777) == "0o600"


@pytest.mark.parametrize("process", ["rasa", "actions", "gateway"])
def test_no_secret_on_a_command_line_and_rasa_never_inherits_debug(process, monkeypatch):
    import bot.cli

    started = {}
    settings = Settings.from_env(dict(TEST_SECRETS))
    monkeypatch.setattr(bot.cli, "get_settings", lambda: settings)
    monkeypatch.setattr(os, "chdir", lambda path: None)
    monkeypatch.setattr(os, "execve", lambda path, argv, env: started.update(argv=argv, env=env))
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")  # the helpline's own processes
    monkeypatch.delenv("RASA_LOG_LEVEL", raising=False)
    assert CliRunner().invoke(main, ["serve", process]).exit_code == 0
    command_line = " ".join(started["argv"])
    for name in SECRET_NAMES:
        assert TEST_SECRETS[name] not in command_line, name
    assert started["env"]["LOG_LEVEL"] == "INFO"
    if process == "rasa":
        assert started["env"]["RASA_TOKEN"] == TEST_SECRETS["RASA_TOKEN"]
        assert "rasa_addons.run" in command_line and "--enable-api" in command_line


def test_the_rasa_launcher_moves_the_token_into_rasas_arguments(monkeypatch):
    import sys

    import rasa.__main__

    from rasa_addons import run

    seen = {}
    monkeypatch.setattr(rasa.__main__, "main", lambda: seen.update(argv=list(sys.argv)))
    monkeypatch.setattr(sys, "argv", ["run.py", "--enable-api"])
    monkeypatch.setenv("RASA_TOKEN", "tok-123")
    run.main()
    assert seen["argv"] == ["rasa", "run", "--enable-api", "--auth-token", "tok-123"]
    assert "RASA_TOKEN" not in os.environ
