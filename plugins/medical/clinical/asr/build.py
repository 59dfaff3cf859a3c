"""Build the radiology LM and pronunciation dictionary shipped next to this file.

Run ``python -m plugins.medical.clinical.asr.build`` (or ``enclave medical build-asr``).
Reproducible: the corpus is drawn with a fixed seed, espeak-ng supplies pronunciations.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from plugins.medical.clinical.asr import ASR_DIR, DICTIONARY_PATH, LANGUAGE_MODEL_PATH
from plugins.medical.clinical.asr.arpa import TrigramModel, perplexity
from plugins.medical.clinical.asr.corpus import HAND_WRITTEN, generate_sentences
from plugins.medical.clinical.asr.lexicon import espeak_pronunciations, read_dictionary_words
from plugins.medical.clinical.numbers import say_integer

CORPUS_SEED = 7
CORPUS_SENTENCES = 30000


def default_dictionary() -> Path:
    """The en-us dictionary that ships with pocketsphinx (the recogniser's own vocabulary)."""
    import pocketsphinx
    return Path(pocketsphinx.get_model_path()) / "en-us" / "cmudict-en-us.dict"


def build(out_dir: Path = ASR_DIR, sentences: int = CORPUS_SENTENCES,
          seed: int = CORPUS_SEED) -> dict[str, object]:
    """Write ``radiology.lm`` and ``radiology.dic`` into ``out_dir``; return a summary."""
    corpus = [s.split() for s in generate_sentences(sentences, seed=seed)]
    # Every number word once, so sizes the templates did not draw can still be spoken.
    corpus += [say_integer(n).split() + ["millimeters"] for n in range(0, 100)]
    model = TrigramModel(corpus)
    lm_path = out_dir / LANGUAGE_MODEL_PATH.name
    model.write_arpa(lm_path)
    known = read_dictionary_words(default_dictionary())
    missing = sorted(w for w in model.vocab if w not in known and not w.startswith("<"))
    pronunciations = espeak_pronunciations(missing)
    dic_path = out_dir / DICTIONARY_PATH.name
    dic_path.write_text("".join(f"{w} {p}\n" for w, p in sorted(pronunciations.items())),
                        encoding="utf-8")
    held_out = [s.split() for s in generate_sentences(500, seed=seed + 1000)]
    return {"sentences": len(corpus), "vocabulary": len(model.vocab), "missing_words": missing,
            "bigrams": len(model.counts[1]), "trigrams": len(model.counts[2]),
            "perplexity_held_out_template": round(perplexity(model, held_out), 2),
            "perplexity_hand_written": round(perplexity(model, [s.split() for s in HAND_WRITTEN]), 2),
            "lm_path": str(lm_path), "dictionary_path": str(dic_path)}


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ASR_DIR)
    parser.add_argument("--sentences", type=int, default=CORPUS_SENTENCES)
    args = parser.parse_args()
    summary = build(args.out, args.sentences)
    for key, value in summary.items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
