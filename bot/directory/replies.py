"""What the assistant says about directory results: SMS-sized texts, richer for the web chat.

Pure functions over `SearchResult`, so the action stays a thin shell and every text can be
checked for length, GSM-7 characters and wording in tests.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import List, Sequence
from urllib.parse import quote_plus

from bot.content import fill_lines
from bot.directory.search import RADII_MILES, Match, SearchResult

SMS_LIMIT = 320
PAGE = 3
# Directions open in the person's own maps app or site, only when they tap the link.
DIRECTIONS_URL = "https://www.google.com/maps/dir/?api=1&destination="

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


# A listing its source last confirmed longer ago than this says so: call first.
STALE_AFTER_DAYS = 2 * 365
# How each wish reads after the service ("buprenorphine taking Medicaid, in Spanish").
WISH_WORDS = {
    "medicaid": "taking Medicaid",
    "uninsured": "for people without insurance",
    "telehealth": "with telehealth",
    "spanish": "in Spanish",
    "walk_in": "with walk-in hours",
    "pregnant": "for pregnant people",
    "veterans": "for veterans",
    "youth": "for young people",
}
# The one-word replies that narrow a treatment list (search.NARROWING names).
NARROWING_WORDS = {
    "methadone": "METHADONE",
    "buprenorphine": "BUPE",
    "medicaid": "MEDICAID",
    "uninsured": "NOINS",
    "telehealth": "TELEHEALTH",
    "spanish": "SPANISH",
}


def stale(match: Match, today: date | None = None) -> bool:
    """True when the listing's source confirmed it more than two years ago."""
    return ((today or date.today()) - match.last_verified).days > STALE_AFTER_DAYS


def street_address(match: Match) -> str:
    """ "12 Main St, New London CT" (town and state when the street is not known)."""
    town = f"{match.town or ''} {match.state}".strip()
    return f"{match.address}, {town}" if match.address else town


def place_line(match: Match) -> str:
    """A listing as a navigator inserts it into a reply: name, phone, street, distance."""
    parts = [match.name]
    if match.phone:
        parts.append(match.phone)
    parts.append(street_address(match))
    return gsm(", ".join(parts) + f" ({match.distance_miles:g} mi)")


def match_text(number: int, match: Match, result: SearchResult, today: date | None = None) -> str:
    """One listing in one SMS: how to reach it first (phone, street), then what it offers."""
    offered = []
    for offer in match.matched_services:
        word = "naloxone" if offer.kind == "naloxone" else offer.kind
        if offer.forms:
            word += " (" + ", ".join(offer.forms) + ")"
        offered.append(word)
    parts = [f"{number}. {match.name}", f"{match.distance_miles:g} mi, {street_address(match)}"]
    if match.phone:
        parts.append(f"Call {match.phone}")
    if match.walk_in:
        parts.append("Walk-in")
    if match.hours:
        parts.append(f"Hours: {match.hours}")
    if offered:
        parts.append("Offers " + "; ".join(offered))
    payment = [PAYMENT_WORDS[p] for p in match.payment if p in ("medicaid", "sliding_fee", "free")]
    if payment:
        parts.append("Takes " + ", ".join(payment))
    if match.telehealth:
        parts.append("telehealth")
    if "es" in match.languages:
        parts.append("Spanish spoken")
    source = match.source_names[0] if match.source_names else "our directory"
    checked = f"From {source}, {match.last_verified:%b %Y}"
    if stale(match, today):
        checked += ": may be out of date, call first"
    parts.append(checked)
    return ". ".join(parts) + "."


def _or_list(words: List[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def footer_text(result: SearchResult, narrowing: Sequence[str] = ()) -> str:
    """What the person can reply to a list: MORE, another place, WRONG n, and at most four
    ways to narrow it that would still show places (`narrowing`, search.NARROWING names)."""
    text = "Reply MORE for more places. " if result.has_more else ""
    text += "Send another town or ZIP to look there, or WRONG and a number if a listing is wrong."
    words = [NARROWING_WORDS[name] for name in narrowing if name in NARROWING_WORDS][:4]
    if words:
        text += f" Reply {_or_list(words)} to narrow."
    elif result.filters.features():
        text += " Reply ALL for every place."
    if result.need == "naloxone" and not result.offset:
        text += " Pharmacies sell naloxone without a prescription."
    return text


def _asked_with_wishes(result: SearchResult) -> str:
    wished = [WISH_WORDS[name] for name in result.filters.features() if name in WISH_WORDS]
    return ", ".join([what_was_asked(result)] + wished)


def result_texts(
    result: SearchResult, channel: str = "sms", narrowing: Sequence[str] = ()
) -> List[str]:
    """The reply to a search: one message per listing (the first names what was searched
    for, the last says what to reply). SMS are cut to one segment each; the footer is kept."""
    place = result.place.label if result.place else result.query
    asked = _asked_with_wishes(result)
    if not result.matches:
        miles = f"{result.radius_miles:g}" if result.radius_miles else "60"
        lines = crisis_lines(result.place.state if result.place else None)
        retry = " Reply ALL to drop the filters." if result.filters.features() else ""
        return [
            _fit(
                f"I couldn't find {asked} within {miles} miles of {place}.{retry} "
                f"For help finding a place: {lines}. Or ask to talk with a person."
            )
        ]
    start = result.offset + 1
    intro = "" if result.offset else f"Near {place}, {asked} (straight-line miles)"
    first_radius = RADII_MILES[0]
    if result.widened and not result.offset and result.matches[0].distance_miles > first_radius:
        intro = f"Nothing within {first_radius:g} miles of {place}, so I looked further for {asked}"
    footer = footer_text(result, narrowing)
    items = [match_text(start + i, m, result) for i, m in enumerate(result.matches)]
    if intro:
        items[0] = f"{intro}:\n{items[0]}"
    if channel == "webchat":
        items[-1] = f"{items[-1]}\n\n{footer}"
        return [gsm(item) for item in items]
    texts = [_fit(item) for item in items]
    last = gsm(f"{items[-1]}\n{footer}")
    # The footer shares the last listing's SMS when both fit, else it is one more SMS:
    # a listing is never cut to make room for it.
    if len(last) <= SMS_LIMIT:
        texts[-1] = last
    else:
        texts.append(_fit(footer))
    return texts


def listing_buttons(result: SearchResult, index: int) -> List[dict]:
    """Tap-to-call and directions for the listing in message `index` (web chat only)."""
    if index >= len(result.matches):
        return []
    match = result.matches[index]
    buttons = []
    digits = re.sub(r"\D", "", (match.phone or "").split(" x")[0])
    if len(digits) == 10:
        buttons.append({"title": f"Call {match.phone}", "url": f"tel:+1{digits}"})
    destination = ", ".join(
        part for part in (match.address, match.town, match.state, match.postal_code) if part
    )
    if match.address or match.town:
        buttons.append({"title": "Directions", "url": DIRECTIONS_URL + quote_plus(destination)})
    return buttons


def list_buttons(result: SearchResult) -> List[dict]:
    """The buttons under the last listing (web chat): more places and a person."""
    buttons = [{"title": "More places", "payload": "/more"}] if result.has_more else []
    return buttons + [{"title": "Talk to a person", "payload": "/request_human"}]


def empty_directory_text(state: str | None = None) -> str:
    """Said plainly when no listings are loaded: never a made-up place."""
    return (
        "I can't look up places right now because our directory of providers is empty. "
        f"Please call {crisis_lines(state)}."
    )


def _fit(text: str) -> str:
    """GSM-7 text cut to one SMS."""
    text = gsm(text)
    if len(text) <= SMS_LIMIT:
        return text
    return text[: SMS_LIMIT - 3].rstrip() + "..."


# The lookup's one question, and its replies to WRONG n.
ASK_PLACE = "Where should I look? Send a 5-digit ZIP code or a town name in CT or MA."
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
