"""What a navigator is told about a conversation, built from what the assistant saw.

Only with the person's consent, and only town-level: a ZIP code is dropped, a town kept.
Pure functions over Rasa tracker events (plain dicts), so the action stays a thin shell.
"""

from __future__ import annotations

import re
from typing import Dict, Iterable, List, Mapping

# Labels (intents, or knowledge-base answers as group/key), by the topic a navigator would
# want to know about; any other answer is named by its group.
TOPICS: Dict[str, str] = {
    "overdose_now": "an overdose",
    "child_poisoning": "a child who swallowed medicine",
    "suicide": "thoughts of suicide",
    "violence": "someone being hurt",
    "sexual_assault": "sexual assault",
    "find_treatment": "finding treatment",
    "find_naloxone": "getting naloxone",
    "treatment/same_day": "treatment today",
    "treatment/methadone": "methadone",
    "treatment/buprenorphine": "buprenorphine",
    "treatment/bupe_start": "starting buprenorphine",
    "treatment/naltrexone": "naltrexone",
    "treatment/detox": "detox",
    "treatment/rehab": "residential treatment",
    "treatment/cost": "cost of treatment",
    "treatment/insurance": "insurance",
    "treatment/pregnancy": "pregnancy",
    "naloxone/how_to": "using naloxone",
    "family/after_overdose": "a loved one's overdose",
    "family/grief": "a loved one's death",
    "needs/housing": "housing",
    "needs/food": "food",
    "needs/transportation": "transportation",
    "law/good_samaritan": "Good Samaritan law",
}
GROUPS: Dict[str, str] = {
    "overdose": "overdose response",
    "naloxone": "naloxone",
    "law": "the law",
    "treatment": "treatment",
    "recovery": "recovery",
    "harm_reduction": "staying safer",
    "family": "family support",
    "safety": "safety",
    "health": "health",
    "needs": "everyday needs",
}
RECENT_OVERDOSE = {"overdose_now", "child_poisoning", "family/after_overdose", "overdose/after"}
INSURANCE_WORDS = {"medicaid": "Medicaid", "uninsured": "no insurance", "private": "private"}


def intents_of(events: Iterable[Mapping]) -> List[str]:
    """What the person's messages asked for, oldest first: the intent, or for a knowledge-
    base question its answer (group/key)."""
    labels = []
    for event in events:
        if event.get("event") != "user":
            continue
        parse = event.get("parse_data") or {}
        intent = (parse.get("intent") or {}).get("name") or ""
        selected = ((parse.get("response_selector") or {}).get("default") or {}).get("response")
        key = (selected or {}).get("intent_response_key")
        labels.append(key if key and key.split("/")[0] == intent else intent)
    return labels


def reason_for(intents: List[str]) -> str:
    """The handoff reason the queue orders by (an overdose first, then treatment today)."""
    seen = set(intents)
    if seen & RECENT_OVERDOSE:
        return "recent_overdose"
    if "treatment/same_day" in seen:
        return "treatment_today"
    groups = {label.split("/")[0] for label in seen}
    if groups & {"treatment", "find_treatment", "recovery"}:
        return "treatment"
    if groups & {"naloxone", "find_naloxone"}:
        return "naloxone"
    if "family" in groups:
        return "family"
    return "other"


def _topic(label: str) -> str | None:
    if label in TOPICS:
        return TOPICS[label]
    return GROUPS.get(label.split("/")[0]) if "/" in label else None


def summary_for(intents: List[str], slots: Mapping[str, object]) -> Dict[str, str]:
    """The short, town-level summary shared with a navigator when the person agrees."""
    topics: List[str] = []
    for intent in intents:
        topic = _topic(intent)
        if topic and topic not in topics:
            topics.append(topic)
    summary = {"topic": ", ".join(topics[-4:]) or "talking to a person"}
    place = str(slots.get("search_place") or slots.get("town") or "")
    town = re.sub(r"\s*\d{5}(-\d{4})?\s*$", "", place).strip()
    if town and town != "none":
        summary["town"] = town
    medication = slots.get("search_medication") or slots.get("medication")
    if medication and medication != "any":
        summary["medication"] = str(medication)
    insurance = INSURANCE_WORDS.get(str(slots.get("search_insurance") or ""))
    if insurance:
        summary["insurance"] = insurance
    reason = reason_for(intents)
    if reason == "recent_overdose":
        summary["urgency"] = "overdose in the last days"
    elif reason == "treatment_today":
        summary["urgency"] = "wants treatment today"
    return summary
