"""Read a contract PDF page by page into ordered, positioned text.

Memory stays bounded for very long files: pages are parsed one at a time and their
parser caches released (``page.close()``); only light line records are kept. Running
headers/footers and page numbers are removed after all pages are seen (they are
recognised by repetition), then lines are joined into paragraphs with hyphenation and
line-wrap repaired. Each line keeps its page and box, so any span of the assembled text
can be traced back to where it is printed.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from core.errors import UserError
from plugins.finance.contracts import ocr
from plugins.finance.contracts.layout import (
    BBox,
    Line,
    furniture_key,
    group_lines,
    is_margin,
    is_page_number,
    repeated_furniture,
)

MIN_TEXT_CHARS = 25  # fewer characters than this on a page with images: treat as scanned
_NUMBERED_START = re.compile(
    r"^(?:[0-9]{1,3}(?:\.[0-9]{1,3})*[.)]?\s+[A-Z\"“(]|\([a-z]{1,4}\)\s|\([0-9]{1,2}\)\s+[A-Z]|"
    r"[ivxIVX]{1,5}[.)]\s|(?:ARTICLE|Article|SECTION|Section|SCHEDULE|Schedule|EXHIBIT|Exhibit|"
    r"APPENDIX|Appendix|ANNEX|Annex)\s+[0-9A-Z]|WHEREAS|NOW,? THEREFORE|IN WITNESS)")


@dataclass
class PageInfo:
    """What was found on one page and how it was read."""

    number: int
    width: float
    height: float
    method: str = "text"  # "text" | "ocr" | "skipped" | "blank"
    columns: int = 1
    tables: int = 0
    lines: int = 0


@dataclass
class Table:
    """A table kept as rows of cells (payment schedules, fee tables)."""

    page: int
    bbox: BBox
    rows: list[list[str]]


@dataclass
class ContractText:
    """The assembled text of a contract and the positioned lines it was built from."""

    path: Path
    text: str
    lines: list[Line]
    pages: list[PageInfo]
    tables: list[Table] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    removed_furniture: int = 0

    def locate(self, start: int, end: int) -> tuple[int | None, BBox | None]:
        """Page and box of the text span [start, end): the union of its lines on its first page."""
        import bisect
        starts = [ln.start for ln in self.lines]
        i = max(bisect.bisect_right(starts, start) - 1, 0)
        hit = [ln for ln in self.lines[i:] if ln.start < end and ln.end > start]
        hit = [ln for ln in hit if ln.start < end]
        if not hit:
            return None, None
        page = hit[0].page
        same = [ln.bbox for ln in hit if ln.page == page]
        return page, (min(b[0] for b in same), min(b[1] for b in same),
                      max(b[2] for b in same), max(b[3] for b in same))


def check_file(path: Path) -> None:
    """Refuse empty files and files that are not PDFs before any parser sees them."""
    size = path.stat().st_size
    if size == 0:
        raise UserError(f"{path}: the file is empty (0 bytes); export the contract to PDF again")
    with path.open("rb") as fh:
        head = fh.read(1024)
    if b"%PDF-" not in head:
        sniff = head[:8]
        raise UserError(f"{path}: not a PDF file (it starts with {sniff!r}); "
                        "convert it to PDF or upload the original PDF")


def read_contract(path: Path, *, password: str | None = None, max_pages: int = 1000,
                  use_ocr: bool = True, ocr_dpi: int = 200, ocr_language: str = "eng",
                  progress: Callable[[int, int], None] | None = None) -> ContractText:
    """Read ``path`` into a ContractText; UserError naming the file for anything unreadable."""
    import pdfplumber

    check_file(path)
    try:
        pdf = pdfplumber.open(path, password=password or "")
    except Exception as exc:  # noqa: BLE001 - pdfminer raises many types; all are the file's fault
        raise _open_error(path, exc, password) from exc
    with pdf:
        try:
            n_pages = len(pdf.pages)
        except Exception as exc:  # noqa: BLE001
            raise _open_error(path, exc, password) from exc
        if n_pages == 0:
            raise UserError(f"{path}: the PDF has no pages")
        if n_pages > max_pages:
            raise UserError(f"{path}: {n_pages} pages is over the page limit ({max_pages}); "
                            f"raise it with --set max_pages={n_pages} if this is intended")
        pages: list[PageInfo] = []
        page_lines: list[list[Line]] = []
        tables: list[Table] = []
        scanned: list[int] = []
        for index in range(n_pages):
            page = pdf.pages[index]
            try:
                info, lines, page_tables, needs_ocr = _read_page(page, index + 1)
            except Exception as exc:  # noqa: BLE001 - a damaged page stream
                raise UserError(f"{path}: page {index + 1} cannot be read; the PDF is damaged "
                                f"or truncated ({type(exc).__name__}: {exc})") from exc
            finally:
                page.close()  # frees pdfplumber's per-page object cache
            if needs_ocr:
                scanned.append(index + 1)
            pages.append(info)
            page_lines.append(lines)
            tables.extend(page_tables)
            if progress:
                progress(index + 1, n_pages)
    warnings: list[str] = []
    if scanned:
        warnings += _ocr_pages(path, password, scanned, pages, page_lines, use_ocr, ocr_dpi,
                               ocr_language)
    text_pages = [p for p in pages if p.method in ("text", "ocr")]
    if not text_pages:
        reason = "; ".join(warnings) or "every page is blank"
        raise UserError(f"{path}: no readable text in the PDF ({reason})")
    lines, removed = _drop_furniture(page_lines, pages)
    text = assemble(lines)
    return ContractText(path, text, lines, pages, tables, warnings, removed)


def _open_error(path: Path, exc: Exception, password: str | None) -> UserError:
    # pdfplumber wraps pdfminer's exceptions; the wrapped one's class name says what failed.
    inner = exc.args[0] if exc.args and isinstance(exc.args[0], Exception) else exc
    names = f"{type(exc).__name__} {type(inner).__name__}"
    detail = str(exc)
    if "Password" in names or "Encrypt" in names or "password" in detail.lower():
        if password:
            return UserError(f"{path}: the PDF is encrypted and the password given is wrong")
        return UserError(f"{path}: the PDF is encrypted; pass its password with "
                         "--set password=... (or remove the protection)")
    return UserError(f"{path}: the PDF is damaged or truncated and cannot be opened "
                     f"({type(inner).__name__}: {detail[:160]})")


def _read_page(page, number: int) -> tuple[PageInfo, list[Line], list[Table], bool]:
    info = PageInfo(number, float(page.width), float(page.height))
    words = page.extract_words(extra_attrs=["size"], keep_blank_chars=False)
    n_chars = sum(len(w["text"]) for w in words)
    if n_chars < MIN_TEXT_CHARS and page.images:
        info.method = "skipped"
        return info, [], [], True
    if not words:
        info.method = "blank"
        return info, [], [], False
    tables: list[Table] = []
    table_lines: list[Line] = []
    if page.rects or page.lines:  # ruled tables need ruling lines; skip the search otherwise
        for found in page.find_tables():
            rows = [[(cell or "").replace("\n", " ").strip() for cell in row]
                    for row in found.extract()]
            rows = [r for r in rows if any(r)]
            if len(rows) < 2 or max(len(r) for r in rows) < 2:
                continue
            x0, top, x1, bottom = found.bbox
            words = [w for w in words if not (x0 - 1 <= w["x0"] and w["x1"] <= x1 + 1
                                              and top - 1 <= w["top"] and w["bottom"] <= bottom + 1)]
            tables.append(Table(number, tuple(round(v, 1) for v in found.bbox), rows))
            for row_obj, cells in zip(found.rows, rows, strict=False):
                rb = row_obj.bbox
                table_lines.append(Line(number, " | ".join(c for c in cells), (
                    round(rb[0], 1), round(rb[1], 1), round(rb[2], 1), round(rb[3], 1)),
                    kind="table"))
    lines, columns = group_lines(words, number, info.width)
    info.columns = columns
    info.tables = len(tables)
    if table_lines:  # put table rows where the table sits in the flow of the page
        lines = _insert_by_top(lines, table_lines)
    info.lines = len(lines)
    return info, lines, tables, False


def _insert_by_top(lines: list[Line], table_lines: list[Line]) -> list[Line]:
    top = table_lines[0].bbox[1]
    at = next((i for i, ln in enumerate(lines) if ln.bbox[1] > top and ln.column != 2),
              len(lines))
    return lines[:at] + table_lines + lines[at:]


def _ocr_pages(path: Path, password: str | None, numbers: list[int], pages: list[PageInfo],
               page_lines: list[list[Line]], use_ocr: bool, dpi: int, language: str) -> list[str]:
    listed = ", ".join(str(n) for n in numbers)
    if not use_ocr:
        return [f"pages {listed} are scanned images and were skipped (OCR is off; "
                "run with --set use_ocr=true)"]
    missing = ocr.tesseract_missing()
    if missing:
        return [f"pages {listed} are scanned images and were skipped: {missing}"]
    for number in numbers:
        words = ocr.ocr_page(path, number, password=password, dpi=dpi, language=language)
        info = pages[number - 1]
        lines, columns = group_lines(words, number, info.width)
        info.method, info.columns, info.lines = ("ocr" if lines else "blank"), columns, len(lines)
        page_lines[number - 1] = lines
    return []


def _drop_furniture(page_lines: list[list[Line]], pages: list[PageInfo]) -> tuple[list[Line], int]:
    margin_keys: Counter = Counter()
    for lines, info in zip(page_lines, pages, strict=True):
        keys = {furniture_key(ln.text) for ln in lines if is_margin(ln, info.height)}
        margin_keys.update(keys)
    furniture = repeated_furniture(margin_keys, sum(1 for p in pages if p.lines))
    kept: list[Line] = []
    removed = 0
    for lines, info in zip(page_lines, pages, strict=True):
        for ln in lines:
            if ln.kind == "text" and is_margin(ln, info.height) and (
                    furniture_key(ln.text) in furniture or is_page_number(ln.text)):
                removed += 1
                continue
            kept.append(ln)
    return kept, removed


def assemble(lines: list[Line]) -> str:
    """Join lines into paragraphs, repairing hyphenation and wrapped lines; fill line offsets."""
    parts: list[str] = []
    pos = 0
    prev: Line | None = None
    for ln in lines:
        text = ln.text.strip()
        if prev is None:
            sep = ""
        else:
            sep = _separator(prev, ln, text)
            if sep == "" and parts and parts[-1].endswith("-"):
                parts[-1] = parts[-1][:-1]  # de-hyphenate: "agree-" + "ment" -> "agreement"
                pos -= 1
                prev.end -= 1
        parts.append(sep)
        pos += len(sep)
        ln.start = pos
        parts.append(text)
        pos += len(text)
        ln.end = pos
        prev = ln
    return "".join(parts)


def _separator(prev: Line, ln: Line, text: str) -> str:
    prev_text = prev.text.rstrip()
    if prev.kind == "table" or ln.kind == "table":
        return "\n"
    if ln.page != prev.page or ln.column != prev.column:
        gap_ok = not prev_text.endswith((".", ":", ";"))  # a new page/column after a full stop
    else:
        line_height = max(prev.bbox[3] - prev.bbox[1], 1.0)
        gap = ln.bbox[1] - prev.bbox[3]
        gap_ok = gap <= 0.9 * line_height
    if _NUMBERED_START.match(text):
        return "\n"
    if not gap_ok:
        return "\n\n"
    if (len(prev_text) > 1 and prev_text.endswith("-") and prev_text[-2].isalpha()
            and text[:1].islower()):
        return ""
    if prev_text.endswith((".", ":", ";")) and (prev_text.isupper() or len(prev_text) < 40):
        return "\n"
    if prev_text.isupper() and not text.isupper() and len(prev_text) < 80:
        return "\n"  # an all-caps heading line
    return " "
