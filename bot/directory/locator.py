"""FindTreatment.gov's locator JSON (`/locator/exportsAsJson/v2`): fetch its pages, read them.

The facility CSV export (bot/directory/sources.py) and this JSON come from the same
SAMHSA service; both become `findtreatment` listings through `findtreatment_listing`, so a
facility keeps its source key (name and address) whichever way it arrived.

What the service looks like, from its public documentation and the clients that call it
(none of their code is used here):

- Endpoint: GET https://findtreatment.gov/locator/exportsAsJson/v2, documented in SAMHSA's
  developer guide, https://findtreatment.gov/assets/FindTreatment-Developer-Guide.pdf
  (v1.11 May 2026, v1.12 August 2026, as cited by clients; the PDF itself was not in the
  searchable sources). SAMHSA's FAQ and API request form
  (https://findtreatment.gov/api-request-form) ask automated users to register
  (organization, server IP addresses, frequency, a contact) although the endpoint answers
  unauthenticated requests; register before turning the nightly sync on.
- Query parameters: `limitType` 0 = a state, 1 = a county, 2 = a distance in metres around
  `sAddr` ("lat,lng"); `limitValue` the state's number, the county or the metres; `sType`
  sa, mh or both; `sCodes` service codes to filter on (e.g. OTP,BU,NU); `pageSize` (up to
  2000); `page` (from 1); `sort` (0 = distance). State numbers are SAMHSA's own, not FIPS
  codes (MI 2, MA 3, CT 25 in the table of a client that probed every state, agreeing
  with another client's report for Michigan); see bot/directory/nightly.py.
- Response: {"page", "totalPages", "recordCount", "rows": [...]}. Each row: `name1`,
  `name2`, `street1`, `street2`, `city`, `state`, `zip`, `phone`, `intake1`, `hotline1`,
  `website`, `latitude`, `longitude` (strings), `miles`, `typeFacility` (SA, MH or OTP;
  one client saw `type_facility`), `_irow` (a row index, not an id), sometimes `frid`, and
  `services`: a list of {"f1": category title, "f2": category code, "f3": values joined
  with "; "} with categories such as TC (type of care), SET (setting, incl.
  "Telemedicine/telehealth"), OT (type of opioid treatment: "Buprenorphine used in
  Treatment", "Federally-certified Opioid Treatment Program"), OM (opioid medications),
  PHR (pharmacotherapies: "Methadone", "Buprenorphine with naloxone (Suboxone®)", ...),
  PAY (payment: "Medicaid", "Cash or self-payment", ...), PYAS ("Sliding fee scale (fee is
  based on income and other factors)"), SG (special groups: "Veterans",
  "Pregnant/postpartum women"), AGE (age groups), SL/OL (languages: "Spanish", "Services
  for the deaf and hard of hearing"). OTP-type rows may carry `services: null`.
  No row says when the facility last confirmed it: a listing is as current as the sync.
- Quirks reported by clients: a malformed query is answered with HTTP 200 and a bare text
  body; the value wording changes between releases (brand names, "for example" clauses,
  double spaces), so values are matched after normalizing them; one client saw latitude
  and longitude swapped; placeholder phones such as (999) 999-9999 occur.

Sources: CBHSQ/findtreatment (the 18F + SAMHSA FindTreatment.gov front end):
src/utils/_DATA.js (a recorded response: page/totalPages/recordCount/rows and the f1/f2/f3
services), src/utils/services.js (API value wording), src/utils/api.js (sAddr, limitType,
limitValue, sType, sCodes, pageSize, page, sort); open-source clients found by searching
for "exportsAsJson": a Python ETL "download_data" (limitType 2 in metres, lat,lng order,
HTTP 200 text answers, no stable id), a Node "build-samhsa-db.mjs" (limitType=0 with
SAMHSA state numbers, services null for some rows), a Next.js state importer (paging by
totalPages with a timeout), a research note citing the v1.12 guide (parameters, access
terms, freshness: names, phones and services updated weekly), and a probe report (the
swapped coordinates and placeholder phones).
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, List, Mapping, Sequence, Set

from bot.directory.listing import Row, RowError
from bot.directory.sources import findtreatment_listing

LOCATOR_URL = "https://findtreatment.gov/locator/exportsAsJson/v2"
PAGE_SIZE = 500
# A state has a few thousand facilities at most; more pages than this is a wrong query.
MAX_PAGES = 20
TIMEOUT = (10.0, 60.0)  # seconds to connect, seconds to read one page
ATTEMPTS = 2  # a page is tried twice before the sync gives up
FIELDS = (
    "name1", "name2", "street1", "street2", "city", "state", "zip", "phone", "intake1",
    "intake2", "website", "latitude", "longitude",
)  # fmt: skip
# Age groups repeat words that mean something else in special programs ("Young adults").
IGNORED_CATEGORIES = {"AGE", "GN"}


class LocatorError(RuntimeError):
    """The locator could not be read (HTTP, network, not JSON, wrong shape); says why."""


@dataclass(frozen=True)
class Page:
    """One page of the locator's answer for one state, as it came."""

    state: str
    number: int
    data: dict

    @property
    def rows(self) -> List[dict]:
        """The facility rows of this page."""
        return self.data["rows"]

    @property
    def total_pages(self) -> int:
        """How many pages the locator says this state has."""
        return self.data["totalPages"]


# The values (as `_value_key` normalizes them) that the CSV export has a column for: the
# same lower-case codes, so the JSON and the CSV map to the same Listing words.
VALUE_CODES: Dict[str, str] = {
    "federally-certified opioid treatment program": "otp",
    "federally certified opioid treatment program": "otp",
    "opioid treatment program": "otp",
    "methadone": "meth",
    "methadone used in treatment": "mu",
    "methadone maintenance": "mm",
    "methadone detoxification": "dm",
    "buprenorphine used in treatment": "bu",
    "buprenorphine with naloxone": "bwn",
    "buprenorphine without naloxone": "bwon",
    "buprenorphine (extended-release, injectable)": "beri",
    "buprenorphine (extended-release, injected)": "beri",
    "buprenorphine sub-dermal implant": "bsdm",
    "naltrexone (oral)": "nxn",
    "naltrexone (extended-release, injectable)": "vtrl",
    "extended-release, injectable naltrexone": "vtrl",
    "naltrexone used in treatment": "nu",
    "medicaid": "md",
    "medicare": "mc",
    "private health insurance": "pi",
    "cash or self-payment": "sf",
    "state-financed health insurance plan other than medicaid": "si",
    "military insurance": "mi",
    "federal military insurance": "mi",
    "sliding fee scale": "ss",
    "sliding fee scale (fee is based on income and other factors)": "ss",
    "sliding fee scale, based on income and other factors": "ss",
    "payment assistance (check with facility for details)": "pa",
    "telemedicine/telehealth": "tele",
    "telemedicine/telehealth therapy": "tele",
    "computerized treatment/telemedicine": "tele",
    "psychiatric emergency walk-in services": "wi",
    "spanish": "sp",
    "services for the deaf and hard of hearing": "ah",
    "sign language services for the deaf and hard of hearing": "ah",
    "american sign language (asl)": "ah",
    "pregnant/postpartum women": "pw",
    "veterans": "vet",
    "young adults": "tay",
    "transitional age young adults": "tay",
}


def _value_key(text: str) -> str:
    """A service value without brand names, "for example" clauses and spacing quirks."""
    text = text.lower()
    text = re.sub(r",?\s*(?:for example|e\.g\.),?[^()]*(?=\))", "", text)
    text = re.sub(r"\([^()]*®[^()]*\)", "", text)
    text = text.replace("®", "").replace("()", "")
    return re.sub(r"\s+", " ", text).strip(" ,;.")


def service_codes(row: Mapping[str, Any]) -> Set[str]:
    """The CSV export's lower-case codes for what a JSON row's `services` say."""
    codes: Set[str] = set()
    for service in row.get("services") or []:
        if not isinstance(service, dict) or service.get("f2") in IGNORED_CATEGORIES:
            continue
        for value in str(service.get("f3") or "").split(";"):
            code = VALUE_CODES.get(_value_key(value))
            if code:
                codes.add(code)
    kind = row.get("typeFacility") or row.get("type_facility")
    if str(kind or "").strip().upper() == "OTP":
        codes.add("otp")  # OTP rows may come without services; they are methadone programs
    return codes


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _placeholder_phone(text: str) -> bool:
    digits = re.sub(r"\D", "", text)[-10:]
    return len(digits) == 10 and len(set(digits)) == 1  # (999) 999-9999 and the like


def _fields(row: Mapping[str, Any]) -> Dict[str, str]:
    """The row's fields as the CSV reader sees them: text, never None."""
    values = {name: _text(row.get(name)).strip() for name in FIELDS}
    for name in ("phone", "intake1", "intake2"):
        if _placeholder_phone(values[name]):
            values[name] = ""
    try:
        lat, lon = float(values["latitude"]), float(values["longitude"])
    except ValueError:
        return values
    if lat < 0 < lon:  # US coordinates are north and west: the two were swapped
        values["latitude"], values["longitude"] = values["longitude"], values["latitude"]
    return values


def rows_from_pages(pages: Iterable[Page], verified: date) -> Iterator[Row]:
    """Rows numbered 1, 2, ... across all pages; a row outside its page's state is rejected."""
    number = 0
    for page in pages:
        for row in page.rows:
            number += 1
            if not isinstance(row, dict):
                yield Row(number, error=f"page {page.number} of {page.state}: not an object")
                continue
            values = _fields(row)
            state = values["state"].upper()
            if state and state != page.state:
                yield Row(number, error=f"state {state} in the answer for {page.state}")
                continue
            try:
                listing = findtreatment_listing(values, service_codes(row), verified)
            except RowError as error:
                yield Row(number, error=str(error))
                continue
            if listing is None:
                yield Row(number, skipped="no medication or naloxone service")
            else:
                yield Row(number, listing)


def check_page(data: Any, state: str, number: int) -> Page:
    """The page, or a LocatorError when it is not the locator's JSON shape."""
    where = f"{state} page {number}"
    if not isinstance(data, dict):
        raise LocatorError(f"{where}: the locator answered {type(data).__name__}, not an object")
    rows = data.get("rows")
    if rows is None and data.get("recordCount") == 0:
        rows = []
    if not isinstance(rows, list):
        raise LocatorError(f"{where}: the answer has no list of rows")
    try:
        total = int(data.get("totalPages") or (1 if rows else 0))
    except (TypeError, ValueError):
        raise LocatorError(f"{where}: totalPages is {data.get('totalPages')!r}") from None
    return Page(state, number, {**data, "rows": rows, "totalPages": total})


def fetch_pages(
    states: Sequence[tuple],
    http: Any = None,
    url: str = LOCATOR_URL,
    page_size: int = PAGE_SIZE,
    max_pages: int = MAX_PAGES,
    timeout: tuple = TIMEOUT,
    attempts: int = ATTEMPTS,
    pause: float = 5.0,
) -> List[Page]:
    """Every page for each (state code, locator number), or a LocatorError.

    Paging stops at the locator's `totalPages` or at an empty page; a state with more
    than `max_pages` pages is refused rather than read in part.
    """
    import requests

    if http is None:
        with requests.Session() as session:
            return fetch_pages(states, session, url, page_size, max_pages, timeout, attempts, pause)
    pages: List[Page] = []
    for state, state_id in states:
        number, total = 1, 1
        while number <= total:
            params = {
                "limitType": 0, "limitValue": state_id, "sType": "both",
                "pageSize": page_size, "page": number,
            }  # fmt: skip
            page = _fetch_page(http, url, params, timeout, state, number, attempts, pause)
            if number == 1:
                total = page.total_pages
                if total > max_pages:
                    raise LocatorError(
                        f"{state}: the locator has {total} pages of {page_size}; more than "
                        f"the limit of {max_pages}, so the query is probably wrong"
                    )
            if not page.rows:
                break
            pages.append(page)
            number += 1
    return pages


def _fetch_page(
    http: Any,
    url: str,
    params: dict,
    timeout: tuple,
    state: str,
    number: int,
    attempts: int,
    pause: float,
) -> Page:
    import requests

    where = f"{state} page {number}"
    for attempt in range(1, attempts + 1):
        try:
            response = http.get(
                url,
                params=params,
                timeout=timeout,
                headers={"Accept": "application/json", "User-Agent": "helpline-directory-sync"},
            )
        except requests.RequestException as error:
            problem = f"{where}: {type(error).__name__} reaching {url}"
        else:
            if response.status_code == 200:
                try:
                    return check_page(response.json(), state, number)
                except ValueError:
                    start = response.text[:60].strip()
                    raise LocatorError(f"{where}: the answer is not JSON ({start!r})") from None
            problem = f"{where}: HTTP {response.status_code} from {url}"
            if response.status_code < 500 and response.status_code != 429:
                raise LocatorError(problem)  # a refused query stays refused
        if attempt < attempts:
            time.sleep(pause)
    raise LocatorError(problem)


def page_file(state: str, number: int) -> str:
    """How a recorded page is named: CT-page1.json."""
    return f"{state}-page{number}.json"


def read_recorded(directory: Path, states: Sequence[str]) -> List[Page]:
    """Pages recorded earlier (`page_file` names), read as if they came from the network."""
    pages: List[Page] = []
    for state in states:
        number, total = 1, 1
        while number <= total:
            path = directory / page_file(state, number)
            if not path.exists():
                raise LocatorError(f"{path}: missing (page {number} of {total} for {state})")
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except ValueError as error:
                raise LocatorError(f"{path}: not JSON ({error})") from None
            page = check_page(data, state, number)
            total = page.total_pages if number == 1 else total
            if not page.rows:
                break
            pages.append(page)
            number += 1
    return pages


def record_pages(pages: Iterable[Page], directory: Path) -> None:
    """Write pages as `read_recorded` reads them (to keep what a sync saw)."""
    directory.mkdir(parents=True, exist_ok=True)
    for page in pages:
        text = json.dumps(page.data, indent=1, ensure_ascii=False)
        (directory / page_file(page.state, page.number)).write_text(text + "\n", "utf-8")
