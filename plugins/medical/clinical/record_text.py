"""Free-text health record -> HealthRecord, every value with its character span.

Clinic notes are semi-structured: headed sections ("Medications:", "Allergies:") with one
item per line or comma, plus narrative ("67-year-old man, former smoker, 40 pack-years,
quit 2015"). Section items are read line by line; demographics, smoking and cancer
history are found by patterns anywhere, with simple negation ("denies smoking",
"no history of cancer"). Offsets are into the file's text as read (UTF-8).
"""

from __future__ import annotations

import re
from pathlib import Path

from plugins.medical.clinical.models import Evidence, HealthRecord, RecordItem, Smoking
from plugins.medical.clinical.record_terms import (
    CANCER_PATTERN,
    NON_CANCER_EXCEPTIONS,
    SECTION_ALIASES,
    VITAL_PATTERNS,
)

HEADER = re.compile(r"^[ \t]*([A-Za-z][A-Za-z /&-]{1,40}?)[ \t]*:[ \t]*", re.MULTILINE)
AGE_PATTERNS = [
    re.compile(r"\b(\d{1,3})[- ]?(?:year|yr)s?[- ]old\b", re.I),
    re.compile(r"\b(\d{1,3})\s?(?:y/?o|yo|y\.o\.)\b", re.I),
    re.compile(r"\bage[ \t]*:?[ \t]*(\d{1,3})\b", re.I),
]
SEX_PATTERNS = [
    (re.compile(r"\b(?:sex|gender)[ \t]*:[ \t]*(female|male|f|m|other)\b", re.I), None),
    (re.compile(r"\b(woman|female|lady|girl)\b", re.I), "female"),
    (re.compile(r"\b(man|male|gentleman|boy)\b", re.I), "male"),
]
NEVER_SMOKER = re.compile(r"\b(never[- ]smoker|never smoked|non-?smoker|denies (?:any )?"
                          r"(?:tobacco|smoking)|no (?:history of )?(?:tobacco|smoking))\b", re.I)
FORMER_SMOKER = re.compile(r"\b(former smoker|ex-?smoker|quit smoking|stopped smoking|"
                           r"previous smoker|past smoker|history of smoking)\b", re.I)
CURRENT_SMOKER = re.compile(r"\b(current(?:ly)? smok(?:er|es|ing)|active smoker|smokes|"
                            r"still smoking|current tobacco use)\b", re.I)
PACK_YEARS = re.compile(r"\b(\d+(?:\.\d+)?)[ \t-]*(?:pack[- ]?years?|pk[- ]?yrs?|py)\b", re.I)
PACKS_PER_DAY = re.compile(r"\b(\d+(?:\.\d+)?)\s*(?:packs?|ppd)(?:\s*(?:per|a|/)\s*day)?\s*"
                           r"(?:for|x|times)\s*(\d+(?:\.\d+)?)\s*(?:years?|yrs?)\b", re.I)
NEGATION_BEFORE = re.compile(r"\b(no|denies|negative for|without|no history of|no hx of|"
                             r"no personal history of|family history of|fh of|mother|father|"
                             r"sister|brother)\b[^.;\n]{0,40}$", re.I)
NO_ALLERGIES = re.compile(r"\b(NKDA|NKA|no known (?:drug )?allergies|none known)\b", re.I)
LAB_LINE = re.compile(r"^\s*([A-Za-z][A-Za-z0-9 ()/%-]*?)\s*[:=]?\s*(-?\d+(?:\.\d+)?)\s*"
                      r"([A-Za-z%/^0-9.µ]*(?:/[A-Za-z0-9.]+)?)?\s*(?:\(([^)]*)\))?\s*$")
ITEM_SPLIT = re.compile(r"[^\n;]+")


def _evidence(path: Path, text: str, start: int, end: int) -> Evidence:
    return Evidence(source="record", file=path.name, start=start, end=end, text=text[start:end])


def _sections(text: str) -> list[tuple[str, int, int]]:
    """(canonical section name, body start, body end) for each known header."""
    found = []
    for match in HEADER.finditer(text):
        name = SECTION_ALIASES.get(match.group(1).strip().lower())
        if name:
            found.append((name, match.start(), match.end()))
    out = []
    for i, (name, _, body_start) in enumerate(found):
        body_end = found[i + 1][1] if i + 1 < len(found) else len(text)
        # A section also ends at the first blank line or at another "Header:" line.
        blank = text.find("\n\n", body_start)
        if blank != -1 and blank < body_end:
            body_end = blank
        other = HEADER.search(text, body_start)
        while other and other.start() < body_end:
            if other.start() > body_start and text[other.start() - 1] == "\n":
                body_end = other.start()
                break
            other = HEADER.search(text, other.end())
        out.append((name, body_start, body_end))
    return out


def _items(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans of list items in a section body: one per line, or comma-separated on one line.

    A multi-line list keeps commas inside an item ("Prostate cancer, treated 2012").
    """
    spans = []
    lines = [m for m in ITEM_SPLIT.finditer(text, start, end) if m.group().strip()]
    for match in lines:
        a, b = match.start(), match.end()
        chunk = text[a:b]
        parts = [chunk] if len(lines) > 1 or "(" in chunk else chunk.split(",")
        offset = a
        for part in parts:
            stripped = part.strip(" \t-*•\r")
            if stripped:
                s = offset + part.find(stripped)
                spans.append((s, s + len(stripped)))
            offset += len(part) + 1
    return spans


def _negated(text: str, start: int) -> bool:
    line_start = max(text.rfind("\n", 0, start), text.rfind(".", 0, start)) + 1
    return bool(NEGATION_BEFORE.search(text[line_start:start]))


def parse_text_record(path: Path, text: str) -> HealthRecord:
    """Build a HealthRecord from free text; an empty record raises in the caller."""
    record = HealthRecord(source_file=str(path), source_kind="text")
    for pattern in AGE_PATTERNS:
        match = pattern.search(text)
        if match and 0 < int(match.group(1)) < 125:
            record.age_years = int(match.group(1))
            record.age_evidence = _evidence(path, text, match.start(), match.end())
            break
    for pattern, value in SEX_PATTERNS:
        match = pattern.search(text)
        if match:
            raw = match.group(1).lower()
            record.sex = value or {"f": "female", "m": "male"}.get(raw, raw)
            record.sex_evidence = _evidence(path, text, match.start(), match.end())
            break
    record.smoking = _smoking(path, text)
    sections = _sections(text)
    for name, start, end in sections:
        if name == "allergies" and NO_ALLERGIES.search(text, start, end):
            record.no_known_allergies = True
            continue
        for a, b in _items(text, start, end):
            item_text = text[a:b]
            if name in ("problems", "history"):
                if NO_ALLERGIES.search(item_text) or _negated(text, a) and not CANCER_PATTERN.search(item_text):
                    continue
                record.problems.append(RecordItem(name=item_text, evidence=_evidence(path, text, a, b)))
            elif name == "medications":
                head, _, dose = item_text.partition(" ")
                record.medications.append(RecordItem(name=head.strip(",."), detail=dose.strip(),
                                                     evidence=_evidence(path, text, a, b)))
            elif name == "allergies":
                subst, _, reaction = item_text.partition("(")
                record.allergies.append(RecordItem(name=subst.strip(" -:"),
                                                   detail=reaction.rstrip(")").strip(),
                                                   evidence=_evidence(path, text, a, b)))
            elif name == "labs":
                match = LAB_LINE.match(item_text)
                if match:
                    record.labs.append(RecordItem(
                        name=match.group(1).strip(), value=float(match.group(2)),
                        unit=(match.group(3) or "").strip(), detail=(match.group(4) or "").strip(),
                        evidence=_evidence(path, text, a, b)))
                else:
                    record.warnings.append(f"lab line not understood: {item_text!r}")
    record.vitals = _vitals(path, text)
    record.prior_cancer = _cancer_history(path, text)
    return record


def _smoking(path: Path, text: str) -> Smoking:
    smoking = Smoking()
    for pattern, status in ((NEVER_SMOKER, "never"), (CURRENT_SMOKER, "current"),
                            (FORMER_SMOKER, "former")):
        match = pattern.search(text)
        if match and not (status != "never" and _negated(text, match.start())):
            if status == "current" and FORMER_SMOKER.search(text):
                continue  # "smokes" inside "quit smoking; smoked 1 ppd" narrative
            smoking.status = status  # type: ignore[assignment]
            smoking.evidence.append(_evidence(path, text, match.start(), match.end()))
            break
    match = PACK_YEARS.search(text)
    if match:
        smoking.pack_years = float(match.group(1))
        smoking.evidence.append(_evidence(path, text, match.start(), match.end()))
    else:
        match = PACKS_PER_DAY.search(text)
        if match:
            smoking.pack_years = round(float(match.group(1)) * float(match.group(2)), 1)
            smoking.evidence.append(_evidence(path, text, match.start(), match.end()))
    if smoking.status == "unknown" and smoking.pack_years:
        smoking.status = "former" if re.search(r"\bquit\b", text, re.I) else "current"
    return smoking


def _vitals(path: Path, text: str) -> list[RecordItem]:
    vitals = []
    for name, unit, pattern in VITAL_PATTERNS:
        match = pattern.search(text)
        if not match:
            continue
        value: float | str = match.group(1) if "/" in match.group(1) else float(match.group(1))
        vitals.append(RecordItem(name=name, value=value, unit=unit,
                                 evidence=_evidence(path, text, match.start(), match.end())))
    return vitals


def _cancer_history(path: Path, text: str) -> list[RecordItem]:
    """Cancer mentions that are the patient's own (not negated, not family history)."""
    found = []
    for match in CANCER_PATTERN.finditer(text):
        if _negated(text, match.start()):
            continue
        line_start = text.rfind("\n", 0, match.start()) + 1
        line_end = text.find("\n", match.end())
        line = text[line_start:line_end if line_end != -1 else len(text)]
        if NON_CANCER_EXCEPTIONS.search(line):
            continue
        # The mention with its qualifier ("breast cancer", "adenocarcinoma of the lung").
        a = max(line_start, text.rfind(",", line_start, match.start()) + 1,
                text.rfind(":", line_start, match.start()) + 1)
        while a < match.start() and text[a] in " \t-*•":
            a += 1
        b = match.end()
        tail = re.match(r"[ \t]+(?:of|in)[ \t]+(?:the[ \t]+)?[A-Za-z]+", text[b:])
        if tail:
            b += tail.end()
        found.append(RecordItem(name=text[a:b].strip(), evidence=_evidence(path, text, a, b)))
    unique: dict[str, RecordItem] = {}
    for item in found:
        unique.setdefault(item.name.lower(), item)
    return list(unique.values())


def read_text_record(path: Path) -> HealthRecord:
    """Read and parse a .txt record; raise UserError for an unreadable or empty file."""
    from core.errors import file_error

    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise file_error(path, f"is not UTF-8 text (byte {exc.start}); save the record as "
                         "UTF-8 plain text") from None
    if not text.strip():
        raise file_error(path, "the record is empty")
    return parse_text_record(path, text)
