"""The NLU component that decides which answer a message needs (bot/understanding/model.py).

It fills the same fields as Rasa's DIETClassifier + ResponseSelector + FallbackClassifier,
so the rest of the assistant is standard Rasa: `intent` is the flow intent or the retrieval
intent ("treatment"), `response_selector.default` names the answer ("treatment/methadone_
duration"), and `intent` becomes `nlu_fallback` when the model is unsure. Two more fields:
`answer_ranking` (the likeliest answers, for the fallback's menu) and `extra_needs` (further
needs found clause by clause in a compound message).
"""

from __future__ import annotations

import logging
import pickle
from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, INTENT_RESPONSE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.understanding.decide import Decision, decide
from bot.understanding.embed import embed
from bot.understanding.model import TopicModel, group_of

log = logging.getLogger(__name__)

FALLBACK = "nlu_fallback"
MODEL_FILE = "topic_model.pkl"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class HelplineClassifier(GraphComponent, IntentClassifier):
    """Answer-level classifier with a calibrated fallback and compound-message needs."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """The model's regularisation and the fallback's thresholds (bot/understanding)."""
        return {
            "c": 0.5, "embedding_weight": 1.5, "temperature": 8.0, "threshold": None,
            "margin": None,
        }  # fmt: skip

    def __init__(
        self,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: TopicModel | None = None,
    ) -> None:
        self.component_config = config
        self._storage = model_storage
        self._resource = resource
        self.model = model

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> HelplineClassifier:
        """A new, untrained component."""
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> HelplineClassifier:
        """The trained component from the model archive."""
        try:
            with model_storage.read_from(resource) as directory:
                with open(directory / MODEL_FILE, "rb") as handle:
                    model = pickle.load(handle)
        except (ValueError, FileNotFoundError):
            log.warning("no trained answer model in this archive; every message falls back")
            model = None
        if model is not None:
            # Load the sentence encoder now, before Rasa says it is ready, not on the first
            # message (which would wait seconds for it and get the safety reply).
            embed(["warm up"])
        return cls(config, model_storage, resource, model)

    def train(self, training_data: TrainingData) -> Resource:
        """Fit on every intent example; a retrieval intent's label is its response key."""
        texts, labels = [], []
        for example in training_data.intent_examples:
            texts.append(example.get(TEXT))
            labels.append(example.get(INTENT_RESPONSE_KEY) or example.get(INTENT))
        config = self.component_config
        self.model = TopicModel(config["c"], config["embedding_weight"], config["temperature"]).fit(
            texts, labels, training_data.entity_synonyms
        )
        with self._storage.write_to(self._resource) as directory:
            with open(directory / MODEL_FILE, "wb") as handle:
                pickle.dump(self.model, handle, protocol=pickle.HIGHEST_PROTOCOL)
        return self._resource

    def process(self, messages: List[Message]) -> List[Message]:
        """Set intent, ranking, response selection, answer ranking and extra needs."""
        for message in messages:
            text = message.get(TEXT) or ""
            if self.model is None or not text.strip() or text.startswith("/"):
                continue  # an /intent payload is parsed by Rasa itself
            decision = decide(self.model.understand(text), self.component_config)
            _write(message, decision)
        return messages


def _write(message: Message, decision: Decision) -> None:
    ranking = decision.understanding.ranking
    top = ranking[0]
    intent_name = FALLBACK if decision.fallback else group_of(top.label)
    intent = {"name": intent_name, "confidence": top.confidence}
    groups: Dict[str, float] = {}
    for scored in ranking:
        group = group_of(scored.label)
        groups[group] = groups.get(group, 0.0) + scored.confidence
    intent_ranking = [intent] + [
        {"name": name, "confidence": confidence}
        for name, confidence in sorted(groups.items(), key=lambda item: -item[1])
        if name != intent_name
    ]
    message.set(INTENT, intent, add_to_output=True)
    message.set(INTENT_RANKING_KEY, intent_ranking, add_to_output=True)
    message.set(
        "answer_ranking",
        [{"label": s.label, "confidence": round(s.confidence, 4)} for s in ranking[:5]],
        add_to_output=True,
    )
    message.set(
        "extra_needs",
        [{"label": s.label, "confidence": round(s.confidence, 4)} for s in decision.extras],
        add_to_output=True,
    )
    if "/" in top.label:
        selected = {
            "intent_response_key": top.label,
            "utter_action": f"utter_{top.label}",
            "confidence": top.confidence,
            "responses": [],
        }
        message.set(
            "response_selector",
            {
                "all_retrieval_intents": sorted(
                    {group_of(s.label) for s in ranking if "/" in s.label}
                ),
                "default": {
                    "response": selected,
                    "ranking": [
                        {"intent_response_key": s.label, "confidence": s.confidence}
                        for s in ranking
                        if "/" in s.label
                    ],
                },
            },
            add_to_output=True,
        )
