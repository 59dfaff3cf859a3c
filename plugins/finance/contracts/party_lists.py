"""Parties named by enumeration, defined together under one collective term.

Credit and guarantee agreements name their borrowers, guarantors or sellers as a list that
ends in one defined term: "SUNTRON CORPORATION, a Delaware corporation, SUNTRON GCO, L.P., a
Texas limited partnership, ... and SUNTRON-KANSAS, INC., a Delaware corporation
(collectively, the "Borrowers")". The list may stand in a recital rather than the party
sentence, and it outruns the preamble readers' cap on names; each listed entity is a party.
"""

from __future__ import annotations

import re

from plugins.finance.contracts.party_names import (
    ABBREVIATION,
    ENTITY,
    ROLE_WORDS,
    clean_name,
    distinct_words,
    name_like,
    same_entity,
    same_party,
)
from plugins.finance.contracts.spans import Found

_QUOTE = "\"“”'‘’"
# "(collectively, the "Borrowers")", "(each a "Guarantor" and collectively the "Guarantors")"
_COLLECTIVE = re.compile(r"\(\s*(?:each[^)]{0,60}?\s+and\s+)?(?:together\s+and\s+)?collectively"
                         r",?\s+(?:with\s+[^)]{0,60}?,?\s+)?(?:referred\s+to\s+as\s+)?(?:the\s+)?["
                         + _QUOTE + r"]+(?P<role>[^" + _QUOTE + r"]{1,40})[" + _QUOTE + r"]+"
                         r"[^)]{0,80}\)", re.IGNORECASE)
# "Centrack International, a Florida corporation": a name introduced by its description
_DESCRIBED = re.compile(r"(?P<name>(?:[A-Z0-9][\w&'’.*\-]*[ \t]+(?:(?:of|and|&|de|the|for)[ \t]+)?)"
                        r"{0,6}[A-Z0-9][\w&'’.*\-]*),[ \t]+an?[ \t]+(?:[\w'’-]+[ \t]+){0,5}?"
                        r"(?:corporation|company|partnership|organization|institution|bank|trust|"
                        r"entity|association|cooperative|society|firm)\b")
_PERIOD = re.compile(r"\.\s+(?=[A-Z(\"“])")
_GAP_CHARS = 200  # a description between two listed names ("a Delaware corporation")
_CLAUSE = re.compile(r"\b(?:shall|will|has|have|had|is|are|was|were|may|agrees?|agreed|dated|"
                     r"entered|between|among|by|pursuant)\b")
_LIST_CHARS = 3000  # an enumeration longer than this is a schedule, not a sentence
MIN_LISTED = 2  # one name with a collective term is a group ("Acme and its affiliates")


def listed_parties(text: str, end: int, known: list[Found]) -> list[Found]:
    """Entities enumerated before a collective defined term in ``text[:end]``, not ``known``.

    Each gets the collective term as its role; names already ``known`` are left out.
    """
    seen = [f.value["name"] for f in known]
    listed: list[str] = []
    found: list[Found] = []
    for term in _COLLECTIVE.finditer(text, 0, end):
        names = _enumeration(text, term.start())
        if len(names) < MIN_LISTED:
            continue
        for s, e, name in names:
            if any(same_party(name, other) for other in seen) \
                    or any(same_entity(name, other) for other in listed):
                continue
            listed.append(name)
            found.append(Found({"name": name, "role": term.group("role").strip()}, s, e))
    return found


def _without_roles(name: str) -> str:
    """"Lenders and SUNTRON CORPORATION": the roles listed before the name are not part of it."""
    m = re.match(r"(?P<roles>(?:[A-Za-z]+,?\s+)+)(?:and|AND)\s+(?=[A-Z])", name)
    if m and {w.rstrip("s") for w in re.findall(r"[a-z]+", m.group("roles").lower())} \
            <= ROLE_WORDS | {"the", "agent", "bank"}:
        return name[m.end():]
    return name


def _enumeration(text: str, bracket: int) -> list[tuple[int, int, str]]:
    """The entity names of the sentence (or clause) that ends at ``bracket``."""
    lo = max(0, bracket - _LIST_CHARS)
    sentence_ends = [m.end() for m in _PERIOD.finditer(text, lo, bracket)
                     if not ABBREVIATION.search(text, max(0, m.start() - 6), m.start())]
    begin = max(lo, text.rfind("\n\n", lo, bracket), text.rfind(";", lo, bracket),
                *sentence_ends)
    spans: list[tuple[int, int, str]] = []
    for pattern in (ENTITY, _DESCRIBED):
        for m in pattern.finditer(text, begin, bracket):
            spans.append((m.start("name"), m.end("name"), m.group("name")))
    names: list[tuple[int, int, str]] = []
    taken_to = begin
    for s, e, raw in sorted(spans):
        if s < taken_to:
            continue
        name = _without_roles(clean_name(raw))
        if not name_like(name) or not distinct_words(name):
            continue  # "a Texas limited [partnership]", "Oregon corporation": descriptions
        taken_to = e
        names.append((e - len(name), e, name))
    # the list is the run of names that reaches the bracket, each joined to the next by a
    # description and a comma or "and", not by a clause ("..., Party B has the right to")
    run: list[tuple[int, int, str]] = []
    reach = bracket
    for s, e, name in reversed(names):
        if reach - e > _GAP_CHARS or _CLAUSE.search(text, e, reach):
            break
        run.insert(0, (s, e, name))
        reach = s
    return run
