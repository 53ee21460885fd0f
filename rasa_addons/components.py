"""What the project's own Rasa components share: nothing to configure, train or load.

`RuleClassifier` is an NLU component that may override the intent by rule (the crisis
check, a place-only message, a language switch); `AdvisoryPolicy` is a dialogue policy
that learns nothing from stories. Subclasses keep their own `process` or
`predict_action_probabilities` and register themselves with DefaultV1Recipe.
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa.core.policies.policy import Policy, SupportedData
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.core.domain import Domain
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message


class RuleClassifier(GraphComponent, IntentClassifier):
    """An NLU component with no settings and nothing to train or load."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """No settings: the rules live in bot/."""
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
    ) -> GraphComponent:
        """Creates the component (nothing to train or load)."""
        return cls(config)


def override_intent(message: Message, name: str) -> None:
    """Make `name` the message's intent with confidence 1.0, the others 0 in the ranking."""
    intent = {"name": name, "confidence": 1.0}
    ranking = [
        dict(item, confidence=0.0)
        for item in message.get(INTENT_RANKING_KEY) or []
        if item.get("name") != name
    ]
    message.set(INTENT, intent, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [intent] + ranking, add_to_output=True)


class AdvisoryPolicy(Policy):
    """A dialogue policy that learns nothing from stories or rules."""

    @staticmethod
    def supported_data() -> SupportedData:
        """Nothing is learned from stories or rules."""
        return SupportedData.ML_DATA

    def train(
        self, training_trackers: List[TrackerWithCachedStates], domain: Domain, **kwargs: Any
    ) -> Resource:
        """Nothing to train."""
        return self._resource
