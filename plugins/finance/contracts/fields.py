"""Rule-based field extraction: dates, term, renewal, law, money; parties via ``parties``.

Every extractor returns the value together with the character span it was read from,
so the task can attach page + box evidence and the LLM path can be checked against
the same text. Patterns were tuned on CUAD's normalised answers (see bench/contracts.py).
"""

from __future__ import annotations

import re

from plugins.finance.contracts.normalise import (
    DURATION,
    find_dates,
    jurisdiction,
    quantity,
    to_days,
    to_months,
)
from plugins.finance.contracts.parties import parties as parties  # re-exported: fields.parties
from plugins.finance.contracts.spans import PREAMBLE_CHARS, Found

_TITLE_WORDS = re.compile(
    r"\b(AGREEMENT|CONTRACT|LICEN[CS]E|AMENDMENT|ADDENDUM|LEASE|MEMORANDUM|TERMS|PLAN|"
    r"ARRANGEMENT|UNDERTAKING|DEED|NOTE|INDENTURE|STATEMENT OF WORK|ORDER)\b", re.IGNORECASE)


def document_name(text: str) -> Found | None:
    """The contract's title: an early short line naming the kind of agreement."""
    pos = 0
    for line in text[:PREAMBLE_CHARS].split("\n"):
        stripped = line.strip()
        candidate = re.split(r"\s+(?:THIS|This)\s", stripped, maxsplit=1)[0]
        if (_TITLE_WORDS.search(candidate) and len(candidate) <= 120
                and sum(ch.isupper() for ch in candidate) >= 0.5 * sum(ch.isalpha() for ch in candidate)):
            last = list(_TITLE_WORDS.finditer(candidate))[-1]  # "LICENSE AGREEMENT": to the end
            head = candidate[:last.end()].strip(" ,.:;")
            head = re.sub(r"^(?:EXHIBIT|Exhibit)\s+[\d.A-Z()-]+\s*", "", head)
            head = re.sub(r"^(?:Execution Version|EXECUTION VERSION|CONFIDENTIAL)\s*", "", head)
            start = text.find(head, pos)
            if head and start >= 0:
                return Found(head, start, start + len(head))
        pos += len(line) + 1
    m = re.search(r"\bTHIS\s+([A-Z][A-Z \-&]{3,80}?(?:AGREEMENT|CONTRACT|LICENSE))", text[:PREAMBLE_CHARS])
    if m:
        return Found(m.group(1).strip(), m.start(1), m.end(1))
    return None


_DOCUMENT_TYPES = [  # first match wins: "Amendment to Distribution Agreement" is an amendment
    ("amendment", r"amendment|addendum"), ("joint venture", r"joint\s+venture"),
    ("license", r"licen[cs]e"), ("distribution", r"distribut|reseller"),
    ("supply", r"supply|purchase|manufactur"), ("franchise", r"franchise"),
    ("services", r"services?|outsourcing|maintenance|hosting|consult|agency"),
    ("collaboration", r"collaborat|strategic\s+alliance|co-?branding|development|"
                      r"marketing|sponsorship|promotion|endorsement"),
    ("non-disclosure", r"non-?disclosure|confidentiality"), ("lease", r"lease"),
    ("intellectual property", r"intellectual\s+property|patent|trademark"),
    ("employment", r"employment"), ("loan", r"loan|credit|note")]


def document_type(name: str | None) -> str | None:
    """Kind of contract from its title ("SOFTWARE LICENSE AGREEMENT" -> "license")."""
    if not name:
        return None
    for kind, pattern in _DOCUMENT_TYPES:
        if re.search(pattern, name, re.IGNORECASE):
            return kind
    return "other"


_STRONG_DATE_CUE = re.compile(r"(?:dated|entered\s+into|made|executed|effective|as\s+of|"
                              r"this|day\s+of|on)\W*(?:\w+\W+){0,3}$", re.IGNORECASE)


def agreement_date(text: str) -> Found | None:
    """The date the contract is made/dated, from the preamble (else the whole text).

    Dates are ranked: one right after "dated / entered into / as of" in a sentence that
    names the parties ("between", "by and") wins; filing stamps ("Source: ... 8-K,
    3/28/2019"), earlier agreements ("WHEREAS ... dated") and end dates lose.
    """
    head_end = min(len(text), PREAMBLE_CHARS + 2000)
    return _best_date(text, 0, head_end) or _best_date(text, head_end, len(text))


def _best_date(text: str, lo: int, hi: int) -> Found | None:
    best: tuple[float, Found] | None = None
    for s, e, iso in find_dates(text, lo, hi):
        before = text[max(0, s - 80):s]
        if re.search(r"source:[^\n]*$", before, re.IGNORECASE):
            continue  # EDGAR filing stamp, not the contract's date
        sent_start, sent_end = _sentence(text, s, blank_lines=False)
        sentence = text[sent_start:sent_end].lower()
        score = 0.0
        if _STRONG_DATE_CUE.search(before):
            score += 3
        if re.search(r"\b(?:between|among|by\s+and)\b", sentence):
            score += 2
        if "agreement" in sentence:
            score += 1
        if re.search(r"filed|commission|exhibit|form\s+\d|10-[kq]|8-k", before.lower()):
            score -= 6
        if re.search(r"whereas|previously|original|ending|terminat|expir|until|through|\bby\s*$|"
                     r"no\s+later|prior\s+to|before", before.lower()):
            score -= 2
        score -= (s - lo) / max(hi - lo, 1)  # earlier wins a tie
        if best is None or score > best[0]:
            best = (score, Found(iso, s, e))
    return best[1] if best else None


def effective_date(text: str, agreement: Found | None) -> Found | None:
    """The effective date when stated; the agreement date when defined by reference to it."""
    for m in re.finditer(r"(?:effective\s+(?:as\s+of|on|from)|[\"“]Effective\s+Date[\"”]|"
                         r"Effective\s+Date\s+(?:shall\s+be|means|is))", text, re.IGNORECASE):
        window = (max(0, m.start() - 120), min(len(text), m.end() + 160))
        dates = find_dates(text, *window)
        if dates:
            best = min(dates, key=lambda d: abs(d[0] - m.start()))
            return Found(best[2], best[0], best[1])
        if agreement and re.search(r"date\s+(?:first\s+)?(?:written|set\s+forth)\s+above|date\s+"
                                   r"of\s+this\s+Agreement", text[m.start():window[1]],
                                   re.IGNORECASE):
            return Found(agreement.value, m.start(), m.end())
    return None


_TERM_SENTENCE = re.compile(r"[^.]*\b(?:term|Term)\b[^.]*\.")


def initial_term_months(text: str) -> Found | None:
    """Length of the initial term ("an initial term of five (5) years" -> 60)."""
    pat = re.compile(r"(?:initial\s+term|term\s+of\s+this\s+agreement|this\s+agreement)[^.]{0,160}?"
                     r"(?:period|term)\s+of\s+", re.IGNORECASE)
    for m in pat.finditer(text):
        d = DURATION.match(text, m.end())
        if d and quantity(d) and to_months(quantity(d), d.group("kind")):
            return Found(to_months(quantity(d), d.group("kind")), m.start(), d.end())
    return None


_RENEW = re.compile(r"(?:renew|extend)\w*[^.]{0,120}?(?:for|by)\s+(?:an?\s+)?(?:successive|"
                    r"additional|further|consecutive|subsequent|renewal)?\s*(?:periods?\s+of\s+)?",
                    re.IGNORECASE)


def renewal_term_months(text: str) -> Found | None:
    """Length of each renewal ("renew for successive one (1) year periods" -> 12)."""
    for m in _RENEW.finditer(text):
        d = DURATION.match(text, m.end())
        if d and quantity(d) and to_months(quantity(d), d.group("kind")):
            return Found(to_months(quantity(d), d.group("kind")), m.start(), d.end())
    return None


def notice_period_days(text: str) -> Found | None:
    """Notice needed to stop a renewal ("at least ninety (90) days prior to ... renewal")."""
    for m in re.finditer(r"[^.]*\b(?:renew|renewal|extension)\b[^.]*\.", text, re.IGNORECASE):
        sentence = m.group(0)
        if "notice" not in sentence.lower() and "prior to" not in sentence.lower():
            continue
        for d in DURATION.finditer(sentence):
            n = quantity(d)
            following = sentence[d.end():d.end() + 30].lower()
            if n and re.match(r"^[\W]*(?:'s|’s)?\s*(?:\(\d+\)\s*)?(?:prior|written|advance|"
                              r"notice|before|in\s+advance|or\s+more|preceding)", following):
                s = m.start() + d.start()
                return Found(to_days(n, d.group("kind")), s, m.start() + d.end())
    return None


def expiration_date(text: str, start_date: str | None, term: Found | None) -> Found | None:
    """Explicit end date, "perpetual" when stated, else start date + initial term."""
    for m in re.finditer(r"(?:expire|terminate|continue|remain\s+in\s+(?:full\s+force\s+and\s+)?"
                         r"effect)\w*\s+(?:on|until|through)\s+", text, re.IGNORECASE):
        dates = find_dates(text, m.end(), min(len(text), m.end() + 60))
        if dates:
            s, e, iso = dates[0]
            return Found(iso, m.start(), e)
    m = re.search(r"\b(?:in\s+perpetuity|perpetual\s+term|shall\s+continue\s+(?:in\s+(?:full\s+"
                  r"force\s+and\s+)?effect\s+)?(?:indefinitely|until\s+terminated))",
                  text, re.IGNORECASE)
    if m:
        return Found("perpetual", m.start(), m.end())
    if start_date and term:
        from datetime import date, timedelta
        y, mo, d = (int(x) for x in start_date.split("-"))
        total = mo - 1 + term.value
        try:
            end = date(y + total // 12, total % 12 + 1, d) - timedelta(days=1)
        except ValueError:
            return None
        return Found(end.isoformat(), term.start, term.end)
    return None


_GOVERN = re.compile(r"\b(?:govern|constru|interpret|enforced|determined|governing\s+law)", re.IGNORECASE)
_LAWS_OF = re.compile(r"\blaws?\b[^.;]{0,40}?\bof\s+(?:the\s+)?", re.IGNORECASE)
_NAME_LAW = re.compile(r"\b(?:in\s+accordance\s+with|under|by)\s+(?:the\s+)?(?P<j>[A-Z][\w ]{2,30}?)\s+law\b")
_CAPITALISED = re.compile(r"(?:(?:State|Commonwealth|Province|Republic|Kingdom)\s+of\s+)?"
                          r"[A-Z][A-Za-z'’]+(?:[ ]+(?:of\s+)?[A-Z][A-Za-z'’]+){0,3}")


def _jurisdiction_names() -> re.Pattern:
    from plugins.finance.contracts.normalise import CA_PROVINCES, COUNTRIES, US_STATES
    names = sorted({*US_STATES, *CA_PROVINCES, *COUNTRIES}, key=len, reverse=True)
    return re.compile(r"\b(?:(?:the\s+)?(?:State|Commonwealth|Province|Republic)\s+of\s+)?(?P<j>"
                      + "|".join(re.escape(n).replace("\\ ", r"\s+") for n in names)
                      + r")\b", re.IGNORECASE)


_KNOWN = _jurisdiction_names()


def _sentence(text: str, pos: int, blank_lines: bool = True) -> tuple[int, int]:
    """Bounds of the sentence around ``pos`` (". X", or a blank line when ``blank_lines``)."""
    lo = max(0, pos - 400)
    back = text.rfind(". ", lo, pos)
    if blank_lines:
        back = max(back, text.rfind("\n\n", lo, pos))
    start = back + 2 if back >= 0 else lo
    end_re = r"\.\s+(?=[A-Z(0-9])|\n\s*\n" if blank_lines else r"\.\s+(?=[A-Z(0-9])"
    m = re.compile(end_re).search(text, pos, min(len(text), pos + 600))
    return start, m.start() + 1 if m else min(len(text), pos + 600)


_NATIONAL = {"united states", "united states of america", "canada", "australia",
             "united kingdom", "china"}


def governing_law(text: str) -> Found | None:
    """The jurisdiction whose law governs the contract, normalised ("New York").

    Sentences saying "governed by" / "governing law" rank above ones that only say
    "construed"; within a sentence a state or province wins over its country, since
    "the laws of the State of New York and the United States" is New York law.
    """
    best: tuple[int, int, Found] | None = None
    seen: set[tuple[int, int]] = set()
    for g in _GOVERN.finditer(text):
        start, end = _sentence(text, g.start())
        if (start, end) in seen:
            continue
        seen.add((start, end))
        window = text[start:end]
        if not re.search(r"\blaws?\b", window, re.IGNORECASE):
            continue
        value = _jurisdiction_in(window)
        if value is None:
            continue
        low = window.lower()
        rank = (2 * ("governed" in low or "governing law" in low or "govern " in low)
                + ("this agreement" in low) + ("laws of" in low))
        if best is None or rank > best[0]:
            best = (rank, start, Found(value, start, end))
        if rank >= 4:
            break
    return best[2] if best else None


def _jurisdiction_in(window: str) -> str | None:
    after = _LAWS_OF.search(window)
    known = list(_KNOWN.finditer(window))
    specific = [k for k in known if k.group("j").lower() not in _NATIONAL]
    if specific:
        known = specific + [k for k in known if k not in specific]
    if after:
        pick = next((k for k in known if k.start("j") >= after.start()), None)
        if pick is None:
            cap = re.compile(r"(?:State|Commonwealth|Province|Republic|Kingdom)\s+of\s+"
                             r"[A-Z][A-Za-z'’]+(?:[ ]+[A-Z][A-Za-z'’]+){0,2}").match(window, after.end())
            if cap:
                return jurisdiction(cap.group(0))
        else:
            return jurisdiction(pick.group("j"))
    named = _NAME_LAW.search(window)
    if named:
        pick = next((k for k in known if k.start() >= named.start("j") - 1), None)
        if pick is not None:
            return jurisdiction(pick.group("j"))
    return jurisdiction(known[0].group("j")) if known else None


CURRENCY_SIGNS = {"$": "USD", "US$": "USD", "USD": "USD", "U.S.$": "USD", "€": "EUR",
                  "EUR": "EUR", "£": "GBP", "GBP": "GBP", "C$": "CAD", "CAD": "CAD",
                  "RMB": "CNY", "¥": "JPY", "JPY": "JPY", "CHF": "CHF", "A$": "AUD",
                  "AUD": "AUD", "HK$": "HKD", "INR": "INR", "Rs.": "INR"}
_AMOUNT = re.compile(r"(?P<cur>US\$|U\.S\.\$|HK\$|C\$|A\$|\$|€|£|¥|USD|EUR|GBP|CAD|RMB|JPY|CHF|"
                     r"AUD|INR)\s?(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
                     r"(?:\s*(?P<mult>million|billion|thousand|[MmKk]\b))?"
                     r"|(?P<num2>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*(?P<mult2>million|"
                     r"billion)?\s*(?P<cur2>U\.S\.\s+dollars|US\s+dollars|dollars|euros|"
                     r"pounds\s+sterling|USD|EUR|GBP)")
_MULT = {"million": 1e6, "billion": 1e9, "thousand": 1e3, "m": 1e6, "k": 1e3}


def amounts(text: str, start: int = 0, end: int | None = None) -> list[Found]:
    """Money amounts with currency: {"amount": float, "currency": "USD", "text": "$5,000"}."""
    out = []
    for m in _AMOUNT.finditer(text, start, len(text) if end is None else end):
        num = m.group("num") or m.group("num2")
        cur = m.group("cur") or m.group("cur2") or ""
        mult = (m.group("mult") or m.group("mult2") or "").lower()
        value = float(num.replace(",", "")) * _MULT.get(mult, 1.0)
        code = CURRENCY_SIGNS.get(cur, "USD" if "dollar" in cur.lower() else
                                  "EUR" if "euro" in cur.lower() else
                                  "GBP" if "pound" in cur.lower() else cur.upper())
        out.append(Found({"amount": value, "currency": code, "text": m.group(0)},
                         m.start(), m.end()))
    return out


_CAP = re.compile(r"[^.]*\bliab\w*[^.]*?(?:\bexceed|limited\s+to|in\s+excess\s+of|maximum\s+"
                  r"(?:aggregate\s+)?liability|aggregate\s+liability|\bcap\b)[^.]*\.", re.IGNORECASE)
_FORMULA = re.compile(r"(?:the\s+)?(?:total\s+|aggregate\s+)?(?:amount\s+of\s+)?(?:fees|amounts|"
                      r"sums|charges|payments|price)[^.;]{0,140}?(?:paid|payable|received)"
                      r"[^.;]{0,120}", re.IGNORECASE)


def liability_cap(text: str) -> Found | None:
    """The liability cap: amount + currency when a sum is stated, else the formula text."""
    for m in _CAP.finditer(text):
        sentence = m.group(0)
        if re.search(r"\bunlimited\b|shall\s+not\s+(?:limit|apply)", sentence, re.IGNORECASE) \
                and not re.search(r"exceed", sentence, re.IGNORECASE):
            continue
        money = amounts(text, m.start(), m.end())
        formula = _FORMULA.search(sentence)
        if not money and not formula:
            continue
        value = {"amount": money[0].value["amount"] if money else None,
                 "currency": money[0].value["currency"] if money else None,
                 "formula": re.sub(r"\s+", " ", formula.group(0)).strip() if formula and not money
                 else None}
        s = m.start() + len(sentence) - len(sentence.lstrip())
        return Found(value, s, m.end())
    return None


def payment_terms(text: str) -> Found | None:
    """When invoices are due: {"days": 30, "text": ...} from "within thirty (30) days of invoice"."""
    for m in re.finditer(r"[^.]*\b(?:invoice|payable|payment|paid)\w*\b[^.]*\.", text, re.IGNORECASE):
        sentence = m.group(0)
        net = re.search(r"\bnet\s*(\d{1,3})\b", sentence, re.IGNORECASE)
        within = re.search(r"within\s+" + DURATION.pattern, sentence, re.IGNORECASE)
        days = int(net.group(1)) if net else None
        if days is None and within:
            d = DURATION.match(sentence, within.start() + len("within "))
            if d and quantity(d) and d.group("kind").lower().startswith("day"):
                days = quantity(d)
        if days:
            s = m.start() + len(sentence) - len(sentence.lstrip())
            return Found({"days": days, "text": re.sub(r"\s+", " ", sentence).strip()[:300]},
                         s, m.end())
    return None
