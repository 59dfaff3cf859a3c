"""Transcript -> tags: defect type, location on the part, severity, and the words behind them."""

from __future__ import annotations

import re
from typing import Any

from plugins.industrial.voice.vocabulary import DEFECT_TERMS, LOCATION_TERMS, SEVERITY_TERMS

_NEGATIONS = {"no", "not", "without", "none"}


def _index(terms: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {word: tag for tag, words in terms.items() for word in words}


_DEFECT = _index(DEFECT_TERMS)
_LOCATION = _index(LOCATION_TERMS)
_SEVERITY = _index(SEVERITY_TERMS)
_SEVERITY_ORDER = ("minor", "moderate", "major", "critical")


def extract_tags(transcript: str) -> dict[str, Any]:
    """Defect types, locations and the worst severity mentioned (negated defects dropped)."""
    words = re.findall(r"[a-z']+", transcript.lower())
    defects: list[str] = []
    locations: list[str] = []
    severities: list[str] = []
    evidence: list[str] = []
    for i, word in enumerate(words):
        window = set(words[max(0, i - 2):i])
        if word in _DEFECT and not (window & _NEGATIONS):
            tag = _DEFECT[word]
            if tag not in defects:
                defects.append(tag)
            evidence.append(word)
        elif word in _LOCATION:
            tag = _LOCATION[word]
            # "left edge" -> one location with a side
            if locations and tag in ("edge", "corner", "hole", "surface", "flange", "thread",
                                     "weld", "chamfer") and words[i - 1] in _LOCATION and \
                    _LOCATION[words[i - 1]] in ("left", "right", "top", "bottom", "front", "back"):
                locations[-1] = f"{locations[-1]} {tag}"
            elif tag not in locations:
                locations.append(tag)
        elif word in _SEVERITY:
            severities.append(_SEVERITY[word])
    severity = max(severities, key=_SEVERITY_ORDER.index) if severities else None
    if defects and severity is None:
        severity = "unspecified"
    return {"defect_types": defects, "locations": locations, "severity": severity,
            "no_defect": not defects and bool({"no", "okay", "good", "clean"} & set(words)),
            "matched_words": evidence}
