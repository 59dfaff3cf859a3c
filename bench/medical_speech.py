"""Speech benchmark for medical.dictation: WER before/after radiology adaptation, LibriVox, RTF.

Run: ``.venv/bin/python bench/medical_speech.py [--dictations 12] [--out bench/results/medical_clinical.md]``

Everything goes through the shared inference core (``get_core().transcribe``), exactly as
the task does. Radiology audio is synthesised with espeak-ng from sentences the LM corpus
was NOT drawn from (different seed) plus hand-written sentences no template produced.
RTF = decode wall time / audio duration, measured per request after the decoder exists;
the one-off decoder build (LM + pronunciations) is reported separately.
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

from plugins.medical.clinical.asr.corpus import HAND_WRITTEN, generate_dictations  # noqa: E402
from plugins.medical.clinical.dictation import condition_audio, radiology_hints  # noqa: E402
from plugins.medical.clinical.samples.make_samples import synthesise  # noqa: E402
from plugins.medical.clinical.wer import edit_counts  # noqa: E402

SHARED = Path(os.environ.get("ENCLAVE_SHARED_DATA", REPO.parent / "shared" / "data"))
RATE_HZ = 16000
TEST_SEED = 2026  # the LM corpus uses seed 7


class Tally:
    """Summed word edits, reference words, audio seconds and decode seconds."""

    def __init__(self) -> None:
        self.edits = self.words = 0
        self.audio_s = self.decode_s = 0.0

    def add(self, ref: str, hyp: str, audio_s: float, decode_s: float) -> None:
        edits, words = edit_counts(ref, hyp)
        self.edits += edits
        self.words += words
        self.audio_s += audio_s
        self.decode_s += decode_s

    @property
    def wer(self) -> float:
        return self.edits / max(self.words, 1)

    @property
    def rtf(self) -> float:
        return self.decode_s / max(self.audio_s, 1e-9)


def transcribe(core, audio, rate, adapted: bool) -> tuple[str, float]:
    words, lm = radiology_hints() if adapted else (None, None)
    started = time.perf_counter()
    out = core.transcribe(condition_audio(audio), rate, words=words, language_model=lm)
    return out.text, time.perf_counter() - started


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
    started = time.perf_counter()
    transcribe(core, probe, RATE_HZ, adapted=False)
    plain_build_s = time.perf_counter() - started
    started = time.perf_counter()
    transcribe(core, probe, RATE_HZ, adapted=True)
    adapted_build_s = time.perf_counter() - started

    sets = {"template (held-out seed)": [" . ".join(d) for d in
                                         generate_dictations(args.dictations, seed=TEST_SEED)],
            "hand-written": [" . ".join(HAND_WRITTEN[i:i + 5]) for i in range(0, len(HAND_WRITTEN), 5)]}
    rows = []
    for voice in args.voices.split(","):
        for name, texts in sets.items():
            before, after = Tally(), Tally()
            for text in texts:
                audio = synthesise(text, voice=voice)
                dur = audio.size / RATE_HZ
                ref = text.replace(" . ", " ")
                hyp, secs = transcribe(core, audio, RATE_HZ, adapted=False)
                before.add(ref, hyp, dur, secs)
                hyp, secs = transcribe(core, audio, RATE_HZ, adapted=True)
                after.add(ref, hyp, dur, secs)
            rows.append((f"radiology {name}, espeak-ng {voice}", len(texts), after.words,
                         after.audio_s, before, after))
            print(f"{rows[-1][0]}: WER before {before.wer:.1%} after {after.wer:.1%} "
                  f"RTF {after.rtf:.3f}", flush=True)

    libri = sorted((SHARED / "asr" / "librivox").glob("*.wav"))
    lib_plain, lib_adapted = Tally(), Tally()
    for wav in libri:
        audio, rate = sf.read(str(wav), dtype="float32")
        ref = wav.with_suffix(".txt").read_text(encoding="utf-8")
        hyp, secs = transcribe(core, audio, rate, adapted=False)
        lib_plain.add(ref, hyp, audio.size / rate, secs)
        hyp, secs = transcribe(core, audio, rate, adapted=True)
        lib_adapted.add(ref, hyp, audio.size / rate, secs)
    if libri:
        print(f"LibriVox ({len(libri)} clips): WER general {lib_plain.wer:.1%}, with the "
              f"radiology LM {lib_adapted.wer:.1%}, RTF {lib_plain.rtf:.3f}")

    lines = [
        "# medical.clinical - speech (medical.dictation)",
        "",
        f"Measured with `bench/medical_speech.py` on {platform.node()} "
        f"({os.cpu_count()} CPUs, shared with other engineers' jobs - load average "
        f"{os.getloadavg()[0]:.1f} at the end: **timings are noisy and pessimistic**). "
        "Engine: the core's packaged pocketsphinx en-us model, through `get_core().transcribe`.",
        "Radiology audio: espeak-ng synthesis (robotic voice, no human dictation available) of "
        f"sentences drawn with seed {TEST_SEED} (the LM corpus uses seed 7, so exact sentences "
        "rarely repeat but the phrasing templates are shared) and of 10 hand-written sentences "
        "no template produced. Before = general en-us LM and dictionary; after = radiology "
        "trigram LM (`asr/radiology.lm`) + espeak-ng pronunciations for the 35 words missing "
        "from the en-us dictionary (`asr/radiology.dic`).",
        "",
        "| set | dictations | ref words | audio s | WER before | WER after | RTF after (target <= 0.5) |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, n, words, audio_s, before, after in rows:
        lines.append(f"| {name} | {n} | {words} | {audio_s:.0f} | {before.wer:.1%} | "
                     f"{after.wer:.1%} | {after.rtf:.3f} |")
    if libri:
        lines += ["", "| LibriVox (../shared/data/asr/librivox) | clips | ref words | WER | RTF |",
                  "|---|---|---|---|---|",
                  f"| general en-us model (what LibriVox should use) | {len(libri)} | "
                  f"{lib_plain.words} | {lib_plain.wer:.1%} | {lib_plain.rtf:.3f} |",
                  f"| radiology LM (wrong domain, for contrast) | {len(libri)} | "
                  f"{lib_adapted.words} | {lib_adapted.wer:.1%} | {lib_adapted.rtf:.3f} |"]
    lines += ["", f"One-off decoder builds (not in RTF): general {plain_build_s:.1f} s, "
              f"adapted {adapted_build_s:.1f} s wall (the first call also loads the acoustic "
              "model)."]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
