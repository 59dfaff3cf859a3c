"""Word error rate, the figure speech targets are stated in (tests and bench share it)."""

from __future__ import annotations

import re

_WORD = re.compile(r"[a-z0-9']+")
# The en-us dictionary spells some words as abbreviations; references spell them out.
_SPELLED = {"mr": "mister", "mrs": "missus", "dr": "doctor", "ct": "ct"}


def normalise(text: str) -> list[str]:
    """Lower-case words without punctuation (how recognisers write and references compare)."""
    return [_SPELLED.get(w, w) for w in _WORD.findall(text.lower())]


def edit_counts(reference: str, hypothesis: str) -> tuple[int, int]:
    """(word edits, reference words) by Levenshtein alignment over normalised words."""
    ref, hyp = normalise(reference), normalise(hypothesis)
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[-1], len(ref)


def word_error_rate(reference: str, hypothesis: str) -> float:
    """Edits / reference words (0.0 for an empty reference and hypothesis)."""
    edits, n = edit_counts(reference, hypothesis)
    return edits / n if n else float(bool(normalise(hypothesis)))
