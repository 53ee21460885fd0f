"""NLU component that overrides the intent when bot.crisis detects an emergency.

It runs after the intent classifier and the FallbackClassifier, so crisis language wins
even when the classifier is unsure or has fallen back to nlu_fallback.
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.crisis import detect


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class CrisisOverride(GraphComponent, IntentClassifier):
    """Sets intent overdose_now or suicide (confidence 1.0) when crisis language is found."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """No settings: the patterns live in bot/crisis.py."""
        return {}

    def __init__(self, config: Dict[str, Any]) -> None:
        self.component_config = config

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> CrisisOverride:
        """Creates the component (nothing to train or load)."""
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        """Override the predicted intent of every message that contains crisis language."""
        for message in messages:
            override = _crisis_intent(message.get(TEXT))
            if override is None:
                continue
            intent = {"name": override, "confidence": 1.0}
            ranking = [
                dict(item, confidence=0.0)
                for item in message.get(INTENT_RANKING_KEY) or []
                if item.get("name") != override
            ]
            message.set(INTENT, intent, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [intent] + ranking, add_to_output=True)
        return messages


def _crisis_intent(text: str | None) -> str | None:
    """The crisis intent for a user text, ignoring Rasa's internal /intent messages."""
    if not text or text.startswith("/"):
        return None
    return detect(text)
