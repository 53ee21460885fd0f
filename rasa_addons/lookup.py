"""Dialogue policy: a reply to a list of places changes the search, whatever it was
classified as.

After a result list, people answer it in a word or two: "MORE", "WRONG 2", "what about
norwich", "06340", "medicaid", "any in spanish", "methadone instead". As single messages
these read as anything (a ZIP code is a new treatment lookup, "medicaid" an insurance
question), so the reply is read against the list, as every other offer is read against the
line's last message (bot/understanding/answers.py). When the line's last turn showed places
(its last action was a lookup's) and the reply is made only of refinement words
(`read_refinement` in bot/directory/asking.py), this policy predicts the lookup's action
with certainty. Emergencies, a request for a person and anything else are left to the
other policies.
"""

from __future__ import annotations

from typing import Any, Dict

from rasa.core.constants import POLICY_PRIORITY
from rasa.core.policies.policy import PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.directory.asking import read_refinement
from rasa_addons.components import AdvisoryPolicy

# Above RulePolicy (6): a rule for the reply's intent ("06340" -> a new lookup that asks
# nothing) must not win over the list the person is answering.
PRIORITY = 7
# Never taken over: emergencies, a person, and the person's own data.
LEFT_ALONE = frozenset(
    {"overdose_now", "child_poisoning", "suicide", "violence", "sexual_assault",
     "medical_emergency", "request_human", "contact_later", "delete_data", "checkins"}
)  # fmt: skip
# The actions that end a turn with a list of places (or a report about one of them).
LIST_ACTIONS = frozenset(
    {"action_find_help", "action_refine_search", "action_more_results", "action_report_listing"}
)


def lookup_action(text: str) -> str | None:
    """The lookup action a reply to a result list asks for, or None if it is not one."""
    refinement = read_refinement(text)
    if refinement is None:
        return None
    if refinement.more:
        return "action_more_results"
    if refinement.wrong is not None:
        return "action_report_listing"
    return "action_refine_search"


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=False
)
class LookupFollowUpPolicy(AdvisoryPolicy):
    """Predicts MORE, WRONG n or a refined search for a reply to a list of places."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """Priority only: what counts as a refinement lives in bot/directory/asking.py."""
        return {POLICY_PRIORITY: PRIORITY}

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: Dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        """Certain of the lookup's action for a reply to places; otherwise no opinion."""
        result = self._default_predictions(domain)
        action = self._follow_up(tracker)
        if action is not None and action in domain.action_names_or_texts:
            result[domain.index_for_action(action)] = 1.0
        return self._prediction(result)

    @staticmethod
    def _follow_up(tracker: DialogueStateTracker) -> str | None:
        if tracker.latest_action_name != ACTION_LISTEN_NAME or tracker.active_loop_name:
            return None
        message = tracker.latest_message
        if message is None or (message.intent or {}).get("name") in LEFT_ALONE:
            return None
        if message.parse_data.get("crisis_also"):
            return None
        if _last_action(tracker) not in LIST_ACTIONS:
            return None
        return lookup_action(message.text or "")


def _last_action(tracker: DialogueStateTracker) -> str | None:
    """The last action of the line's turn before the person's latest message."""
    seen_user = False
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            if seen_user:
                return None
            seen_user = True
        elif seen_user and isinstance(event, ActionExecuted):
            if event.action_name != ACTION_LISTEN_NAME:
                return event.action_name
    return None
