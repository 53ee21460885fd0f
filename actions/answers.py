"""Answering: a knowledge-base answer (and a second need), replies to an offer, and the
fallback menu. The reading of offers and menus lives in bot/understanding/answers.py."""

from __future__ import annotations

from typing import Any, Dict, List, Mapping

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.content import has_spanish
from bot.conversations.models import Message
from bot.understanding.answers import (
    FLOW_TARGETS,
    answer_offer,
    chosen_number,
    last_offer,
    menu_options,
    menu_text,
    more_text,
)

# Responses that begin a flow whose next step a rule follows: run as actions, not sent.
FLOW_STARTS = frozenset({"utter_ask_handoff_consent"})
# Figures count the fallback menu as its own topic (the action team's fallback rate).
FALLBACK_TOPIC = Message.FALLBACK_TOPIC
NO_MENU = (
    "I didn't give you a list to choose from just now. Tell me in your own words what you "
    "need, or say PERSON to talk to a navigator."
)
NO_MENU_ES = (
    "No te di una lista para elegir. Dime con tus palabras lo que necesitas, o escribe "
    "PERSONA para hablar con alguien del equipo."
)


def _slots(tracker: Tracker) -> Dict[str, Any]:
    return {"us_state": tracker.get_slot("us_state"), "language": tracker.get_slot("language")}


def _channel(tracker: Tracker) -> str:
    return "webchat" if tracker.get_latest_input_channel() == "webchat" else "sms"


def answered_label(message: Mapping[str, Any]) -> str | None:
    """The answer a parsed message asks for: a button's label entity, else the response
    selector's choice."""
    for entity in message.get("entities") or []:
        if entity.get("entity") == "label" and entity.get("value"):
            return str(entity["value"])
    selected = (message.get("response_selector") or {}).get("default") or {}
    key = (selected.get("response") or {}).get("intent_response_key")
    return str(key) if key else None


def run_target(target: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
    """Do what an offer's target says: say a response, run an action, or answer a label."""
    if target.startswith("more:"):
        label = target[len("more:") :]
        text = more_text(label, _slots(tracker))
        if text is None:
            dispatcher.utter_message(response="utter_more_none")
        else:
            dispatcher.utter_message(text=text, topic=label.split("/")[0])
        return []
    if target.startswith("label:"):
        return answer(target[len("label:") :], dispatcher, tracker)
    if target.startswith("action:find_"):
        need = "naloxone" if target.endswith("naloxone") else "treatment"
        return [SlotSet("search_need", need), FollowupAction("find_help_form")]
    if target.startswith("action_") or target in FLOW_STARTS:
        return [FollowupAction(target)]
    dispatcher.utter_message(response=target)
    return []


def answer(
    label: str,
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    confidence: float | None = None,
) -> List[EventType]:
    """Send the answer of one label (a KB answer with its offer, or a flow's first step);
    `confidence` goes with the answer to the gateway (the review of what went unanswered)."""
    if "/" not in label:
        return run_target(FLOW_TARGETS.get(label, "utter_more_none"), dispatcher, tracker)
    offer = answer_offer(label, _slots(tracker))
    dispatcher.utter_message(
        response=f"utter_{label}", offer=offer or None, label=label, confidence=confidence
    )
    return []


def understood_confidence(message: Mapping[str, Any]) -> float | None:
    """How sure the classifier was of its answer to a message (None for a button)."""
    if (message.get("text") or "").startswith("/"):
        return None
    ranking = message.get("answer_ranking") or []
    if ranking:
        return float(ranking[0].get("confidence") or 0.0)
    confidence = (message.get("intent") or {}).get("confidence")
    return float(confidence) if confidence is not None else None


class ActionAnswer(Action):
    """Answers a knowledge-base question, then a second need the message carried."""

    def name(self) -> str:
        return "action_answer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        message = tracker.latest_message
        label = answered_label(message)
        if label is None:
            return [FollowupAction("action_clarify")]
        events = answer(label, dispatcher, tracker, understood_confidence(message))
        flow = None
        for extra in message.get("extra_needs") or []:
            need = str(extra.get("label"))
            if "/" in need and need != label:
                events += answer(need, dispatcher, tracker)
            elif flow is None and need in FLOW_TARGETS:
                flow = need
        if flow is not None:
            # A flow (a person, a lookup) goes last: its question is the offer left open.
            events += run_target(FLOW_TARGETS[flow], dispatcher, tracker)
        return events


class ActionFollowUp(Action):
    """Reads "yes", "no", a number, MORE or a state against the line's last offer."""

    def name(self) -> str:
        return "action_follow_up"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        message = tracker.latest_message
        intent = (message.get("intent") or {}).get("name")
        offer = last_offer(tracker.events)
        if intent == "choose_option":
            return self._choose(offer, message, dispatcher, tracker)
        if intent == "inform_state":
            target = offer.get("state")
            return run_target(str(target or "utter_inform_state_ack"), dispatcher, tracker)
        reply = "affirm" if intent == "affirm" else "deny"
        default = "utter_more_none" if reply == "affirm" else "utter_deny_ok"
        return run_target(str(offer.get(reply) or default), dispatcher, tracker)

    @staticmethod
    def _choose(offer, message, dispatcher, tracker) -> List[EventType]:
        options = list(offer.get("choose") or [])
        number = chosen_number(message.get("text") or "", message.get("entities") or [])
        spanish = tracker.get_slot("language") == "es"
        if not options:
            dispatcher.utter_message(text=NO_MENU_ES if spanish else NO_MENU)
            return []
        if number is None or not (number == -1 or 1 <= number <= len(options)):
            dispatcher.utter_message(
                text=f"Elige del 1 al {len(options)}: responde solo con esa cifra."
                if spanish
                else f"Please reply with a number from 1 to {len(options)}.",
                offer={"choose": options},
            )
            return []
        return answer(options[number - 1] if number > 0 else options[-1], dispatcher, tracker)


class ActionClarify(Action):
    """When unsure: the two likeliest answers and "talk to a person", as a menu."""

    def name(self) -> str:
        return "action_clarify"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        message = tracker.latest_message
        ranking = message.get("answer_ranking") or message.get("intent_ranking") or []
        options = menu_options(ranking)
        text, buttons = menu_text(
            options, web=_channel(tracker) == "webchat", language=tracker.get_slot("language")
        )
        dispatcher.utter_message(
            text=text,
            buttons=buttons,
            offer={"choose": options},
            topic=FALLBACK_TOPIC,
            label=options[0],
            confidence=understood_confidence(message) or 0.0,
        )
        return []


# What follows an emergency reply in the same message ("...will I get arrested if I call").
ALSO_TARGETS = {
    "suicide": "utter_suicide_first",
    "violence": "utter_violence",
    "sexual_assault": "utter_sexual_assault",
}


class ActionAlso(Action):
    """After an emergency's reply: the other needs the crisis check found in the message
    (988 after an overdose that was meant, the Good Samaritan law for a caller's fear)."""

    def name(self) -> str:
        return "action_also"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        events: List[EventType] = []
        spanish = tracker.get_slot("language") == "es"
        for need in tracker.latest_message.get("crisis_also") or []:
            if need in ALSO_TARGETS:
                dispatcher.utter_message(response=ALSO_TARGETS[need])
            elif "/" in need and (has_spanish(need) or not spanish):
                # In Spanish, only the answers that have a Spanish variation (the rest of
                # the knowledge base still answers in English).
                events += answer(need, dispatcher, tracker)
        return events
