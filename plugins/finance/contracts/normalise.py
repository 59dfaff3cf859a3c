"""Normalisers for contract values: dates to ISO, durations to months/days, jurisdictions.

Contracts write the same fact many ways ("the 8th day of May, 2014", "May 8, 2014";
"thirty (30) days"; "the laws of the Commonwealth of Massachusetts"); downstream rules and
exports need one form, so every extractor goes through these functions.
"""

from __future__ import annotations

import re
from datetime import date

MONTHS = {m: i + 1 for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"])}
MONTHS.update({m[:3]: i for m, i in list(MONTHS.items())})
MONTHS["sept"] = 9
_MONTH_RE = (r"(?P<month>January|February|March|April|May|June|July|August|September|October|"
             r"November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?")
_ORDINAL = r"(?:\s?(?:st|nd|rd|th|t\s?h|s\s?t|n\s?d|r\s?d))?"
DATE_PATTERNS = [
    re.compile(_MONTH_RE + r"\s+(?P<day>\d{1,2})" + _ORDINAL + r"\s*,?\s*(?P<year>(?:19|20)\d{2})",
               re.IGNORECASE),
    re.compile(r"(?P<day>\d{1,2})" + _ORDINAL + r"\s+(?:day\s+of\s+)?" + _MONTH_RE +
               r"\s*,?\s*(?:in\s+the\s+year\s+)?(?P<year>(?:19|20)\d{2})", re.IGNORECASE),
    re.compile(r"(?P<year>(?:19|20)\d{2})-(?P<mnum>\d{1,2})-(?P<day>\d{1,2})\b"),
    re.compile(r"\b(?P<mnum>\d{1,2})[/-](?P<day>\d{1,2})[/-](?P<year>(?:19|20)?\d{2})\b"),
]
NUMBER_WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty".split())}
NUMBER_WORDS.update({"thirty": 30, "forty": 40, "forty-five": 45, "fifty": 50, "sixty": 60,
                     "seventy": 70, "seventy-five": 75, "eighty": 80, "ninety": 90,
                     "one hundred twenty": 120, "one hundred eighty": 180, "hundred": 100,
                     "one hundred": 100, "three hundred sixty-five": 365, "a": 1, "an": 1})
_QTY = (r"(?:(?P<word>(?:one hundred (?:and )?(?:twenty|eighty)|three hundred sixty-five|"
        r"[a-z]+(?:-[a-z]+)?))\s*)?(?:\(\s*(?P<digits>\d{1,4})\s*\)|(?P<bare>\d{1,4}))?")
DURATION = re.compile(_QTY + r"\s*(?P<unit>calendar\s+|business\s+)?(?P<kind>years?|months?|"
                      r"days?|weeks?)\b", re.IGNORECASE)

US_STATES = [
    "Alabama", "Alaska", "Arizona", "Arkansas", "California", "Colorado", "Connecticut",
    "Delaware", "Florida", "Georgia", "Hawaii", "Idaho", "Illinois", "Indiana", "Iowa", "Kansas",
    "Kentucky", "Louisiana", "Maine", "Maryland", "Massachusetts", "Michigan", "Minnesota",
    "Mississippi", "Missouri", "Montana", "Nebraska", "Nevada", "New Hampshire", "New Jersey",
    "New Mexico", "New York", "North Carolina", "North Dakota", "Ohio", "Oklahoma", "Oregon",
    "Pennsylvania", "Rhode Island", "South Carolina", "South Dakota", "Tennessee", "Texas",
    "Utah", "Vermont", "Virginia", "Washington", "West Virginia", "Wisconsin", "Wyoming",
    "District of Columbia"]
CA_PROVINCES = ["Ontario", "Quebec", "British Columbia", "Alberta", "Manitoba", "Saskatchewan",
                "Nova Scotia", "New Brunswick", "Newfoundland and Labrador",
                "Prince Edward Island"]
JURISDICTION_ALIASES = {
    "prc": "People's Republic of China", "the prc": "People's Republic of China",
    "people's republic of china": "People's Republic of China",
    "the people's republic of china": "People's Republic of China",
    "england and wales": "England", "united kingdom": "United Kingdom",
    "hong kong sar": "Hong Kong", "hong kong special administrative region": "Hong Kong",
    "commonwealth of massachusetts": "Massachusetts",
    "commonwealth of pennsylvania": "Pennsylvania", "commonwealth of virginia": "Virginia",
    "commonwealth of kentucky": "Kentucky", "usa": "United States",
    "united states of america": "United States", "the united states": "United States",
}


def to_iso(year: int, month: int, day: int) -> str | None:
    """ISO date string, or None when the numbers are not a real date."""
    if year < 100:
        year += 2000 if year < 50 else 1900
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def find_dates(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int, str]]:
    """Every date in text[start:end] as (start, end, ISO), in order of appearance."""
    end = len(text) if end is None else end
    found: dict[int, tuple[int, int, str]] = {}
    for pattern in DATE_PATTERNS:
        for m in pattern.finditer(text, start, end):
            if any(s <= m.start() < e for s, e, _ in found.values()):
                continue
            day = int(m.group("day"))
            if "month" in m.groupdict() and m.group("month"):
                month = MONTHS.get(m.group("month").lower().rstrip("."), 0)
            else:
                month = int(m.group("mnum"))
                if month > 12 >= day:  # 29/3/18: day first
                    month, day = day, month
            iso = to_iso(int(m.group("year")), month, day)
            if iso:
                found[m.start()] = (m.start(), m.end(), iso)
    return [found[k] for k in sorted(found)]


def quantity(m: re.Match) -> int | None:
    """The number of a DURATION match ("thirty (30)" -> 30, "one" -> 1)."""
    if m.group("digits"):
        return int(m.group("digits"))
    if m.group("bare"):
        return int(m.group("bare"))
    word = (m.group("word") or "").lower().replace(" and ", " ")
    return NUMBER_WORDS.get(word)


def to_months(n: int, kind: str) -> int | None:
    """A duration in whole months (years x 12); days/weeks are not months."""
    kind = kind.lower().rstrip("s")
    return n * 12 if kind == "year" else n if kind == "month" else None


def to_days(n: int, kind: str) -> int:
    """A duration in days (a month is 30 days, a year 365, as notice clauses count them)."""
    kind = kind.lower().rstrip("s")
    return {"day": n, "week": 7 * n, "month": 30 * n, "year": 365 * n}[kind]


def jurisdiction(raw: str) -> str:
    """Canonical jurisdiction name: a US state, "Ontario, Canada", a country."""
    name = re.sub(r"\s+", " ", raw).strip(" ,.;:'\"")
    if name.isupper():
        name = name.title()
    name = re.sub(r"^(?:the\s+)?(?:laws?\s+of\s+)?", "", name, flags=re.IGNORECASE)
    low = name.lower()
    if low in JURISDICTION_ALIASES:
        return JURISDICTION_ALIASES[low]
    low = re.sub(r"^(?:the\s+)?(?:state|commonwealth|province|territory)\s+of\s+", "", low)
    for state in US_STATES:
        if low == state.lower() or low.startswith(state.lower() + ",") or \
                low == f"{state.lower()}, usa" or low == f"{state.lower()}, united states":
            return state
    for prov in CA_PROVINCES:
        if low.startswith(prov.lower()):
            return f"{prov}, Canada"
    if low in JURISDICTION_ALIASES:
        return JURISDICTION_ALIASES[low]
    name = re.sub(r"^(?:the\s+)", "", name, flags=re.IGNORECASE)
    return JURISDICTION_ALIASES.get(name.lower(), name)
COUNTRIES = [
    "England and Wales", "England", "Wales", "Scotland", "Northern Ireland", "Ireland", "Israel",
    "People's Republic of China", "PRC", "China", "Hong Kong", "Singapore", "Japan", "Germany",
    "Federal Republic of Germany", "France", "Netherlands", "The Netherlands", "Switzerland",
    "Italy", "Spain", "India", "Canada", "Australia", "Victoria", "New South Wales", "Taiwan",
    "Korea", "Republic of Korea", "Sweden", "Belgium", "Luxembourg", "Colombia", "Kazakhstan",
    "Republic of Kazakhstan", "South Africa", "Republic of South Africa", "Mexico", "Brazil",
    "Cayman Islands", "Bermuda", "British Virgin Islands", "Denmark", "Norway", "Finland",
    "Austria", "United Kingdom", "United States", "United States of America", "Malaysia",
    "Thailand", "Philippines", "Indonesia", "Vietnam", "Argentina", "Chile", "Peru", "Russia",
    "Russian Federation", "Poland", "Czech Republic", "Hungary", "Greece", "Portugal", "Turkey",
    "New Zealand", "Cyprus", "Malta", "Puerto Rico"]
