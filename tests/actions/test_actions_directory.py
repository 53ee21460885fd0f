"""The lookup actions: the form's questions and checks, results, MORE and WRONG n."""

from __future__ import annotations

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions import directory as actions
from bot.content import sms_problems, stigmatizing_terms
from bot.conversations.models import Conversation
from bot.directory.asking import ANY, NO_PLACE
from bot.directory.models import ListingReport, LookupRecord
from tests.directory.places import PLACES, load, write_local
from tests.support import make_tracker, texts_of

pytestmark = pytest.mark.anyio


@pytest.fixture
def directory(services):
    return services.sessions


@pytest.fixture
def stocked(directory, tmp_path):
    load(directory, write_local(tmp_path / "local.csv", PLACES))
    return directory


async def run(action, tracker):
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, {})
    return dispatcher, events


def validate(slot, value, slots=None):
    form = actions.ValidateFindHelpForm()
    dispatcher = CollectingDispatcher()
    result = getattr(form, f"validate_{slot}")(value, dispatcher, make_tracker(slots), {})
    return result, texts_of(dispatcher)


# -- the form's checks ------------------------------------------------------------------


@pytest.mark.parametrize("said, label", [("06360", "Norwich, CT 06360"),
                                         ("norwhich", "Norwich, CT"),
                                         ("im in storrs ct", "Storrs, CT")])  # fmt: skip
def test_place_is_resolved_from_how_people_write_it(said, label):
    result, said_back = validate("search_place", said)
    assert result["search_place"].startswith(label) and said_back == []


@pytest.mark.parametrize("said", ["asdf", "99999", "Albany NY"])
def test_unknown_place_is_asked_again_then_the_lookup_ends(said):
    first, texts = validate("search_place", said)
    assert first == {"search_place": None, "search_place_tries": 1}
    assert "ZIP code" in texts[0]
    second, _ = validate("search_place", said, {"search_place_tries": 1})
    assert second["search_place"] == NO_PLACE


def test_a_bare_place_after_where_to_get_naloxone_looks_for_naloxone():
    # "where can i get narcan" -> the answer ends "Send your town or ZIP..."; "06360" is
    # classified as a treatment lookup, but it answers that offer.
    asked = {"event": "bot", "text": "...", "metadata": {"offer": {"place": "naloxone"}}}
    reply = {"event": "user", "text": "06360", "parse_data": {"entities": []}}
    tracker = make_tracker(text="06360", events=[asked, reply])
    result = actions.ValidateFindHelpForm().validate_search_place(
        "06360", CollectingDispatcher(), tracker, {}
    )
    assert result["search_need"] == "naloxone"
    # Without that offer, a bare place keeps the need it was asked with.
    assert "search_need" not in validate("search_place", "06360")[0]


def test_every_answer_that_asks_for_a_place_says_what_it_will_look_for():
    import re

    from bot.content import responses

    for name, variation in responses():
        if re.search(r"send (?:me )?your town or zip", variation.get("text") or "", re.I):
            offer = (variation.get("metadata") or {}).get("offer") or {}
            assert offer.get("place") in ("naloxone", "treatment"), name


def test_medication_in_their_words_and_not_sure():
    assert validate("search_medication", "subs")[0] == {"search_medication": "buprenorphine"}
    result, texts = validate("search_medication", "idk whats the difference")
    assert result == {"search_medication": ANY} and "Methadone" in texts[0]
    result, texts = validate("search_medication", "pizza")
    assert result == {"search_medication": None} and "NOT SURE" in texts[0]


@pytest.mark.parametrize("said, value", [("HUSKY", "medicaid"), ("masshealth", "medicaid"),
                                         ("no insurance", "uninsured"), ("skip", "skip"),
                                         ("blue cross", "private")])  # fmt: skip
def test_insurance_answers(said, value):
    assert validate("search_insurance", said)[0] == {"search_insurance": value}


async def test_naloxone_needs_only_a_place_and_an_unfound_place_ends_the_questions():
    form = actions.ValidateFindHelpForm()
    slots = ["search_place", "search_medication", "search_insurance"]
    naloxone = make_tracker({"search_need": "naloxone"})
    assert await form.required_slots(slots, CollectingDispatcher(), naloxone, {}) == [
        "search_place"
    ]
    lost = make_tracker({"search_need": "treatment", "search_place": NO_PLACE})
    assert await form.required_slots(slots, CollectingDispatcher(), lost, {}) == []


async def test_questions_have_buttons_on_the_web_only():
    ask = actions.ActionAskSearchMedication()
    assert ask.name() == "action_ask_search_medication"
    sms, _ = await run(ask, make_tracker(channel="sms"))
    web, _ = await run(ask, make_tracker(channel="webchat"))
    assert sms.messages[0]["buttons"] == [] and len(web.messages[0]["buttons"]) == 4


# -- results ------------------------------------------------------------------------------


async def test_three_nearest_in_three_sms_with_what_a_person_needs(stocked):
    slots = {"search_need": "treatment", "search_place": "Norwich, CT 06360",
             "search_medication": ANY, "search_insurance": "skip"}  # fmt: skip
    dispatcher, events = await run(actions.ActionFindHelp(), make_tracker(slots, "06360"))
    texts = texts_of(dispatcher)
    assert len(texts) == 3
    assert texts[0].startswith("Near Norwich, CT 06360")
    assert [t.split(". ", 1)[1].split(".")[0] for t in texts] == [
        "Clinic A",
        "Clinic B",
        "Clinic D",
    ]
    assert "mi, Norwich CT" in texts[0] and "checked Oct 2025" in texts[0]
    # Nothing else within 25 miles, so no MORE; WRONG n is always offered.
    assert "That's all nearby" in texts[-1] and "WRONG" in texts[-1]
    for text in texts:
        assert sms_problems(text) == [] and stigmatizing_terms(text) == []
    shown = next(e for e in events if e["name"] == "shown_listings")["value"]
    assert len(shown) == 3
    assert SlotSet("search_offset", 0.0) in events


async def test_medication_and_medicaid_filters(stocked):
    slots = {"search_need": "treatment", "search_place": "06360",
             "search_medication": "methadone", "search_insurance": "medicaid"}  # fmt: skip
    dispatcher, _ = await run(actions.ActionFindHelp(), make_tracker(slots))
    texts = texts_of(dispatcher)
    assert len(texts) == 1 and "Clinic D" in texts[0] and "Takes Medicaid" in texts[0]
    assert "methadone" in texts[0].lower()


async def test_spanish_wish_in_the_message_filters(stocked):
    slots = {"search_need": "treatment", "search_place": "06360", "search_medication": ANY,
             "search_insurance": "skip"}  # fmt: skip
    dispatcher, _ = await run(actions.ActionFindHelp(), make_tracker(slots, "bupe in spanish"))
    assert [t for t in texts_of(dispatcher) if "Clinic" in t][0].count("Clinic A") == 1
    assert all("Clinic B" not in t for t in texts_of(dispatcher))


async def test_naloxone_lookup_reminds_pharmacies_sell_it(stocked):
    slots = {"search_need": "naloxone", "search_place": "06360"}
    dispatcher, _ = await run(actions.ActionFindHelp(), make_tracker(slots, intent="find_naloxone"))
    text = " ".join(texts_of(dispatcher))
    assert "Kits C" in text and "free kits" in text
    assert "without a prescription" in text


async def test_web_chat_gets_one_richer_message_with_buttons(directory, tmp_path):
    nearby = [dict(source_id=f"x{i}", organization=f"Clinic X{i}", latitude=f"41.5{i}",
                   longitude="-72.08", services="buprenorphine") for i in range(5)]  # fmt: skip
    load(directory, write_local(tmp_path / "many.csv", nearby))
    slots = {"search_need": "treatment", "search_place": "06360", "search_medication": ANY,
             "search_insurance": "skip"}  # fmt: skip
    dispatcher, _ = await run(actions.ActionFindHelp(), make_tracker(slots, channel="webchat"))
    assert len(dispatcher.messages) == 1
    assert dispatcher.messages[0]["text"].count("Clinic X") == 3
    titles = [b["title"] for b in dispatcher.messages[0]["buttons"]]
    assert titles == ["More places", "Talk to a person"]


async def test_more_gives_the_next_page_and_numbers_continue(stocked):
    # MORE after a page that had more: the next places, numbered on from the first page.
    slots = {
        "search_need": "treatment",
        "search_place": "06360",
        "search_medication": ANY,
        "search_insurance": "skip",
        "search_offset": 3.0,
        "shown_listings": [1, 2, 3],
    }
    dispatcher, events = await run(actions.ActionMoreResults(), make_tracker(slots, "more"))
    texts = texts_of(dispatcher)
    assert texts[0].startswith("4. Clinic E")
    assert next(e for e in events if e["name"] == "shown_listings")["value"][:3] == [1, 2, 3]
    assert SlotSet("search_offset", 0.0) in events  # nothing further


async def test_nothing_nearby_says_so_and_gives_the_lines(stocked):
    slots = {"search_need": "treatment", "search_place": "01247",  # North Adams, MA
             "search_medication": "methadone", "search_insurance": "skip"}  # fmt: skip
    dispatcher, _ = await run(actions.ActionFindHelp(), make_tracker(slots))
    (text,) = texts_of(dispatcher)
    assert "couldn't find methadone within 60 miles" in text
    assert "800-327-5050" in text and "talk with a person" in text


async def test_empty_directory_says_so_plainly_and_invents_nothing(directory):
    slots = {"search_need": "treatment", "search_place": "06360", "search_medication": ANY,
             "search_insurance": "skip"}  # fmt: skip
    dispatcher, _ = await run(actions.ActionFindHelp(), make_tracker(slots))
    (text,) = texts_of(dispatcher)
    assert "directory of providers is empty" in text and "1-800-563-4086" in text


async def test_wrong_n_is_stored_for_staff_with_the_listing_id(stocked):
    with stocked() as session:
        from bot.directory.models import Location

        ids = list(session.execute(select(Location.id).order_by(Location.id)).scalars())[:3]
    tracker = make_tracker({"shown_listings": ids}, "WRONG 2", intent="report_wrong_listing",
                           entities=[{"entity": "listing_number", "value": "2"}])  # fmt: skip
    dispatcher, _ = await run(actions.ActionReportListing(), tracker)
    assert "flagged" in texts_of(dispatcher)[0]
    with stocked() as session:
        report = session.execute(select(ListingReport)).scalar_one()
    assert report.location_id == ids[1]


async def test_wrong_without_a_valid_number_asks_which(stocked):
    tracker = make_tracker({"shown_listings": [1]}, "wrong 7", intent="report_wrong_listing")
    dispatcher, _ = await run(actions.ActionReportListing(), tracker)
    assert "Reply WRONG and its number" in texts_of(dispatcher)[0]


# -- what the action team's figures keep --------------------------------------------------


def lookups(sessions) -> list:
    with sessions() as session:
        return [
            (r.channel, r.need, r.medication, r.town, r.state, r.nearby)
            for r in session.execute(select(LookupRecord).order_by(LookupRecord.id)).scalars()
        ]


def from_gateway(sessions, tracker: Tracker, channel: str) -> Tracker:
    """The tracker of a conversation the gateway knows, on `channel`."""
    with sessions() as session:
        conversation = Conversation(channel=channel)
        session.add(conversation)
        session.commit()
    tracker.sender_id = conversation.sender_id
    return tracker


async def test_a_lookup_is_kept_by_town_with_whether_anything_was_near(stocked):
    near = {"search_need": "treatment", "search_place": "Norwich, CT 06360",
            "search_medication": "buprenorphine", "search_insurance": "skip"}  # fmt: skip
    await run(actions.ActionFindHelp(), from_gateway(stocked, make_tracker(near, "06360"), "sms"))
    far = {"search_need": "treatment", "search_place": "01247",
           "search_medication": "methadone", "search_insurance": "skip"}  # fmt: skip
    tracker = from_gateway(stocked, make_tracker(far, channel="webchat"), "web")
    dispatcher, _ = await run(actions.ActionFindHelp(), tracker)
    lost = {"search_need": "naloxone", "search_place": NO_PLACE}
    await run(actions.ActionFindHelp(), from_gateway(stocked, make_tracker(lost), "sms"))
    assert lookups(stocked) == [
        ("sms", "treatment", "buprenorphine", "Norwich", "CT", 2),
        ("web", "treatment", "methadone", "North Adams", "MA", 0),
        ("sms", "naloxone", None, None, None, 0),  # the place was not understood
    ]
    # Every reply says what it is about, for the topic figures.
    assert {m["topic"] for m in dispatcher.messages} == {"directory"}
    # Only the hour is kept, so a lookup cannot be matched to a person's message.
    with stocked() as session:
        times = session.execute(select(LookupRecord.at)).scalars().all()
    assert all((t.minute, t.second, t.microsecond) == (0, 0, 0) for t in times)


async def test_more_pages_are_not_counted_as_new_lookups(stocked):
    slots = {"search_need": "treatment", "search_place": "06360", "search_medication": ANY,
             "search_insurance": "skip", "search_offset": 3.0,
             "shown_listings": [1, 2, 3]}  # fmt: skip
    await run(actions.ActionMoreResults(), make_tracker(slots, "more", intent="more"))
    assert lookups(stocked) == []


async def test_a_lookup_keeps_the_gateway_s_channel_so_staff_trials_are_left_out(stocked):
    slots = {"search_need": "naloxone", "search_place": "06360"}
    staff = from_gateway(stocked, make_tracker(slots, intent="find_naloxone"), "terminal")
    await run(actions.ActionFindHelp(), staff)
    # rasa shell or a test: no gateway conversation, so not a person's lookup either.
    await run(actions.ActionFindHelp(), make_tracker(slots, intent="find_naloxone"))
    assert [row[0] for row in lookups(stocked)] == ["terminal", "terminal"]
