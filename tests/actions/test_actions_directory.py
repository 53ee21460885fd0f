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
from bot.directory.asking import NO_PLACE
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


def test_a_state_after_the_town_picks_that_states_town():
    # "methadone clinic in orange ma": the town entity is "Orange", the state entity MA.
    form = actions.ValidateFindHelpForm()
    tracker = make_tracker(text="methadone clinic in orange ma",
                           entities=[{"entity": "us_state", "value": "MA"}])  # fmt: skip
    found = form.validate_search_place("Orange", CollectingDispatcher(), tracker, {})
    assert found["search_place"] == "Orange, MA"
    assert validate("search_place", "Orange")[0]["search_place"] == "Orange, CT"


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


async def test_only_the_place_is_asked_and_an_unfound_place_ends_the_questions():
    form = actions.ValidateFindHelpForm()
    for need in ("naloxone", "treatment"):
        tracker = make_tracker({"search_need": need})
        assert await form.required_slots(["search_place"], CollectingDispatcher(), tracker, {}) == [
            "search_place"
        ]
    lost = make_tracker({"search_need": "treatment", "search_place": NO_PLACE})
    assert await form.required_slots(["search_place"], CollectingDispatcher(), lost, {}) == []


# -- results ------------------------------------------------------------------------------


def said(*texts: str, intent: str = "find_treatment", channel: str = "sms") -> list:
    """The person's messages since the lookup began, the first one starting it."""
    events = []
    for number, text in enumerate(texts):
        name = intent if number == 0 else "nlu_fallback"
        events.append({"event": "user", "text": text, "input_channel": channel,
                       "parse_data": {"intent": {"name": name}}})  # fmt: skip
    return events


async def test_three_nearest_in_three_sms_with_what_a_person_needs(stocked):
    slots = {"search_need": "treatment", "search_place": "Norwich, CT 06360"}
    dispatcher, events = await run(actions.ActionFindHelp(), make_tracker(slots, "06360"))
    texts = texts_of(dispatcher)
    assert len(texts) == 3
    assert texts[0].startswith("Near Norwich, CT 06360, medication treatment (MOUD)")
    assert "straight-line" in texts[0]
    assert [t.split(". ", 1)[1].split(".")[0] for t in texts] == [
        "Clinic A",
        "Clinic B",
        "Clinic D",
    ]
    assert "mi, 1 Main St, Norwich CT" in texts[0] and "Call 860-555-0101" in texts[0]
    assert "Oct 2025" in texts[0] and "out of date" not in texts[0]
    # Nothing else within 25 miles, so no MORE; WRONG n and a new place are always offered,
    # and ways to narrow the list (no medication was named, so the medications too).
    assert "MORE" not in texts[-1] and "WRONG" in texts[-1] and "another town or ZIP" in texts[-1]
    assert "METHADONE, BUPE, MEDICAID or NOINS to narrow" in texts[-1]
    for text in texts:
        assert sms_problems(text) == [] and stigmatizing_terms(text) == []
    shown = next(e for e in events if e["name"] == "shown_listings")["value"]
    assert len(shown) == 3
    assert SlotSet("search_offset", 0.0) in events


async def test_what_the_person_said_filters_the_first_list(stocked):
    # "methadon program in norwich with husky": misspelled medication, Medicaid wish.
    slots = {"search_need": "treatment", "search_place": "Norwich, CT"}
    tracker = make_tracker(slots, events=said("methadon program in norwich with husky"))
    dispatcher, events = await run(actions.ActionFindHelp(), tracker)
    texts = texts_of(dispatcher)
    assert "Clinic D" in texts[0] and "Takes Medicaid" in texts[0]
    assert all("Clinic" not in t for t in texts[1:])
    assert texts[0].startswith("Near Norwich, CT, methadone, taking Medicaid")
    assert SlotSet("search_medication", "methadone") in events
    assert SlotSet("search_filters", ["medicaid"]) in events
    assert SlotSet("search_insurance", "medicaid") in events  # for a navigator's summary


async def test_spanish_wish_in_the_message_filters(stocked):
    slots = {"search_need": "treatment", "search_place": "06360"}
    tracker = make_tracker(slots, events=said("bupe in spanish"))
    dispatcher, _ = await run(actions.ActionFindHelp(), tracker)
    assert [t for t in texts_of(dispatcher) if "Clinic" in t][0].count("Clinic A") == 1
    assert "Spanish spoken" in texts_of(dispatcher)[0]
    assert all("Clinic B" not in t for t in texts_of(dispatcher))


async def test_the_medication_is_kept_across_the_place_question(stocked):
    # "i need bupe" -> "Where should I look?" -> "06360": buprenorphine near 06360.
    slots = {"search_need": "treatment", "search_place": "Norwich, CT 06360"}
    tracker = make_tracker(slots, events=said("i need bupe", "06360"))
    dispatcher, events = await run(actions.ActionFindHelp(), tracker)
    assert "buprenorphine" in texts_of(dispatcher)[0]
    assert all("Clinic D" not in t for t in texts_of(dispatcher))  # methadone only
    # And a medication named earlier in the conversation is kept for the next lookup.
    later = make_tracker({**slots, "search_medication": "methadone"}, events=said("06360"))
    dispatcher, _ = await run(actions.ActionFindHelp(), later)
    assert texts_of(dispatcher)[0].startswith("Near Norwich, CT 06360, methadone")


async def test_no_car_puts_places_in_the_town_first(directory, tmp_path):
    places = [dict(source_id="near", organization="Across The Line", city="Preston",
                   latitude="41.54", longitude="-72.06", services="methadone"),
              dict(source_id="town", organization="In Town", latitude="41.58",
                   longitude="-72.14", services="methadone")]  # fmt: skip
    load(directory, write_local(tmp_path / "towns.csv", places))
    slots = {"search_need": "treatment", "search_place": "Norwich, CT"}
    first = lambda d: texts_of(d)[0].split("\n")[1]  # noqa: E731
    dispatcher, _ = await run(
        actions.ActionFindHelp(), make_tracker(slots, events=said("methadone norwich"))
    )
    assert "Across The Line" in first(dispatcher)
    tracker = make_tracker(slots, events=said("methadone norwich i have no car"))
    dispatcher, events = await run(actions.ActionFindHelp(), tracker)
    assert "In Town" in first(dispatcher)
    assert SlotSet("search_same_town", True) in events


async def test_naloxone_lookup_reminds_pharmacies_sell_it(stocked):
    slots = {"search_need": "naloxone", "search_place": "06360"}
    dispatcher, _ = await run(actions.ActionFindHelp(), make_tracker(slots, intent="find_naloxone"))
    text = " ".join(texts_of(dispatcher))
    assert "Kits C" in text and "free kits" in text and "Walk-in" in text
    assert "without a prescription" in text
    assert "to narrow" not in text  # pharmacies: no insurance filters to offer


async def test_web_chat_gets_a_message_per_place_with_call_and_directions(directory, tmp_path):
    nearby = [dict(source_id=f"x{i}", organization=f"Clinic X{i}", latitude=f"41.5{i}",
                   longitude="-72.08", services="buprenorphine", address_1=f"{i} Elm St",
                   zip="06360", phone=f"(860) 555-010{i}") for i in range(5)]  # fmt: skip
    load(directory, write_local(tmp_path / "many.csv", nearby))
    slots = {"search_need": "treatment", "search_place": "06360"}
    dispatcher, _ = await run(actions.ActionFindHelp(), make_tracker(slots, channel="webchat"))
    assert [m["text"].count("Clinic X") for m in dispatcher.messages] == [1, 1, 1]
    first = dispatcher.messages[0]["buttons"]
    assert first == [
        {"title": "Call 860-555-0104", "url": "tel:+18605550104"},
        {"title": "Directions", "url": "https://www.google.com/maps/dir/?api=1&destination="
         "4+Elm+St%2C+Norwich%2C+CT%2C+06360"},
    ]  # fmt: skip
    titles = [b["title"] for b in dispatcher.messages[-1]["buttons"]]
    assert titles[-2:] == ["More places", "Talk to a person"]
    # The list is an offer: yes/MORE reads against it.
    assert dispatcher.messages[-1]["offer"] == {
        "affirm": "action_more_results",
        "lookup": "treatment",
    }


async def test_an_old_listing_says_call_first(directory, tmp_path):
    old = [dict(source_id="old", organization="Old Clinic", latitude="41.55",
                longitude="-72.09", services="methadone", last_verified="2020-09-01")]  # fmt: skip
    load(directory, write_local(tmp_path / "old.csv", old))
    slots = {"search_need": "treatment", "search_place": "06360"}
    dispatcher, _ = await run(actions.ActionFindHelp(), make_tracker(slots))
    assert "Sep 2020: may be out of date, call first" in texts_of(dispatcher)[0]


# -- replies to the list -------------------------------------------------------------------


async def refine(slots: dict, text: str):
    tracker = make_tracker(slots, text, intent="nlu_fallback")
    return await run(actions.ActionRefineSearch(), tracker)


async def test_a_reply_to_the_list_reruns_it_with_the_change(stocked):
    kept = {"search_need": "treatment", "search_place": "Norwich, CT 06360",
            "search_medication": None, "search_filters": []}  # fmt: skip
    dispatcher, events = await refine(kept, "medicaid")
    texts = texts_of(dispatcher)
    assert texts[0].startswith(
        "Near Norwich, CT 06360, medication treatment (MOUD), taking Medicaid"
    )
    assert {"Clinic A", "Clinic D"} == {t.split(". ", 1)[1].split(".")[0] for t in texts}
    # Only what would still show places is offered: none of these take Medicaid and offer
    # telehealth or a sliding fee.
    assert texts[-1].endswith("Reply METHADONE, BUPE or SPANISH to narrow.")
    medicaid = {**kept, "search_filters": ["medicaid"]}
    dispatcher, events = await refine(medicaid, "methadone instead")
    assert [t.split(". ", 1)[1].split(".")[0] for t in texts_of(dispatcher)] == ["Clinic D"]
    assert SlotSet("search_medication", "methadone") in events
    dispatcher, events = await refine(kept, "what about new london")
    assert texts_of(dispatcher)[0].startswith("Near New London, CT")
    assert SlotSet("search_place", "New London, CT") in events
    dispatcher, _ = await refine(medicaid, "ALL")
    assert "taking Medicaid" not in texts_of(dispatcher)[0]
    dispatcher, events = await refine(kept, "narcan")
    assert "Kits C" in " ".join(texts_of(dispatcher))
    assert SlotSet("search_need", "naloxone") in events


async def test_a_new_place_after_naloxone_places_looks_for_naloxone_again(stocked):
    # "what about norwich" reads as a treatment lookup, which set the need slot already.
    listed = {"event": "bot", "text": "...", "metadata": {"offer": {"lookup": "naloxone"}}}
    reply = {"event": "user", "text": "what about norwich", "parse_data": {}}
    tracker = make_tracker({"search_need": "treatment", "search_place": "Groton, CT"},
                           "what about norwich", events=[listed, reply])  # fmt: skip
    dispatcher, events = await run(actions.ActionRefineSearch(), tracker)
    assert texts_of(dispatcher)[0].startswith("Near Norwich, CT, naloxone")
    assert SlotSet("search_need", "naloxone") in events


async def test_a_filter_that_leaves_nothing_says_so_and_how_to_undo_it(stocked):
    kept = {"search_need": "treatment", "search_place": "06360",
            "search_medication": "naltrexone", "search_filters": ["spanish"]}  # fmt: skip
    dispatcher, _ = await refine(kept, "medicaid")
    (text,) = texts_of(dispatcher)
    assert "couldn't find naltrexone (like Vivitrol), taking Medicaid, in Spanish within" in text
    assert "Reply ALL" in text and text.endswith("Or ask to talk with a person.")


async def test_a_reply_that_is_not_a_refinement_goes_to_the_clarifying_menu(stocked):
    kept = {"search_need": "treatment", "search_place": "06360"}
    dispatcher, events = await refine(kept, "how do i use narcan")
    assert texts_of(dispatcher) == [] and events[0]["name"] == "action_clarify"


async def test_more_gives_the_next_page_and_numbers_continue(stocked):
    # MORE after a page that had more: the next places, numbered on from the first page.
    slots = {
        "search_need": "treatment",
        "search_place": "06360",
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
             "search_medication": "methadone"}  # fmt: skip
    dispatcher, _ = await run(actions.ActionFindHelp(), make_tracker(slots))
    (text,) = texts_of(dispatcher)
    assert "couldn't find methadone within 60 miles" in text
    assert "800-327-5050" in text and text.endswith("talk with a person.")


async def test_empty_directory_says_so_plainly_and_invents_nothing(directory):
    slots = {"search_need": "treatment", "search_place": "06360"}
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
            "search_medication": "buprenorphine"}  # fmt: skip
    await run(actions.ActionFindHelp(), from_gateway(stocked, make_tracker(near, "06360"), "sms"))
    far = {"search_need": "treatment", "search_place": "01247",
           "search_medication": "methadone"}  # fmt: skip
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
    slots = {"search_need": "treatment", "search_place": "06360", "search_offset": 3.0,
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
