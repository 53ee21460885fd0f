"""Every text the project can send uses person-first, non-stigmatizing language."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Iterator, List, Tuple

import pytest

from bot.content import ROOT, responses, stigmatizing_terms

TEMPLATE_SUFFIXES = {".html", ".txt", ".j2", ".jinja", ".jinja2", ".xml", ".md"}


def response_texts() -> Iterator[Tuple[str, str]]:
    """(where, text) for every response variation's text and button titles."""
    for name, variation in responses():
        channel = variation.get("channel") or "default"
        yield f"{name} [{channel}]", variation.get("text") or ""
        for button in variation.get("buttons") or []:
            yield f"{name} [{channel}] button", button.get("title") or ""
        more = (variation.get("metadata") or {}).get("more")
        if more:
            yield f"{name} [{channel}] MORE", str(more)


def python_strings(path: Path) -> Iterator[str]:
    """String constants in a Python file, docstrings excluded."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = getattr(node, "body", [])
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) not in docstrings:
                yield node.value


def code_and_template_texts() -> Iterator[Tuple[str, str]]:
    """(where, text) for strings in actions/ and webhook/ code and templates."""
    for folder in ("actions", "webhook"):
        for path in sorted((ROOT / folder).rglob("*")):
            if not path.is_file():
                continue
            where = str(path.relative_to(ROOT))
            if path.suffix == ".py":
                for text in python_strings(path):
                    yield where, text
            elif path.suffix in TEMPLATE_SUFFIXES:
                yield where, path.read_text(encoding="utf-8")


def hits(texts: Iterator[Tuple[str, str]]) -> List[str]:
    return [f"{where}: {terms}" for where, text in texts if (terms := stigmatizing_terms(text))]


def test_domain_responses_use_non_stigmatizing_language() -> None:
    found = list(response_texts())
    assert len(found) > 50, "the domain responses were not found"
    assert hits(iter(found)) == []


def test_action_and_gateway_texts_use_non_stigmatizing_language() -> None:
    assert hits(code_and_template_texts()) == []


@pytest.mark.parametrize(
    "text, terms",
    [
        ("He is an addict.", ["addict"]),
        ("Junkies and drug users", ["Junkies", "drug users"]),
        ("a history of substance abuse", ["abuse"]),
        ("she is clean now", ["clean"]),
        ("a dirty test", ["dirty"]),
        ("he relapsed", ["relapsed"]),
        ("opioid replacement therapy", ["replacement therapy"]),
        ("suffering from addiction", ["suffering from"]),
        ("overdose victims", ["victims"]),
        ("a drug habit", ["drug habit"]),
    ],
)
def test_the_lint_catches_stigmatizing_words(text: str, terms: List[str]) -> None:
    assert stigmatizing_terms(text) == terms


@pytest.mark.parametrize(
    "text",
    [
        "Enter your username",
        "user_id and user agent",
        "cleanup the session",
        "a person who uses drugs",
        "people with a substance use disorder",
        "in recovery, not using; a negative test",
        "a return to use",
    ],
)
def test_the_lint_ignores_words_that_only_contain_a_term(text: str) -> None:
    assert stigmatizing_terms(text) == []
