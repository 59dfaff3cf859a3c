"""Parties named over the signatures, for contracts whose preamble does not name them.

Joint filing agreements bind "the undersigned"; statements of work name "Developer and
Client"; some preambles misspell a party the signature block spells right. The names that
stand over a "By: ____" line are read here and added when the preamble lacks them.
"""

from __future__ import annotations

import re

from plugins.finance.contracts.party_names import (
    ENTITY,
    ENTITY_SUFFIX,
    FINAL_SUFFIX,
    SUFFIX_WORD,
    clean_name,
    distinct_words,
    entity_form,
    last_sentence,
    name_key,
    name_like,
    same_entity,
    same_party,
)
from plugins.finance.contracts.spans import PREAMBLE_CHARS, Found

_WITNESS = re.compile(r"\b(?:IN\s+WITNESS\s+WHEREOF|In\s+[Ww]itness\s+[Ww]hereof|IN\s+EVIDENCE\s+"
                      r"WHEREOF|In\s+evidence\s+whereof|(?i:agreed\s+(?:to\s+)?and\s+accepted|"
                      r"accepted\s+and\s+agreed)|executed\s+(?:as\s+of\s+|on\s+)?the\s+date\s+"
                      r"first)\b")
ZONE_CHARS = 1500  # a signature block ends within this; beyond it lie exhibits and forms
# EDGAR's page stamp ("Source: SOUPMAN, INC., 8-K") may fall between the witness clause and
# the signatures on the next page: it does not end the zone, and its filer is no party
_SIGNATURE_END = re.compile(r"\n\s*(?:EXHIBIT|Exhibit|SCHEDULE|Schedule|ANNEX|Annex|APPENDIX|"
                            r"Appendix)\b")
_PAGE_STAMP = re.compile(r"Source:[^\n]*$")
_BY = r"(?:By|BY)\s*(?::|_|/s/|\n|-{3,}|(?:By|BY)\b)"  # "By: ____", "BY BY ----", "By /s/"
# what follows a party's name in a signature block: "By: ____", "/s/", "Name:", a rule
_SIGN_HERE = re.compile(r"\b" + _BY + r"|/s/|\bS/\s+[A-Z]|\b(?:Name|NAME|Title|TITLE|Signature)"
                        r"\s*:|_{5,}")
# a line of a signature block that is not a party: the signatory, the title, the date
_SIGNATORY = re.compile(r"^\s*(?:By|BY|Name|NAME|Title|TITLE|Date|DATE|Its|ITS|Attn|Address|"
                        r"Print|Signature|/s/)\b", re.MULTILINE)
# "COMWARE TECHNICAL SERVICES BY ____": a name in capitals over a signature
_ABOVE_BY = re.compile(r"(?P<name>[A-Z][A-Z0-9&'’.\-]*(?:,?[ \t]+(?:[A-Z][A-Z0-9&'’.\-]*|"
                       + ENTITY_SUFFIX + r"))+)[ \t]*,?\s*" + _BY)
# "SPONSOR: Rubio's Fresh Mexican Grill By: /s/"
_LABEL_BY = re.compile(r"\b[A-Z]{3,}[ \t]*:[ \t]*(?P<name>[A-Z][^\n:(\"“]{2,60}?)\s+(?:By|BY)\s*"
                       r"(?::|_|/s/)")
# what precedes a name over a signature: the signatory's title, "AGREED AND ACCEPTED BY",
# a label in title case ("Acceptance by Developer SEATTLE SOFTWARE DEVELOPERS, Inc.")
_SIGNATURE_PREFIX = re.compile(r"^.*\b(?:Officer|President|Director|Secretary|Treasurer|Manager|"
                               r"CEO|CFO|COO|Signatory|Partner|Member|Counsel|Esq\.?|ATTEST|WITNESS|AGREED|ACCEPTED|"
                               r"ACKNOWLEDGED|APPROVED)(?:\s+(?:AND|TO|BY|FOR))*"
                               r"\s+(?=\S)|^(?:[A-Z][a-z]+\s+)+(?=[A-Z]{2,}\s+[A-Z]{2,})")


# "ZANOTTI USA  A Delaware Corporation A Massachusetts Corporation": side-by-side blocks put
# each party's description under its name; the descriptions are not part of a name
_DESCRIPTION_TAIL = re.compile(r"(?:,?\s+(?:a|an|A|An)\s+(?:[A-Z][a-z]+\s+){1,3}(?i:corporation|"
                               r"company|limited\s+liability\s+company|(?:limited\s+)?partnership)"
                               r"\b\.?)+$")


def signature_parties(text: str, known: list[Found]) -> list[Found]:
    """Names over the signatures that are not spellings of a ``known`` party; role None."""
    seen = [f.value["name"] for f in known]
    roles = [f.value["role"] for f in known if f.value["role"]]
    signed: list[str] = []
    found: list[Found] = []
    for start, zone_end in signature_zones(text):
        matches = [(m.start("name"), m.end("name"), m.group("name"))
                   for pattern in (ENTITY, _ABOVE_BY, _LABEL_BY)
                   for m in pattern.finditer(text, start, zone_end)]
        taken_to = start
        for s, e, raw in sorted(matches):
            sign = _SIGN_HERE.search(text, e, min(zone_end, e + 150))
            if s < taken_to or _signs_for_another(text, s) or sign is None \
                    or _PAGE_STAMP.search(text, max(0, s - 80), s) or re.search(
                    r"\b(?!(?:name|title|date)\b)[a-z]{4,}\b", text[e:sign.start()]):
                continue  # not over a signature (a sentence runs on), or the signatory
            rest = _NAME_RUNS_ON.match(text, e, sign.start())
            if rest:  # "... Opportunity Fund Offshore, LP By:": the name runs on to "By:"
                raw, e = raw + text[e:rest.end("name")], rest.end("name")
            read = _SIGNATURE_PREFIX.sub("", last_sentence(_last_block(clean_name(raw))))
            read = _DESCRIPTION_TAIL.sub("", read)
            for name in _side_by_side(read):
                if not _signature_name(name):
                    continue
                _spell_out(name, known)
                if any(same_party(name, other) for other in seen) \
                        or any(same_entity(name, other) for other in signed) \
                        or any(distinct_words(name) <= distinct_words(role) for role in roles):
                    taken_to = e  # a party signing again, or under its defined term
                    continue
                signed.append(name)
                taken_to = e
                found.append(Found({"name": name, "role": None}, e - len(name), e))
    return found


def _spell_out(name: str, known: list[Found]) -> None:
    """A preamble name cut short ("HEMISPHERX") takes the signature's full legal name."""
    if entity_form(name) is None:
        return
    for f in known:
        words = distinct_words(f.value["name"])
        if entity_form(f.value["name"]) is None and words and words < distinct_words(name) \
                and name_key(name).startswith(name_key(f.value["name"])):
            f.value["name"] = name


def _signature_name(name: str) -> bool:
    """Whether words over a signature can be a party ("TO" of "AGREED TO BY:" cannot)."""
    return name_like(name) and bool(distinct_words(name)) and len(name_key(name)) >= 3 \
        and not re.match(r"(?:a|an|By|BY)\s", name)


# two signature columns on one line: "Vayyar Imaging Ltd. IndeLiving Holdings, Inc."
_TWO_COLUMNS = re.compile(r"(?P<left>.*?\b" + FINAL_SUFFIX + r"),?\s+(?P<right>[A-Z].*\b"
                          + ENTITY_SUFFIX + r")$")


def _side_by_side(name: str) -> list[str]:
    """One name, or the two names of signature blocks set side by side."""
    m = _TWO_COLUMNS.match(name)
    if m and distinct_words(m.group("left")) and distinct_words(m.group("right")) \
            and not SUFFIX_WORD.match(m.group("right")):
        return [m.group("left"), m.group("right")]
    return [name]


def signature_zones(text: str) -> list[tuple[int, int]]:
    """Spans that hold signature blocks: after "IN WITNESS WHEREOF", while "By:" lines go on.

    A block of many signatories (a joint filing agreement, a fund and its general partners)
    runs past ``ZONE_CHARS``: the zone is extended while the next "By:" follows within it.
    A joint filing agreement may have no witness clause at all: its zone starts at the first
    "By:" or "/s/" after the agreement's text.
    """
    starts = [w.end() for w in _WITNESS.finditer(text, PREAMBLE_CHARS // 2)]
    if not starts:
        first = _STRICT_SIGN.search(text, min(len(text), 200))
        if first is None:
            return []
        starts = [max(0, first.start() - 300)]
    zones: list[tuple[int, int]] = []
    for start in starts:
        if zones and start < zones[-1][1]:
            continue
        stop = _SIGNATURE_END.search(text, start)
        limit = stop.start() if stop else len(text)
        end = min(limit, start + ZONE_CHARS)
        for mark in _STRICT_SIGN.finditer(text, start, limit):
            if mark.start() > end:
                break
            end = min(limit, mark.end() + ZONE_CHARS // 2)
        zones.append((start, end))
    return zones


_NAME_RUNS_ON = re.compile(r"(?P<name>(?:,?[ \t]+[A-Z0-9][\w&'’.\-]*)+?,?[ \t]+" + ENTITY_SUFFIX
                           + r")[ \t]*,?\s*$")
_STRICT_SIGN = re.compile(r"\b(?:By|BY)\s*:|/s/")
# the name follows "By:" or "Name:" at once: a general partner or the person who signs
_SIGNS_FOR = re.compile(r"(?:\b(?:By|BY|Name|NAME|Title|TITLE|Its|ITS|Attn)\s*[:.]?|/s/)\s*$")


# a name's end, then "By:" (or the rest of its name first: "... Fund Offshore, LP By:")
_OVER_BY = re.compile(r"(?:,?[ \t]+[A-Z0-9][\w&'’.\-]*){0,6}[ \t]*,?\s*(?:By|BY)\s*:")


def in_signature_block(text: str, start: int, end: int) -> bool:
    """Whether the name at ``text[start:end]`` stands over a "By:" line or signs for another.

    Such names are this module's to read (or to leave out), not the preamble readers'.
    """
    return _OVER_BY.match(text, end) is not None or _signs_for_another(text, start)


def _signs_for_another(text: str, s: int) -> bool:
    """Whether the name at ``s`` is the signatory or a party's agent, not a party."""
    line_start = text.rfind("\n", 0, s) + 1
    line = text[line_start:s]
    if len(line) <= 80 and (_SIGNATORY.match(line) or "/s/" in line):
        return True
    label = _SIGNS_FOR.search(text, max(line_start, s - 20), s)
    # "Name: PLAYBOY.COM, INC.": a name with a legal form is the party, not the person
    return bool(label)


def _last_block(name: str) -> str:
    """"EVP Business Affairs   HARVEST SMALL CAP, L.P.": the name in capitals after a title."""
    name = re.split(r"\s{3,}", name)[-1]
    caps = re.search(r"(?:^|\s)((?:(?:[A-Z][A-Z0-9&'’.\-]*|&),?\s+){1,}[A-Z][A-Z0-9&'’.\-]*\.?)$",
                     name)
    if caps and caps.start(1) > 0 and re.search(r"[a-z]", name[:caps.start(1)]) \
            and any(len(w) >= 3 and not SUFFIX_WORD.fullmatch(w) and not re.fullmatch(r"[IVX]+", w)
                    for w in caps.group(1).replace(",", " ").split()):
        return caps.group(1)
    return name
