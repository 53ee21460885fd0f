"""Response selection where the most specific matching variation wins.

Rasa picks at random among every conditional variation whose conditions hold, so in a
Spanish conversation about Connecticut an answer would pick at random between the English
Connecticut text (`us_state == CT`) and the Spanish one (`us_state == CT`, `language ==
es`). Here only the variations with the most conditions that hold are candidates, as
`bot.understanding.answers.variation` already reads them for MORE and offers.
"""

from __future__ import annotations

import random
from typing import Any, Dict, List

from rasa.core.nlg.generator import ResponseVariationFilter
from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.constants import RESPONSE_CONDITION
from rasa.shared.core.domain import Domain
from rasa.utils.endpoints import EndpointConfig

Variation = Dict[str, Any]


def most_specific(variations: List[Variation]) -> List[Variation]:
    """The variations with the most conditions among `variations` (all already match)."""
    if not variations:
        return []
    most = max(len(v.get(RESPONSE_CONDITION) or []) for v in variations)
    return [v for v in variations if len(v.get(RESPONSE_CONDITION) or []) == most]


class _SpecificFilter(ResponseVariationFilter):
    def responses_for_utter_action(
        self, utter_action: str, output_channel: str, filled_slots: Dict[str, Any]
    ) -> List[Variation]:
        found = super().responses_for_utter_action(utter_action, output_channel, filled_slots)
        return most_specific(found)


class SpecificResponseGenerator(TemplatedNaturalLanguageGenerator):
    """The domain's responses, the most specific matching variation first (endpoints.yml)."""

    def __init__(
        self, endpoint_config: EndpointConfig | None = None, domain: Domain | None = None
    ) -> None:
        super().__init__(domain.responses if domain else {})

    def _random_response_for(
        self, utter_action: str, output_channel: str, filled_slots: Dict[str, Any]
    ) -> Variation | None:
        """A random variation among the most specific ones that fit channel and slots."""
        if utter_action not in self.responses:
            return None
        suitable = _SpecificFilter(self.responses).responses_for_utter_action(
            utter_action, output_channel, filled_slots
        )
        return random.choice(suitable) if suitable else None
