"""Radiology adaptation of the default recogniser: domain corpus, n-gram LM and pronunciations.

``build.py`` writes ``radiology.lm`` (ARPA trigram) and ``radiology.dic`` (pronunciations of
words missing from the en-us dictionary, plus ``word(n)`` alternates for dictionary words
espeak-ng says differently) next to this file; the dictation task hands both to
``core.transcribe`` through its ``language_model`` and ``words`` arguments.
"""

from __future__ import annotations

from pathlib import Path

ASR_DIR = Path(__file__).resolve().parent
LANGUAGE_MODEL_PATH = ASR_DIR / "radiology.lm"
DICTIONARY_PATH = ASR_DIR / "radiology.dic"


def load_pronunciations(path: Path = DICTIONARY_PATH) -> dict[str, str]:
    """Read a CMU-style dictionary file (``word PH ON ES`` per line) into word -> phones."""
    words: dict[str, str] = {}
    if not path.is_file():
        return words
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 2 and not line.startswith(";"):
            words.setdefault(parts[0], " ".join(parts[1:]))
    return words
