"""NLU component: a message that is only a place ("willimantic", "im in 06340") is a lookup.

People text a bare town or ZIP code to a help line the way they text it to SAMHSA's 435748;
the classifier, which has seen few of the 300 Connecticut and Massachusetts town names, may
read "willimantic" as out of scope. A message made only of a place and filler
(`read_refinement` in bot/directory/asking.py) is a treatment lookup there, or a naloxone
lookup when it names naloxone. The lookup itself reads an open offer ("Send your town or
ZIP" after where to get naloxone) and a list being answered (rasa_addons/lookup.py).
It runs before the crisis check, which still overrides it.
"""

from __future__ import annotations

from typing import List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.directory.asking import only_place
from rasa_addons.components import RuleClassifier, override_intent

LOOKUPS = ("find_treatment", "find_naloxone")


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class PlaceMessage(RuleClassifier):
    """Sets a lookup intent (confidence 1.0) for a message that is only a place."""

    def process(self, messages: List[Message]) -> List[Message]:
        """Make every place-only message a lookup, with the place as its entity."""
        for message in messages:
            lookup = place_lookup(message.get(TEXT))
            if lookup is None or (message.get(INTENT) or {}).get("name") in LOOKUPS:
                continue
            intent_name, entity = lookup
            override_intent(message, intent_name)
            entities = list(message.get(ENTITIES) or [])
            if not any(e.get("entity") in ("town", "zip") for e in entities):
                entities.append(entity)
                message.set(ENTITIES, entities, add_to_output=True)
        return messages


def place_lookup(text: str | None) -> tuple[str, dict] | None:
    """(lookup intent, place entity) for a message that is only a place, else None."""
    if not text or text.startswith("/"):
        return None
    place = only_place(text)
    if place is None:
        return None
    if place.kind == "zip":
        entity = {"entity": "zip", "value": place.postal_code}
    else:
        entity = {"entity": "town", "value": f"{place.name} {place.state}"}
    return "find_treatment", {**entity, "extractor": "PlaceMessage"}
