"""Transcript -> structured statements: finding, laterality, lobe, size (mm), composition, negation.

Recognisers return lower-case words without punctuation, so sentences are cut at spoken
punctuation ("period", "next sentence"), at pauses between words, and at written
punctuation when the engine (Whisper) writes it. Negation follows NegEx: a trigger
("no", "without", "negative for", "no evidence of") negates the findings after it up to
a scope terminator; post-triggers ("is not seen", "has resolved") negate the finding
before them. Sizes are read as spoken ("eight point five millimeters", "one point two
centimeters", "eight by six millimeters" = mean of the axes, as Fleischner measures).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from plugins.medical.clinical.models import Evidence, Statement
from plugins.medical.clinical.numbers import parse_number

PAUSE_SPLIT_S = 0.45
SPOKEN_BREAKS = {("period",), ("full", "stop"), ("next", "sentence"), ("new", "paragraph"),
                 ("next", "paragraph"), ("new", "line")}
# Longest phrases first; value = canonical finding name.
FINDING_TERMS: dict[tuple[str, ...], str] = {}
for _phrase, _name in [
    ("pulmonary nodules", "nodule"), ("pulmonary nodule", "nodule"), ("lung nodules", "nodule"),
    ("lung nodule", "nodule"), ("nodules", "nodule"), ("nodule", "nodule"), ("masses", "mass"),
    ("mass", "mass"), ("opacities", "opacity"), ("opacity", "opacity"),
    ("pleural effusions", "pleural effusion"), ("pleural effusion", "pleural effusion"),
    ("pericardial effusion", "pericardial effusion"), ("effusions", "pleural effusion"),
    ("effusion", "pleural effusion"), ("pneumothorax", "pneumothorax"),
    ("consolidation", "consolidation"), ("airspace disease", "consolidation"),
    ("atelectasis", "atelectasis"), ("emphysema", "emphysema"),
    ("lymphadenopathy", "lymphadenopathy"), ("lymph node", "lymph node"),
    ("lymph nodes", "lymph node"), ("granulomas", "granuloma"), ("granuloma", "granuloma"),
    ("cardiomegaly", "cardiomegaly"), ("bronchiectasis", "bronchiectasis"),
    ("rib fracture", "fracture"), ("fracture", "fracture"),
    ("pulmonary embolism", "pulmonary embolism"), ("pulmonary edema", "pulmonary edema"),
    ("interstitial lung disease", "interstitial lung disease"), ("hiatal hernia", "hiatal hernia"),
    ("pleural thickening", "pleural thickening"), ("aortic aneurysm", "aortic aneurysm"),
    ("endobronchial lesion", "endobronchial lesion"), ("osseous lesion", "osseous lesion"),
    ("osseous abnormality", "osseous abnormality"), ("lesion", "lesion"),
    ("scarring", "scarring"), ("mucus plugging", "mucus plugging"),
    ("bronchial wall thickening", "bronchial wall thickening"),
    ("coronary artery calcifications", "coronary artery calcification"),
]:
    FINDING_TERMS[tuple(_phrase.split())] = _name
NODULE_LIKE = {"nodule", "mass", "opacity", "granuloma"}
PRE_NEGATIONS = [("no", "evidence", "of"), ("there", "is", "no"), ("there", "are", "no"),
                 ("negative", "for"), ("free", "of"), ("no",), ("without",), ("not",),
                 ("absence", "of"), ("resolution", "of"), ("ruled", "out")]
POST_NEGATIONS = [("is", "not", "seen"), ("are", "not", "seen"), ("is", "not", "identified"),
                  ("not", "identified"), ("not", "seen"), ("has", "resolved"),
                  ("have", "resolved"), ("is", "absent"), ("are", "absent"), ("resolved",)]
COORDINATORS = {"or", "nor", "and", ","}
SCOPE_END = {"but", "however", "although", "though", "except", "which", "whereas", "and"}
COMPOSITIONS = [("part", "solid"), ("partly", "solid"), ("ground", "glass"), ("subsolid",),
                ("noncalcified",), ("non", "calcified"), ("calcified",), ("solid",)]
MULTIPLE_WORDS = {"multiple", "several", "numerous", "innumerable", "scattered", "bilateral",
                  "few"}
PLURAL_TERMS = {"nodules", "masses", "opacities", "granulomas", "nodes"}
UNITS_MM = {"millimeter": 1.0, "millimeters": 1.0, "millimetre": 1.0, "millimetres": 1.0,
            "mm": 1.0, "centimeter": 10.0, "centimeters": 10.0, "centimetre": 10.0,
            "centimetres": 10.0, "cm": 10.0}
LOBE_WORDS = {"upper", "middle", "lower"}
SEGMENT_WORDS = {"apical", "posterior", "anterior", "superior", "lateral", "medial", "basal",
                 "apicoposterior", "lingula", "lingular", "base", "bases", "apex", "apices",
                 "hilar", "perihilar", "subpleural", "fissural", "perifissural"}
TOKEN = re.compile(r"\d+(?:\.\d+)?|[a-z]+(?:-[a-z]+)*|[.;:!?,]")


@dataclass
class _Tok:
    text: str
    start: int  # char offsets into the transcript
    end: int
    start_s: float | None = None
    end_s: float | None = None


def tokenize(transcript: str, timings: list[tuple[float | None, float | None]] | None = None
             ) -> list[_Tok]:
    """Tokens with char offsets; word timings are attached when they align one to one."""
    toks = []
    for m in TOKEN.finditer(transcript.lower()):
        text = m.group()
        if "-" in text:  # "part-solid", "ground-glass" -> two words, same span
            for piece in text.split("-"):
                toks.append(_Tok(piece, m.start(), m.end()))
        else:
            toks.append(_Tok(text, m.start(), m.end()))
    words = [t for t in toks if t.text not in ".;:!?,"]
    if timings and len(timings) == len(words):
        for tok, (a, b) in zip(words, timings, strict=True):
            tok.start_s, tok.end_s = a, b
    return toks


def split_sentences(toks: list[_Tok]) -> list[list[_Tok]]:
    """Cut at written punctuation, spoken punctuation words and pauses."""
    sentences: list[list[_Tok]] = [[]]
    i = 0
    while i < len(toks):
        tok = toks[i]
        spoken = next((n for n in (2, 1) if tuple(t.text for t in toks[i:i + n]) in SPOKEN_BREAKS),
                      0)
        if tok.text in ".;:!?" or spoken:
            sentences.append([])
            i += max(spoken, 1)
            continue
        prev = sentences[-1][-1] if sentences[-1] else None
        if (prev is not None and prev.end_s is not None and tok.start_s is not None
                and tok.start_s - prev.end_s >= PAUSE_SPLIT_S):
            sentences.append([])
        sentences[-1].append(tok)
        i += 1
    return [s for s in sentences if s]


def _match_at(words: list[str], i: int, phrases) -> tuple[str, ...] | None:
    for phrase in phrases:
        if tuple(words[i:i + len(phrase)]) == phrase:
            return phrase
    return None


_FINDING_PHRASES = sorted(FINDING_TERMS, key=len, reverse=True)


def _size_mm(words: list[str], lo: int, hi: int) -> tuple[float | None, int | None]:
    """First size in words[lo:hi] as (mm, index after the unit); "a by b unit" -> mean."""
    i = lo
    while i < hi:
        parsed = parse_number(words, i)
        if parsed is None:
            i += 1
            continue
        value, used = parsed
        j = i + used
        values = [value]
        if j < hi and words[j] in ("by", "x"):
            second = parse_number(words, j + 1)
            if second is not None:
                values.append(second[0])
                j += 1 + second[1]
        if j < len(words) and words[j] in UNITS_MM:
            return round(sum(values) / len(values) * UNITS_MM[words[j]], 1), j + 1
        i += max(used, 1)
    return None, None


LOCATION_ENDS = {"lobe", "lobes", "lung", "lungs", "base", "bases", "apex", "apices", "lingula"}


def _attribute_windows(words: list[str], mentions: list[tuple[int, int, str]], k: int
                       ) -> tuple[tuple[int, int], tuple[int, int]]:
    """(core window, wide window) of word indices whose attributes belong to mention ``k``.

    Without punctuation, "... left upper lobe eleven millimeter nodule in the right lower
    lobe" must give the 11 mm nodule the right lower lobe: a mention owns the words from
    the last location word before it ("lobe") up to the first location word after it.
    The wide window (neighbouring mentions as bounds) is the fallback when the core one
    names no side or size ("multiple nodules ... the largest measuring 8 mm").
    """
    a, b, _ = mentions[k]
    prev_end = mentions[k - 1][1] if k > 0 else 0
    next_start = mentions[k + 1][0] if k + 1 < len(mentions) else len(words)
    left = prev_end
    for j in range(a - 1, prev_end - 1, -1):
        if words[j] in LOCATION_ENDS:
            left = j + 1
            break
    right = b  # no location after the mention: its attributes precede it ("left effusion")
    for j in range(b, next_start):
        if words[j] in LOCATION_ENDS:
            right = j + 1
            break
    return (left, right), (prev_end, next_start)


def _laterality_lobe(window: list[str]) -> tuple[str, str]:
    laterality = ""
    for w in window:
        if w in ("right", "left"):
            laterality = w if laterality in ("", w) else "bilateral"
        elif w in ("bilateral", "both", "bilaterally", "bibasilar"):
            laterality = "bilateral"
    lobe = next((window[j] for j in range(len(window) - 1)
                 if window[j] in LOBE_WORDS and window[j + 1] in ("lobe", "lobes")), "")
    if not lobe and ("lingula" in window or "lingular" in window):
        lobe = "lingula"
    return laterality, lobe


def _statement_for(words: list[str], toks: list[_Tok], mentions: list[tuple[int, int, str]],
                   k: int, negated: bool, transcript: str, sid: str) -> Statement:
    a, b, finding = mentions[k]
    (lo, hi), (wide_lo, wide_hi) = _attribute_windows(words, mentions, k)
    laterality, lobe = _laterality_lobe(words[lo:hi])
    if not laterality and not lobe and not negated:
        laterality, lobe = _laterality_lobe(words[wide_lo:hi])
        if laterality or lobe:
            lo = wide_lo
    size, at = _size_mm(words, lo, hi)
    if size is None and not negated:
        size, after = _size_mm(words, lo, wide_hi)
        if size is not None:
            hi = max(hi, after)
    window = words[lo:hi]
    location = " ".join(w for w in window if w in SEGMENT_WORDS)
    composition = ""
    for j in range(len(window)):
        phrase = _match_at(window, j, COMPOSITIONS)
        if phrase:
            composition = {"partly solid": "part solid", "non calcified": "noncalcified"}.get(
                " ".join(phrase), " ".join(phrase))
            break
    multiple = words[b - 1] in PLURAL_TERMS or any(w in MULTIPLE_WORDS for w in window)
    if finding in NODULE_LIKE and laterality == "" and "bilateral" in window:
        laterality = "bilateral"
    if negated:  # the trigger ("no", "negative for") belongs to the quoted evidence too
        lo = min(lo, next((j for j in range(a - 1, max(-1, a - 5), -1)
                           if _match_at(words, j, PRE_NEGATIONS)), lo))
    hi = min(hi, len(toks))
    while hi - 1 > b and words[hi - 1] in COORDINATORS:  # no dangling "or" in the quote
        hi -= 1
    first, last = toks[lo], toks[hi - 1]
    evidence = Evidence(source="dictation", start=first.start, end=last.end,
                        text=transcript[first.start:last.end], reference=sid,
                        start_s=first.start_s, end_s=last.end_s)
    return Statement(id=sid, text=evidence.text, finding=finding, negated=negated,
                     laterality=laterality, lobe=lobe, location=location, size_mm=size,
                     composition=composition, multiple=bool(multiple), evidence=evidence)


def extract_statements(transcript: str,
                       timings: list[tuple[float | None, float | None]] | None = None
                       ) -> list[Statement]:
    """Structured statements of a dictation transcript, one per finding mention."""
    statements: list[Statement] = []
    for sentence in split_sentences(tokenize(transcript, timings)):
        sentence = [t for t in sentence if t.text != ","]
        words = [t.text for t in sentence]
        mentions: list[tuple[int, int, str]] = []
        i = 0
        while i < len(words):
            phrase = _match_at(words, i, _FINDING_PHRASES)
            if phrase:
                mentions.append((i, i + len(phrase), FINDING_TERMS[phrase]))
                i += len(phrase)
            else:
                i += 1
        if not mentions:
            continue
        negated = _negations(words, mentions)
        for k in range(len(mentions)):
            sid = f"d{len(statements) + 1}"
            statements.append(_statement_for(words, sentence, mentions, k, negated[k],
                                             transcript, sid))
    return statements


def _negations(words: list[str], mentions: list[tuple[int, int, str]]) -> list[bool]:
    """NegEx-style: pre-trigger scope runs forward to a terminator; post-triggers look back."""
    flags = [False] * len(mentions)
    trigger_at: int | None = None
    pos = 0
    ends = {m[0]: k for k, m in enumerate(mentions)}
    while pos < len(words):
        if pos in ends:
            k = ends[pos]
            pos = mentions[k][1]
            if trigger_at is not None:
                flags[k] = True
                # "no effusion or pneumothorax" continues the scope; "no effusion mild
                # emphysema" (no punctuation from the recogniser) ends it.
                if pos >= len(words) or (words[pos] not in COORDINATORS and pos not in ends):
                    trigger_at = None
            continue
        phrase = _match_at(words, pos, PRE_NEGATIONS)
        if phrase:
            trigger_at = pos
            pos += len(phrase)
            continue
        post = _match_at(words, pos, POST_NEGATIONS)
        if post:
            before = [k for k, m in enumerate(mentions) if m[1] <= pos]
            if before:
                flags[before[-1]] = True
            pos += len(post)
            continue
        # "and"/"or" chain findings inside a negation ("no effusion or pneumothorax"); a
        # terminator ends the scope only when followed by a new clause (not a finding).
        if words[pos] in SCOPE_END - {"and"} or (words[pos] == "and" and pos + 1 < len(words)
                                                  and words[pos + 1] in ("there", "the", "a")):
            trigger_at = None
        pos += 1
    return flags
