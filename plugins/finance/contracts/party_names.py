"""What a party's name looks like: entity suffixes, words that are not names, spellings.

Shared by the preamble reader (``parties``) and the signature-block reader (``signatures``),
so both judge a candidate name the same way.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from plugins.finance.contracts.normalise import COUNTRIES, MONTHS, US_STATES

US_STATE_WORDS = {w for state in US_STATES for w in state.lower().split()}
PLACES = {p.lower() for p in (*US_STATES, *COUNTRIES, "U.S.A", "USA", "U.S.", "ROC", "PRC")}

ENTITY_SUFFIX = (r"(?i:Inc|Incorporated|Corp|Corporation|Company|Co|LLC|L\.L\.C|Ltd|Limited|LP|"
                 r"L\.P|LLP|plc|GmbH|AG|S\.A|SA|N\.V|NV|B\.V|BV|S\.p\.A|SpA|S\.r\.l|Pty|"
                 r"Trust|Bank|N\.A|PC|P\.C|S\.A\.S|SAS|AB|A/S|Oy|K\.K|University|Fund|"
                 r"Foundation|Partnership|Association|PLLC|LLLP|S/A|G\.I\.E)\.?")
SUFFIX_WORD = re.compile(ENTITY_SUFFIX + r"$")
# words that end a name ("Inc."), unlike "Bank" or "Fund" ("Deutsche Bank Securities Inc.")
FINAL_SUFFIX = (r"(?i:Inc|Incorporated|Corp|Corporation|Co|LLC|L\.L\.C|Ltd|Limited|LP|"
                r"L\.P|LLP|plc|GmbH|AG|S\.A|N\.V|B\.V|S\.p\.A|SpA|S\.r\.l|Pty|N\.A|"
                r"P\.C|S\.A\.S|A/S|Oy|K\.K|PLLC|LLLP|S/A|G\.I\.E)\.?")
_TOKEN = r"(?:[a-z]{0,2}[A-Z0-9][\w&'’.\-]*|of|and|&|de|du|the|for|dba|d/b/a)"
_GAP = r"(?:[ \t]|\n(?![ \t]*\n))+"  # spaces or a single line break, never a blank line
# "Acme Holdings, Inc.": up to eight words ending in an entity suffix
ENTITY = re.compile(r"(?P<name>(?:" + _TOKEN + _GAP + r"){0,7}?[a-z]{0,2}[A-Z0-9][\w&'’.\-]*,?"
                    + _GAP + ENTITY_SUFFIX
                    + r"(?:,?[ \t]+(?i:Ltd|Limited|Inc|LLC|L\.L\.C|AG|SA|S\.A|plc|"
                    r"National[ \t]+Association)\.?)?"
                    r"(?:[ \t]+of[ \t]+(?:the[ \t]+)?[A-Z][a-z]+(?![ \t]*\d))?)(?![A-Za-z])")
# what a party is called in the contract, not its name
ROLE_WORDS = {"franchisee", "franchisor", "licensee", "licensor", "member", "members", "company",
              "consultant", "distributor", "supplier", "customer", "client", "seller", "buyer",
              "purchaser", "vendor", "contractor", "sponsor", "developer", "manager", "agent",
              "lender", "borrower", "guarantor", "party", "parties", "employee", "employer",
              "executive", "shareholder", "partner", "investor", "owner", "tenant", "landlord",
              "provider", "reseller", "manufacturer", "undersigned", "you", "we", "us"}
NOT_A_PARTY = re.compile(r"\b(?:AGREEMENT|Agreement|CONTRACT|Contract|Effective|Date|Section|"
                         r"Source|Attachment|Schedule|Exhibit|Amendment|Plan|Territory|"
                         r"Products?|Services?|CONFIDENTIAL|Confidential|Portions|PORTIONS|DATED|Dated|"
                         r"Common[ \t]+Stock|"
                         r"Board[ \t]+of[ \t]+(?:Directors|Managers|Trustees))\b")
# "January 18, 2020" on a title page: a date, not a name
MONTH_WORDS = set(MONTHS)
GENERIC_NAME_WORDS = {"a", "an", "the", "limited", "liability", "company", "corporation",
                      "inc", "corp", "ltd", "llc", "usa", "us", "public", "private", "stock",
                      "joint", "general", "partnership", "business", "exempted", "investment",
                      "incorporated", "co", "and", "of", "its", "delaware", "nevada",
                      "affiliates", "affiliate", "subsidiaries"}
# words before a full stop that does not end a sentence ("Inc.", "St.", "N.A.", "U.S.A.")
ABBREVIATION = re.compile(r"(?:\b(?i:Inc|Corp|Co|Ltd|No|Nos|St|Mr|Mrs|Ms|Dr|Jr|Sr|Ave|Blvd|Rd|"
                          r"Dept|Fl|Pte|Pty|Bldg|Mt|Ft|Ste)|\b[A-Z]|\.[A-Za-z])$")


def name_like(name: str) -> bool:
    """Whether words can be a party's name: not a role, a place, a heading or a clause word."""
    words = set(re.findall(r"[a-z]+", name.lower()))
    if words <= ROLE_WORDS | GENERIC_NAME_WORDS or words <= MONTH_WORDS:
        return False  # "Sponsor", "FRANCHISEE MEMBER": a role, not a name; "January": a date
    tokens = name.split()
    if len(name) < 2 or name.lower() in PLACES or SUFFIX_WORD.fullmatch(name) \
            or tokens[0].isdigit() or sum(w.isdigit() for w in tokens) > 1 \
            or re.search(r"\bARTICLE\b", name) \
            or sum(len(w) == 1 for w in tokens) > 2:  # "R E C I T A L S", a contents line
        return False
    if words <= GENERIC_NAME_WORDS | US_STATE_WORDS or descriptive(name):
        return False
    return not (NOT_A_PARTY.search(name) and not SUFFIX_WORD.search(name))


_KIND = re.compile(r"\s+(?i:corporation|company|limited(?:\s+liability)?\s+company|partnership|"
                   r"limited\s+partnership)\.?$")


def descriptive(name: str) -> bool:
    """"English company", "Ontario corporation": what a party is, not what it is called."""
    kind = _KIND.search(name)
    if not kind:
        return False
    where = name[:kind.start()].strip()
    return where.lower() in PLACES or bool(re.fullmatch(r"[A-Z][a-z]+(?:ese|ish|ian|an|ch)", where))


def clean_name(name: str) -> str:
    """A pattern's match without what came before the name (a title, an address, "and")."""
    name = re.sub(r"\s+", " ", name).strip(" ,;:")
    # "INTELLECTUAL PROPERTY RIGHTS AGREEMENT Synchron": the title before the name
    name = re.sub(r"^.*\b(?:AGREEMENT|Agreement|CONTRACT)\s+(?=\S)", "", name)
    name = re.split(r"\.{3,}|…", name)[-1]  # table-of-contents leaders
    # an address or a previous party before the name: keep what follows the last ", and "
    name = re.split(r",\s+and\s+|;\s*|\band\s+(?=[A-Z][\w.]*\s)(?<=\.\s and )", name)[-1]
    pieces = re.split(r",\s+(?!(?i:Inc|Ltd|LLC|L\.L\.C|Corp|Co|Limited|plc|N\.A|L\.P|LP|S\.A|"
                      r"GmbH|AG)\b)", name)
    name = pieces[-1]
    name = re.sub(r"^(?:(?:and|AND|by|between|among|the|with|This|THIS|AGREEMENT|Agreement|of|for)"
                  r"\s+)+", "", name)
    return name.strip(" ,;:")


def last_sentence(name: str) -> str:
    """"Effective Date. NATIONAL FOOTBALL MUSEUM, INC." -> the name after the full stop."""
    for m in reversed(list(re.finditer(r"\.\s+(?=[A-Z])", name))):
        if not ABBREVIATION.search(name, 0, m.start()):
            return name[m.end():]
    return name


def name_key(name: str) -> str:
    """Letters and digits only: "Torvec Inc." and "TORVEC INC" have one key."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def distinct_words(name: str) -> set[str]:
    """A name's distinctive words: "ACME HOLDINGS, INC." and "Acme Holdings Inc" share them."""
    words = set(re.findall(r"[a-z0-9]+", name.lower()))
    return words - GENERIC_NAME_WORDS - {"l", "p", "s", "a", "n", "v", "b", "gp", "lp"}


# entity forms, spelled out or not: "Inc." and "Incorporated" are one form, "L.P." another
_FORMS = {"inc": "inc", "incorporated": "inc", "corp": "corp", "corporation": "corp",
          "co": "co", "company": "co", "llc": "llc", "ltd": "ltd", "limited": "ltd",
          "lp": "lp", "llp": "llp", "plc": "plc", "gmbh": "gmbh", "ag": "ag", "sa": "sa",
          "nv": "nv", "bv": "bv", "spa": "spa", "pty": "pty", "na": "na", "lllp": "lllp",
          "pllc": "pllc"}
_FORM_AT_END = re.compile(r"\b(" + "|".join(sorted({k for k in _FORMS} | {
    "l.p", "l.l.c", "s.a", "n.v", "b.v", "n.a", "s.p.a", "l.l.p"}, key=len, reverse=True))
    + r")\.?\s*$", re.IGNORECASE)


def entity_form(name: str) -> str | None:
    """The legal form a name ends in ("inc", "lp", "llc"), None when it ends in none."""
    m = _FORM_AT_END.search(name)
    return _FORMS.get(m.group(1).lower().replace(".", "")) if m else None


def same_party(name: str, other: str) -> bool:
    """Whether two spellings name one party ("Naked Brand Group, Inc." / "The Naked Brands ...").

    Two legal forms make two parties: a fund "Harvest Partners, L.P." and its general
    partner "Harvest Partners GP, LLC" sign one agreement side by side.
    """
    forms = entity_form(name), entity_form(other)
    if None not in forms and forms[0] != forms[1]:
        return False
    a, b = distinct_words(name), distinct_words(other)
    if a and b and (a <= b or b <= a):
        return True
    return SequenceMatcher(None, name_key(name), name_key(other)).ratio() >= 0.85


def same_entity(name: str, other: str) -> bool:
    """Whether two names in one list (of signatories, of borrowers) are one entity.

    Stricter than ``same_party``: entities of one group share words ("D-Beta One EQ, Ltd.",
    "D-Beta One Blocker EQ, Ltd."), so only (nearly) the same spelling and form is one entity.
    """
    forms = entity_form(name), entity_form(other)
    return forms[0] == forms[1] and \
        SequenceMatcher(None, name_key(name), name_key(other)).ratio() >= 0.9


# "insured by the Federal Deposit Insurance Corporation", "promulgated by the U.S. Securities
# and Exchange Commission": an authority named in a description, not a contracting party
_AUTHORITY_BEFORE = re.compile(r"\b(?:(?:insured|administered|promulgated|regulated|supervised|"
                               r"approved|issued|adopted|enacted|licen[sc]ed|registered|filed)"
                               r"[ \t]+(?:by|with)[ \t]+|(?i:rules|regulations)[ \t]+of[ \t]+)"
                               r"(?:the[ \t]+)?(?:U\.S\.[ \t]+)?(?:[A-Z][\w.]*[ \t]+(?:and[ \t]+)?){0,3}$")
# "a registered Non-banking Financial Company", "any Group Company", "on a Video-on-Demand
# basis": a kind of thing after an article, not a name
_ARTICLE_BEFORE = re.compile(r"(?:^|[^\w])(?:an?|any|each|every|such|no|other)[ \t]+"
                             r"(?:[a-z][\w\-]*[ \t]+)?$")
# "Av. Diagonal, 549, 5th floor, 08029 Barcelona": a post code or street number before a
# name without a legal form is an address (a year on a title page is not)
_NUMBER_BEFORE = re.compile(r"(?<![\w,.])(?!(?:19|20)\d\d\b)\d{3,6},?[ \t]+$")
# a defined term that names a thing, not a party: (the "Joint Venture Law"), ("Plan")
THING_ROLE = re.compile(r"(?:^|\s)(?:Law|Act|Plan|Rules?|Regulations?|Code|Date|Program|Policy|"
                         r"Platform|Content|Project|Offering|Conversion|Shares|Stock|Marks?|"
                         r"Territory|Products?|Services?)$", re.IGNORECASE)
# "with respect to the Common Stock of Spring Bank Pharmaceuticals, Inc.": the issuer of the
# securities a joint filing is about, not a party to it
_SECURITIES_OF = re.compile(r"\b(?i:stock|shares|securities|notes|units|warrants)[ \t]+of[ \t]+"
                            r"(?:the[ \t]+)?(?:[A-Z][\w.&\-]*[ \t]+){0,4}$")
_SECURITIES_NAME = re.compile(r"(?:(?:Common|Preferred|Ordinary|Class[ \t]+[A-Z])[ \t]+)?"
                              r"(?:Stock|Shares|Securities|Notes|Units|Warrants)[ \t]+of\b")
_ROLE_AT_ONCE = re.compile(r"[ \t,]*\(\s*(?:the\s+)?[\"“”'‘’]+(?P<role>[^\"“”'‘’]{1,60})"
                           r"[\"“”'‘’]+")


def mentioned_not_party(text: str, start: int, end: int, name: str) -> bool:
    """Whether a pattern's name at ``text[start:end]`` is mentioned, not a party named.

    A preamble mentions authorities, kinds of entity, addresses and defined things beside
    its parties; their shape around the name gives them away.
    """
    before = text[max(0, start - 60):start]
    if _AUTHORITY_BEFORE.search(before) or _ARTICLE_BEFORE.search(before) \
            or _SECURITIES_OF.search(before) or _SECURITIES_NAME.match(name):
        return True
    if not re.search(ENTITY_SUFFIX + r"$", name) and _NUMBER_BEFORE.search(before):
        return True
    role = _ROLE_AT_ONCE.match(text, end)
    return bool(role and THING_ROLE.search(role.group("role").strip()))
