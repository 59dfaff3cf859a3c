"""Speech benchmark for medical.dictation: WER before/after radiology adaptation, LibriVox, RTF.

Run: ``.venv/bin/python bench/medical_speech.py [--dictations 12] [--voices en-us,en-us+m3]
[--out bench/results/medical_clinical.md]``

Everything goes through the shared inference core (``get_core().transcribe``), exactly as
the task does. Radiology audio is synthesised with espeak-ng from four sources of sentences:
template dictations drawn with a seed the LM corpus does not use, the 10 hand-written
sentences of ``corpus.HAND_WRITTEN``, the dev sentences the LM was tuned on
(``asr/sentences/dev.txt``) and the held-out sentences it never was (``heldout.txt``); the
last two both one clip per sentence and five sentences per clip. A multi-sentence clip is
spoken from the sentences as a report writes them (``as_written``: capital, full stop), so
espeak-ng makes its own sentence-end pause (about 0.35 s); one stress row runs the held-out
dictations together with no pause at all. (Earlier runs joined clips with " . ",
which espeak-ng reads out as the word "dot": those figures measured that artefact.)
Three recognisers per clip: the general en-us model ("before"), the adapted one
("after"), and the adapted one without the espeak-ng alternates of dictionary words
("after, CMUdict only"), because the test voice and those alternates come from the same
engine. RTF = decode time / audio duration per request after the decoder exists (wall
clock, and process CPU time, which a shared host distorts less); the one-off decoder
builds are reported separately.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# bench/ holds scripts named like stdlib modules (queue.py): keep it off the import path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != REPO / "bench"]
sys.path.insert(0, str(REPO))

from bench.notes import with_notes  # noqa: E402
from plugins.medical.clinical.asr.build import (  # noqa: E402
    CORPUS_SEED,
    CORPUS_SENTENCES,
    read_sentences,
)
from plugins.medical.clinical.asr.corpus import (  # noqa: E402
    HAND_WRITTEN,
    generate_corpus,
    generate_dictations,
)
from plugins.medical.clinical.asr.lexicon import SPELLED_OUT  # noqa: E402
from plugins.medical.clinical.dictation import condition_audio, radiology_hints  # noqa: E402
from plugins.medical.clinical.samples.make_samples import as_written, synthesise  # noqa: E402
from plugins.medical.clinical.wer import edit_counts  # noqa: E402

SHARED = Path(os.environ.get("ENCLAVE_SHARED_DATA", REPO.parent / "shared" / "data"))
RATE_HZ = 16000
TEST_SEED = 2026  # the LM corpus uses seed 7
MODES = ("general", "adapted", "cmudict_only")


class Tally:
    """Summed word edits, reference words, audio seconds and decode seconds (wall and CPU)."""

    def __init__(self) -> None:
        self.edits = self.words = 0
        self.audio_s = self.decode_s = self.cpu_s = 0.0

    def add(self, ref: str, hyp: str, audio_s: float, decode_s: float, cpu_s: float) -> None:
        edits, words = edit_counts(ref, hyp)
        self.edits += edits
        self.words += words
        self.audio_s += audio_s
        self.decode_s += decode_s
        self.cpu_s += cpu_s

    @property
    def wer(self) -> float:
        return self.edits / max(self.words, 1)

    @property
    def rtf(self) -> float:
        return self.decode_s / max(self.audio_s, 1e-9)

    @property
    def cpu_rtf(self) -> float:
        return self.cpu_s / max(self.audio_s, 1e-9)


def hints(mode: str):
    """(words, language model) the core gets for one recogniser mode."""
    if mode == "general":
        return None, None
    words, lm = radiology_hints()
    if mode == "cmudict_only":  # keep new words and spelled-out abbreviations, drop alternates
        words = {w: p for w, p in words.items() if "(" not in w or w in SPELLED_OUT}
    return words, lm


def transcribe(core, audio, rate, mode: str) -> tuple[str, float, float]:
    words, lm = hints(mode)
    started, cpu = time.perf_counter(), time.process_time()
    out = core.transcribe(condition_audio(audio), rate, words=words, language_model=lm)
    return out.text, time.perf_counter() - started, time.process_time() - cpu


PER_DICTATION = 5


def radiology_sets(dictations: int) -> dict[str, list[list[str]]]:
    """Set name -> clips, each the list of its sentences."""
    heldout, dev = read_sentences("heldout"), read_sentences("dev")
    corpus = set(generate_corpus(CORPUS_SENTENCES, seed=CORPUS_SEED))
    unseen = [s for s in heldout if s not in corpus]

    def grouped(sentences: list[str]) -> list[list[str]]:
        return [sentences[i:i + PER_DICTATION] for i in range(0, len(sentences), PER_DICTATION)]

    return {
        "template dictations (held-out seed)": generate_dictations(dictations, seed=TEST_SEED),
        "hand-written dictations (10, corpus.py)": grouped(HAND_WRITTEN),
        "dev dictations, 5 sentences (tuned on)": grouped(dev),
        "held-out dictations, 5 sentences (never tuned on)": grouped(heldout),
        "dev sentences (tuned on)": [[s] for s in dev],
        "held-out sentences (never tuned on)": [[s] for s in heldout],
        f"held-out, {len(unseen)} sentences the grammar never produces": [[s] for s in unseen],
        NO_PAUSE: grouped(heldout),
    }


# Stress row: the held-out dictations with no pause at all between sentences (espeak-ng runs
# "effusion. the heart" on as one phrase), as if the radiologist never drew breath.
NO_PAUSE = "held-out dictations run together without pauses (stress)"


def spoken_text(name: str, sentences: list[str]) -> str:
    """What espeak-ng is given for one clip of set ``name``."""
    return ". ".join(sentences) if name == NO_PAUSE else as_written(sentences)


def main() -> None:
    """Run the benchmark, print the table and write the markdown results."""
    import soundfile as sf

    from core.inference import get_core

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dictations", type=int, default=12)
    parser.add_argument("--voices", default="en-us,en-us+m3")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "medical_clinical.md")
    args = parser.parse_args()
    core = get_core()

    # One-off costs: the plain decoder, then the adapted one (LM + pronunciations).
    probe = synthesise("no pleural effusion")
    builds = {}
    for mode in MODES:
        started = time.perf_counter()
        transcribe(core, probe, RATE_HZ, mode)
        builds[mode] = time.perf_counter() - started

    sets = radiology_sets(args.dictations)
    rows = []
    for voice in args.voices.split(","):
        cache: dict[str, dict[str, tuple[str, float, float, float]]] = {}
        for name, clips in sets.items():
            tallies = {mode: Tally() for mode in MODES}
            for sentences in clips:
                text = spoken_text(name, sentences)
                if text not in cache:  # the unseen subset reuses the held-out decodes
                    audio = synthesise(text, voice=voice)
                    cache[text] = {mode: (*transcribe(core, audio, RATE_HZ, mode),
                                          audio.size / RATE_HZ) for mode in MODES}
                ref = " ".join(sentences)
                for mode, (hyp, secs, cpu, dur) in cache[text].items():
                    tallies[mode].add(ref, hyp, dur, secs, cpu)
            rows.append((f"{name}, espeak-ng {voice}", len(clips), tallies))
            t = tallies
            print(f"{rows[-1][0]}: WER before {t['general'].wer:.1%} after {t['adapted'].wer:.1%} "
                  f"(CMUdict only {t['cmudict_only'].wer:.1%}) RTF {t['adapted'].rtf:.3f} "
                  f"CPU RTF {t['adapted'].cpu_rtf:.3f}", flush=True)

    libri = sorted((SHARED / "asr" / "librivox").glob("*.wav"))
    lib = {mode: Tally() for mode in ("general", "adapted")}
    for wav in libri:
        audio, rate = sf.read(str(wav), dtype="float32")
        ref = wav.with_suffix(".txt").read_text(encoding="utf-8")
        for mode, tally in lib.items():
            hyp, secs, cpu = transcribe(core, audio, rate, mode)
            tally.add(ref, hyp, audio.size / rate, secs, cpu)
    if libri:
        print(f"LibriVox ({len(libri)} clips): WER general {lib['general'].wer:.1%}, with the "
              f"radiology LM {lib['adapted'].wer:.1%}, RTF {lib['general'].rtf:.3f} "
              f"CPU RTF {lib['general'].cpu_rtf:.3f}")

    lines = [
        "# medical.clinical - speech (medical.dictation)",
        "",
        f"Measured with `bench/medical_speech.py` on {platform.node()} "
        f"({os.cpu_count()} CPUs, shared with other engineers' jobs - load average "
        f"{os.getloadavg()[0]:.1f} at the end: **wall-clock timings are noisy and pessimistic**, "
        "CPU-time RTF is the steadier figure). Engine: the core's packaged pocketsphinx en-us "
        "model, through `get_core().transcribe`.",
        "Radiology audio: espeak-ng synthesis (robotic voice, no human dictation available). "
        f"Template dictations are drawn with seed {TEST_SEED} (the LM corpus uses seed "
        f"{CORPUS_SEED}); dev and held-out sentences are hand-written (`asr/sentences/`), one "
        f"clip per sentence and {PER_DICTATION} sentences per clip in file order; the held-out "
        "set was committed before any tuning and never tuned on. A multi-sentence clip is "
        "synthesised from its sentences as written (capital, full stop), so espeak-ng pauses "
        "about 0.35 s at each sentence end as it does for any text; the stress row gives it "
        "the held-out dictations without sentence breaks (no pause at all). "
        "Before = general en-us LM and dictionary; after = radiology trigram LM "
        "(`asr/radiology.lm`) + `asr/radiology.dic`; CMUdict only = after, without the "
        "espeak-ng alternates of words the en-us dictionary already has.",
        "",
        "| set | clips | ref words | audio s | WER before | WER after | WER after, CMUdict only "
        "| RTF after, wall (target <= 0.5) | RTF after, CPU |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, n, t in rows:
        a = t["adapted"]
        lines.append(f"| {name} | {n} | {a.words} | {a.audio_s:.0f} | {t['general'].wer:.1%} | "
                     f"{a.wer:.1%} | {t['cmudict_only'].wer:.1%} | {a.rtf:.3f} | {a.cpu_rtf:.3f} |")
    if libri:
        g, a = lib["general"], lib["adapted"]
        lines += ["", "| LibriVox (../shared/data/asr/librivox) | clips | ref words | WER | "
                  "RTF wall | RTF CPU |", "|---|---|---|---|---|---|",
                  f"| general en-us model (what LibriVox should use) | {len(libri)} | "
                  f"{g.words} | {g.wer:.1%} | {g.rtf:.3f} | {g.cpu_rtf:.3f} |",
                  f"| radiology LM (wrong domain, for contrast) | {len(libri)} | "
                  f"{a.words} | {a.wer:.1%} | {a.rtf:.3f} | {a.cpu_rtf:.3f} |"]
    lines += ["", "One-off decoder builds (not in RTF, wall): "
              + ", ".join(f"{mode} {secs:.1f} s" for mode, secs in builds.items())
              + " (the first also loads the acoustic model)."]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    old = args.out.read_text(encoding="utf-8") if args.out.is_file() else ""
    args.out.write_text(with_notes("\n".join(lines), old), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
