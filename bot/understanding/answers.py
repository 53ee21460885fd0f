"""What an answer offers next, and how a reply to an offer is read.

Every message the line sends may carry an offer: "Reply MORE for...", "Reply YES or NO",
"Reply CT or MA", a numbered menu. The offer is data, not dialogue rules: a response's
`metadata.offer` in domain/ (e.g. the suicide offer: affirm -> utter_suicide_human), a
knowledge-base answer's `metadata.more`, or the `offer` a custom action attaches to its
message. A short reply ("yes", "no", "2", "the second one", MORE, "CT") is read against
the offer of the line's last turn, wherever in the conversation that was.

A target is what an offer leads to: "utter_..." (a response), "action_..." (an action),
"label:<label>" (an answer or flow by label), or "more:<label>" (that answer's MORE text).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Dict, Iterable, List, Mapping, Sequence, Tuple

import yaml

from bot.content import fill_lines, response_variations, variation

TITLES_FILE = Path(__file__).with_name("titles.yml")

# What choosing a flow label from a menu does (KB labels are answered directly).
FLOW_TARGETS: Dict[str, str] = {
    "request_human": "utter_ask_handoff_consent",
    "find_treatment": "action:find_treatment",
    "find_naloxone": "action:find_naloxone",
    "contact_later": "action_contact_later",
    "checkins": "utter_checkins",
    "delete_data": "utter_delete_data",
    "greet": "utter_greet",
    "goodbye": "utter_goodbye",
    "switch_language": "utter_language_switched",
    "thanks": "utter_you_are_welcome",
    "bot_challenge": "utter_iamabot",
    "bot_feelings": "utter_bot_feelings",
    "out_of_scope": "utter_out_of_scope",
    "overdose_now": "utter_overdose_now_call",
    "child_poisoning": "utter_child_poisoning",
    "suicide": "utter_suicide_first",
    "violence": "utter_violence",
    "sexual_assault": "utter_sexual_assault",
    "medical_emergency": "utter_medical_emergency",
}
# Labels a menu never offers: they are not needs a person would pick.
# Emergencies are answered, never offered: when one is likely the assistant answers it, and
# every menu ends with the 911 line anyway.
NOT_OFFERED = frozenset(
    {"greet", "goodbye", "thanks", "affirm", "deny", "choose_option", "inform_state",
     "nlu_fallback", "out_of_scope", "bot_feelings", "bot_challenge", "switch_language",
     "overdose_now", "child_poisoning", "suicide", "violence", "sexual_assault",
     "medical_emergency"}
)  # fmt: skip

_ORDINALS = {
    "first": 1, "one": 1, "1st": 1, "second": 2, "two": 2, "2nd": 2, "third": 3,
    "three": 3, "3rd": 3, "fourth": 4, "four": 4, "4th": 4,
}  # fmt: skip


@lru_cache(maxsize=1)
def titles() -> Dict[str, str]:
    """Every label's short menu title."""
    return yaml.safe_load(TITLES_FILE.read_text(encoding="utf-8"))


def title(label: str) -> str:
    """The menu title of a label (the label itself, readably, if it has none)."""
    return titles().get(label) or label.split("/")[-1].replace("_", " ").capitalize()


def more_text(label: str, slots: Mapping[str, object] | None = None) -> str | None:
    """The MORE text of a knowledge-base answer, lines filled in; None if it has none."""
    chosen = variation(f"utter_{label}", slots)
    more = ((chosen or {}).get("metadata") or {}).get("more")
    return fill_lines(more) if more else None


def needs_state(label: str, slots: Mapping[str, object] | None = None) -> bool:
    """True when an answer depends on the state and the state is not known yet."""
    variations = response_variations().get(f"utter_{label}", ())
    by_state = any(
        c.get("name") == "us_state" for v in variations for c in v.get("condition") or []
    )
    return by_state and not (slots or {}).get("us_state")


def static_offer(response: str) -> Dict[str, object]:
    """The offer a domain response makes (its metadata.offer), as targets."""
    chosen = variation(response) or {}
    raw = (chosen.get("metadata") or {}).get("offer") or {}
    offer: Dict[str, object] = {}
    for reply, target in raw.items():
        offer[reply] = target if reply == "choose" else _target(str(target))
    return offer


def answer_offer(label: str, slots: Mapping[str, object] | None = None) -> Dict[str, object]:
    """What a knowledge-base answer offers: MORE, or the state when it depends on one."""
    offer: Dict[str, object] = {}
    if needs_state(label, slots):
        offer["state"] = f"label:{label}"
    elif more_text(label, slots):
        offer["affirm"] = f"more:{label}"
    return offer


def _target(value: str) -> str:
    """A domain offer value as a target ("law/good_samaritan" names an answer)."""
    if value.startswith(("utter_", "action_", "label:", "more:")):
        return value
    return f"label:{value}"


def last_offer(events: Sequence[Mapping]) -> Dict[str, object]:
    """The offers of the line's last turn before the person's latest message, merged: a
    later message's offer wins for the same reply ("Reply CT or MA" after "Reply MORE ..."
    leaves MORE as it was)."""
    turn: List[Mapping] = []
    seen_latest_user = False
    for event in reversed(events):
        kind = event.get("event")
        if kind == "user":
            if seen_latest_user:
                break
            seen_latest_user = True
        elif kind == "bot" and seen_latest_user:
            turn.append(event)
    merged: Dict[str, object] = {}
    for event in turn:  # newest first
        metadata = event.get("metadata") or {}
        offer = metadata.get("offer")
        if not offer and metadata.get("utter_action"):
            offer = static_offer(str(metadata["utter_action"]))
        for reply, target in (offer or {}).items():
            merged.setdefault(reply, target)
    return merged


def chosen_number(text: str, entities: Iterable[Mapping] = ()) -> int | None:
    """The option a reply picks: "2", "#2", "the second one", "option 3", "the last one"
    (-1); None when it names none."""
    for entity in entities:
        if entity.get("entity") == "listing_number":
            try:
                return int(str(entity.get("value")))
            except ValueError:
                pass
    words = re.findall(r"[a-z0-9]+", (text or "").lower())
    for word in words:
        if word.isdigit() and 1 <= int(word) <= 9:
            return int(word)
        if word in _ORDINALS:
            return _ORDINALS[word]
    if "last" in words:
        return -1
    return None


def menu_options(ranking: Sequence[Mapping], size: int = 2) -> List[str]:
    """The likeliest needs for a menu (at most `size`), then always "talk to a person"."""
    options: List[str] = []
    for item in ranking:
        label = str(item.get("label") or item.get("name") or "")
        if not label or label in NOT_OFFERED or label in options or label == "request_human":
            continue
        if float(item.get("confidence") or 0.0) < 0.03:
            break
        options.append(label)
        if len(options) == size:
            break
    return options + ["request_human"]


# The flows' titles in a Spanish menu; knowledge-base answers keep their English title
# (their answers are in English too).
SPANISH_TITLES = {
    "request_human": "Hablar con una persona",
    "find_treatment": "Buscar tratamiento",
    "find_naloxone": "Buscar naloxona",
    "contact_later": "Que me contacten luego",
}


def menu_text(
    options: Sequence[str], web: bool = False, language: str | None = None
) -> Tuple[str, List[dict]]:
    """The fallback's words and, on the web, its buttons (each sends the option's number);
    in Spanish for a Spanish conversation (`language` "es")."""
    spanish = language == "es"
    named = [(SPANISH_TITLES.get(o) if spanish else None) or title(o) for o in options]
    if web:
        text = fill_lines(
            "No estoy seguro de entenderte. ¿Quieres decir una de estas? También puedes "
            "decirlo con otras palabras. Si alguien puede tener una sobredosis, llama al "
            "{line_911} ya."
            if spanish
            else "I'm not sure I understood. Did you mean one of these? You can also say it "
            "in other words. If someone may be overdosing, call {line_911} now."
        )
        buttons = [{"title": name, "payload": str(i)} for i, name in enumerate(named, 1)]
        return text, buttons
    numbered = " ".join(f"{i}) {name}" for i, name in enumerate(named, 1))
    first = ", ".join(str(i) for i in range(1, len(options)))
    if spanish:
        text = fill_lines(
            f"No estoy seguro de entenderte. ¿Quieres decir: {numbered}? Responde {first} o "
            f"{len(options)}, o dilo de otra forma. Si alguien puede tener una sobredosis, "
            "llama al {line_911} ya."
        )
    else:
        text = fill_lines(
            f"I'm not sure I understood. Did you mean: {numbered}? Reply {first} or "
            f"{len(options)}, or say it another way. If someone may be overdosing, call "
            "{line_911} now."
        )
    return text, []
