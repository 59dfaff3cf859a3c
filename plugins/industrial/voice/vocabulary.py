"""The defect vocabulary operators use, and the phrases the domain language model is built from.

Terms map spoken words (and their inflections) to canonical tags. The sentence patterns
are what an operator says into the station microphone ("deep scratch on the left edge,
reject"); they become a small bigram language model so the recogniser expects these
words instead of general English.
"""

from __future__ import annotations

import itertools
import random

DEFECT_TERMS: dict[str, tuple[str, ...]] = {
    "scratch": ("scratch", "scratches", "scratched", "score", "scored", "gouge", "gouged"),
    "dent": ("dent", "dents", "dented", "ding"),
    "crack": ("crack", "cracks", "cracked", "fracture", "hairline"),
    "burr": ("burr", "burrs", "sharp"),
    "porosity": ("porosity", "pores", "pinhole", "pinholes", "void", "voids"),
    "pitting": ("pit", "pits", "pitting", "pitted"),
    "spot": ("spot", "spots", "stain", "stains", "mark", "marks", "discoloration"),
    "corrosion": ("rust", "rusty", "corrosion", "corroded", "oxidation"),
    "chip": ("chip", "chips", "chipped", "missing", "broken"),
    "inclusion": ("inclusion", "inclusions"),
    "scale": ("scale", "crazing"),
}
LOCATION_TERMS: dict[str, tuple[str, ...]] = {
    "left": ("left",), "right": ("right",), "top": ("top", "upper"), "bottom": ("bottom", "lower"),
    "front": ("front",), "back": ("back", "rear"), "center": ("center", "centre", "middle"),
    "edge": ("edge", "edges", "rim"), "corner": ("corner", "corners"),
    "hole": ("hole", "bore"), "flange": ("flange",), "surface": ("surface", "face"),
    "thread": ("thread", "threads"), "weld": ("weld", "seam"), "chamfer": ("chamfer",),
}
SEVERITY_TERMS: dict[str, tuple[str, ...]] = {
    "minor": ("minor", "slight", "small", "light", "tiny", "cosmetic", "faint"),
    "moderate": ("moderate", "medium", "noticeable"),
    "major": ("major", "large", "deep", "big", "heavy", "long", "bad"),
    "critical": ("critical", "severe", "through"),
}
# Pronunciations (CMU phones) for words the packaged dictionary lacks.
EXTRA_PRONUNCIATIONS = {"porosity": "P ER AA S AH T IY", "chamfer": "SH AE M F ER"}

_OPENERS = ("", "part has a", "there is a", "i see a", "found a", "note", "operator note")
_LINKS = ("on the", "at the", "near the", "in the")
_CLOSERS = ("", "reject", "scrap it", "rework", "accept", "part is okay", "please check")
_NUMBERS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "zero")


def _first(terms: dict[str, tuple[str, ...]]) -> list[str]:
    return [w for words in terms.values() for w in words]


def training_sentences(count: int = 8000, seed: int = 0) -> list[str]:
    """Operator phrases spanning the vocabulary evenly (seeded, so the model is reproducible)."""
    rng = random.Random(seed)
    defects = _first(DEFECT_TERMS)
    locations = _first(LOCATION_TERMS)
    severities = ["", *_first(SEVERITY_TERMS)]
    sides = ("", "left", "right", "top", "bottom", "upper", "lower", "front", "back")
    sentences = []
    for _ in range(count):
        side = rng.choice(sides)
        location = rng.choice(locations)
        place = f"{side} {location}" if side and side != location else location
        words = (rng.choice(_OPENERS), rng.choice(severities), rng.choice(defects),
                 rng.choice(_LINKS), place, rng.choice(_CLOSERS))
        sentences.append(" ".join(w for w in words if w))
    for a, b in itertools.product(_NUMBERS, _NUMBERS):
        sentences.append(f"part {a} {b} no defect accept")
    sentences += ["no defect", "no defect part is okay", "part is okay", "looks good accept",
                  "surface is clean", "no defect found accept"] * 20
    return sentences
