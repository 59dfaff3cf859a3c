"""General-English background for the radiology LM, read from the recogniser's own en-us model.

A radiologist's sentence is mostly domain phrasing plus ordinary English ("amount",
"previously", "into"). The domain corpus cannot list every ordinary word, so the build
mixes the most frequent words of pocketsphinx's general en-us language model into the
unigram level of the domain model: ordinary words stay decodable, at back-off cost.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

_PLAIN_WORD = re.compile(r"^[a-z]+('[a-z]+)?$")
_LOGMATH_BASE = 1.0001  # pocketsphinx's default log base for NGramModel.prob scores
_MISSING = -536870912  # the score NGramModel.prob gives a word outside the model


def model_dir() -> Path:
    """The en-us folder shipped inside the pocketsphinx package."""
    import pocketsphinx
    return Path(pocketsphinx.get_model_path()) / "en-us"


def general_unigrams(top_k: int, exclude: set[str] = frozenset()) -> dict[str, float]:
    """The ``top_k`` most probable plain words of the en-us LM (word -> unigram probability).

    Only words the en-us dictionary can pronounce are considered, and ``exclude`` (e.g.
    letter names that would only add confusable one-syllable words) is skipped.
    """
    from pocketsphinx import NGramModel

    if top_k <= 0:
        return {}
    lm = NGramModel.readfile(str(model_dir() / "en-us.lm.bin"))
    words: set[str] = set()
    with (model_dir() / "cmudict-en-us.dict").open(encoding="utf-8", errors="replace") as fh:
        for line in fh:
            head = line.split(" ", 1)[0].split("(", 1)[0]
            if _PLAIN_WORD.match(head) and head not in exclude:
                words.add(head)
    scores = {w: lm.prob([w]) for w in sorted(words)}
    ranked = sorted((w for w, s in scores.items() if s > _MISSING), key=lambda w: (-scores[w], w))
    return {w: math.exp(scores[w] * math.log(_LOGMATH_BASE)) for w in ranked[:top_k]}
