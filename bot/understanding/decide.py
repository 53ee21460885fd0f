"""When to answer and when to ask: the fallback decision over the model's ranking.

The assistant answers when the likeliest answer is clearly ahead. Otherwise it offers the
two or three likeliest as a numbered menu with "talk to a person" (a fallback that helps)
rather than guess. Safety comes first: when an emergency is among the likeliest answers, it
is answered (a needless "call 911" costs less than a missed one).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Mapping

from bot.understanding.model import Scored, Understanding

# Tuned on the development set (tests/dev), never on the blind set: see bench/bench_nlu.py.
THRESHOLD = 0.30
MARGIN = 0.08
# Emergencies answered whenever they are this likely and among the top two.
EMERGENCIES = frozenset(
    {"overdose_now", "suicide", "violence", "sexual_assault", "medical_emergency"}
)
EMERGENCY_FLOOR = 0.25
# Two answers this likely together, each the clear need of one clause, are a compound
# message ("my son overdosed last week and I want to talk to someone"), not a doubt.
COMPOUND = 0.8


@dataclass(frozen=True)
class Decision:
    """Answer the top label, or offer a menu (`fallback`); plus further needs to answer."""

    understanding: Understanding
    fallback: bool
    extras: List[Scored] = field(default_factory=list)

    @property
    def top(self) -> Scored:
        """The likeliest answer."""
        return self.understanding.top


def decide(understanding: Understanding, config: Mapping | None = None) -> Decision:
    """Answer, or fall back to a menu, for one message."""
    config = config or {}
    threshold = config.get("threshold") or THRESHOLD
    margin = config.get("margin") or MARGIN
    ranking = understanding.ranking
    for scored in ranking[:2]:
        if scored.label in EMERGENCIES and scored.confidence >= EMERGENCY_FLOOR:
            promoted = [scored] + [s for s in ranking if s.label != scored.label]
            return Decision(
                Understanding(promoted, understanding.extras), False, understanding.extras
            )
    top = ranking[0]
    second = ranking[1].confidence if len(ranking) > 1 else 0.0
    unsure = top.confidence < threshold or top.confidence - second < margin
    if _compound(understanding) and (unsure or _flow_first(understanding)):
        return _both(understanding)
    return Decision(understanding, unsure, [] if unsure else understanding.extras)


def _flow_first(understanding: Understanding) -> bool:
    """A flow (a person, a lookup) ahead of a knowledge-base answer the message also needs:
    the answer goes first, the flow last, however sure the model is of the flow."""
    first, second = understanding.ranking[0], understanding.ranking[1]
    return "/" not in first.label and "/" in second.label


def _compound(understanding: Understanding) -> bool:
    """The top two split the message between them and a clause asks for the second."""
    ranking = understanding.ranking
    if len(ranking) < 2:
        return False
    first, second = ranking[0], ranking[1]
    clause_needs = {scored.label for scored in understanding.extras}
    return second.label in clause_needs and first.confidence + second.confidence >= COMPOUND


def _both(understanding: Understanding) -> Decision:
    """Answer both needs: the knowledge-base answer first, a flow (a person, a lookup) last."""
    first, second = understanding.ranking[0], understanding.ranking[1]
    if "/" not in first.label and "/" in second.label:
        first, second = second, first
    ranking = [first] + [s for s in understanding.ranking if s.label != first.label]
    extras = [second] + [
        s for s in understanding.extras if s.label not in (first.label, second.label)
    ]
    promoted = Understanding(ranking, extras)
    return Decision(promoted, False, extras)
