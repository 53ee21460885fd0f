"""Finding treatment and naloxone nearby: the lookup form, results, MORE and WRONG n."""

from __future__ import annotations

import re
from typing import Any, Dict, List

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.bootstrap import services
from bot.content import fill_lines
from bot.directory import replies
from bot.directory.asking import (
    ANY,
    NO_PLACE,
    SKIP,
    find_place,
    parse_insurance,
    parse_medication,
    wanted_filters,
)
from bot.directory.replies import crisis_lines, empty_directory_text, result_texts
from bot.understanding.answers import last_offer

PAGE = 3
# What these replies are about, for the action team's figures (see rasa_addons/channels.py).
TOPIC = "directory"
MAX_PLACE_TRIES = 2


def _channel(tracker: Tracker) -> str:
    return "webchat" if tracker.get_latest_input_channel() == "webchat" else "sms"


def _user_texts(tracker: Tracker) -> List[str]:
    """What the person wrote since the lookup started (for Spanish/telehealth wishes)."""
    texts: List[str] = []
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            texts.append(event.get("text") or "")
            if (event.get("parse_data") or {}).get("intent", {}).get("name") in (
                "find_treatment",
                "find_naloxone",
            ):
                break
    return texts


class _Ask(Action):
    """Asks for one slot of the lookup form (Rasa calls action_ask_<slot>)."""

    slot = ""
    text = ""
    buttons: List[Dict[str, str]] = []

    def name(self) -> str:
        return f"action_ask_{self.slot}"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        web = _channel(tracker) == "webchat"
        dispatcher.utter_message(topic=TOPIC, text=self.text, buttons=self.buttons if web else [])
        return []


class ActionAskSearchPlace(_Ask):
    """Where to look."""

    slot, text = "search_place", replies.ASK_PLACE


class ActionAskSearchMedication(_Ask):
    """Which medication (buttons on the web)."""

    slot, text, buttons = "search_medication", replies.ASK_MEDICATION, replies.MEDICATION_BUTTONS


class ActionAskSearchInsurance(_Ask):
    """Insurance, skippable (buttons on the web)."""

    slot, text, buttons = "search_insurance", replies.ASK_INSURANCE, replies.INSURANCE_BUTTONS


class ValidateFindHelpForm(FormValidationAction):
    """Asks only for what is missing: place, then (for treatment) medication and insurance."""

    def name(self) -> str:
        return "validate_find_help_form"

    async def required_slots(
        self,
        domain_slots: List[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[str]:
        """Naloxone needs only a place; an unfound place ends the questions."""
        if tracker.get_slot("search_place") == NO_PLACE:
            return []
        if tracker.get_slot("search_need") == "naloxone":
            return ["search_place"]
        return domain_slots

    def validate_search_place(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        """A ZIP code or CT/MA town, misspellings tolerated; two misses end the lookup."""
        result = find_place(str(value or ""))
        if result.place is not None:
            found = {"search_place": result.place.label, "search_place_tries": 0}
            need = _need_asked_for(tracker)
            if need is not None:
                found["search_need"] = need
            return found
        tries = int(tracker.get_slot("search_place_tries") or 0) + 1
        if tries >= MAX_PLACE_TRIES:
            return {"search_place": NO_PLACE, "search_place_tries": 0}
        suggestion = result.alternatives[0] if result.alternatives else None
        dispatcher.utter_message(
            topic=TOPIC, text=replies.place_not_found_text(result.reason, suggestion)
        )
        return {"search_place": None, "search_place_tries": tries}

    def validate_search_medication(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        """Methadone, buprenorphine, naltrexone, or "not sure" (then the options, briefly)."""
        medication = parse_medication(str(value or ""))
        if medication is None:
            dispatcher.utter_message(topic=TOPIC, text=replies.ASK_MEDICATION_AGAIN)
            return {"search_medication": None}
        if medication == ANY:
            dispatcher.utter_message(topic=TOPIC, text=replies.MEDICATION_OPTIONS)
        return {"search_medication": medication}

    def validate_search_insurance(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        """Medicaid, no insurance, other insurance, or skipped."""
        insurance = parse_insurance(str(value or ""))
        if insurance is None:
            dispatcher.utter_message(topic=TOPIC, text=replies.ASK_INSURANCE_AGAIN)
            return {"search_insurance": None}
        return {"search_insurance": insurance}


class ActionFindHelp(Action):
    """Looks up the nearest places and answers with the first page."""

    def name(self) -> str:
        return "action_find_help"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        place = tracker.get_slot("search_place")
        if not place or place == NO_PLACE:
            need = tracker.get_slot("search_need") or "treatment"
            services().directory.record_unplaced(tracker.sender_id, need)
            lines = crisis_lines(None)
            dispatcher.utter_message(
                topic=TOPIC,
                text=f"I couldn't work out the place. For help finding care, call {lines}.",
            )
            return _reset()
        ids, more = _answer_page(dispatcher, tracker, offset=0)
        return [
            SlotSet("shown_listings", ids),
            SlotSet("search_offset", float(PAGE if more else 0)),
        ]


class ActionMoreResults(Action):
    """The next three places for the same lookup (reply MORE)."""

    def name(self) -> str:
        return "action_more_results"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        offset = int(tracker.get_slot("search_offset") or 0)
        if not offset or not tracker.get_slot("search_place"):
            dispatcher.utter_message(topic=TOPIC, response="utter_more_none")
            return []
        ids, more = _answer_page(dispatcher, tracker, offset=offset)
        shown = list(tracker.get_slot("shown_listings") or []) + ids
        return [
            SlotSet("shown_listings", shown),
            SlotSet("search_offset", float(offset + PAGE if more else 0)),
        ]


class ActionReportListing(Action):
    """Records "WRONG n" for staff, with the listing's id and nothing about the person."""

    def name(self) -> str:
        return "action_report_listing"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        shown = list(tracker.get_slot("shown_listings") or [])
        number = next(tracker.get_latest_entity_values("listing_number"), None)
        if number is None:
            found = re.search(r"\d+", tracker.latest_message.get("text") or "")
            number = found.group(0) if found else None
        if not shown or number is None or not 1 <= int(number) <= len(shown):
            dispatcher.utter_message(topic=TOPIC, text=replies.ASK_WHICH_LISTING)
            return []
        name = services().directory.report(shown[int(number) - 1])
        if name is None:
            dispatcher.utter_message(topic=TOPIC, text=replies.LISTING_GONE)
            return []
        dispatcher.utter_message(topic=TOPIC, text=replies.reported_text(name))
        return []


def _need_asked_for(tracker: Tracker) -> str | None:
    """The need of an answer that asked for a place ("Send your town or ZIP and I'll look
    for places near you" after where to get naloxone), when the reply is only a place.

    A bare ZIP code reads as a treatment lookup; after that answer it means naloxone.
    """
    need = last_offer(tracker.events).get("place")
    named = {e.get("entity") for e in tracker.latest_message.get("entities") or []}
    if need in ("naloxone", "treatment") and "medication" not in named:
        return str(need)
    return None


def _answer_page(dispatcher: CollectingDispatcher, tracker: Tracker, offset: int):
    """Search, send the page, and return (listing ids shown, whether there are more)."""
    need = tracker.get_slot("search_need") or "treatment"
    medication = tracker.get_slot("search_medication")
    insurance = tracker.get_slot("search_insurance")
    filters = wanted_filters(None if insurance == SKIP else insurance, _user_texts(tracker))
    place = tracker.get_slot("search_place")
    page = services().directory.page(
        tracker.sender_id,
        place,
        need=need,
        medication=None if medication in (None, ANY) or need != "treatment" else medication,
        filters=filters,
        offset=offset,
        size=PAGE,
    )
    if page.result is None:
        dispatcher.utter_message(topic=TOPIC, text=empty_directory_text(page.state))
        return [], False
    result = page.result
    if not result.place_found:
        dispatcher.utter_message(
            topic=TOPIC, text=fill_lines(f"Sorry, I lost track of the place. {crisis_lines(None)}.")
        )
        return [], False
    buttons = []
    if _channel(tracker) == "webchat":
        if result.has_more:
            buttons.append({"title": "More places", "payload": "/more"})
        buttons.append({"title": "Talk to a person", "payload": "/request_human"})
    texts = result_texts(result, _channel(tracker))
    for index, text in enumerate(texts):
        dispatcher.utter_message(
            topic=TOPIC, text=text, buttons=buttons if index == len(texts) - 1 else []
        )
    return [match.id for match in result.matches], result.has_more


def _reset() -> List[EventType]:
    return [
        SlotSet("search_place", None),
        SlotSet("search_offset", 0.0),
        SlotSet("shown_listings", []),
    ]
