"""Finding treatment and naloxone nearby: results first, then MORE, WRONG n and refinements.

A lookup asks only for the place; everything else the person said (the medication,
"with medicaid", "spanish speaking", "no car") shapes the first list, and the list offers
the rest as one-word refinements. What was searched for is kept for the conversation: a
new place, a new wish or "methadone instead" re-runs the last search
(rasa_addons/lookup.py reads such replies against the list).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any, Dict, List, Tuple

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.bootstrap import services
from bot.content import fill_lines
from bot.directory import replies
from bot.directory.asking import (
    NO_PLACE,
    filters_for,
    find_place,
    insurance_of,
    parse_medication,
    read_refinement,
    wishes,
    without_car,
)
from bot.directory.replies import crisis_lines, empty_directory_text, result_texts
from bot.directory.vocab import MEDICATIONS
from bot.understanding.answers import last_offer

PAGE = 3
# What these replies are about, for the action team's figures (see rasa_addons/channels.py).
TOPIC = "directory"
MAX_PLACE_TRIES = 2
LOOKUP_INTENTS = ("find_treatment", "find_naloxone")


def _channel(tracker: Tracker) -> str:
    return "webchat" if tracker.get_latest_input_channel() == "webchat" else "sms"


def _user_texts(tracker: Tracker) -> List[str]:
    """What the person wrote since the lookup started (its medication, wishes, "no car")."""
    texts: List[str] = []
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            texts.append(event.get("text") or "")
            if (event.get("parse_data") or {}).get("intent", {}).get("name") in LOOKUP_INTENTS:
                break
    return texts


@dataclass(frozen=True)
class Search:
    """What is being looked for, as kept in the lookup's slots."""

    need: str
    place: str
    medication: str | None = None
    wishes: Tuple[str, ...] = ()
    same_town: bool = False

    @classmethod
    def from_slots(cls, tracker: Tracker) -> Search:
        medication = tracker.get_slot("search_medication")
        return cls(
            need=tracker.get_slot("search_need") or "treatment",
            place=tracker.get_slot("search_place") or "",
            medication=medication if medication in MEDICATIONS else None,
            wishes=tuple(tracker.get_slot("search_filters") or ()),
            same_town=bool(tracker.get_slot("search_same_town")),
        )

    def slots(self) -> List[EventType]:
        return [
            SlotSet("search_need", self.need),
            SlotSet("search_place", self.place),
            SlotSet("search_medication", self.medication),
            SlotSet("search_filters", list(self.wishes)),
            SlotSet("search_same_town", self.same_town),
            SlotSet("search_insurance", insurance_of(self.wishes)),
        ]


class ActionAskSearchPlace(Action):
    """Asks where to look (Rasa calls action_ask_<slot>): the lookup's only question."""

    def name(self) -> str:
        return "action_ask_search_place"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        dispatcher.utter_message(topic=TOPIC, text=replies.ASK_PLACE)
        return []


class ValidateFindHelpForm(FormValidationAction):
    """Checks the place; an unfound place, asked twice, ends the lookup with the lines."""

    def name(self) -> str:
        return "validate_find_help_form"

    async def required_slots(
        self,
        domain_slots: List[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[str]:
        """Only the place: results come first, refinements after them."""
        if tracker.get_slot("search_place") == NO_PLACE:
            return []
        return ["search_place"]

    def validate_search_place(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        """A ZIP code or CT/MA town, misspellings tolerated; two misses end the lookup.

        The town entity is the town's name only: a state written after it ("orange ma")
        picks the town of that state, since Orange and many others are in both.
        """
        text = str(value or "")
        state = next(tracker.get_latest_entity_values("us_state"), None)
        result = find_place(f"{text} {state}" if state and not _names_state(text) else text)
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


class ActionFindHelp(Action):
    """Looks up the nearest places for a new lookup and answers with the first page."""

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
            return [SlotSet("search_place", None), *_shown([], False, 0)]
        texts = _user_texts(tracker)
        search = Search.from_slots(tracker)
        said = parse_medication(" ".join(texts))
        search = replace(
            search,
            # A medication named in this lookup, misspelled or not, else the one kept.
            medication=said if said in MEDICATIONS else search.medication,
            wishes=wishes(texts),
            same_town=without_car(texts),
        )
        return search.slots() + _answer_page(dispatcher, tracker, search, offset=0)


class ActionRefineSearch(Action):
    """Re-runs the last search with what a reply to its list changed: a place, the need,
    the medication, a wish (MEDICAID, NOINS, TELEHEALTH, SPANISH, WALK IN) or "no car"."""

    def name(self) -> str:
        return "action_refine_search"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        change = read_refinement(tracker.latest_message.get("text") or "")
        search = Search.from_slots(tracker)
        # The list's own need: "what about groton" after naloxone places reads as a new
        # treatment lookup, and its intent has already set the need slot to treatment.
        listed = last_offer(tracker.events).get("lookup")
        if listed in ("treatment", "naloxone"):
            search = replace(search, need=str(listed))
        if change is None or not (search.place or change.place):
            return [FollowupAction("action_clarify")]
        search = replace(
            search,
            place=change.place.label if change.place else search.place,
            need=change.need or search.need,
            medication=change.medication or search.medication,
            wishes=() if change.every else tuple(dict.fromkeys(search.wishes + change.wishes)),
            same_town=search.same_town or change.same_town,
        )
        return search.slots() + _answer_page(dispatcher, tracker, search, offset=0)


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
        shown = list(tracker.get_slot("shown_listings") or [])
        return _answer_page(dispatcher, tracker, Search.from_slots(tracker), offset, shown)


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


def _names_state(text: str) -> bool:
    return bool(re.search(r"\b(ct|ma|conn\w*|mass\w*)\W*$", text, re.I))


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


def _answer_page(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    search: Search,
    offset: int,
    shown: List[int] | None = None,
) -> List[EventType]:
    """Search, send the page, and keep what was shown (for MORE and WRONG n)."""
    page = services().directory.page(
        tracker.sender_id,
        search.place,
        need=search.need,
        medication=search.medication if search.need == "treatment" else None,
        filters=filters_for(search.wishes if search.need == "treatment" else ()),
        offset=offset,
        size=PAGE,
        same_town_first=search.same_town,
    )
    if page.result is None:
        dispatcher.utter_message(topic=TOPIC, text=empty_directory_text(page.state))
        return _shown(shown or [], False, 0)
    result = page.result
    if not result.place_found:
        dispatcher.utter_message(
            topic=TOPIC, text=fill_lines(f"Sorry, I lost track of the place. {crisis_lines(None)}.")
        )
        return _shown(shown or [], False, 0)
    channel = _channel(tracker)
    texts = result_texts(result, channel, page.narrowing)
    # The list is an offer: MORE, WRONG n, a new place or a wish is read against it.
    offer = {"affirm": "action_more_results", "lookup": result.need}
    for index, text in enumerate(texts):
        last = index == len(texts) - 1
        buttons = replies.listing_buttons(result, index) if channel == "webchat" else []
        if last and channel == "webchat":
            buttons = buttons + replies.list_buttons(result)
        dispatcher.utter_message(
            topic=TOPIC, text=text, buttons=buttons, offer=offer if last else None
        )
    ids = (shown or []) + [match.id for match in result.matches]
    return _shown(ids, result.has_more, offset + PAGE)


def _shown(ids: List[int], more: bool, next_offset: int) -> List[EventType]:
    return [
        SlotSet("shown_listings", ids),
        SlotSet("search_offset", float(next_offset if more else 0)),
    ]
