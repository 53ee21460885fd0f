"""NLU component that overrides the intent when bot.crisis detects an emergency.

It runs after the intent classifier, so crisis language wins even when the classifier is
unsure. The emergency reply comes first; a question the classifier was sure of ("if they
start breathing but don't wake up, did the narcan work?") is still answered after it, so
an eager crisis check never leaves the question itself unanswered. A Spanish emergency
gets the Spanish replies: when only the Spanish patterns found it, the message is marked
Spanish for the language slot (rasa_addons/language.py).
"""

from __future__ import annotations

from typing import List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.content import has_spanish
from bot.crisis import Crisis, answers_after, assess
from bot.understanding.language import SPANISH
from rasa_addons.components import RuleClassifier, override_intent

LANGUAGE = "language"  # written by rasa_addons.language.LanguageDetector


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class CrisisOverride(RuleClassifier):
    """Sets the emergency's intent (confidence 1.0) when crisis language is found."""

    def process(self, messages: List[Message]) -> List[Message]:
        """Override the predicted intent of every message that contains crisis language."""
        for message in messages:
            crisis = _crisis(message.get(TEXT))
            if crisis is None:
                continue
            override = crisis.kind
            spanish = _mark_spanish(crisis, message)
            # The classifier's answer is read before overriding; in Spanish it follows the
            # emergency reply only when it has a Spanish variation (the rest of the
            # knowledge base still answers in English).
            also = _also(crisis, message)
            if spanish:
                also = [need for need in also if "/" not in need or has_spanish(need)]
            override_intent(message, override)
            # What to answer after the emergency reply (actions/answers.py ActionAlso).
            message.set("crisis_also", also, add_to_output=True)
        return messages


def _mark_spanish(crisis: Crisis, message: Message) -> bool:
    """True for a Spanish message; a Spanish-only emergency ("no respira") that the language
    reading could not tell is marked Spanish here (rasa_addons/language.py)."""
    reading = dict(message.get(LANGUAGE) or {})
    if reading.get("detected") is None and crisis.language == SPANISH:
        reading["detected"] = SPANISH
        message.set(LANGUAGE, reading, add_to_output=True)
    return reading.get("detected") == SPANISH


def _also(crisis: Crisis, message: Message) -> List[str]:
    """The crisis check's own follow-ups, then the classifier's confident answer."""
    if (message.get(INTENT) or {}).get("name") == "nlu_fallback":
        return list(crisis.also)
    selected = ((message.get("response_selector") or {}).get("default") or {}).get("response")
    return answers_after(crisis, (selected or {}).get("intent_response_key"))


def _crisis(text: str | None) -> Crisis | None:
    """The emergency in a user text, ignoring Rasa's internal /intent messages."""
    if not text or text.startswith("/"):
        return None
    return assess(text)
