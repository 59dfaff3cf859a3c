"""Build the radiology LM and pronunciation dictionary shipped next to this file.

Run ``python -m plugins.medical.clinical.asr.build`` (or ``enclave medical build-asr``).
Reproducible: the corpus is drawn with a fixed seed from the phrase grammars, the general
English background comes from the en-us model inside the pinned pocketsphinx package, and
espeak-ng supplies pronunciations. The dev/held-out sentences in ``sentences/`` are never
copied into the corpus; a short stock sentence ("the calvarium is intact") can still come
out of the grammar on its own, so the build counts those (``*_sentences_in_corpus``) and the
benchmark reports WER with and without them.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

from plugins.medical.clinical.asr import ASR_DIR, DICTIONARY_PATH, LANGUAGE_MODEL_PATH
from plugins.medical.clinical.asr.arpa import TrigramModel, perplexity
from plugins.medical.clinical.asr.corpus import HAND_WRITTEN, generate_corpus, generate_sentences
from plugins.medical.clinical.asr.general import general_unigrams, model_dir
from plugins.medical.clinical.asr.lexicon import (
    SPELLED_OUT,
    espeak_pronunciations,
    espeak_variants,
    read_dictionary,
)
from plugins.medical.clinical.numbers import say_integer

CORPUS_SEED = 7
CORPUS_SENTENCES = 60000
# Chosen on the dev sentences (sentences/dev.txt), never on the held-out ones.
GENERAL_WORDS = 0
GENERAL_WEIGHT = 0.05
ESPEAK_VARIANTS = True
SENTENCES_PER_LINE = 8
SENTENCES_DIR = ASR_DIR / "sentences"


def default_dictionary() -> Path:
    """The en-us dictionary that ships with pocketsphinx (the recogniser's own vocabulary)."""
    return model_dir() / "cmudict-en-us.dict"


def read_sentences(name: str) -> list[str]:
    """An evaluation set from ``sentences/<name>.txt`` (``#`` lines are comments)."""
    lines = (SENTENCES_DIR / f"{name}.txt").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def dictation_lines(sentences: list[str], seed: int, max_sentences: int) -> list[list[str]]:
    """Group corpus sentences into runs of 1..``max_sentences``, one LM line per run.

    A dictation clip is decoded as one utterance: the LM context runs on from one
    sentence into the next ("... right lower lobe no pleural effusion"). Lines that hold
    only single sentences teach the model nothing about those joins.
    """
    rng = random.Random(seed + 1)
    lines, i = [], 0
    while i < len(sentences):
        n = rng.randint(1, max_sentences)
        lines.append(" ".join(sentences[i:i + n]).split())
        i += n
    return lines


def build_model(sentences: int = CORPUS_SENTENCES, seed: int = CORPUS_SEED,
                general_words: int = GENERAL_WORDS, general_weight: float = GENERAL_WEIGHT,
                max_sentences: int = SENTENCES_PER_LINE) -> TrigramModel:
    """The radiology trigram model (corpus + spoken numbers + general-English unigrams)."""
    words = dictation_lines(generate_corpus(sentences, seed=seed), seed, max_sentences)
    # Every number word once, so sizes the templates did not draw can still be spoken.
    words += [say_integer(n).split() + ["millimeters"] for n in range(0, 100)]
    prior = general_unigrams(general_words)
    return TrigramModel(words, unigram_prior=prior, prior_weight=general_weight)


def build(out_dir: Path = ASR_DIR, sentences: int = CORPUS_SENTENCES, seed: int = CORPUS_SEED,
          general_words: int = GENERAL_WORDS,
          general_weight: float = GENERAL_WEIGHT,
          variants: bool = ESPEAK_VARIANTS,
          max_sentences: int = SENTENCES_PER_LINE) -> dict[str, object]:
    """Write ``radiology.lm`` and ``radiology.dic`` into ``out_dir``; return a summary."""
    model = build_model(sentences, seed, general_words, general_weight, max_sentences)
    lm_path = out_dir / LANGUAGE_MODEL_PATH.name
    model.write_arpa(lm_path)
    known = read_dictionary(default_dictionary())
    words = [w for w in model.vocab if not w.startswith("<")]
    missing = sorted(w for w in words if w not in known)
    pronunciations = espeak_pronunciations(missing)
    unpronounced = sorted(set(missing) - set(pronunciations))
    if unpronounced:
        raise RuntimeError(f"espeak-ng gave no pronunciation for {unpronounced}")
    if variants:
        pronunciations.update(espeak_variants(words, known))
    pronunciations.update({w: p for w, p in SPELLED_OUT.items() if w.split("(")[0] in model.vocab})
    dic_path = out_dir / DICTIONARY_PATH.name
    dic_path.write_text("".join(f"{w} {p}\n" for w, p in sorted(pronunciations.items())),
                        encoding="utf-8")
    summary: dict[str, object] = {
        "sentences": sentences, "vocabulary": len(model.vocab) - 1,
        "espeak_pronunciations": len(missing),
        "espeak_variants": sum("(" in w for w in pronunciations), "bigrams": len(model.counts[1]),
        "trigrams": len(model.counts[2]), "general_words": general_words,
        "general_weight": general_weight}
    checks = {"template": generate_sentences(500, seed=seed + 1000), "hand_written": HAND_WRITTEN,
              "dev": read_sentences("dev"), "heldout": read_sentences("heldout")}
    for name, texts in checks.items():
        split = [s.split() for s in texts]
        oov = sum(w not in model.p1 for s in split for w in s)
        summary[f"perplexity_{name}"] = round(perplexity(model, split), 2)
        summary[f"oov_rate_{name}"] = round(oov / max(1, sum(len(s) for s in split)), 4)
    corpus = set(generate_corpus(sentences, seed=seed))
    for name in ("dev", "heldout"):
        summary[f"{name}_sentences_in_corpus"] = sorted(set(checks[name]) & corpus)
    summary.update(lm_path=str(lm_path), dictionary_path=str(dic_path))
    return summary


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ASR_DIR)
    parser.add_argument("--sentences", type=int, default=CORPUS_SENTENCES)
    parser.add_argument("--general-words", type=int, default=GENERAL_WORDS)
    parser.add_argument("--general-weight", type=float, default=GENERAL_WEIGHT)
    parser.add_argument("--sentences-per-line", type=int, default=SENTENCES_PER_LINE)
    parser.add_argument("--no-variants", action="store_true",
                        help="no espeak-ng alternates for words the en-us dictionary has")
    args = parser.parse_args()
    summary = build(args.out, args.sentences, general_words=args.general_words,
                    general_weight=args.general_weight, variants=not args.no_variants,
                    max_sentences=args.sentences_per_line)
    for key, value in summary.items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
