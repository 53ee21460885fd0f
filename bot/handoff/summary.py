"""What a navigator is told about a conversation, built from what the assistant saw.

Only with the person's consent, and only town-level: a ZIP code is dropped, a town kept.
Pure functions over Rasa tracker events (plain dicts), so the action stays a thin shell.
"""

from __future__ import annotations

import re
from typing import Dict, Iterable, List, Mapping, Tuple

# Intents, by the topic a navigator would want to know about.
TOPICS: Tuple[Tuple[str, str], ...] = (
    ("overdose_now", "an overdose"),
    ("suicide", "thoughts of suicide"),
    ("find_treatment", "finding treatment"),
    ("same_day_treatment", "treatment today"),
    ("methadone", "methadone"),
    ("buprenorphine", "buprenorphine"),
    ("buprenorphine_start", "starting buprenorphine"),
    ("naltrexone", "naltrexone"),
    ("detox", "detox"),
    ("residential", "residential treatment"),
    ("treatment_cost", "cost of treatment"),
    ("insurance", "insurance"),
    ("pregnancy", "pregnancy"),
    ("find_naloxone", "getting naloxone"),
    ("naloxone_how_to", "using naloxone"),
    ("family_help", "helping a family member"),
    ("family_after_overdose", "a loved one's overdose"),
    ("need_housing", "housing"),
    ("need_food", "food"),
    ("need_transportation", "transportation"),
    ("good_samaritan", "Good Samaritan law"),
)
_TOPIC = dict(TOPICS)
_FAMILY = {"family_help", "family_after_overdose", "family_support_groups", "family_self_care",
           "family_talk_kids"}  # fmt: skip
_TREATMENT = {"find_treatment", "methadone", "buprenorphine", "buprenorphine_start", "naltrexone",
              "detox", "residential", "treatment_options", "treatment_cost", "telehealth",
              "insurance", "pregnancy", "peer_support", "moud_myth"}  # fmt: skip
_NALOXONE = {"find_naloxone", "naloxone_what", "naloxone_how_to", "naloxone_after",
             "overdose_signs", "naloxone_expired"}  # fmt: skip
INSURANCE_WORDS = {"medicaid": "Medicaid", "uninsured": "no insurance", "private": "private"}


def intents_of(events: Iterable[Mapping]) -> List[str]:
    """The intents of the person's messages, oldest first."""
    return [
        ((e.get("parse_data") or {}).get("intent") or {}).get("name") or ""
        for e in events
        if e.get("event") == "user"
    ]


def reason_for(intents: List[str]) -> str:
    """The handoff reason the queue orders by (an overdose first, then treatment today)."""
    seen = set(intents)
    if "overdose_now" in seen or "family_after_overdose" in seen:
        return "recent_overdose"
    if "same_day_treatment" in seen:
        return "treatment_today"
    for reason, group in (("treatment", _TREATMENT), ("naloxone", _NALOXONE), ("family", _FAMILY)):
        if seen & group:
            return reason
    return "other"


def summary_for(intents: List[str], slots: Mapping[str, object]) -> Dict[str, str]:
    """The short, town-level summary shared with a navigator when the person agrees."""
    topics = []
    for intent in intents:
        topic = _TOPIC.get(intent)
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
