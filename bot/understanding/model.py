"""Which answer a message needs: a linear model over sentence embeddings and character and
word n-grams, trained on data/nlu.

Labels are the answers themselves: a flow intent ("request_human", "find_treatment") or a
knowledge-base answer ("treatment/methadone_duration", the Rasa retrieval intent and its
response key). Every prediction is a full ranking with probabilities, so the assistant can
answer when it is sure, offer the two or three likeliest answers when it is not, and find a
second need in a compound message ("...and I want to talk to someone") by reading the
message clause by clause.

Why this model: on messages people really wrote (tests/dev, tests/blind) it answered more
of them rightly than DIET with a ResponseSelector on the same data, trains in seconds, and
the embeddings carry meaning across typos, slang and English/Spanish that n-grams alone do
not (bench/bench_nlu.py prints the comparison).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Dict, List, Mapping, Sequence, Tuple

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

from bot.understanding.embed import embed

# Respellings people use in a hurry, undone before the n-grams are taken (whole words).
_WORDS = {
    "u": "you", "ur": "your", "r": "are", "im": "i am", "ive": "i have", "id": "i would",
    "dont": "do not", "cant": "can not", "wont": "will not", "didnt": "did not",
    "doesnt": "does not", "isnt": "is not", "pls": "please", "plz": "please",
    "idk": "i do not know", "rn": "right now", "bc": "because", "cuz": "because",
    "b4": "before", "w": "with", "ppl": "people", "thx": "thanks", "ty": "thank you",
    "bf": "boyfriend", "gf": "girlfriend", "bro": "brother", "sis": "sister",
    "hubby": "husband", "gonna": "going to", "wanna": "want to", "gotta": "got to",
    "tho": "though", "thru": "through", "nite": "night", "2nite": "tonight", "yr": "year",
    "yrs": "years", "wk": "week", "wks": "weeks", "mg": "milligrams",
}  # fmt: skip
_NOT_WORD = re.compile(r"[^a-z0-9#'/ ]+")
# Where a message turns to a second need: a new sentence, or "and"/"also"/"but" before a
# new clause ("...and how do I use it", "...and I want to talk to someone").
_SENTENCE = re.compile(r"(?<=[.?!;\n])\s+|\n+")
_CLAUSE = re.compile(
    r",?\s+(?:and|also|plus|but|and also|then)\s+"
    r"(?=(?:i|i'm|im|we|how|what|where|when|can|could|do|does|is|are|will|should|would|"
    r"please|who|my|is there|any)\b)",
    re.IGNORECASE,
)


def normalize(text: str) -> str:
    """Lower-case words without accents, common respellings undone."""
    text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode().lower()
    text = text.replace("\u2019", "'")
    words = _NOT_WORD.sub(" ", text).split()
    return " ".join(_WORDS.get(word.strip("'"), word) for word in words)


def spelling_fixes(synonyms: Mapping[str, str]) -> Dict[str, str]:
    """Misspellings among the entity synonyms ("methodone" for methadone), to undo.

    Only near-spellings of the canonical word: brand names and slang ("suboxone", "done")
    are words of their own and stay as written.
    """
    fixes = {}
    for variant, canonical in synonyms.items():
        variant, canonical = variant.lower(), canonical.lower()
        close = difflib.SequenceMatcher(None, variant, canonical).ratio() >= 0.8
        if close and variant != canonical and len(variant) >= 6 and " " not in variant:
            fixes[variant] = canonical
    return fixes


def clauses(text: str) -> List[str]:
    """The parts of a message that may each carry a need (at least two words each)."""
    parts: List[str] = []
    for sentence in _SENTENCE.split(text.strip()):
        parts.extend(_CLAUSE.split(sentence))
    return [part.strip(" ,.") for part in parts if len(part.split()) >= 2]


@dataclass(frozen=True)
class Scored:
    """One label and its probability."""

    label: str
    confidence: float


@dataclass(frozen=True)
class Understanding:
    """What the model made of one message."""

    ranking: List[Scored]
    # Further needs found in the message's clauses, most confident first.
    extras: List[Scored] = field(default_factory=list)

    @property
    def top(self) -> Scored:
        """The likeliest label."""
        return self.ranking[0]


# Characters from which a training example counts as a story (tuned on tests/dev).
LONG = 150

# Labels that never count as a second need of a message (they carry no answer of their own).
NOT_A_NEED = frozenset(
    {"greet", "goodbye", "thanks", "affirm", "deny", "choose_option", "out_of_scope",
     "bot_feelings", "inform_state", "bot_challenge"}
)  # fmt: skip


class TopicModel:
    """A linear SVM over [embedding, char n-grams, word n-grams]; its scores become
    probabilities through a softmax with a temperature (calibrated on tests/dev)."""

    def __init__(
        self,
        c: float = 0.5,
        embedding_weight: float = 1.5,
        temperature: float = 8.0,
        long_weight: float = 2.0,
    ) -> None:
        self.c = c
        # Story-length examples count double: most real messages are long, most examples short.
        self.long_weight = long_weight
        self.embedding_weight = embedding_weight
        self.temperature = temperature
        self.chars = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True
        )
        self.words = TfidfVectorizer(
            analyzer="word", ngram_range=(1, 2), min_df=1, sublinear_tf=True,
            token_pattern=r"(?u)\b\w+\b",
        )  # fmt: skip
        self.classifier = LinearSVC(C=c, class_weight="balanced")
        self.labels: List[str] = []
        self.spellings: Dict[str, str] = {}

    def _spelled(self, texts: Sequence[str]) -> List[str]:
        fixes = getattr(self, "spellings", {})  # models pickled before spellings existed
        if not fixes:
            return list(texts)
        pattern = re.compile(r"\b(" + "|".join(map(re.escape, fixes)) + r")\b", re.IGNORECASE)
        return [pattern.sub(lambda m: fixes[m.group(1).lower()], text) for text in texts]

    # -- training -----------------------------------------------------------------------

    def fit(
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        synonyms: Mapping[str, str] | None = None,
    ) -> TopicModel:
        """Train on (text, label) pairs; misspelled synonyms are read as their word."""
        self.spellings = spelling_fixes(synonyms or {})
        texts = self._spelled(texts)
        normalized = [normalize(text) for text in texts]
        features = sparse.hstack(
            [
                self.chars.fit_transform(normalized),
                self.words.fit_transform(normalized),
                sparse.csr_matrix(embed(list(texts)) * self.embedding_weight),
            ]
        ).tocsr()
        weights = np.where([len(text) > LONG for text in texts], self.long_weight, 1.0)
        self.classifier.fit(features, list(labels), sample_weight=weights)
        self.labels = list(self.classifier.classes_)
        return self

    # -- prediction ---------------------------------------------------------------------

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """One row of label probabilities per text (columns in `self.labels` order)."""
        texts = self._spelled(texts)
        normalized = [normalize(text) for text in texts]
        features = sparse.hstack(
            [
                self.chars.transform(normalized),
                self.words.transform(normalized),
                sparse.csr_matrix(embed(list(texts)) * self.embedding_weight),
            ]
        ).tocsr()
        scores = self.classifier.decision_function(features) * self.temperature
        scores -= scores.max(axis=1, keepdims=True)
        exp = np.exp(scores)
        return exp / exp.sum(axis=1, keepdims=True)

    def understand(self, text: str, extra_threshold: float = 0.5) -> Understanding:
        """The ranking for the whole message, and needs its clauses add."""
        parts = clauses(text)
        rows = self.probabilities([text] + (parts if len(parts) > 1 else []))
        ranking = self._ranking(rows[0])
        extras: Dict[str, float] = {}
        for row in rows[1:]:
            best = int(np.argmax(row))
            label, confidence = self.labels[best], float(row[best])
            if confidence < extra_threshold or label in NOT_A_NEED:
                continue
            extras[label] = max(confidence, extras.get(label, 0.0))
        top = ranking[0].label
        if top in NOT_A_NEED and extras:
            # "hi, where can i get narcan": the greeting is not what to answer.
            label, confidence = max(extras.items(), key=lambda item: item[1])
            ranking = [Scored(label, confidence)] + [s for s in ranking if s.label != label]
            top = label
        found = sorted(
            (Scored(label, c) for label, c in extras.items() if label != top),
            key=lambda s: -s.confidence,
        )
        return Understanding(ranking, found[:2])

    def _ranking(self, row: np.ndarray, size: int = 10) -> List[Scored]:
        order = np.argsort(-row)[:size]
        return [Scored(self.labels[i], float(row[i])) for i in order]


def group_of(label: str) -> str:
    """The Rasa intent of a label: the retrieval intent of a KB answer, else the label."""
    return label.split("/", 1)[0]


def split_label(label: str) -> Tuple[str, str | None]:
    """(intent, response key or None)."""
    group, _, key = label.partition("/")
    return group, key or None
