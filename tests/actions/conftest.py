"""The action server's actions run over the test services, installed as the process's own."""

from __future__ import annotations

import pytest

from bot.bootstrap import install


@pytest.fixture(autouse=True)
def installed(services):
    """What `bot.bootstrap.services()` returns inside the actions during a test."""
    install(services)
    yield services
    install(None)
