"""What a navigator has at hand while answering: places from the directory (the assistant's
own search, a plain GET form, insertable listings) and the person's previous contacts on
the conversation page (consent, roles, the words shown)."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import func, select

from bot.directory.lookups import DirectoryLookups
from bot.directory.models import LookupRecord
from bot.directory.replies import place_line
from bot.directory.search import Filters, find_nearby
from bot.handoff.models import AuditEntry
from bot.handoff.saved_replies import sms_length
from tests.directory.places import PLACES, load, write_local
from tests.support import ConsoleBrowser, request_for, web_chat


@pytest.fixture
def listings(services, tmp_path):
    """The directory tests' listings around Norwich, CT."""
    load(services.sessions, write_local(tmp_path / "local.csv", PLACES))


def claimed(app, conversations, handoffs, navigator, summary=None, reason="treatment"):
    handoff = request_for(conversations, handoffs, web_chat(app), reason, summary)
    navigator.post(f"/console/handoffs/{handoff.id}/claim")
    return handoff


def insert_texts(page: str):
    """The listings' insert buttons: (accessible name, text inserted)."""
    found = re.findall(
        r'<button type="button" class="places__insert" data-text="([^"]*)" hidden>([^<]*)</button>',
        page,
    )
    return [(unescape(name), unescape(text)) for text, name in found]


# -- places from the directory ---------------------------------------------------------------


def test_the_search_starts_from_what_the_person_shared(app, conversations, handoffs, ana):
    shared = {"town": "Norwich", "medication": "bupe", "insurance": "Medicaid"}
    handoff = claimed(app, conversations, handoffs, ana, shared)
    page = ana.get(f"/console/handoffs/{handoff.id}").get_data(as_text=True)
    assert 'id="places-near" name="near" type="text" value="Norwich"' in page
    assert '<option value="buprenorphine" selected>' in page
    assert 'name="wish" value="medicaid" checked' in page
    assert 'method="get"' in page and "#places" in page  # works without JavaScript
    assert 'class="places__results"' not in page  # nothing looked up until asked

    declined = claimed(app, conversations, handoffs, ana, reason="naloxone")
    page = ana.get(f"/console/handoffs/{declined.id}").get_data(as_text=True)
    assert 'name="near" type="text" value=""' in page
    assert '<option value="naloxone" selected>' in page


def test_a_search_lists_what_the_assistants_search_finds_each_ready_to_insert(
    app, services, conversations, handoffs, ana, listings
):
    handoff = claimed(app, conversations, handoffs, ana, {"town": "Norwich"})
    response = ana.page(
        f"/console/handoffs/{handoff.id}", near="06360", need="treatment", medication="", wish=""
    )
    page = response.get_data(as_text=True)
    with services.sessions() as session:
        expected = find_nearby(session, "06360", need="treatment", k=5).matches
    assert [name for name, _ in insert_texts(page)] == [
        f"Insert {m.name} into the reply" for m in expected
    ]
    assert [text for _, text in insert_texts(page)] == [place_line(m) for m in expected]
    first = expected[0]
    assert first.name == "Clinic A"
    line = place_line(first)
    assert line == f"Clinic A, 860-555-0101, 1 Main St, Norwich CT ({first.distance_miles:g} mi)"
    assert sms_length(line).encoding == "GSM-7"
    assert "Nearest medication treatment (MOUD) to Norwich" in page

    # The directory's filters: buprenorphine taking Medicaid, in Spanish, is Clinic A alone.
    narrowed = ana.page(
        f"/console/handoffs/{handoff.id}",
        near="Norwich",
        need="treatment",
        medication="buprenorphine",
        wish=["medicaid", "spanish"],
    ).get_data(as_text=True)
    assert [name for name, _ in insert_texts(narrowed)] == ["Insert Clinic A into the reply"]
    assert "buprenorphine (like Suboxone), taking Medicaid, in Spanish" in narrowed

    # Naloxone: the kits, whatever treatment filters were left ticked.
    kits = ana.page(
        f"/console/handoffs/{handoff.id}", near="06360", need="naloxone", wish="medicaid"
    ).get_data(as_text=True)
    assert [name for name, _ in insert_texts(kits)] == ["Insert Kits C into the reply"]


def test_a_navigators_search_is_not_a_persons_lookup_and_the_page_view_is_audited(
    app, services, conversations, handoffs, ana, listings
):
    handoff = claimed(app, conversations, handoffs, ana, {"town": "Norwich"})
    ana.page(f"/console/handoffs/{handoff.id}", near="06360", need="treatment")
    with services.sessions() as session:
        assert session.execute(select(func.count()).select_from(LookupRecord)).scalar_one() == 0
        actions = session.execute(
            select(AuditEntry.action).where(AuditEntry.handoff_id == handoff.id)
        ).scalars()
        assert list(actions) == ["request", "claim", "view"]


def test_a_search_says_plainly_when_it_finds_nothing(
    app, services, conversations, handoffs, ana, tmp_path
):
    handoff = claimed(app, conversations, handoffs, ana, {"town": "Norwich"})
    path = f"/console/handoffs/{handoff.id}"
    page = ana.page(path, near="06360", need="treatment").get_data(as_text=True)
    assert "The directory has no listings loaded" in page
    load(services.sessions, write_local(tmp_path / "local.csv", PLACES))
    page = ana.page(path, near="Atlantis", need="treatment").get_data(as_text=True)
    assert "Could not find that place" in page
    page = ana.page(path, near="  ", need="treatment").get_data(as_text=True)
    assert "Give a town or a ZIP code" in page
    # Naltrexone only further away: the search widens once, and says so.
    page = ana.page(path, near="06360", need="treatment", medication="naltrexone")
    text = page.get_data(as_text=True)
    assert "nothing within 25 miles, so further" in text
    assert [name for name, _ in insert_texts(text)] == ["Insert Clinic E into the reply"]
    page = ana.page(path, near="06360", need="treatment", wish=["veterans", "spanish", "walk_in"])
    assert "No medication treatment (MOUD), in Spanish, with walk-in hours within 60 miles" in (
        page.get_data(as_text=True)
    )
    # Made-up values fall back to the defaults rather than failing.
    odd = ana.page(path, near="06360", need="<script>", medication="heroin", wish="evil")
    assert odd.status_code == 200 and "<script>" not in odd.get_data(as_text=True)
    assert "Insert Clinic A into the reply" in odd.get_data(as_text=True)


def test_only_the_holder_gets_the_search(app, services, conversations, handoffs, ana, staff):
    waiting = request_for(conversations, handoffs, web_chat(app), summary={"town": "Norwich"})
    assert "Places from the directory" not in ana.get(f"/console/handoffs/{waiting.id}").get_data(
        as_text=True
    )
    ana.post(f"/console/handoffs/{waiting.id}/claim")
    sue = ConsoleBrowser(app)
    sue.sign_in("sue@example.org")
    page = sue.page(f"/console/handoffs/{waiting.id}", near="06360").get_data(as_text=True)
    assert "Places from the directory" not in page  # she may read it; Ana writes the replies


def test_for_navigator_is_the_same_search_without_counting(services, listings):
    lookups = DirectoryLookups(services.sessions)
    page = lookups.for_navigator("06360", "treatment", "buprenorphine", Filters(medicaid=True), 5)
    assert page.result is not None
    assert [m.name for m in page.result.matches] == ["Clinic A"]
    with services.sessions() as session:
        assert session.execute(select(func.count()).select_from(LookupRecord)).scalar_one() == 0


# -- previous contacts on the page -----------------------------------------------------------


def earlier(app, conversations, handoffs, console, navigator, session_id):
    handoff = request_for(conversations, handoffs, session_id, "naloxone", {})
    console.claim(handoff.id, navigator)
    console.note(handoff.id, navigator, "Gave the Norwich kit hours")
    console.close(handoff.id, navigator, "naloxone", ["naloxone", "transport"])
    return handoff


def test_the_page_shows_previous_contacts_to_the_holder_and_only_says_so_to_others(
    app, conversations, handoffs, console, staff, ana
):
    session_id = web_chat(app)
    first = earlier(app, conversations, handoffs, console, staff["ben"], session_id)
    current = request_for(conversations, handoffs, session_id, summary={"town": "Norwich"})
    page = ana.get(f"/console/handoffs/{current.id}").get_data(as_text=True)
    assert "Earlier contacts exist but are not shown to you" in page
    assert "Gave the Norwich kit hours" not in page

    ana.post(f"/console/handoffs/{current.id}/claim")
    page = ana.get(f"/console/handoffs/{current.id}").get_data(as_text=True)
    section = page[page.index('id="previous-title"') : page.index('class="handoff__talk"')]
    assert f"Request {first.id}, <time" in section and "today" in section and "UTC" not in section
    assert "Naloxone provided" in section and "Naloxone, Transport" in section
    assert "Gave the Norwich kit hours" in section and "Ben" in section


def test_the_page_shows_no_previous_contacts_without_consent(
    app, conversations, handoffs, console, staff, ana
):
    session_id = web_chat(app)
    earlier(app, conversations, handoffs, console, staff["ben"], session_id)
    declined = request_for(conversations, handoffs, session_id)  # no to sharing
    ana.post(f"/console/handoffs/{declined.id}/claim")
    sue = ConsoleBrowser(app)
    sue.sign_in("sue@example.org")
    for browser in (ana, sue):
        page = browser.get(f"/console/handoffs/{declined.id}").get_data(as_text=True)
        assert "The person chose not to share, so earlier contacts are not shown." in page
        assert "Gave the Norwich kit hours" not in page and "Earlier contacts exist" not in page

    fresh = claimed(app, conversations, handoffs, ana, {"town": "Norwich"})
    page = ana.get(f"/console/handoffs/{fresh.id}").get_data(as_text=True)
    assert "No earlier requests from this person that are still kept." in page
