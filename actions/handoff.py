"""Warm handoff to a recovery navigator: ask consent, queue the request, contact later."""

from __future__ import annotations

from typing import List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.bootstrap import services
from bot.content import fill_lines
from bot.handoff.summary import intents_of, reason_for, summary_for

# What these replies are about, for the action team's figures (see rasa_addons/channels.py).
TOPIC = "handoff"

SLOTS = ("search_place", "town", "search_medication", "medication", "search_insurance")

UNAVAILABLE = (
    "I can't reach our navigators from here. You can talk to a person now, 24/7: SAMHSA "
    "{line_samhsa}, or call or text {line_988}. If someone may be overdosing, call {line_911}."
)
CONTACT_LATER_OK = (
    "Okay. A navigator will reach out to you here later. If you need help sooner, call "
    "SAMHSA {line_samhsa} (24/7)."
)
NO_REQUEST = "You can ask for a navigator any time: just say you'd like to talk to a person."


class ActionRequestNavigator(Action):
    """Queues the request, sharing the summary only if the person said yes."""

    def name(self) -> str:
        return "action_request_navigator"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        conversation = services().conversations.find(tracker.sender_id)
        if conversation is None:
            # Not a conversation the gateway knows (e.g. `rasa shell`): give the lines.
            dispatcher.utter_message(topic=TOPIC, text=fill_lines(UNAVAILABLE))
            return []
        # "yes" is the `more` intent in this assistant (it also answers "reply MORE").
        consented = (tracker.latest_message.get("intent") or {}).get("name") in ("more", "affirm")
        intents = intents_of(tracker.events)
        slots = {name: tracker.get_slot(name) for name in SLOTS if name in tracker.slots}
        result = services().handoffs.request(
            conversation.id,
            reason_for(intents),
            consented,
            summary_for(intents, slots) if consented else None,
        )
        dispatcher.utter_message(topic=TOPIC, text=result.message)
        return []


class ActionContactLater(Action):
    """Records that the person agreed to be contacted later by a navigator."""

    def name(self) -> str:
        return "action_contact_later"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        conversation = services().conversations.find(tracker.sender_id)
        if conversation and services().handoffs.request_contact_later(conversation.id):
            dispatcher.utter_message(topic=TOPIC, text=fill_lines(CONTACT_LATER_OK))
        else:
            dispatcher.utter_message(topic=TOPIC, text=NO_REQUEST)
        return []
