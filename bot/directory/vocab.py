"""The directory's words: services, medication forms, payment, access, languages, people.

Every importer translates its source's codes into these values and nothing else, so that
search filters mean the same thing whatever the source of a listing.
"""

from __future__ import annotations

import re

MEDICATIONS = ("methadone", "buprenorphine", "naltrexone")
# Services a listing can offer; local sources add the support services.
SERVICES = MEDICATIONS + ("naloxone", "harm_reduction", "recovery_coaching", "navigation")

# Forms, shown with the service so people know e.g. whether Sublocade is offered.
FORMS = {
    "otp": "opioid treatment program",
    "with_naloxone": "with naloxone (e.g. Suboxone)",
    "without_naloxone": "without naloxone",
    "er_injection": "extended-release injection",
    "implant": "implant",
    "oral": "oral",
    "free_kits": "free kits",
    "over_the_counter": "over the counter",
}

PAYMENTS = (
    "medicaid",
    "medicare",
    "private_insurance",
    "self_pay",
    "sliding_fee",
    "free",
    "state_funded",
)
# What "no insurance" can use: paying cash, a sliding fee, free care, state funding.
UNINSURED_PAYMENTS = ("self_pay", "sliding_fee", "free", "state_funded")
ACCESS = ("telehealth", "walk_in")
LANGUAGES = {"es": "Spanish", "asl": "American Sign Language"}
POPULATIONS = ("pregnant", "youth", "veterans")
NEEDS = ("treatment",) + SERVICES[3:]

SOURCES = {
    "findtreatment": "FindTreatment.gov",
    "moud": "SAMHSA MOUD locator",
    "otp": "SAMHSA opioid treatment program directory",
    "pharmacies": "Overture Maps pharmacies",
    "local": "local program staff",
}
# Which source's wording wins when two describe the same place equally recently.
SOURCE_PRIORITY = ("local", "findtreatment", "otp", "moud", "pharmacies")

_MEDICATION_WORDS = {
    "methadone": "methadone",
    "done": "methadone",
    "buprenorphine": "buprenorphine",
    "bupe": "buprenorphine",
    "bup": "buprenorphine",
    "suboxone": "buprenorphine",
    "subutex": "buprenorphine",
    "zubsolv": "buprenorphine",
    "sublocade": "buprenorphine",
    "brixadi": "buprenorphine",
    "subs": "buprenorphine",
    "naltrexone": "naltrexone",
    "vivitrol": "naltrexone",
    "naloxone": "naloxone",
    "narcan": "naloxone",
}


def normalize_medication(text: str | None) -> str | None:
    """The directory's name for a medication as people say it ("bupe" -> "buprenorphine")."""
    if not text:
        return None
    word = re.sub(r"[^a-z]", "", text.lower())
    return _MEDICATION_WORDS.get(word)
