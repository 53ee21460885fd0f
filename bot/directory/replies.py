"""What the assistant says about directory results: SMS-sized texts, richer for the web chat.

Pure functions over `SearchResult`, so the action stays a thin shell and every text can be
checked for length, GSM-7 characters and wording in tests.
"""

from __future__ import annotations

import unicodedata
from typing import List

from bot.content import fill_lines
from bot.directory.search import Match, SearchResult

SMS_LIMIT = 320
PAGE = 3

MEDICATION_WORDS = {
    "methadone": "methadone",
    "buprenorphine": "buprenorphine (like Suboxone)",
    "naltrexone": "naltrexone (like Vivitrol)",
}
PAYMENT_WORDS = {
    "medicaid": "Medicaid",
    "medicare": "Medicare",
    "private_insurance": "private insurance",
    "self_pay": "self-pay",
    "sliding_fee": "sliding fee",
    "free": "free",
    "state_funded": "state-funded",
}
# Punctuation that would switch an SMS out of GSM-7 (to 70-character segments).
_GSM_REPLACEMENTS = str.maketrans(
    {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-",
     "\u2026": "...", "\u00a0": " ", "`": "'"}
)  # fmt: skip


def gsm(text: str) -> str:
    """`text` with characters outside GSM-7 replaced by their plain-letter forms."""
    from bot.content import GSM7_CHARS, GSM7_EXTENDED

    text = text.translate(_GSM_REPLACEMENTS)
    out = []
    for char in text:
        if char in GSM7_CHARS or char in GSM7_EXTENDED:
            out.append(char)
            continue
        plain = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode()
        out.append(plain if plain and all(c in GSM7_CHARS for c in plain) else "")
    return "".join(out)


def what_was_asked(result: SearchResult) -> str:
    """Plain words for the service searched for."""
    if result.need == "naloxone":
        return "naloxone"
    if result.medication:
        return MEDICATION_WORDS[result.medication]
    return "medication treatment (MOUD)"


def crisis_lines(state: str | None) -> str:
    """The 24/7 lines for a state, with the phone numbers from the one configured list."""
    if state == "CT":
        text = "CT Access Line {line_ct_access} (24/7, can arrange a ride)"
    elif state == "MA":
        text = "MA Substance Use Helpline {line_ma_substance}"
    else:
        text = "text your ZIP code to {line_samhsa_text}"
    return fill_lines(text + ", or SAMHSA {line_samhsa} (24/7)")


def match_text(number: int, match: Match, result: SearchResult) -> str:
    """One listing in one SMS: name, distance, town, phone, what matched, freshness."""
    offered = []
    for offer in match.matched_services:
        word = "naloxone" if offer.kind == "naloxone" else offer.kind
        if offer.forms:
            word += " (" + ", ".join(offer.forms) + ")"
        offered.append(word)
    parts = [
        f"{number}. {match.name}",
        f"{match.distance_miles:g} mi, {match.town or ''} {match.state}".replace("  ", " "),
    ]
    if match.phone:
        parts.append(match.phone)
    if offered:
        parts.append("Offers " + "; ".join(offered))
    payment = [PAYMENT_WORDS[p] for p in match.payment if p in ("medicaid", "sliding_fee", "free")]
    if payment:
        parts.append("Takes " + ", ".join(payment))
    if match.telehealth:
        parts.append("telehealth")
    source = match.source_names[0] if match.source_names else "our directory"
    parts.append(f"Listing from {source}, checked {match.last_verified:%b %Y}")
    return _fit(". ".join(parts) + ".")


def result_texts(result: SearchResult, channel: str = "sms") -> List[str]:
    """The reply to a search: at most three SMS, or one richer web chat message."""
    place = result.place.label if result.place else result.query
    asked = what_was_asked(result)
    if not result.matches:
        miles = f"{result.radius_miles:g}" if result.radius_miles else "60"
        lines = crisis_lines(result.place.state if result.place else None)
        return [
            _fit(
                f"I couldn't find {asked} within {miles} miles of {place} in our directory. "
                f"For help finding a place, call {lines}. "
                "You can also ask to talk with a person."
            )
        ]
    start = result.offset + 1
    intro = "" if result.offset else f"Near {place}, {asked}"
    if result.widened and not result.offset:
        intro = f"Nothing within 25 miles of {place}, so I looked further for {asked}"
    footer = "Reply MORE for more places" if result.has_more else "That's all nearby"
    footer += ", or WRONG and the number if a listing is out of date."
    if result.need == "naloxone" and not result.offset:
        footer += " Pharmacies sell naloxone without a prescription."
    items = [match_text(start + i, m, result) for i, m in enumerate(result.matches)]
    if channel == "webchat":
        head = f"{intro}:\n" if intro else ""
        return [head + "\n\n".join(items) + "\n\n" + footer]
    texts = list(items)
    if intro:
        texts[0] = _fit(f"{intro}:\n{texts[0]}")
    texts[-1] = _fit(f"{texts[-1]}\n{footer}", keep_end=True)
    return texts


def empty_directory_text(state: str | None = None) -> str:
    """Said plainly when no listings are loaded: never a made-up place."""
    return (
        "I can't look up places right now because our directory of providers is empty. "
        f"Please call {crisis_lines(state)}."
    )


def _fit(text: str, keep_end: bool = False) -> str:
    """GSM-7 text cut to one SMS; with keep_end, the listing is cut and the footer kept."""
    text = gsm(text)
    if len(text) <= SMS_LIMIT:
        return text
    if keep_end and "\n" in text:
        body, end = text.rsplit("\n", 1)
        return body[: SMS_LIMIT - len(end) - 4].rstrip() + "...\n" + end
    return text[: SMS_LIMIT - 3].rstrip() + "..."


# The lookup's questions. The medication summary is a health fact: SAMHSA TIP 63,
# reviewed 2026-11-24.
ASK_PLACE = "Where should I look? Send a 5-digit ZIP code or a town name in CT or MA."
ASK_MEDICATION = (
    "Which medication are you looking for: methadone, buprenorphine (like Suboxone), "
    "naltrexone (like Vivitrol), or not sure?"
)
MEDICATION_BUTTONS = [
    {"title": "Methadone", "payload": "methadone"},
    {"title": "Buprenorphine (like Suboxone)", "payload": "buprenorphine"},
    {"title": "Naltrexone (like Vivitrol)", "payload": "naltrexone"},
    {"title": "Not sure", "payload": "not sure"},
]
ASK_MEDICATION_AGAIN = (
    "Sorry, I didn't catch that. Reply methadone, buprenorphine, naltrexone, or NOT SURE."
)
MEDICATION_OPTIONS = (
    "No problem. Methadone is taken daily at a clinic. Buprenorphine (like Suboxone) is a "
    "film or a monthly shot from many clinicians. Naltrexone (like Vivitrol) is a monthly "
    "shot after 7-10 days without opioids. I'll show places with any of them."
)
ASK_INSURANCE = (
    "Last question, and you can skip it: do you have Medicaid (HUSKY or MassHealth), other "
    "insurance, or no insurance? Reply SKIP to skip."
)
INSURANCE_BUTTONS = [
    {"title": "Medicaid (HUSKY, MassHealth)", "payload": "medicaid"},
    {"title": "Other insurance", "payload": "other insurance"},
    {"title": "No insurance", "payload": "no insurance"},
    {"title": "Skip", "payload": "skip"},
]
ASK_INSURANCE_AGAIN = "Sorry, I didn't catch that. Reply MEDICAID, OTHER, NONE, or SKIP."
ASK_WHICH_LISTING = (
    "Which listing is out of date? Reply WRONG and its number from the list, like WRONG 2."
)
LISTING_GONE = "That listing is no longer in our directory. Thank you for letting us know."


def place_not_found_text(reason: str, suggestion: str | None) -> str:
    """Asked again when a place could not be found, with a suggestion when there is one."""
    hint = f" Did you mean {suggestion}?" if suggestion else ""
    return gsm(
        f"Sorry, I couldn't find that place ({reason}).{hint} Please send a 5-digit ZIP code "
        "or a town name in CT or MA."
    )


def reported_text(name: str) -> str:
    """Thanks for a wrong-listing report."""
    return _fit(
        f"Thank you. I've flagged {name} for our staff to check. Please call ahead before you "
        "go: listings can be out of date."
    )
