"""The console's fixtures: the gateway with a 24/7 console, its staff, a signed-in navigator,
the dashboard's data set, and the same served over https to a real Chromium."""

from __future__ import annotations

from typing import Dict

import pytest

from bot.accounts.models import ADMIN, NAVIGATOR, SUPERVISOR
from bot.conversations.models import Conversation
from tests.console.dashboard_data import seed
from tests.harness import chromium_page, served_over_https
from tests.support import PASSWORD, ConsoleBrowser, make_settings
from webhook import create_app


@pytest.fixture
def settings(database_url):
    """Navigators on duty around the clock, so requests are answered "shortly"."""
    return make_settings(database_url, NAVIGATOR_HOURS="24/7")


@pytest.fixture
def app(services):
    """The gateway over the test services."""
    return create_app(services, {"TESTING": True})


@pytest.fixture
def accounts(services):
    """Console accounts (cheap password hashing)."""
    return services.accounts


@pytest.fixture
def handoffs(services):
    """The person's side of the handoff."""
    return services.handoffs


@pytest.fixture
def console(services):
    """The console's side of the handoff."""
    return services.console


@pytest.fixture
def staff(accounts) -> dict:
    """Two navigators, a supervisor and an admin, all with PASSWORD."""
    return {
        name: accounts.create(f"{name}@example.org", name.title(), PASSWORD, role)
        for name, role in (
            ("ana", NAVIGATOR),
            ("ben", NAVIGATOR),
            ("sue", SUPERVISOR),
            ("ada", ADMIN),
        )
    }


@pytest.fixture
def ana(app, staff) -> ConsoleBrowser:
    """Ana, a navigator, signed in."""
    browser = ConsoleBrowser(app)
    assert browser.sign_in("ana@example.org").status_code == 302
    return browser


@pytest.fixture
def seeded(services) -> Dict[str, Conversation]:
    """The dashboard's hand-counted data set; the conversations by name."""
    return seed(services.sessions)


@pytest.fixture
def served(app):
    """The gateway served over https in this process (the console's cookie is Secure)."""
    with served_over_https(app) as url:
        yield url


@pytest.fixture
def page():
    """A page in headless Chromium."""
    with chromium_page() as page:
        yield page
