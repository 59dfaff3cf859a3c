"""Parties named over the signatures, for contracts whose preamble does not name them.

Joint filing agreements bind "the undersigned"; statements of work name "Developer and
Client"; some preambles misspell a party the signature block spells right. The names that
stand over a "By: ____" line are read here and added when the preamble lacks them.
"""

from __future__ import annotations

import re

from plugins.finance.contracts.party_names import (
    ABBREVIATION,
    ENTITY,
    ENTITY_SUFFIX,
    clean_name,
    distinct_words,
    name_like,
    same_party,
)
from plugins.finance.contracts.spans import PREAMBLE_CHARS, Found

_WITNESS = re.compile(r"\b(?:IN\s+WITNESS\s+WHEREOF|In\s+[Ww]itness\s+[Ww]hereof|IN\s+EVIDENCE\s+"
                      r"WHEREOF|In\s+evidence\s+whereof|(?i:agreed\s+(?:to\s+)?and\s+accepted|"
                      r"accepted\s+and\s+agreed)|executed\s+(?:as\s+of\s+|on\s+)?the\s+date\s+"
                      r"first)\b")
ZONE_CHARS = 1500  # a signature block ends within this; beyond it lie exhibits and forms
_SIGNATURE_END = re.compile(r"\n\s*(?:EXHIBIT|Exhibit|SCHEDULE|Schedule|ANNEX|Annex|APPENDIX|"
                            r"Appendix)\b|Source:")
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
                               r"CEO|CFO|COO|AGREED|ACCEPTED|ACKNOWLEDGED)(?:\s+(?:AND|TO|BY))*"
                               r"\s+(?=\S)|^(?:[A-Z][a-z]+\s+)+(?=[A-Z]{2,}\s+[A-Z]{2,})")


def signature_parties(text: str, known: list[Found]) -> list[Found]:
    """Names over the signatures that are not spellings of a ``known`` party; role None."""
    seen = [f.value["name"] for f in known]
    found: list[Found] = []
    for witness in _WITNESS.finditer(text, PREAMBLE_CHARS // 2):
        start = witness.end()
        end = min(len(text), start + ZONE_CHARS)
        stop = _SIGNATURE_END.search(text, start, end)
        zone_end = stop.start() if stop else end
        matches = [(m.start("name"), m.end("name"), m.group("name"))
                   for pattern in (ENTITY, _ABOVE_BY, _LABEL_BY)
                   for m in pattern.finditer(text, start, zone_end)]
        for s, e, raw in sorted(matches):
            line = text[text.rfind("\n", 0, s) + 1:s]
            sign = _SIGN_HERE.search(text, e, min(zone_end, e + 150))
            if _SIGNATORY.match(line) or "/s/" in line or sign is None or re.search(
                    r"\b(?!(?:name|title|date)\b)[a-z]{4,}\b", text[e:sign.start()]):
                continue  # not over a signature (a sentence runs on), or the signatory
            name = _SIGNATURE_PREFIX.sub("", _last_sentence(clean_name(raw)))
            if not name_like(name) or not distinct_words(name) \
                    or any(same_party(name, other) for other in seen):
                continue
            seen.append(name)
            found.append(Found({"name": name, "role": None}, e - len(name), e))
    return found


def _last_sentence(name: str) -> str:
    """"Effective Date. NATIONAL FOOTBALL MUSEUM, INC." -> the name after the full stop."""
    for m in reversed(list(re.finditer(r"\.\s+(?=[A-Z])", name))):
        if not ABBREVIATION.search(name, 0, m.start()):
            return name[m.end():]
    return name
