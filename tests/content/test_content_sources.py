"""Health and legal answers keep their source and review date; phone numbers live in one place."""

from __future__ import annotations

import datetime as dt
import re
from typing import List

import pytest
import yaml

from bot.content import DOMAIN_DIR, LINES_FILE, lines

# Topics whose every response is a health or legal answer.
FACT_TOPICS = (
    "crisis",
    "overdose",
    "naloxone",
    "law",
    "treatment",
    "recovery",
    "harm_reduction",
    "family",
    "safety",
    "health",
    "needs",
)
# Phone numbers written out instead of {line_...}: 800 numbers, 911, 988, the SAMHSA code.
PHONE = re.compile(r"\b\d{3}-\d{3}-\d{4}\b|\b1-8\d\d\b|\b(?:911|988|435748|2-1-1)\b")
# Responses that state no fact (acknowledgements, questions).
NOT_FACTS = {"utter_inform_state_ack"}


def fact_variations() -> List[tuple]:
    found = []
    for topic in FACT_TOPICS:
        data = yaml.safe_load((DOMAIN_DIR / f"{topic}.yml").read_text(encoding="utf-8"))
        for name, variations in (data.get("responses") or {}).items():
            if name in NOT_FACTS:
                continue
            for index, variation in enumerate(variations):
                found.append((f"{topic}:{name}:{index}", variation))
    return found


FACTS = fact_variations()


def test_every_fact_topic_has_answers() -> None:
    assert len(FACTS) > 200


@pytest.mark.parametrize("where, variation", FACTS, ids=[w for w, _ in FACTS])
def test_fact_has_source_and_review_date(where: str, variation: dict) -> None:
    metadata = variation.get("metadata") or {}
    assert str(metadata.get("source") or "").strip(), "no source"
    reviewed = dt.date.fromisoformat(str(metadata.get("reviewed")))
    assert reviewed <= dt.date.today() + dt.timedelta(days=1)


def test_no_phone_number_is_written_into_a_response() -> None:
    written = []
    for path in sorted(DOMAIN_DIR.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for name, variations in (data.get("responses") or {}).items():
            for variation in variations:
                more = (variation.get("metadata") or {}).get("more") or ""
                if PHONE.search(variation.get("text") or "") or PHONE.search(more):
                    written.append(f"{path.name}:{name}")
    assert written == []


def test_lines_are_configured_once_with_source_and_review_date() -> None:
    numbers = lines()
    assert numbers["line_988"] == "988"
    assert numbers["line_samhsa"] == "1-800-662-4357"
    assert numbers["line_ct_access"] == "1-800-563-4086"
    assert numbers["line_never_use_alone"] == "1-800-484-3731"
    raw = LINES_FILE.read_text(encoding="utf-8").splitlines()
    for name in numbers:
        index = next(i for i, line in enumerate(raw) if line.strip() == f"{name}:")
        comment = []
        for line in reversed(raw[:index]):
            if not line.strip().startswith("#"):
                break
            comment.append(line)
        text = " ".join(comment)
        assert "Source:" in text and "Reviewed" in text, f"{name} has no source/review comment"


def test_legal_answers_say_they_are_not_legal_advice() -> None:
    data = yaml.safe_load((DOMAIN_DIR / "law.yml").read_text(encoding="utf-8"))
    legal = {n: v for n, v in data["responses"].items() if n.startswith("utter_law/")}
    assert len(legal) >= 10
    for name, variations in legal.items():
        for variation in variations:
            spanish = {"name": "language", "type": "slot", "value": "es"} in (
                variation.get("condition") or []
            )
            notice = "no consejo legal" if spanish else "not legal advice"
            assert notice in variation["text"], name
