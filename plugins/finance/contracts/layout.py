"""Turn positioned words of one page into ordered lines: columns, margins, repeated furniture.

pdfplumber (or Tesseract for scanned pages) gives words with boxes; contracts need text
in reading order with every line keeping its box, so evidence can be drawn on the page.
Kept free of PDF libraries so it can be tested with plain word dictionaries.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

BBox = tuple[float, float, float, float]  # x0, top, x1, bottom in PDF points, origin top-left

_PAGE_NUMBER = re.compile(
    r"^(?:page\s*)?[-–—(\[]?\s*(?:\d{1,4}|[ivxlc]{1,6})\s*[-–—)\]]?(?:\s*(?:of|/)\s*\d{1,4})?$",
    re.IGNORECASE)
MARGIN_FRACTION = 0.09  # top/bottom band where running headers, footers and page numbers sit


@dataclass
class Line:
    """One line of text on a page, in reading order, with its box and where it sits."""

    page: int  # 1-based
    text: str
    bbox: BBox
    size: float = 10.0
    column: int = 0  # 0 = full width or single column, 1 = left, 2 = right
    kind: str = "text"  # "text" | "table"
    start: int = 0  # offsets into the assembled document text, filled by the reader
    end: int = 0


def group_lines(words: list[dict], page_number: int, page_width: float) -> tuple[list[Line], int]:
    """Cluster words into lines, detect a two-column layout, return lines in reading order.

    Returns the lines and the number of columns found (1 or 2).
    """
    if not words:
        return [], 1
    rows = _rows(words)
    chunks = [chunk for row in rows for chunk in _split_row(row)]
    gutter = _find_gutter(chunks, page_width)
    if gutter is None:
        lines = [_merge_chunks(row_chunks, page_number) for row_chunks in _by_row(chunks)]
        return lines, 1
    ordered: list[Line] = []
    left: list[Line] = []
    right: list[Line] = []
    for chunk in chunks:
        line = _line_from_words(chunk, page_number)
        x0, _, x1, _ = line.bbox
        if x0 < gutter < x1:  # a full-width line (title, heading) ends the column band above it
            ordered += left + right + [line]
            left, right = [], []
        elif x1 <= gutter:
            line.column = 1
            left.append(line)
        else:
            line.column = 2
            right.append(line)
    ordered += left + right
    return ordered, 2


def _rows(words: list[dict]) -> list[list[dict]]:
    words = sorted(words, key=lambda w: (round(w["top"], 1), w["x0"]))
    rows: list[list[dict]] = []
    for w in words:
        height = max(w["bottom"] - w["top"], 1.0)
        if rows:
            last = rows[-1]
            ref_top = sum(x["top"] for x in last) / len(last)
            if abs(w["top"] - ref_top) <= 0.45 * height:
                last.append(w)
                continue
        rows.append([w])
    for row in rows:
        row.sort(key=lambda w: w["x0"])
    rows.sort(key=lambda r: min(w["top"] for w in r))
    return rows


def _split_row(row: list[dict]) -> list[list[dict]]:
    """Split a row where the horizontal gap is wide enough to be a column gutter."""
    chunks = [[row[0]]]
    for prev, w in zip(row, row[1:], strict=False):
        height = max(w["bottom"] - w["top"], 1.0)
        if w["x0"] - prev["x1"] > 1.6 * height:
            chunks.append([w])
        else:
            chunks[-1].append(w)
    return chunks


def _find_gutter(chunks: list[list[dict]], page_width: float) -> float | None:
    """x of a vertical gap near the middle crossed by few chunks while both sides hold text."""
    if len(chunks) < 12:
        return None
    lo, hi = int(page_width * 0.3), int(page_width * 0.7)
    cover = [0] * (hi - lo + 1)
    spans = [(c[0]["x0"], c[-1]["x1"]) for c in chunks]
    for x0, x1 in spans:
        for x in range(max(lo, int(x0)), min(hi, int(x1)) + 1):
            cover[x - lo] += 1
    best = min(range(len(cover)), key=lambda i: (cover[i], abs(i - len(cover) // 2)))
    gutter = lo + best
    crossing = cover[best]
    left = sum(1 for x0, x1 in spans if x1 <= gutter)
    right = sum(1 for x0, x1 in spans if x0 >= gutter)
    if crossing > 0.15 * len(chunks) or min(left, right) < 0.25 * len(chunks):
        return None
    # Both sides must have text on many of the same heights (not a ragged right edge).
    left_rows = {round(c[0]["top"]) for c in chunks if c[-1]["x1"] <= gutter}
    right_rows = {round(c[0]["top"]) for c in chunks if c[0]["x0"] >= gutter}
    if len(left_rows & right_rows) < 0.3 * min(len(left_rows), len(right_rows)):
        return None
    return float(gutter)


def _by_row(chunks: list[list[dict]]) -> list[list[list[dict]]]:
    rows: list[list[list[dict]]] = []
    for chunk in chunks:
        if rows and abs(rows[-1][0][0]["top"] - chunk[0]["top"]) < 0.5:
            rows[-1].append(chunk)
        else:
            rows.append([chunk])
    return rows


def _merge_chunks(row_chunks: list[list[dict]], page_number: int) -> Line:
    words = [w for chunk in row_chunks for w in chunk]
    return _line_from_words(words, page_number)


def _line_from_words(words: list[dict], page_number: int) -> Line:
    text = " ".join(w["text"] for w in words)
    bbox = (min(w["x0"] for w in words), min(w["top"] for w in words),
            max(w["x1"] for w in words), max(w["bottom"] for w in words))
    sizes = [float(w.get("size") or (w["bottom"] - w["top"])) for w in words]
    return Line(page_number, text, tuple(round(v, 1) for v in bbox), size=max(sizes))


def furniture_key(text: str) -> str:
    """Header/footer identity: case, digits and spacing do not matter (page 3 == page 4)."""
    return re.sub(r"\s+", " ", re.sub(r"\d+", "#", text.lower())).strip()


def is_margin(line: Line, page_height: float) -> bool:
    """True when the line sits in the top or bottom band of its page."""
    return (line.bbox[3] <= page_height * MARGIN_FRACTION
            or line.bbox[1] >= page_height * (1 - MARGIN_FRACTION))


def repeated_furniture(margin_keys: Counter, n_pages: int) -> set[str]:
    """Margin texts seen on at least half the pages (and on at least two): headers/footers."""
    if n_pages < 2:
        return set()
    need = max(2, int(0.5 * n_pages + 0.5))
    return {key for key, count in margin_keys.items() if count >= need}


def is_page_number(text: str) -> bool:
    """'3', '- 3 -', 'Page 3 of 10', 'iv' and the like."""
    return bool(_PAGE_NUMBER.match(text.strip()))
