"""NLU benchmark: train on data/, score the held-out set in tests/heldout/.

Usage (from the repo root):
    RASA_TELEMETRY_ENABLED=false .venv/bin/python bench/bench_nlu.py [--model model.tar.gz]

Prints intent accuracy, macro-F1, per-intent recall, the most-confused pairs and whether an
out-of-scope message was ever answered with a health intent, then PASS or FAIL against the
targets. Exits non-zero only when it crashes.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Dict, List, Tuple

ROOT = Path(__file__).resolve().parent.parent
HELDOUT = ROOT / "tests" / "heldout" / "nlu_heldout.yml"
# A second, smaller set never used to guide the training data: reported, not a target.
BLIND = ROOT / "tests" / "heldout" / "nlu_blind.yml"

TARGET_MACRO_F1 = 0.93
MUST_RECALL_ALL = ("overdose_now", "suicide")
# Intents whose answer carries no health or legal fact: an out-of-scope message may land here.
NON_HEALTH_INTENTS = frozenset(
    {
        "out_of_scope",
        "nlu_fallback",
        "greet",
        "goodbye",
        "thanks",
        "bot_challenge",
        "more",
        "deny",
        "about_service",
        "privacy",
        "delete_data",
        "request_human",
        "inform_state",
    }
)


def train(out_dir: str) -> Tuple[str, float]:
    """Train an NLU-only model on data/ into out_dir; return its path and the seconds taken."""
    from rasa.model_training import train_nlu

    started = time.monotonic()
    model = train_nlu(
        config=str(ROOT / "config.yml"),
        nlu_data=str(ROOT / "data"),
        output=out_dir,
        fixed_model_name="bench",
        domain=str(ROOT / "domain"),
    )
    if not model:
        raise RuntimeError("NLU training produced no model")
    return model, time.monotonic() - started


def heldout(path: Path) -> List[Tuple[str, str]]:
    """(text, intent) pairs of a held-out set."""
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(path))
    return [(m.get("text"), m.get("intent")) for m in data.intent_examples]


def predict(model_path: str, texts: List[str]) -> List[str]:
    """The predicted intent for each text (after the whole NLU pipeline, crisis check included)."""
    from rasa.core.agent import Agent

    agent = Agent.load(model_path)

    async def run() -> List[str]:
        results = []
        for text in texts:
            parsed = await agent.parse_message(text)
            results.append((parsed.get("intent") or {}).get("name") or "None")
        return results

    return asyncio.run(run())


def report(pairs: List[Tuple[str, str]], predicted: List[str]) -> bool:
    """Print the figures and return True when every target is met."""
    from sklearn.metrics import accuracy_score, f1_score, recall_score

    truth = [intent for _, intent in pairs]
    labels = sorted(set(truth))
    accuracy = accuracy_score(truth, predicted)
    macro_f1 = f1_score(truth, predicted, labels=labels, average="macro", zero_division=0)
    recalls = recall_score(truth, predicted, labels=labels, average=None, zero_division=0)
    recall: Dict[str, float] = dict(zip(labels, recalls, strict=False))

    print(f"held-out messages: {len(pairs)}  intents: {len(labels)}")
    print(f"intent accuracy:   {accuracy:.4f}")
    print(f"macro-F1:          {macro_f1:.4f}  (target >= {TARGET_MACRO_F1})")
    print("\nper-intent recall (lowest first):")
    for name in sorted(labels, key=lambda n: (recall[n], n)):
        support = truth.count(name)
        print(f"  {name:<24} {recall[name]:.3f}  (n={support})")

    confused = Counter((t, p) for t, p in zip(truth, predicted, strict=False) if t != p)
    print("\nmost-confused pairs (true -> predicted: count):")
    for (true, pred), count in confused.most_common(12):
        print(f"  {true} -> {pred}: {count}")
    print("\nmisclassified messages:")
    for (text, true), pred in zip(pairs, predicted, strict=False):
        if true != pred:
            print(f"  [{true} -> {pred}] {text}")

    oos_health = [
        (text, pred)
        for (text, true), pred in zip(pairs, predicted, strict=False)
        if true == "out_of_scope" and pred not in NON_HEALTH_INTENTS
    ]
    print(f"\nout-of-scope answered with a health intent: {len(oos_health)}")
    for text, pred in oos_health:
        print(f"  [{pred}] {text}")

    checks = {
        f"macro-F1 >= {TARGET_MACRO_F1}": macro_f1 >= TARGET_MACRO_F1,
        **{f"recall({name}) == 1.0": recall.get(name, 0.0) == 1.0 for name in MUST_RECALL_ALL},
        "out-of-scope never answered with a health fact": not oos_health,
    }
    print()
    for name, ok in checks.items():
        print(f"  {'ok  ' if ok else 'FAIL'} {name}")
    passed = all(checks.values())
    print("\nPASS" if passed else "\nFAIL")
    return passed


def main() -> int:
    """Train (unless --model is given), evaluate, print the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="evaluate this model instead of training one")
    args = parser.parse_args()
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    logging.basicConfig(level=logging.WARNING)
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)
    os.chdir(ROOT)  # config.yml refers to var/spacy/helpline and rasa_addons relative to here
    sys.path.insert(0, str(ROOT))

    with tempfile.TemporaryDirectory(prefix="bench-nlu-") as tmp:
        if args.model:
            model, seconds = args.model, None
        else:
            model, seconds = train(tmp)
        pairs = heldout(HELDOUT)
        blind = heldout(BLIND) if BLIND.exists() else []
        predicted = predict(model, [text for text, _ in pairs + blind])
        if seconds is not None:
            print(f"NLU training time: {seconds:.0f} s")
        print(f"=== held-out set {HELDOUT.relative_to(ROOT)} (targets) ===")
        passed = report(pairs, predicted[: len(pairs)])
        if blind:
            print(f"\n=== blind set {BLIND.relative_to(ROOT)} (reported only) ===")
            report(blind, predicted[len(pairs) :])
        print(f"\nBENCHMARK: {'PASS' if passed else 'FAIL'} (targets on the held-out set)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
