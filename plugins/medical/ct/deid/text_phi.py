"""PHI removal from free-text records and FHIR JSON (HIPAA Safe Harbor identifiers).

Rules, not a model: each identifier type has a pattern that is explainable in a report
line, and names found next to a cue ("Patient:", "Dr.", "Mrs.") are then removed
wherever else they occur in the same document. Dates are shifted by the project offset
(written as ``[DATE:2015-03-02]``) so the clinical timeline survives. Replacement tokens
are never matched again, which makes the operation idempotent.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from plugins.medical.ct.deid.keys import ProjectKey

TOKEN = re.compile(r"\[(?:NAME|DATE|MRN|ID|PHONE|EMAIL|ADDRESS|URL|IP|AGE)(?::[^\]]*)?\]")
MONTHS = ("january|february|march|april|may|june|july|august|september|october|november|"
          "december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec")
STREET = (r"street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|way|"
          r"place|pl|terrace|circle|highway|hwy|parkway|pkwy|square|sq")
TITLE = (r"(?:Mr|Mrs|Ms|Miss|Dr|Prof|Doctor|Nurse|Patient|Pt|Name|Physician|Referring|"
         r"Signed|Dictated by|Attending|Radiologist|Contact|Son|Daughter|Wife|Husband|"
         r"Mother|Father)")
NAME_WORD = r"[A-Z][a-z'\-]+|[A-Z]\.?"
PATTERNS: list[tuple[str, re.Pattern]] = [
    ("email", re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")),
    ("url", re.compile(r"\bhttps?://\S+|\bwww\.\S+", re.I)),
    ("ip", re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b")),
    ("ssn", re.compile(r"\b\d{3}-\d{2}-\d{4}\b")),
    ("mrn", re.compile(r"\b(?:MRN|medical record(?: number| no\.?)?|record #|patient id|"
                       r"hospital (?:number|no\.?)|NHS(?: number)?|account(?: number)?|"
                       r"acct|insurance(?: id| number)?|member id)\s*[:#]?\s*"
                       r"[A-Z0-9][A-Z0-9\-]{3,}\b", re.I)),
    ("phone", re.compile(r"(?<![\w.])(?:\+?\d{1,3}[\s.-]?)?(?:\(\d{2,4}\)\s?|\d{3}[\s.-])"
                         r"\d{3}[\s.-]\d{4}\b")),
    ("address", re.compile(r"\b\d{1,5}\s+(?:[A-Z][a-z]+\s){1,3}(?:" + STREET + r")\b\.?"
                           r"(?:,?\s+(?:Apt|Suite|Unit)\.?\s*\w+)?"
                           r"(?:,\s*(?P<city>[A-Z][a-z]+(?:\s[A-Z][a-z]+)?))?"
                           r"(?:,\s*[A-Z]{2})?(?:\s+\d{5}(?:-\d{4})?)?", re.I)),
    ("zip", re.compile(r"\b[A-Z]{2}\s+\d{5}(?:-\d{4})?\b")),
    ("date", re.compile(r"\b\d{4}-\d{1,2}-\d{1,2}\b|\b\d{1,2}[/.]\d{1,2}[/.]\d{2,4}\b|"
                        r"\b(?:" + MONTHS + r")\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}\b|"
                        r"\b\d{1,2}(?:st|nd|rd|th)?\s+(?:" + MONTHS + r")\.?,?\s+\d{4}\b",
                        re.I)),
    ("age", re.compile(r"\b(?:9\d|1[0-4]\d)(?:\s*|-)(?:years?|yrs?|y/?o)(?:[\s-]old)?\b", re.I)),
    ("name", re.compile(r"\b" + TITLE + r"\.?[:,]?\s+((?:" + NAME_WORD + r")(?:\s+(?:"
                        + NAME_WORD + r")){0,2})")),
]
TOKEN_OF = {"email": "[EMAIL]", "url": "[URL]", "ip": "[IP]", "ssn": "[ID]", "mrn": "[MRN]",
            "phone": "[PHONE]", "address": "[ADDRESS]", "zip": "[ADDRESS]", "age": "[AGE:90+]",
            "name": "[NAME]"}
NOT_NAMES = {"The", "No", "Left", "Right", "CT", "Chest", "History", "Impression", "Findings",
             "Lung", "Lungs", "Nodule", "Patient", "Pt", "Name", "Dr", "Mr", "Mrs", "Ms",
             "Miss", "Prof", "Doctor", "Nurse", "Seen", "Saw", "Called", "Per", "With", "And",
             "Her", "His", "By", "To", "From", "Contact", "Signed", "Dictated", "Physician",
             "Referring", "Attending", "Radiologist", "Son", "Daughter", "Wife", "Husband",
             "Mother", "Father", "Today", "Dear"}


@dataclass
class TextReport:
    """Counts per identifier type and the spans replaced (type, original length)."""

    counts: Counter = field(default_factory=Counter)


def _parse_date(text: str) -> dt.date | None:
    text = re.sub(r"(\d)(st|nd|rd|th)", r"\1", text.strip().rstrip("."), flags=re.I)
    text = text.replace(",", "")
    for fmt in ("%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y", "%d.%m.%Y", "%d.%m.%y", "%B %d %Y",
                "%b %d %Y", "%d %B %Y", "%d %b %Y", "%b. %d %Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def redact_text(text: str, key: ProjectKey, extra_names: list[str] | None = None
                ) -> tuple[str, TextReport]:
    """Text with identifiers replaced by tokens (dates shifted), and the counts."""
    report = TextReport()
    protected: list[str] = []

    def protect(match: re.Match) -> str:
        protected.append(match.group(0))
        return f"\x00{len(protected) - 1}\x00"

    work = TOKEN.sub(protect, text)
    names: set[str] = {n for n in (extra_names or []) if len(n) > 1}
    for match in PATTERNS[-1][1].finditer(work):
        for word in match.group(1).split():
            word = word.rstrip(".")
            if len(word) > 1 and word not in NOT_NAMES:
                names.add(word)
    places: set[str] = set()
    for kind, pattern in PATTERNS:
        if kind == "address":
            places.update(m.group("city") for m in pattern.finditer(work) if m.group("city"))
        if kind == "date":
            def shift(m: re.Match) -> str:
                day = _parse_date(m.group(0))
                report.counts["date"] += 1
                return f"[DATE:{key.shift_date(day).isoformat()}]" if day else "[DATE]"
            work = pattern.sub(shift, work)
        elif kind == "name":
            continue
        else:
            work, n = pattern.subn(TOKEN_OF[kind], work)
            report.counts[kind] += n
    for name in sorted(names, key=len, reverse=True):
        work, n = re.subn(r"\b" + re.escape(name) + r"\b", "[NAME]", work)
        report.counts["name"] += n
    for place in sorted(places, key=len, reverse=True):
        # A city named in an address is a geographic identifier wherever it recurs.
        work, n = re.subn(r"\b" + re.escape(place) + r"\b", "[ADDRESS]", work)
        report.counts["address"] += n
    # A capitalised word right before a removed surname is almost always a first name.
    work, n = re.subn(r"\b(?!(?:" + "|".join(NOT_NAMES) + r")\b)[A-Z][a-z]+(?=\s+\[NAME\])",
                      "[NAME]", work)
    report.counts["name"] += n
    work = re.sub(r"\[NAME\](?:\s+\[NAME\])+", "[NAME]", work)
    restored = re.sub("\x00(\\d+)\x00", lambda m: protected[int(m.group(1))], work)
    return restored, report


FHIR_DROP = {"name", "telecom", "address", "photo", "contact", "identifier", "text"}
FHIR_DATES = {"birthDate", "deceasedDateTime", "effectiveDateTime", "issued", "onsetDateTime",
              "recordedDate", "authoredOn", "date", "start", "end", "abatementDateTime",
              "occurrenceDateTime", "performedDateTime", "lastUpdated"}


def redact_fhir(doc: Any, key: ProjectKey, report: TextReport) -> Any:
    """A FHIR resource/Bundle with identifying elements dropped and dates shifted."""
    if isinstance(doc, list):
        return [redact_fhir(item, key, report) for item in doc]
    if not isinstance(doc, dict):
        if isinstance(doc, str) and len(doc) > 3:
            cleaned, sub = redact_text(doc, key)
            report.counts.update(sub.counts)
            return cleaned
        return doc
    out = {}
    for name, value in doc.items():
        if name in FHIR_DROP and doc.get("resourceType") in (None, "Patient", "Practitioner",
                                                             "RelatedPerson", "Organization"):
            report.counts[f"fhir_{name}"] += 1
            continue
        if name == "text" and isinstance(value, dict):
            report.counts["fhir_narrative"] += 1
            continue
        if name in FHIR_DATES and isinstance(value, str):
            day = _parse_date(value[:10])
            out[name] = (key.shift_date(day).isoformat() + value[10:]) if day else value
            report.counts["date"] += 1
            continue
        if name == "reference" and isinstance(value, str):
            out[name] = value  # resource ids are opaque; kept so the Bundle stays linked
            continue
        out[name] = redact_fhir(value, key, report)
    return out


def redact_document(raw: str, key: ProjectKey) -> tuple[str, TextReport]:
    """Free text or FHIR JSON (detected by ``resourceType``)."""
    try:
        doc = json.loads(raw)
    except ValueError:
        doc = None
    if isinstance(doc, dict) and "resourceType" in doc:
        report = TextReport()
        if doc.get("meta", {}).get("security") and any(
                s.get("code") == "REDACTED" for s in doc["meta"]["security"]):
            return raw, report
        cleaned = redact_fhir(doc, key, report)
        cleaned.setdefault("meta", {}).setdefault("security", []).append(
            {"system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue",
             "code": "REDACTED"})
        return json.dumps(cleaned, indent=2), report
    return redact_text(raw, key)
