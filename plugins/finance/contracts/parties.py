"""Party names and their defined roles, read from a contract's preamble.

Three readings are combined, because none alone covers how contracts name their parties:

- the party sentence ("by and between A, a Delaware corporation ("Licensor"), and B
  ("Licensee")") is cut at its top-level separators into one piece per party, and a piece's
  leading name is kept when the piece shows that it names a party: a defined role, a corporate
  description or an entity suffix. This reads what suffix patterns cannot: names without a
  suffix ("Synchron"), in lower case ("ebix.com, Inc."), with "d/b/a" or "f/k/a", people.
- patterns find what the sentence reading misses (letters, lists without roles, title pages):
  an entity suffix ("Acme Holdings, Inc."), a description ("Centrack International, a Florida
  corporation"), a label ("Licensor: Acme Ltd").
- the signature blocks (``signatures``) add parties the preamble does not name.
"""

from __future__ import annotations

import re

from plugins.finance.contracts.party_lists import listed_parties
from plugins.finance.contracts.party_names import (
    ABBREVIATION,
    ENTITY,
    ENTITY_SUFFIX,
    FINAL_SUFFIX,
    GENERIC_NAME_WORDS,
    MONTH_WORDS,
    NOT_A_PARTY,
    PLACES,
    ROLE_WORDS,
    SUFFIX_WORD,
    THING_ROLE,
    US_STATE_WORDS,
    clean_name,
    descriptive,
    last_sentence,
    mentioned_not_party,
    name_key,
    name_like,
)
from plugins.finance.contracts.signatures import in_signature_block, signature_parties
from plugins.finance.contracts.spans import PREAMBLE_CHARS, Found

MAX_PARTIES = 8  # more is a list of affiliates or a misread table, not the contracting parties
# Names over "By:" lines are parties however many there are (a fund, its general partners
# and managers sign one joint filing agreement); the cap only stops a runaway misread.
MAX_SIGNATURE_PARTIES = 40

_QUOTE = "\"“”'‘’"
_ROLE = re.compile(r"\(\s*(?:each\s+|individually\s+|collectively,?\s+)?(?:hereinafter\s+"
                   r"(?:referred\s+to\s+as\s+|called\s+)?)?(?:the\s+)?[" + _QUOTE + r"]+"
                   r"(?P<role>[^" + _QUOTE + r"]{1,60})[" + _QUOTE + r"]+"
                   r"(?:\s*(?:or|and)\s+(?:the\s+)?[\"“”']+[^\"“”']{1,60}[\"“”']+)?[^)]{0,80}\)")
# "JSC NOC KazakhOil, hereinafter referred to as the "Company"": a role without brackets
_ROLE_HEREINAFTER = re.compile(r"\b(?i:hereinafter|hereafter)\s+(?:referred\s+to\s+as|called|"
                               r"known\s+as)\s+(?:the\s+)?(?:[" + _QUOTE + r"]+(?P<role>[^"
                               + _QUOTE + r"]{1,60})[" + _QUOTE + r"]+|"
                               # "(hereinafter referred to as Party A)": no quotes
                               r"(?P<role_bare>Party[ \t]+[A-D])\b)")
# "ANR PIPELINE COMPANY (Shipper)": a role without quotes
_ROLE_BARE = re.compile(r"\((?P<role>[A-Z][\w.&@\-]*(?:[ \t]+[A-Z][\w.&@\-]*){0,2})\)")
_GENERIC_ROLES = {"agreement", "contract", "effective date", "parties", "party", "this agreement",
                  "execution date", "affiliate", "affiliates"}
_PREAMBLE_END = re.compile(r"\b(?:WHEREAS|Whereas|W I T N E S S E T H|RECITALS|Recitals|BACKGROUND|"
                           r"Background|NOW,? THEREFORE|(?i:agree\s+as\s+follows)|IT IS AGREED|"
                           r"1\.\s+DEFINITIONS|TABLE\s+OF\s+CONTENTS|Table\s+of\s+Contents)")
# "by and between", "among"; "This Agreement is entered into by A ("Transporter") and B";
# a letter agreement: "... hereby confirm their agreement with Charles Webb & Company"
_OPENING = re.compile(r"\b(?:between|among)\b|\b(?:entered\s+into|made|executed)\s+by\b"
                      r"(?!\s+and\b)|\b(?:their|its|our)\s+agreement\s+with\b(?=\s+(?-i:[A-Z]))",
                      re.IGNORECASE)


_CONTENTS = re.compile(r"\b(?:TABLE\s+OF\s+CONTENTS|Table\s+of\s+Contents|INDEX\s+TO\s+[A-Z]+)")
# the sentence that opens the agreement proper, after the contents of a franchise agreement
_AGREEMENT_OPENS = re.compile(r"\b(?:made|entered\s+into|executed)\b[^.;]{0,300}?\b(?:between|"
                              r"among)\b", re.IGNORECASE)
CONTENTS_SEARCH_CHARS = 30000  # how far past a table of contents the preamble is looked for


def parties(text: str) -> list[Found]:
    """Parties named in the preamble, each value {"name", "role"} (role may be None)."""
    begin = _preamble_start(text)
    head = text[:begin + PREAMBLE_CHARS]
    m = re.search(r"\b(?:between|among)\b", head[begin:], re.IGNORECASE)
    start = begin + m.end() if m else begin
    stop = _PREAMBLE_END.search(head, start)
    window_end = stop.start() if stop else min(len(head), start + 1500)
    defined = {name_key(rm.group("role")) for rm in _ROLE.finditer(head)}
    sentence: list[Found] = []
    read_to = 0
    for opening in _OPENING.finditer(head, begin):
        if opening.start() < read_to:
            continue
        read_to = _party_sentence_end(text, head, opening.end())
        read = _sentence_parties(text, opening.end(), read_to, defined)
        sentence += read
        if len(read) >= 2 and any(f.value["role"] for f in read):
            break  # a title page's "between" comes first: read on until roles are defined
    if not sentence:
        # no "between" before the parties: "JSC NOC KazakhOil, hereinafter referred to as the
        # "Company", ... and JSC Karakudukmunay, hereinafter ...": read the first role's paragraph
        roles = [r for r in (*_ROLE.finditer(head, begin),
                           *_ROLE_HEREINAFTER.finditer(head, begin))
                 if _role_group(r).strip().lower() not in _GENERIC_ROLES]
        if roles:
            role = min(roles, key=lambda r: r.start())
            blank = head.rfind("\n\n", 0, role.start())
            paragraph = blank + 2 if blank >= 0 else 0
            sentence = _sentence_parties(text, paragraph, _party_sentence_end(
                text, head, role.end()), defined)
            if paragraph < start:
                # "... under which MediaNet Group Technologies, Inc. ("MEDIANET"), authorizes
                # International Direct Response, Inc. ("RESELLER")": the names come before
                # the first "between", which lies further on in the text
                start = paragraph
                stop = _PREAMBLE_END.search(head, start)
                window_end = stop.start() if stop else min(len(head), start + 1500)
    found = _pattern_parties(text, start, window_end, _named(text, sentence, window_end))
    found = _distinct(text, sorted(found, key=lambda f: f.start), window_end)
    found = found[:MAX_PARTIES]
    found += listed_parties(text, len(head), found)[:MAX_SIGNATURE_PARTIES]
    found += signature_parties(text, found)[:MAX_SIGNATURE_PARTIES]
    return found or _fallback_parties(text)


# When no reader finds a party (no "between" sentence, roles or signature blocks it can
# read), the suffix, description and label patterns run over the opening pages alone. On
# the tuning half of the CUAD texts, this fallback alone (readers switched off) finds 78.3%
# of the labelled names at 72.7% precision: far better than returning nothing. Chosen there
# over 3,000-10,000 characters and caps of 8/40 (precision falls with the window).
FALLBACK_CHARS = 3000
MAX_FALLBACK_PARTIES = 40  # a consortium agreement can open with a list of dozens


def _fallback_parties(text: str) -> list[Found]:
    """Pattern names in the first ``FALLBACK_CHARS`` when every reader came back empty."""
    found = _pattern_parties(text, 0, min(len(text), FALLBACK_CHARS), [])
    return _distinct(text, found, FALLBACK_CHARS)[:MAX_FALLBACK_PARTIES]


def _preamble_start(text: str) -> int:
    """Where the preamble begins: 0, or past a table of contents that fills the first page.

    A franchise agreement may open with pages of contents and only then say "AGREEMENT made
    ... by and between Kiosk Concepts, Inc. ... and ..."; a title page that names the parties
    before its contents ("between A and B", then the contents) keeps the start at 0.
    """
    head = text[:PREAMBLE_CHARS]
    contents = _CONTENTS.search(head)
    if not contents or _OPENING.search(head, 0, contents.start()):
        return 0
    opens = _AGREEMENT_OPENS.search(text, contents.end(), contents.end() + CONTENTS_SEARCH_CHARS)
    if not opens:
        return 0
    # from the paragraph before the opening sentence, which may hold the title and names
    blank = text.rfind("\n\n", max(contents.end(), opens.start() - 600), opens.start())
    return blank + 2 if blank >= 0 else max(contents.end(), opens.start() - 600)


def _party_sentence_end(text: str, head: str, start: int) -> int:
    """Where the sentence naming the parties ends: its full stop, or the recitals."""
    stop = _PREAMBLE_END.search(head, start)
    limit = stop.start() if stop else min(len(head), start + 1500)
    if re.match(r"\s*:", head[start:start + 10]):
        # "BETWEEN:" heads a list of parties, one paragraph each, that may hold full stops:
        # read on to the end of the sentence that holds the last party, after "AND"
        joint = re.search(r"\b(?:and|AND)\b", head[start:limit])
        if joint:
            start += joint.end()
    return _sentence_end(text, start, limit)


_PERIOD = re.compile(r"\.(?=[ \t]*\n|\s+[A-Z\"“])")


def _sentence_end(text: str, start: int, end: int) -> int:
    """End of the sentence that begins at ``start``; "Inc." and "N.A." do not end it."""
    for m in _PERIOD.finditer(text, start, end):
        if not ABBREVIATION.search(text, max(0, m.start() - 6), m.start()):
            return m.end()
    return end


def _distinct(text: str, found: list[Found], window_end: int) -> list[Found]:
    """One entry per name, without the names that only refer to a party by its role."""
    kept: dict[str, Found] = {}
    for f in _named(text, found, window_end):
        key = name_key(f.value["name"])
        if key not in kept:
            kept[key] = f
        elif kept[key].value["role"] is None:
            kept[key].value["role"] = f.value["role"]
    return list(kept.values())


def _named(text: str, found: list[Found], window_end: int) -> list[Found]:
    """Drop "PDMC", "Distributor": a party already named, referred to by its defined term."""
    roles = {name_key(f.value["role"]) for f in found if f.value["role"]}
    defined_at: dict[str, int] = {}
    for rm in _ROLE.finditer(text, 0, window_end):
        defined_at.setdefault(name_key(rm.group("role")), rm.start())
    kept = []
    for f in found:
        key = name_key(f.value["name"])
        if key == name_key(f.value["role"] or "") or (
                key not in roles and defined_at.get(key, len(text)) >= f.start):
            kept.append(f)
    return kept


# --- the party sentence ------------------------------------------------------------------

# top-level separators between parties: "; ", "), ", " and ", "on the other hand", "(2) "
_SEPARATOR = re.compile(r";|\n[ \t]*\n\s*|(?<=\))[ \t]*,|,?\s+(?:and|AND|And)\s*[,:]?\s+|"
                        r"\s+AND:?\s+|\bon\s+the\s+(?:one|other)\s+hand\b|\bWHEREAS\b|"
                        r"(?<!\S)\((?:\d{1,2}|[a-h]|i{1,3}|iv)\)\s")
# what comes before a party's name in its piece: "and", "(2)", "1.2.", a title in capitals
_LEAD = re.compile(r"(?:\s|[,:;.\-–—]|\b\d{1,2}(?:\.\d{1,2})*\.(?=\s)|\bWHEREAS\b|"
                   # a label before the name: "The Covenanter: ", "Party B: "
                   r"\b(?:[Tt]he[ \t]+)?(?:(?!Source\b)[A-Z][a-z]+|Party[ \t]+[A-D])[ \t]*[:：](?=\s)|"
                   r"[A-Z][A-Z ,&\-]*\b(?:AGREEMENT|CONTRACT)\b|\((?:\d{1,2}|[a-h]|i{1,3}|iv)\)|"
                   r"\b(?:and|AND|And|by|BY|between|BETWEEN|Between|among|AMONG|Among|the)\b)*")
_WORD = re.compile(r"(?P<paren>\((?:[A-Z][\w.&'’\-]*[ \t]?){1,3}\)"
                   r"(?=,?[ \t]+(?!(?:A|An|The)\s)[A-Z(]))"  # "SAP (AFRICA) (PTY) LIMITED"
                   r"|(?P<cap>[A-Z0-9][\w&'’.\-/@™®]*)"
                   # "ebix.com", "e-centives", "iMedicor": names that begin in lower case
                   r"|(?P<special>[a-z][a-z0-9\-]*\.(?:com|net|org|io|co)\b"
                   r"|(?!co-|re-)[a-z]{1,2}-[a-z]+|[a-z]{1,3}[A-Z][\w&'’.\-]*)"
                   r"|(?P<plain>[a-z][\w'’\-]*\.?)")
_CONNECTORS = {"of", "de", "du", "des", "del", "della", "der", "van", "von", "la", "le", "for",
               "the", "y", "e", "und", "et"}
_STOP = {"a", "an", "and", "with", "having", "whose", "located", "is", "are", "was", "which",
         "who", "organized", "organised", "incorporated", "existing", "acting", "represented",
         "its", "their", "his", "her", "on", "in", "at", "by", "to", "as", "hereinafter", "not",
         "formerly", "being", "each", "together", "including", "this", "that", "herein",
         "hereby", "solely", "through", "from", "or", "if", "also", "collectively", "jointly",
         "dated", "effective", "whereas"}
# words that end a name ("Inc."), unlike "Bank" or "Fund" ("Deutsche Bank Securities Inc.")
_FINAL_SUFFIX = re.compile(FINAL_SUFFIX)
# between two words of one name: ", Inc.", " & ", " / ", " - ", a space or one line break
_NAME_GAP = re.compile(r",[ \t]*(?=" + ENTITY_SUFFIX + r"(?!\w))|[ \t]*[&/][ \t]*|"
                       # a firm's name of surnames: "Stratton, Cheeseman & Walsh-Nevada, Inc."
                       r",[ \t]+(?=(?:[A-Z][\w'’\-]*,[ \t]+){0,3}[A-Z][\w'’\-]*[ \t]+&[ \t]+[A-Z])|"
                       r"[ \t]+[-–][ \t]+|[ \t]+|[ \t]*\n[ \t]*(?!\n)")
# what may follow an entity suffix: another suffix ("Co., Ltd.", "GmbH & Co KG") or
# "of Canada"; not an address ("Inc. 600 Kenrick", "A/S of Industriparken 55") or a date
_AFTER_SUFFIX = re.compile(r"(?:,?[ \t]+|[ \t]*&[ \t]*)(?=" + ENTITY_SUFFIX + r"(?!\w)|KG\b)"
                           r"|[ \t]+of[ \t]+(?:the[ \t]+)?(?=[A-Z][\w'’\-]*+(?![ \t]*\d))")
_NAME_NEXT = re.compile(r"[ \t]+(?!(?:A|An|The|With|Having|Located|Whose|Is)\b)[A-Z]")
_ALIAS = re.compile(r",?[ \t]+(?:d/b/a|D/B/A|dba|DBA|d\.b\.a\.|f/k/a|F/K/A|a/k/a|A/K/A|"
                    r"doing\s+business\s+as|trading\s+as)[ \t]+")
_DESCRIPTION = re.compile(
    r"\b(?:an?\s+(?:[\w'’.\-]+\s+){0,6}?|the\s+(?:[\w'’.\-]+\s+){1,6}?)(?:corporation|company|"
    r"partnership|organi[sz]ation|"
    r"institution|bank|trust|entity|university|individual|association|cooperative|society|firm|"
    r"enterprise)\b|\b(?:organi[sz]ed|incorporated|existing|formed|registered)\s+(?:and\s+"
    r"existing\s+)?(?:under|in|pursuant)|principal\s+(?:place\s+of\s+business|offices?|executive)|"
    r"registered\s+office|offices?\s+at|located\s+at|whose\s+address|residing\s+at",
    re.IGNORECASE)


def _sentence_parties(text: str, start: int, end: int, defined: set[str]) -> list[Found]:
    """Parties read piece by piece from the sentence that introduces them.

    ``defined`` holds the defined terms of the preamble: "between SDBF and Sponsor" names
    two parties by their terms, not one party called "SDBF and Sponsor".
    """
    chunks: list[list] = []  # [name_start, name_end, chunk_end, follows "and" directly]
    pos = start
    after_and = False
    for sep_start, sep_end in [*_separators(text, start, end), (end, end)]:
        lead = _LEAD.match(text, pos, sep_start)
        name_start = lead.end() if lead else pos
        name_end = _name_end(text, name_start, sep_start)
        if name_end > name_start and name_like(_clean(text[name_start:name_end])):
            bare = bool(chunks) and chunks[-1][1] == chunks[-1][2]
            chunks.append([name_start, name_end, sep_start, after_and and bare
                           and name_start == pos])
        elif chunks:  # a description running on ("organized and existing under ...")
            chunks[-1][2] = sep_start
        # ", AND" lists the next party; a bare "AND" may sit inside a name (IGER)
        after_and = re.fullmatch(r"\s+(?:and|AND)\s+", text[sep_start:sep_end]) is not None
        pos = sep_end
    found: list[Found] = []
    for i, (name_start, name_end, chunk_end, _) in enumerate(chunks):
        nxt = chunks[i + 1] if i + 1 < len(chunks) else None
        if nxt and nxt[3] and not _has_evidence(text, name_start, name_end, chunk_end) \
                and _has_evidence(text, nxt[1], nxt[1], nxt[2]) and not defined & {
                    name_key(text[name_start:name_end]), name_key(text[nxt[0]:nxt[1]])}:
            # "INSTITUTE OF GRASSLAND AND ENVIRONMENTAL RESEARCH ("IGER")": "and" in a name
            nxt[0] = name_start
            continue
        if not _has_evidence(text, name_start, name_end, chunk_end):
            continue  # nothing says this piece names a party
        if _TITLE_AFTER.match(text, name_end):
            continue  # "DISTRIBUTION AND SERVICES AGREEMENT": the title, not a party
        name = _clean(text[name_start:name_end])
        trade = _ALIAS.search(text, name_end, chunk_end)
        if trade and "(" not in text[name_end:trade.start()]:
            # "TIME LIFE, INC., a Delaware corporation d/b/a Time Life Music": the trade name
            # belongs to the party's name although the description comes between
            trade_end = _name_end(text, trade.end(), chunk_end)
            if trade_end > trade.end():
                name = f"{name} {trade.group().strip(' ,')} {_clean(text[trade.end():trade_end])}"
                name_end = trade_end
        role = _chunk_role(text, name_end, chunk_end)
        officer = _OFFICER_OF.match(text, name_end, chunk_end)
        if officer:
            # "Natalija Tunevic, director of FreeCook (hereinafter "Client")": the person
            # signs, the organisation is the party
            org_end = _name_end(text, officer.end(), chunk_end)
            if org_end > officer.end() and name_like(_clean(text[officer.end():org_end])):
                name, name_start, name_end = (_clean(text[officer.end():org_end]),
                                              officer.end(), org_end)
        found.append(Found({"name": name, "role": role}, name_start, name_end))
        division = _DIVISION_OF.search(text, name_end, chunk_end)
        if division and "(" not in text[name_end:division.start()]:
            # "Ford Motor Media, a division of J. Walter Thompson": a division is no legal
            # person; the company it belongs to is bound as well
            parent_end = _name_end(text, division.end(), chunk_end)
            parent = _clean(text[division.end():parent_end])
            if parent_end > division.end() and name_like(parent):
                found.append(Found({"name": parent, "role": None}, division.end(), parent_end))
    return found


_OFFICER_OF = re.compile(r",?[ \t]+(?:the[ \t]+)?(?:[A-Za-z]+[ \t]+){0,2}?(?i:director|president|"
                         r"owner|proprietor|founder|chairman|chief[ \t]+executive[ \t]+officer|"
                         r"CEO|managing[ \t]+partner|general[ \t]+manager)[ \t]+of[ \t]+"
                         r"(?:the[ \t]+)?(?=[A-Za-z0-9])")
_DIVISION_OF = re.compile(r",?[ \t]+an?[ \t]+(?:[a-z\-]+[ \t]+)?(?i:division)[ \t]+of[ \t]+"
                          r"(?:the[ \t]+)?(?=[A-Z0-9])")


# what follows a name that is the first word of the document's title
_TITLE_AFTER = re.compile(r"[ \t]+(?:AND[ \t]+|&[ \t]+)?(?:[A-Z][A-Z\-]+[ \t]+){0,4}"
                          r"(?:AGREEMENT|CONTRACT)\b")


def _has_evidence(text: str, name_start: int, name_end: int, chunk_end: int) -> bool:
    """A defined role, an entity suffix or a corporate description marks a party's piece."""
    return bool(_chunk_role(text, name_end, chunk_end)
                or re.search(ENTITY_SUFFIX + r"(?!\w)", text[name_start:name_end])
                or _DESCRIPTION.search(text, name_end, chunk_end))


def _separators(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Separator spans outside brackets, where one party's piece ends and the next begins."""
    depth, depth_since, level = 0, start, {}
    for i in range(start, end):
        ch = text[i]
        if ch in "([":
            depth, depth_since = depth + 1, i
        elif ch in ")]" and depth:
            depth -= 1
        elif depth and i - depth_since > 300:
            depth = 0  # an unclosed bracket (OCR, redaction) must not swallow the sentence
        level[i] = depth
    return [(s.start(), s.end()) for s in _SEPARATOR.finditer(text, start, end)
            if level.get(s.start(), 0) == 0]


def _name_end(text: str, pos: int, end: int) -> int:
    """End of the name that starts at ``pos`` ("Acme Holdings, Inc."), ``pos`` when none."""
    committed = i = pos
    words = 0
    after_suffix = lower_start = False
    while i < end and words < 14:
        if words:
            gap = (_AFTER_SUFFIX if after_suffix else _NAME_GAP).match(text, i, end)
            if not gap:
                break
            i = gap.end()
        w = _WORD.match(text, i, end)
        if not w:
            break
        word = w.group()
        suffix = bool(SUFFIX_WORD.fullmatch(word))
        if not suffix and (w.group("plain") or word in ("A", "An") or (
                word.istitle() and word.lower() in _STOP and (words or not _NAME_NEXT.match(
                    text, w.end(), end)))):  # "With principal offices", but "At Home Corp."
            if not words or word.lower() in _STOP:
                break
            words += 1  # a connector or lower-case word: kept only if a name word follows
            i = w.end()
            continue
        if word.isdigit() and (not words or text[i - 3:i].strip() in _CONNECTORS):
            break  # "481 Schuylkill Road", "of 4 Adelaide Street": an address
        if w.group("special") and not words:
            lower_start = True
        words += 1
        i = w.end()
        if not word.isdigit():  # "Kes 7 Capital": a number is kept only if a word follows
            committed = i
        after_suffix = words > 1 and bool(_FINAL_SUFFIX.fullmatch(word))  # "PC Quote, Inc."
    if lower_start and i > committed and re.match(r"[ \t]*[,(]", text[i:end]):
        committed = i  # "i-on interactive, a Florida corporation"
    alias = _ALIAS.match(text, committed, end)
    if alias and committed > pos:
        more = _name_end(text, alias.end(), end)
        if more > alias.end():
            committed = more
    return committed


def _chunk_role(text: str, pos: int, end: int) -> str | None:
    """The first defined term in a party's piece: ("Licensor"), hereinafter "X", (Shipper).

    A term in quotes wins over a bare bracket, which may be an abbreviation ("(CNPJ)").
    """
    quoted = [m for m in (_ROLE.search(text, pos, end), _ROLE_HEREINAFTER.search(text, pos, end))
              if m]
    bare = [m for m in _ROLE_BARE.finditer(text, pos, end)
            if m.group("role").lower() not in PLACES and not SUFFIX_WORD.fullmatch(m.group("role"))]
    best = min(quoted, key=lambda m: m.start()) if quoted else bare[0] if bare else None
    role = _role_text(_role_group(best)) if best else None
    return None if role and THING_ROLE.search(role) else role  # (Date), ("Plan"): things


def _role_group(match: re.Match) -> str:
    """The defined term a role pattern matched, quoted or bare ("Party A")."""
    return match.group("role") or match.groupdict().get("role_bare") or ""


def _role_text(raw: str) -> str | None:
    """A defined term as a role ("the Customer" -> "Customer"); None for "Agreement" etc."""
    role = re.sub(r"^(?:the|The)\s+", "", re.sub(r"\s+", " ", raw).strip(" ,;"))
    return None if not role or role.lower() in _GENERIC_ROLES else role


def _clean(name: str) -> str:
    name = re.sub(r"\s+", " ", name).strip(" ,;:")
    return re.sub(r"\.{2,}$", ".", name)  # "Torvec Inc.." is "Torvec Inc."


# --- patterns ------------------------------------------------------------------------------

_PERSON = re.compile(r"(?P<name>(?:Mr\.|Ms\.|Mrs\.|Dr\.)?\s*[A-Z][\w&'’.\-]*(?:[ \t]+(?:of|and|&|"
                     r"de|the|for)?[ \t]*[A-Z][\w&'’.\-]*){0,6}),?[ \t]*(?:an\s+individual[^(]"
                     r"{0,80})?(?=\(\s*(?:hereinafter\s+(?:referred\s+to\s+as\s+|called\s+)?)?"
                     r"(?:the\s+)?(?:[\"“]|[A-Z][a-z]+\)))")
# "Centrack International, a Florida corporation": a name introduced by its description
_DESCRIBED = re.compile(r"(?P<name>(?:[A-Z0-9][\w&'’.\-]*[ \t]+(?:(?:of|and|&|de|the|for)[ \t]+)?)"
                        r"{0,6}[A-Z0-9][\w&'’.\-]*),[ \t]+an?[ \t]+(?:[\w'’-]+[ \t]+){0,5}?"
                        r"(?:corporation|company|partnership|organization|institution|bank|trust|"
                        r"entity|university|individual|association|cooperative|society|firm)\b")
# "Party A (Shipper): ZTO Express Co., Ltd." / "Licensor: Acme Ltd"
_LABELLED = re.compile(r"(?:Party\s+[A-D]|Licensor|Licensee|Supplier|Customer|Seller|Buyer|"
                       r"Distributor|Client|Contractor|Consultant|Company|Vendor|Purchaser)"
                       # the name on the label's line or, in a form, on a line below it
                       r"[ \t]*(?:\([^)\n]{1,30}\))?[ \t]*[:：][ \t]*(?:\n[ \t]*){0,2}"
                       r"(?P<name>[A-Z0-9][^\n:]{2,80}?)"
                       r"(?=[ \t]*(?:\n|Address|$|,\s+(?:a|an|with|having)\b|\s{2,}))")


def _pattern_parties(text: str, start: int, window_end: int, sentence: list[Found]) -> list[Found]:
    """Names found by suffix, description and label patterns, added to the sentence's."""
    candidates = [(em.start("name"), em.end("name"), em.group("name"))
                  for em in ENTITY.finditer(text, start, window_end)]
    candidates += [(pm.start("name"), pm.end("name"), pm.group("name"))
                   for pattern in (_PERSON, _DESCRIBED)
                   for pm in pattern.finditer(text, start, window_end)]
    candidates += [(lm.start("name"), lm.end("name"), lm.group("name"))
                   for lm in _LABELLED.finditer(text, 0, min(len(text), PREAMBLE_CHARS))]
    candidates.sort()
    found = list(sentence)
    seen = {f.value["name"].lower() for f in found}
    seen |= {f.value["role"].lower() for f in found if f.value["role"]}
    # between a party's name and its defined role come its description and address:
    # "a India company", "Near HDFC Bank" there are not parties
    described = []
    for f in sentence:
        at = text.find(f.value["role"], f.end, f.end + 800) if f.value["role"] else -1
        if at >= 0:
            described.append((f.end, at))
    last_end = -1
    for s, e, raw in candidates:
        if any(lo <= s < hi for lo, hi in described):
            continue
        name = last_sentence(clean_name(raw))  # "Due Dates and Delays. Company": a heading
        overlap = next((f for f in sentence if s < f.end and e > f.start), None)
        if overlap is not None:
            extra = name[:len(name) - len(overlap.value["name"])]
            if overlap.value["role"] is None and name.endswith(" " + overlap.value["name"]) \
                    and text[e - len(name):e] == name \
                    and re.sub(r"\s+(?:and|AND)\s+$", "", extra).lower() not in PLACES:
                # "EXXONMOBIL RESEARCH AND ENGINEERING COMPANY" on a title page, where the
                # sentence reading split at "AND" and had no role to say otherwise
                overlap.value["name"], overlap.start = name, e - len(name)
            continue
        if s < last_end or re.search(r"Source:[^\n]*$", text[max(0, s - 80):s]):
            continue  # "Source: AZUL SA, F-1/A": the EDGAR filer, not a party
        if in_signature_block(text, s, e):
            continue  # a signature block in a short text: the signature reader has it
        if NOT_A_PARTY.search(name) and not re.search(ENTITY_SUFFIX + r"$", name):
            continue
        words = set(re.findall(r"[a-z]+", name.lower()))
        if not name or len(name) < 3 or words <= GENERIC_NAME_WORDS | US_STATE_WORDS \
                or words <= ROLE_WORDS | GENERIC_NAME_WORDS or words <= MONTH_WORDS:
            continue  # "the Franchisee", "Parties": a role; "January": a date
        if mentioned_not_party(text, e - len(name) if text[e - len(name):e] == name else s,
                                e, name):
            continue
        if descriptive(name) or name.lower() in PLACES:
            continue  # "a Japanese corporation", "Japan": descriptions, not parties
        if name.lower() in seen:
            continue
        seen.add(name.lower())
        last_end = e
        role = None
        rm = _ROLE.search(text, e, min(e + 260, window_end + 200))
        if rm and not re.search(r"\band\s+[A-Z]|;|\bbetween\b", text[e:rm.start()]):
            role = _role_text(rm.group("role"))
        s = e - len(name) if text[e - len(name):e] == name else s
        found.append(Found({"name": name, "role": role}, s, e))
    return found

