"""Pronunciations for words the en-us dictionary lacks, from espeak-ng's IPA mapped to CMU phones.

The default pocketsphinx dictionary has no "atelectasis" or "centrilobular"; a word the
decoder cannot spell is a word it can never recognise. espeak-ng knows English
letter-to-sound rules well, so its IPA output (one phoneme per ``_``) is mapped onto the
39 CMU phones the acoustic model was trained with.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

# Longest symbols first when splitting; stress and length marks are dropped beforehand.
IPA_TO_CMU: dict[str, str] = {
    "aɪə": "AY ER", "aɪ": "AY", "aʊ": "AW", "eɪ": "EY", "oʊ": "OW", "ɔɪ": "OY", "əʊ": "OW",
    "tʃ": "CH", "dʒ": "JH", "iə": "IY AH", "ɪə": "IY R", "eə": "EH R", "ʊə": "UH R",
    "əl": "AH L", "ɑ": "AA", "ɒ": "AA", "æ": "AE", "a": "AE", "ʌ": "AH", "ə": "AH", "ɐ": "AH",
    "ɔ": "AO", "o": "OW", "ɛ": "EH", "e": "EH", "ɜ": "ER", "ɚ": "ER", "ɝ": "ER", "ɪ": "IH",
    "ᵻ": "IH", "i": "IY", "ʊ": "UH", "u": "UW", "b": "B", "d": "D", "ð": "DH", "f": "F",
    "ɡ": "G", "g": "G", "h": "HH", "j": "Y", "k": "K", "l": "L", "ɫ": "L", "m": "M", "n": "N",
    "ŋ": "NG", "p": "P", "ɹ": "R", "r": "R", "ɾ": "T", "s": "S", "ʃ": "SH", "t": "T",
    "θ": "TH", "v": "V", "w": "W", "z": "Z", "ʒ": "ZH", "ʔ": "T", "x": "K", "ç": "HH",
}
_DROP = "ˈˌːˑ‿̩̃ "
# Abbreviations radiologists spell out whose en-us dictionary entry is a different word
# ("ct" is listed as "court"): added as alternate pronunciations, ``word(2)``.
SPELLED_OUT: dict[str, str] = {"ct(2)": "S IY T IY"}
_SYMBOLS = sorted(IPA_TO_CMU, key=len, reverse=True)


def ipa_to_cmu(ipa: str) -> str:
    """Map espeak-ng IPA (phonemes separated by ``_``) to a CMU phone string."""
    phones: list[str] = []
    for chunk in ipa.replace("\n", "_").split("_"):
        chunk = "".join(ch for ch in chunk if ch not in _DROP)
        while chunk:
            symbol = next((s for s in _SYMBOLS if chunk.startswith(s)), None)
            if symbol is None:
                chunk = chunk[1:]  # a symbol with no CMU counterpart: skip it
                continue
            phones.extend(IPA_TO_CMU[symbol].split())
            chunk = chunk[len(symbol):]
    text = " ".join(phones)
    # espeak writes r-coloured vowels as vowel + ɹ; CMU spells them ER and AO R.
    return text.replace("ER R", "ER").replace("OW R", "AO R")


def espeak_pronunciations(words: list[str], voice: str = "en-us") -> dict[str, str]:
    """Pronounce each word with espeak-ng and return word -> CMU phones.

    One espeak-ng process for all words (one per line) keeps this fast.
    """
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise RuntimeError("espeak-ng is not installed (apt-get install -y espeak-ng)")
    if not words:
        return {}
    out = subprocess.run([exe, "-q", "-v", voice, "--ipa", "--sep=_"],
                         input="\n".join(words) + "\n", capture_output=True, text=True,
                         check=True).stdout
    lines = [line.strip() for line in out.splitlines() if line.strip()]
    if len(lines) != len(words):  # espeak merged or split lines: fall back to one call each
        lines = [subprocess.run([exe, "-q", "-v", voice, "--ipa", "--sep=_", w],
                                capture_output=True, text=True, check=True).stdout.strip()
                 for w in words]
    return {w: ipa_to_cmu(ipa) for w, ipa in zip(words, lines, strict=True) if ipa_to_cmu(ipa)}


def read_dictionary(path: Path) -> dict[str, list[str]]:
    """A CMU-format dictionary as word -> pronunciations (stress digits removed)."""
    entries: dict[str, list[str]] = {}
    with path.open(encoding="utf-8", errors="replace") as fh:
        for line in fh:
            head, _, phones = line.strip().partition(" ")
            if phones:
                entries.setdefault(head.split("(", 1)[0], []).append(
                    " ".join(p.rstrip("012") for p in phones.split()))
    return entries


def espeak_variants(words: list[str], known: dict[str, list[str]],
                    voice: str = "en-us") -> dict[str, str]:
    """espeak-ng's pronunciation of dictionary words, as ``word(n)`` alternates where it differs.

    CMUdict spells many medical words one way ("millimeter" M IH L AH M IY T ER); speakers
    and espeak-ng also say them another (M IH L IH M IY T ER). A second pronunciation lets
    the decoder accept either instead of losing the word.
    """
    spoken = espeak_pronunciations(sorted(w for w in words if w in known), voice)
    return {f"{w}({len(known[w]) + 1})": phones for w, phones in spoken.items()
            if phones not in known[w]}


def read_dictionary_words(path: Path) -> set[str]:
    """The words a CMU-format dictionary spells (alternates like ``word(2)`` folded)."""
    words = set()
    with path.open(encoding="utf-8", errors="replace") as fh:
        for line in fh:
            head = line.split(" ", 1)[0]
            if head:
                words.add(head.split("(", 1)[0])
    return words
