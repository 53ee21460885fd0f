"""Spanish crisis recall on the sets in tests/understanding/crisis_es/ (see its README)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

from bot.crisis import detect

SETS = Path(__file__).with_name("crisis_es")


def load(name: str) -> List[dict]:
    """One set's messages: text, label (the emergency, or None) and source."""
    return [json.loads(line) for line in (SETS / f"{name}.jsonl").read_text().splitlines()]


def figures(name: str) -> Tuple[Dict[str, float], List[str]]:
    """Recall, false alarms and the counts of one set, and what went wrong."""
    rows = load(name)
    crises = [r for r in rows if r["label"]]
    calm = [r for r in rows if not r["label"]]
    missed = [f"missed: {r['text']}" for r in crises if detect(r["text"]) != r["label"]]
    alarms = [f"false alarm: {r['text']}" for r in calm if detect(r["text"])]
    found = {
        "recall": (len(crises) - len(missed)) / len(crises),
        "emergencies": len(crises),
        "false_alarms": len(alarms),
        "not_emergencies": len(calm),
    }
    return found, missed + alarms


@pytest.mark.parametrize("name", ["set", "blind"])
def test_every_spanish_emergency_is_found_and_nothing_else(name: str) -> None:
    found, wrong = figures(name)
    assert found["emergencies"] >= 20 and found["not_emergencies"] >= 10
    assert wrong == []


def test_every_message_names_its_public_source() -> None:
    for name in ("set", "blind"):
        assert all(r["source"].startswith("http") for r in load(name))


if __name__ == "__main__":
    for name in ("set", "blind"):
        found, wrong = figures(name)
        print(
            f"{name}: recall {found['recall']:.2f} ({found['emergencies']} emergencies), "
            f"false alarms {found['false_alarms']}/{found['not_emergencies']}"
        )
        for line in wrong:
            print("  " + line)
