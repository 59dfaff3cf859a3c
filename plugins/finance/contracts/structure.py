"""Section structure: headings and clause numbers (1., 1.1, (a), Article IV, Schedule B).

Each numbered unit becomes a Section with a hierarchical id ("4.1(a)", "Article IV",
"Schedule B") and a character span in the assembled text, so a detected clause can say
which section it belongs to and where that section starts and ends.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ROMAN = re.compile(r"^[ivxlcdm]+$", re.IGNORECASE)
_HEAD = re.compile(
    r"(?P<part>(?:ARTICLE|Article|SECTION|Section|SCHEDULE|Schedule|EXHIBIT|Exhibit|"
    r"APPENDIX|Appendix|ANNEX|Annex|PART|Part)\s+(?P<partno>[0-9]{1,3}(?:\.[0-9]{1,3})*|"
    r"[IVXLC]{1,6}|[A-Z])\b[.:]?)"
    r"|(?P<dotted>(?P<num>[0-9]{1,3}(?:\.[0-9]{1,3}){0,4})(?:\.|\))?(?=\s+\S))"
    r"|(?P<paren>\((?P<pno>[a-zA-Z]{1,4}|[0-9]{1,3})\))")


@dataclass
class Section:
    """One numbered or headed unit of the contract."""

    id: str
    level: int
    title: str
    start: int
    end: int
    page: int | None = None
    bbox: tuple[float, float, float, float] | None = None


def parse_sections(text: str, max_sections: int = 5000) -> list[Section]:
    """Sections of ``text`` found at line starts, with ids that include their parents."""
    found: list[tuple[int, int, str, str]] = []  # start, level, label, title
    last_letter = ""
    for line_start in _line_starts(text):
        m = _HEAD.match(text, line_start)
        if not m:
            continue
        rest = text[m.end():m.end() + 120].split("\n", 1)[0]
        if m.group("part"):
            kind = m.group("part").split()[0].capitalize()
            label = f"{kind} {m.group('partno')}"
            level = 0
        elif m.group("dotted"):
            num = m.group("num")
            # "2019." or "10,000" style numbers are not clause numbers
            if len(num.split(".")[0]) > 2:
                continue
            label = num
            level = 1 + num.count(".")
            if "." not in m.group("dotted") and ")" not in m.group("dotted"):
                continue  # a bare number at a line start is a value, not a heading
        else:
            pno = m.group("pno")
            if pno.isdigit():
                label, level = f"({pno})", 6
            elif _ROMAN.match(pno) and not _next_letter(last_letter, pno):
                label, level = f"({pno})", 5
            else:
                label, level = f"({pno})", 4
                last_letter = pno.lower()
        found.append((line_start, level, label, _title(rest)))
        if len(found) >= max_sections:
            break
    return _with_parents(found, len(text))


def _next_letter(last: str, label: str) -> bool:
    """True when ``label`` follows ``last`` alphabetically ("(h)" then "(i)" is a letter, not 1)."""
    return (len(last) == 1 and len(label) == 1
            and ord(label.lower()) == ord(last) + 1)


def _line_starts(text: str):
    yield 0
    for m in re.finditer(r"\n\s*", text):
        yield m.end()


def _title(rest: str) -> str:
    """A short heading after the number ("Term." / "GOVERNING LAW"), else empty."""
    rest = rest.strip()
    head = re.split(r"(?<=[.:])\s", rest, maxsplit=1)[0]
    return head.rstrip(".:") if 0 < len(head) <= 60 else ""


def _with_parents(found: list[tuple[int, int, str, str]], text_len: int) -> list[Section]:
    sections: list[Section] = []
    stack: list[tuple[int, str]] = []  # (level, label)
    for i, (start, level, label, title) in enumerate(found):
        while stack and stack[-1][0] >= level:
            stack.pop()
        if level == 0 or (level <= 3 and "." in label):
            ident = label  # "Article IV", "4.1" are already absolute
        else:
            parent = next((lab for lev, lab in reversed(stack) if lev < level), "")
            ident = f"{parent}{label}" if parent and level >= 4 else label
        stack.append((level, ident))
        end = text_len
        for nxt_start, nxt_level, _, _ in found[i + 1:]:
            if nxt_level <= level:
                end = nxt_start
                break
        sections.append(Section(ident, level, title, start, end))
    return sections


def section_at(sections: list[Section], offset: int) -> Section | None:
    """The innermost section containing ``offset``."""
    best = None
    for s in sections:
        if s.start <= offset < s.end and (best is None or s.level >= best.level):
            best = s
    return best
