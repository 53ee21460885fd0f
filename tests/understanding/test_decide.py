"""When the assistant answers and when it offers a menu (bot/understanding/decide.py)."""

from bot.understanding.decide import decide
from bot.understanding.model import Scored, Understanding, clauses, normalize


def understanding(*ranking, extras=()):
    return Understanding(
        [Scored(label, c) for label, c in ranking], [Scored(name, c) for name, c in extras]
    )


def test_a_clear_answer_is_answered_with_the_needs_its_clauses_add():
    decision = decide(
        understanding(
            ("naloxone/how_to", 0.9), ("naloxone/what", 0.05), extras=[("request_human", 0.8)]
        )
    )
    assert not decision.fallback
    assert decision.top.label == "naloxone/how_to"
    assert [s.label for s in decision.extras] == ["request_human"]


def test_two_close_answers_without_a_clause_for_each_offer_a_menu():
    decision = decide(
        understanding(("treatment/methadone", 0.45), ("treatment/methadone_duration", 0.44))
    )
    assert decision.fallback
    assert decision.extras == []


def test_a_compound_message_answers_both_needs_and_the_person_last():
    # "my son overdosed last week and I want to talk to someone"
    decision = decide(
        understanding(
            ("request_human", 0.50),
            ("family/after_overdose", 0.49),
            extras=[("family/after_overdose", 0.9)],
        )
    )
    assert not decision.fallback
    assert decision.top.label == "family/after_overdose"
    assert [s.label for s in decision.extras] == ["request_human"]


def test_a_sure_request_for_a_person_still_gets_the_answer_its_message_needs_first():
    decision = decide(
        understanding(
            ("request_human", 0.55),
            ("family/after_overdose", 0.42),
            extras=[("family/after_overdose", 0.9)],
        )
    )
    assert not decision.fallback
    assert decision.top.label == "family/after_overdose"
    assert [s.label for s in decision.extras] == ["request_human"]


def test_close_answers_that_together_explain_little_stay_a_menu():
    decision = decide(
        understanding(("family/help", 0.30), ("family/talk", 0.28), extras=[("family/talk", 0.6)])
    )
    assert decision.fallback


def test_an_emergency_among_the_top_two_is_answered():
    decision = decide(understanding(("overdose/signs", 0.6), ("overdose_now", 0.3)))
    assert not decision.fallback
    assert decision.top.label == "overdose_now"


def test_normalize_undoes_texting_respellings():
    assert normalize("Im on subs rn, cant sleep") == "i am on subs right now can not sleep"


def test_clauses_split_at_a_new_need():
    assert clauses("my son overdosed last week and I want to talk to someone") == [
        "my son overdosed last week",
        "I want to talk to someone",
    ]
    assert clauses("salt and pepper") == ["salt and pepper"]


def test_misspelled_synonyms_are_read_as_their_word_but_brands_and_slang_stay():
    from bot.understanding.model import spelling_fixes

    fixes = spelling_fixes(
        {"methodone": "methadone", "nalaxone": "naloxone", "done": "methadone",
         "suboxone": "buprenorphine", "mass": "MA"}
    )  # fmt: skip
    assert fixes == {"methodone": "methadone", "nalaxone": "naloxone"}
