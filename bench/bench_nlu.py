"""NLU benchmark: does the assistant give the answer people need, on messages they wrote?

Usage (from the repo root):
    .venv/bin/python bench/bench_nlu.py [--compare] [--sets heldout,dev,blind] [--errors dev]

Trains the answer model (bot/understanding) on data/nlu and scores it on
- tests/heldout/: written by the team, like the training data (flatters the model);
- tests/dev/: real messages (forum and Q&A posts, study prompts), used to tune;
- tests/blind/: real messages from the same sources, never used to tune or train.
For each set: accuracy and macro-F1 of the answer label, the helpful-answer rate (the right
answer, or a fallback menu that offers it), the fallback rate, and crisis recall (every
emergency answered as one). The blind set gets the per-label table. With --compare, the
same sets are scored with Rasa's DIET + ResponseSelector + FallbackClassifier trained on
the same data. Prints figures; asserts nothing; exits non-zero only when it crashes.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Sequence, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SETS = {
    "heldout": ROOT / "tests" / "heldout" / "heldout_en.yml",
    "dev": ROOT / "tests" / "dev" / "dev_en.jsonl",
    "blind": ROOT / "tests" / "blind" / "blind_en.jsonl",
}
TARGETS = {"blind": {"helpful": 0.97, "macro_f1": 0.92}, "heldout": {"macro_f1": 0.95}}
EMERGENCIES = ("overdose_now", "child_poisoning", "suicide", "violence", "sexual_assault",
               "medical_emergency")  # fmt: skip


@dataclass(frozen=True)
class Item:
    """One evaluation message: its text, the answer it needs, and other answers that help."""

    text: str
    label: str
    also: Tuple[str, ...] = ()


@dataclass(frozen=True)
class Prediction:
    """What a system did with a message: the answer it gave, or the menu it offered."""

    label: str
    fallback: bool
    offered: Tuple[str, ...] = ()


def load_set(path: Path) -> List[Item]:
    """A JSON Lines set (text, label, also) or a Rasa NLU YAML held-out set."""
    if path.suffix == ".jsonl":
        items = []
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                items.append(Item(row["text"], row["label"], tuple(row.get("also") or ())))
        return items
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(path))
    return [
        Item(m.get("text"), m.get("intent_response_key") or m.get("intent"))
        for m in data.intent_examples
    ]


def training_pairs() -> Tuple[List[str], List[str], Dict[str, str]]:
    """(texts, labels, synonyms) of data/nlu, a retrieval intent's label its response key."""
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(ROOT / "data" / "nlu"))
    texts = [m.get("text") for m in data.intent_examples]
    labels = [m.get("intent_response_key") or m.get("intent") for m in data.intent_examples]
    return texts, labels, data.entity_synonyms


# -- the systems ---------------------------------------------------------------------------


def helpline_system() -> Tuple[Callable[[str], Prediction], float]:
    """The assistant's own pipeline: crisis check, then the answer model and its fallback."""
    from bot.crisis import answers_after, assess
    from bot.understanding.answers import menu_options
    from bot.understanding.decide import decide
    from bot.understanding.model import TopicModel

    texts, labels, synonyms = training_pairs()
    started = time.monotonic()
    model = TopicModel().fit(texts, labels, synonyms)
    seconds = time.monotonic() - started

    def predict(text: str) -> Prediction:
        crisis = assess(text)
        decision = decide(model.understand(text))
        if crisis:  # the emergency reply, then a confident answer (rasa_addons/crisis.py)
            answer = None if decision.fallback else decision.top.label
            return Prediction(crisis.kind, False, tuple(answers_after(crisis, answer)))
        ranking = [
            {"label": s.label, "confidence": s.confidence} for s in decision.understanding.ranking
        ]
        if decision.fallback:
            return Prediction(decision.top.label, True, tuple(menu_options(ranking)))
        return Prediction(decision.top.label, False)

    return predict, seconds


DIET_CONFIG = """
recipe: default.v1
language: en
pipeline:
  - name: SpacyNLP
    model: var/spacy/helpline
  - name: SpacyTokenizer
  - name: RegexFeaturizer
    case_sensitive: false
  - name: LexicalSyntacticFeaturizer
  - name: CountVectorsFeaturizer
  - name: CountVectorsFeaturizer
    analyzer: char_wb
    min_ngram: 2
    max_ngram: 4
  - name: DIETClassifier
    epochs: 100
    number_of_transformer_layers: 1
    transformer_size: 128
    constrain_similarities: true
    random_seed: 7
  - name: ResponseSelector
    epochs: 100
    constrain_similarities: true
    random_seed: 7
  - name: FallbackClassifier
    threshold: 0.45
    ambiguity_threshold: 0.1
policies: []
"""


def diet_system(tmp: str) -> Tuple[Callable[[str], Prediction], float]:
    """Rasa's standard FAQ stack on the same data: DIET, a ResponseSelector, a fallback."""
    import asyncio

    from rasa.core.agent import Agent
    from rasa.model_training import train_nlu

    from bot.crisis import answers_after, assess

    config = Path(tmp) / "diet.yml"
    config.write_text(DIET_CONFIG)
    started = time.monotonic()
    model = train_nlu(
        config=str(config), nlu_data=str(ROOT / "data"), output=tmp,
        fixed_model_name="diet", domain=str(ROOT / "domain"),
    )  # fmt: skip
    seconds = time.monotonic() - started
    agent = Agent.load(model)
    loop = asyncio.new_event_loop()

    def predict(text: str) -> Prediction:
        crisis = assess(text)
        parsed = loop.run_until_complete(agent.parse_message(text))
        intent = (parsed.get("intent") or {}).get("name") or ""
        selected = ((parsed.get("response_selector") or {}).get("default") or {}).get("response")
        key = (selected or {}).get("intent_response_key")
        label = key if key and key.split("/")[0] == intent else intent
        if crisis:
            answer = None if intent == "nlu_fallback" else label
            return Prediction(crisis.kind, False, tuple(answers_after(crisis, answer)))
        if intent == "nlu_fallback":
            ranking = parsed.get("intent_ranking") or []
            offered = []
            for item in ranking[1:3]:
                name = item.get("name")
                if name in selected_keys(parsed):
                    offered.append(selected_keys(parsed)[name])
                elif name:
                    offered.append(name)
            return Prediction("nlu_fallback", True, tuple(offered) + ("request_human",))
        return Prediction(label, False)

    return predict, seconds


def selected_keys(parsed: dict) -> Dict[str, str]:
    """Retrieval intent -> the response the selector picked for it (DIET stack)."""
    selected = ((parsed.get("response_selector") or {}).get("default") or {}).get("response")
    key = (selected or {}).get("intent_response_key")
    return {key.split("/")[0]: key} if key else {}


# -- the figures ---------------------------------------------------------------------------


def score(items: Sequence[Item], predictions: Sequence[Prediction]) -> Dict[str, float]:
    """Accuracy, macro-F1, helpful-answer rate, fallback rate, crisis recall."""
    from sklearn.metrics import f1_score

    truth = [item.label for item in items]
    answered = [p.label if not p.fallback else "nlu_fallback" for p in predictions]
    labels = sorted(set(truth))
    helpful = 0
    for item, p in zip(items, predictions, strict=True):
        good = {item.label, *item.also}
        # A menu that offers the answer helps; so does an answer given after an emergency's.
        helpful += bool(good & set(p.offered)) or (not p.fallback and p.label in good)
    crisis = [(i, p) for i, p in zip(items, predictions, strict=True) if i.label in EMERGENCIES]
    return {
        "n": len(items),
        "accuracy": sum(t == a for t, a in zip(truth, answered, strict=True)) / len(items),
        "macro_f1": f1_score(truth, answered, labels=labels, average="macro", zero_division=0),
        "helpful": helpful / len(items),
        "fallback": sum(p.fallback for p in predictions) / len(items),
        "crisis_recall": (
            sum(p.label == i.label for i, p in crisis) / len(crisis) if crisis else float("nan")
        ),
        "crisis_n": len(crisis),
    }


def per_label(items: Sequence[Item], predictions: Sequence[Prediction]) -> None:
    """Recall, precision and F1 of each label in the set, lowest F1 first."""
    truth = Counter(item.label for item in items)
    hits: Counter = Counter()
    predicted: Counter = Counter()
    for item, p in zip(items, predictions, strict=True):
        label = "nlu_fallback" if p.fallback else p.label
        predicted[label] += 1
        hits[item.label] += label == item.label
    rows = []
    for label, support in truth.items():
        recall = hits[label] / support
        precision = hits[label] / predicted[label] if predicted[label] else 0.0
        f1 = 2 * recall * precision / (recall + precision) if recall + precision else 0.0
        rows.append((f1, label, support, recall, precision))
    print(f"  {'label':<36} {'n':>3} {'recall':>7} {'prec.':>6} {'F1':>6}")
    for f1, label, support, recall, precision in sorted(rows):
        print(f"  {label:<36} {support:>3} {recall:>7.2f} {precision:>6.2f} {f1:>6.2f}")


def errors(items: Sequence[Item], predictions: Sequence[Prediction]) -> None:
    """Every message not answered rightly (to study the dev set, never the blind one)."""
    for item, p in zip(items, predictions, strict=True):
        if p.fallback:
            if {item.label, *item.also} & set(p.offered):
                continue
            shown = "MENU " + ",".join(p.offered)
        elif {item.label, *item.also} & {p.label, *p.offered}:
            continue
        else:
            shown = p.label
        print(f"  [{item.label} -> {shown}] {item.text[:160]!r}")


def report(name: str, system: str, figures: Dict[str, float]) -> None:
    """One line of figures, with the targets that apply."""
    targets = TARGETS.get(name, {})
    marks = []
    for key, target in targets.items():
        marks.append(f"{key} {'ok' if figures[key] >= target else 'BELOW'} {target}")
    print(
        f"  {system:<10} {name:<8} n={figures['n']:<4} acc {figures['accuracy']:.3f}  "
        f"macro-F1 {figures['macro_f1']:.3f}  helpful {figures['helpful']:.3f}  "
        f"fallback {figures['fallback']:.3f}  crisis recall {figures['crisis_recall']:.3f} "
        f"(n={figures['crisis_n']})" + (f"   [{'; '.join(marks)}]" if marks else "")
    )


def main() -> int:
    """Train, predict every set, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compare", action="store_true", help="also score DIET + ResponseSelector")
    parser.add_argument("--sets", default="heldout,dev,blind")
    parser.add_argument("--errors", default="", help="list the misses of these sets (dev, heldout)")
    args = parser.parse_args()
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    logging.basicConfig(level=logging.WARNING)
    os.chdir(ROOT)

    sets = {name: load_set(SETS[name]) for name in args.sets.split(",") if SETS[name].exists()}
    systems = {}
    predict, seconds = helpline_system()
    systems["helpline"] = (predict, seconds)
    tmp = tempfile.mkdtemp(prefix="bench-nlu-")
    if args.compare:
        systems["diet"] = diet_system(tmp)
    for system, (_, seconds) in systems.items():
        print(f"{system}: trained in {seconds:.0f} s")
    print("\nfigures (answer label; helpful = right answer or a menu offering it):")
    results = {}
    for system, (predict, _) in systems.items():
        for name, items in sets.items():
            started = time.monotonic()
            predictions = [predict(item.text) for item in items]
            per_message = (time.monotonic() - started) / max(len(items), 1) * 1000
            results[(system, name)] = predictions
            figures = score(items, predictions)
            report(name, system, figures)
            print(f"  {'':<10} {'':<8} {per_message:.1f} ms per message")
    if "blind" in sets:
        print("\nper-label figures on the blind set (the assistant's own system):")
        per_label(sets["blind"], results[("helpline", "blind")])
    for name in filter(None, args.errors.split(",")):
        if name == "blind":
            print("\n(--errors blind refused: the blind set is never studied to tune)")
            continue
        print(f"\nmisses on {name}:")
        errors(sets[name], results[("helpline", name)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
