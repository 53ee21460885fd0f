"""The content review's findings (issue 12), pinned one by one so none comes back.

Each crisis message gets the right first reply; each answer contains the facts it must
(sources: the answer's metadata). Texts are read from domain/ with the lines filled in.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Dict, List

import pytest
from click.testing import CliRunner

from bot.checkins.texts import TEXTS
from bot.content import answer_notes, crisis_reply, fill_lines, line_notes, responses
from bot.crisis import GOOD_SAMARITAN, assess


def texts(name: str, state: str | None = None) -> List[str]:
    """Every text of a response (main text and MORE) for a state's condition, or the
    variation without one."""
    found = []
    for response, variation in responses():
        if response != name:
            continue
        values = {str(c.get("value")) for c in variation.get("condition") or []}
        if (state is None and not values) or (state in values):
            more = (variation.get("metadata") or {}).get("more") or ""
            found.append(fill_lines(f"{variation['text']} {more}"))
    assert found, (name, state)
    return found


def text(name: str, state: str | None = None) -> str:
    return " ".join(texts(name, state)).lower()


# -- the crisis check ----------------------------------------------------------------------

FIRST_REPLY: Dict[str, str] = {
    "my friend took a lot of pills and is passed out": "overdose_now",
    "someone passed out in the bathroom": "overdose_now",
    "should i call 911 my friend is nodding out hard": "overdose_now",
    "narcan isnt working": "overdose_now",
    "how do i use narcan on my friend right now": "overdose_now",
    "baby swallowed a suboxone strip": "child_poisoning",
    "i just want to sleep and not wake up": "suicide",
    "i relapsed again and i just want to disappear": "suicide",
    "I took all my pills": "overdose_now",
}


@pytest.mark.parametrize(("message", "kind"), FIRST_REPLY.items())
def test_each_missed_emergency_is_caught_and_routed(message: str, kind: str) -> None:
    crisis = assess(message)
    assert crisis is not None and crisis.kind == kind


def test_took_all_my_pills_gets_911_first_then_988() -> None:
    crisis = assess("I took all my pills")
    assert crisis.kind == "overdose_now" and "suicide" in crisis.also
    assert "988" in crisis_reply("suicide")[0]


def test_an_overdose_now_with_a_legal_question_gets_911_then_the_law() -> None:
    crisis = assess("my friend is overdosing will i get arrested if i call")
    assert crisis.kind == "overdose_now" and GOOD_SAMARITAN in crisis.also


def test_a_past_overdose_gets_care_not_call_911_now() -> None:
    assert assess("my brother died of an overdose last year") is None


def test_the_first_overdose_reply_has_the_whole_naloxone_steps() -> None:
    first = crisis_reply("overdose_now")[0].lower()
    for step in ("call 911", "naloxone", "nostril", "press the plunger"):
        assert step in first


def test_a_child_gets_911_poison_help_and_the_hospital_even_after_naloxone() -> None:
    reply = crisis_reply("child_poisoning")[0].lower()
    assert "911" in reply and "1-800-222-1222" in reply
    assert "even if the child seems fine or wakes up after naloxone" in reply
    assert "hospital" in reply


def test_suicidal_language_gets_988_first() -> None:
    assert "988" in crisis_reply("suicide")[0]


# -- naloxone and overdose response (AHA 2020; Narcan label) -------------------------------


def test_cpr_for_everyone_not_only_the_trained() -> None:
    first = crisis_reply("overdose_now")[0].lower()
    assert "start cpr" in first and "push hard and fast" in first
    assert "hands-only" in text("utter_naloxone/how_to")
    assert "hands-only" in text("utter_overdose/rescue_breathing")


@pytest.mark.parametrize(
    "name", ["utter_overdose_now_breathe", "utter_naloxone/doses", "utter_naloxone/how_to"]
)
def test_repeat_doses_new_device_every_2_3_minutes_other_nostril(name: str) -> None:
    said = text(name)
    assert "new device" in said and "every 2-3 min" in said
    assert "other nostril" in said or "switching nostrils" in said


@pytest.mark.parametrize(
    "name", ["utter_overdose_now_breathe", "utter_naloxone/worked", "utter_overdose/what_to_do"]
)
def test_the_goal_is_breathing_not_waking(name: str) -> None:
    assert re.search(r"goal is breathing, not waking|breathing is the goal, not waking", text(name))


# -- Good Samaritan law (MGL c.94C s.34A; CGS 21a-267(d), 21a-279(d)) ----------------------


def test_massachusetts_covers_possession_and_probation_not_warrants() -> None:
    said = text("utter_law/good_samaritan", "MA")
    assert "possession" in said and "probation" in said and "parole" in said
    assert "warrant" in said and "other crimes" in said
    limits = text("utter_law/limits", "MA")
    assert "warrant" in limits and "other crimes" in limits


def test_connecticut_covers_possession_and_paraphernalia_and_says_nothing_on_probation() -> None:
    said = text("utter_law/good_samaritan", "CT")
    assert "drugs or paraphernalia" in said and "warrants" in said
    assert "doesn't address probation or parole" in said
    probation = text("utter_law/probation", "CT")
    assert "does not address probation or parole" in probation and "lawyer" in probation


def test_naloxone_immunity_conditions_by_state() -> None:
    assert "reasonable care" in text("utter_law/naloxone_liability", "CT")
    assert "gross negligence" in text("utter_law/naloxone_liability", "MA")


@pytest.mark.parametrize("name", ["utter_law/good_samaritan", "utter_law/limits"])
def test_legal_answers_say_they_are_not_legal_advice(name: str) -> None:
    for state in ("CT", "MA", None):
        assert "not legal advice" in text(name, state)


# -- treatment ---------------------------------------------------------------------------


def test_no_answer_says_every_medication_halves_the_risk_of_dying() -> None:
    everything = " ".join(
        f"{v['text']} {(v.get('metadata') or {}).get('more') or ''}" for _, v in responses()
    ).lower()
    assert "halves" not in everything and "roughly half" not in everything
    assert "methadone and buprenorphine lower the risk of dying" in text("utter_treatment/moud")
    assert "hasn't been shown to lower the risk of dying" in text("utter_treatment/naltrexone")


def test_naltrexone_overdose_risk_end_of_dose_missed_stopped_and_overriding() -> None:
    said = text("utter_treatment/vivitrol_risks")
    for fact in ("end of the month", "missed", "after stopping", "override the block"):
        assert fact in said


def test_buprenorphine_start_precipitated_withdrawal_fentanyl_and_low_dose() -> None:
    said = text("utter_treatment/bupe_start")
    assert "precipitated withdrawal" in said
    assert "fentanyl" in said and "even after waiting" in said and "low-dose" in said
    assert "even after a long wait" in text("utter_treatment/precipitated_withdrawal")


def test_telehealth_names_the_dea_rules_and_that_they_can_change() -> None:
    said = text("utter_treatment/telehealth")
    assert "dea" in said and "rules can change" in said and "waiver" not in said


def test_methadone_take_homes_under_the_2024_rule() -> None:
    assert "2024 federal rule" in text("utter_treatment/methadone_take_homes")
    for name in ("utter_treatment/methadone", "utter_treatment/options"):
        assert "take-home" in text(name)


def test_pregnancy_moud_recommended_do_not_stop_continue_after_birth() -> None:
    said = text("utter_treatment/pregnancy")
    assert "recommended treatment" in said and "don't stop" in said and "after the birth" in said
    assert "breastfeeding is encouraged" in text("utter_treatment/breastfeeding")
    custody = text("utter_treatment/baby_custody")
    assert "not a reason to remove a baby" in custody and "reply person" in custody


@pytest.mark.parametrize(
    "name",
    ["utter_treatment/stopping_risk", "utter_treatment/taper", "utter_treatment/detox",
     "utter_treatment/naltrexone", "utter_treatment/quit_alone"],
)  # fmt: skip
def test_overdose_risk_after_stopping_is_said_wherever_stopping_is(name: str) -> None:
    assert "overdose" in text(name)


# -- SMS wording and the review report -----------------------------------------------------


def test_the_check_in_says_stop_checkins_not_stop() -> None:
    assert "STOP CHECKINS to end check-ins" in TEXTS["checkin"]
    assert "STOP to end these messages" not in TEXTS["checkin"]


def test_every_phone_line_has_a_source_and_a_review_date() -> None:
    notes = line_notes()
    assert len(notes) >= 18
    assert all(note.source and note.reviewed for note in notes), [n.name for n in notes]


def test_every_fact_answer_has_a_source_and_review_date_in_the_report() -> None:
    facts = [note for note in answer_notes() if note.states_facts]
    assert len(facts) > 230 and all(note.source and note.reviewed for note in facts)


def test_the_content_report_flags_what_is_past_its_review_interval() -> None:
    from bot.cli import main

    runner = CliRunner()
    current = runner.invoke(main, ["content", "report", "--today", "2026-12-15"])
    assert current.exit_code == 0
    assert "line_988" in current.output and "utter_naloxone/how_to" in current.output
    assert "0 due for review" in current.output
    later = runner.invoke(
        main, ["content", "report", "--today", "2027-03-01", "--interval-days", "30", "--due-only",
               "--strict"],
    )  # fmt: skip
    assert later.exit_code == 1
    assert "DUE 2026-11-24  line_911" in later.output
    assert "utter_goodbye" not in later.output  # states no facts: never due
    assert date(2027, 3, 1).isoformat() in later.output
