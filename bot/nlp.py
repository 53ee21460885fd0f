"""Builds the project's own spaCy pipeline that Rasa loads (config.yml: SpacyNLP).

No pretrained model can be downloaded where the helpline runs, and none is needed: a blank
English tokenizer plus an entity ruler that tags town names (from the offline gazetteer)
and five-digit ZIP codes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

import spacy
from spacy.pipeline import EntityRuler

from bot.directory.geo import place_names

ZIP_PATTERN = {"label": "zip", "pattern": [{"TEXT": {"REGEX": r"^\d{5}$"}}]}


def town_patterns(names: Iterable[str]) -> list:
    """Case-insensitive token patterns for each town name."""
    patterns = []
    for name in names:
        tokens = [{"LOWER": part} for part in name.lower().split()]
        patterns.append({"label": "town", "pattern": tokens})
    return patterns


def build_pipeline(path: Path) -> Path:
    """Write the pipeline to `path` and return it."""
    nlp = spacy.blank("en")
    ruler: EntityRuler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})  # type: ignore[assignment]
    ruler.add_patterns(town_patterns(place_names()) + [ZIP_PATTERN])
    path.parent.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(path)
    return path
