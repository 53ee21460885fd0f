"""The conversation's language: read in each message, kept in the `language` slot.

Two pieces, because an NLU component sees one message and never the conversation:

- `LanguageDetector` (NLU) reads each message (bot/understanding/language.py) and writes
  `language: {"detected": "es" | "en" | None, "switch": bool}` into the parse data; a
  switch asked for outright ("english please") gets the intent `switch_language`. The
  crisis check (rasa_addons/crisis.py, after it) fills in "es" when only its Spanish
  patterns found an emergency in a message too short to tell ("no respira").
- `LanguagePolicy` (dialogue) never predicts an action. It returns a `SlotSet("language")`
  as its prediction's events whenever the latest message's language differs from the slot.
  Rasa applies every policy's events before the action it runs, so the very first reply to
  "necesito ayuda mi amigo no respira" is already the Spanish variation, and no action
  server is needed for it (an emergency reply never waits on one). A message that cannot
  tell ("ok", "911", "narcan") leaves the slot as it was.

Nothing here is trained and nothing is downloaded: Lingua's models ship in its wheel.
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa.core.constants import POLICY_PRIORITY
from rasa.core.policies.policy import PolicyPrediction
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.understanding.language import ENGLISH, read, warm_up
from rasa_addons.components import AdvisoryPolicy, RuleClassifier, override_intent

LANGUAGE = "language"  # the slot, and the parse-data field
SWITCH = "switch_language"  # the intent of "english please" / "en español"
# Below every other policy: it only ever adds the slot's event, it never picks an action.
PRIORITY = 0


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class LanguageDetector(RuleClassifier):
    """Writes the language each message is in (or None when it cannot tell)."""

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LanguageDetector:
        """Creates the component; Lingua's two models load now, not on the first message."""
        warm_up()
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        """Write the language reading of every person's message."""
        for message in messages:
            text = message.get(TEXT)
            if not text or text.startswith("/"):
                continue  # a button's /intent payload says nothing about language
            reading = read(text)
            message.set(
                LANGUAGE,
                {"detected": reading.language, "switch": reading.switch},
                add_to_output=True,
            )
            if reading.switch:
                override_intent(message, SWITCH)
        return messages


def language_change(tracker: DialogueStateTracker) -> str | None:
    """The language the latest message moves the conversation to, or None to keep it."""
    message = tracker.latest_message
    if message is None:
        return None
    detected = (message.parse_data.get(LANGUAGE) or {}).get("detected")
    current = tracker.get_slot(LANGUAGE) or ENGLISH
    if detected and detected != current:
        return str(detected)
    return None


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=False
)
class LanguagePolicy(AdvisoryPolicy):
    """Keeps the `language` slot in step with what the person writes; predicts nothing."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """Priority only."""
        return {POLICY_PRIORITY: PRIORITY}

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: Dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        """No action; the slot's new value as an event when the language changed."""
        change = language_change(tracker)
        events = (
            [SlotSet(LANGUAGE, change)]
            if change and any(s.name == LANGUAGE for s in domain.slots)
            else []
        )
        return self._prediction(self._default_predictions(domain), events=events)
