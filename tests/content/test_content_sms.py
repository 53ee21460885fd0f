"""Every reply fits SMS: GSM-7 only, 320 characters a message, at most three messages."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator, List, Tuple

import pytest
import yaml

from bot.content import (
    ROOT,
    SMS_MAX_MESSAGES,
    fill_lines,
    lines,
    more_texts,
    responses,
    sms_problems,
)
from bot.crisis import PRIORITY

SMS_VARIATIONS = [(name, v) for name, v in responses() if not v.get("channel")]
MORE_TEXTS = list(more_texts())
ALL_VARIATIONS = list(responses())


def story_files() -> List[Path]:
    return sorted((ROOT / "data" / "rules").glob("*.yml")) + sorted(
        (ROOT / "data" / "stories").glob("*.yml")
    )


def replies(path: Path) -> Iterator[Tuple[str, List[str]]]:
    """(story name, consecutive bot actions) for each user turn in a rule or story file."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    for item in (data.get("rules") or []) + (data.get("stories") or []):
        name = item.get("rule") or item.get("story")
        run: List[str] = []
        for step in item.get("steps") or []:
            if "intent" in step or "user" in step or "or" in step:
                if run:
                    yield name, run
                run = []
            elif "action" in step:
                run.append(step["action"])
        if run:
            yield name, run


def test_sms_variations_exist() -> None:
    assert len(SMS_VARIATIONS) > 50


@pytest.mark.parametrize("name, variation", SMS_VARIATIONS, ids=[n for n, _ in SMS_VARIATIONS])
def test_each_sms_message_is_gsm7_and_fits_320_characters(name: str, variation: dict) -> None:
    text = fill_lines(variation["text"])
    assert sms_problems(text) == []


@pytest.mark.parametrize("name, text", MORE_TEXTS, ids=[n for n, _ in MORE_TEXTS])
def test_each_more_text_is_gsm7_and_fits_320_characters(name: str, text: str) -> None:
    assert sms_problems(fill_lines(text)) == []
    assert [p for p in re.findall(r"\{(\w+)\}", text) if p not in lines()] == []


@pytest.mark.parametrize("name, variation", ALL_VARIATIONS, ids=[n for n, _ in ALL_VARIATIONS])
def test_every_placeholder_is_a_configured_line(name: str, variation: dict) -> None:
    placeholders = re.findall(r"\{(\w+)\}", variation.get("text") or "")
    assert [p for p in placeholders if p not in lines()] == []


def test_buttons_only_on_webchat_or_with_sms_wording() -> None:
    bad = [
        name
        for name, variation in SMS_VARIATIONS
        if variation.get("buttons") and "Reply" not in variation["text"]
    ]
    assert bad == []


def test_one_reply_is_at_most_three_messages() -> None:
    long_replies = [
        f"{path.name}: {name}: {run}"
        for path in story_files()
        for name, run in replies(path)
        if len([a for a in run if a.startswith("utter_")]) > SMS_MAX_MESSAGES
    ]
    assert long_replies == []


def test_every_reply_more_offer_leads_somewhere() -> None:
    # MORE is read against the offer of the message it answers (bot/understanding/answers.py):
    # a knowledge-base answer's MORE text, or a response's metadata.offer.
    offers = [
        name
        for name, v in responses()
        if "Reply MORE" in (v.get("text") or "")
        and not (v.get("metadata") or {}).get("more")
        and "affirm" not in ((v.get("metadata") or {}).get("offer") or {})
    ]
    assert offers == []


def test_the_check_catches_curly_quotes_emoji_and_length() -> None:
    assert sms_problems("It\u2019s fine") != []
    assert sms_problems("ok \U0001f600") != []
    assert sms_problems("a" * 321) != []
    assert sms_problems("Call 911 now. It's okay: 30-90 minutes (24/7).") == []


def test_crisis_replies_for_the_gateway_come_from_the_domain() -> None:
    from bot.content import crisis_reply

    overdose = crisis_reply("overdose_now")
    assert len(overdose) == 3
    assert overdose[0].startswith("Call 911 now.")
    assert "naloxone" in overdose[0]
    assert "988" in crisis_reply("suicide")[0]


@pytest.mark.parametrize("kind", PRIORITY)
def test_crisis_replies_match_the_crisis_rules(kind: str) -> None:
    from bot.content import CRISIS_REPLIES

    rules = yaml.safe_load((ROOT / "data" / "rules" / "crisis.yml").read_text())["rules"]
    first = next(r for r in rules if r["steps"][0].get("intent") == kind)
    replies = tuple(s["action"] for s in first["steps"][1:] if s["action"].startswith("utter_"))
    assert replies == CRISIS_REPLIES[kind]
