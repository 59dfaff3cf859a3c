"""Regenerate the sample dictation WAVs with espeak-ng (16 kHz mono PCM).

``python -m plugins.medical.clinical.samples.make_samples``. ``dictation.wav`` describes the
``medical.ct`` demo phantom (v3, pinned positions: 14 mm left upper, 11 mm right lower); the test clips are
short sentences with known text (``*.txt`` next to each WAV is its reference transcript).
"""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import numpy as np

SAMPLES = Path(__file__).resolve().parent
CLIPS = {
    "dictation": ("there is a fourteen millimeter solid nodule in the left upper lobe. "
                  "an eleven millimeter irregular nodule is seen in the right lower lobe. "
                  "no pleural effusion or pneumothorax. mild centrilobular emphysema."),
    "dictation_negation": "no pleural effusion or pneumothorax. the heart size is normal.",
}


def as_written(sentences: list[str]) -> str:
    """Sentences as a report is written ("No pleural effusion. The heart is normal.").

    espeak-ng only ends a sentence (and pauses, about 0.35 s at 160 wpm) at a full stop
    followed by a capital; ``"effusion. the heart"`` runs on without a pause, and a lone
    ``" . "`` is read out as the word "dot". Multi-sentence test audio is made from this form.
    """
    return " ".join(s.strip()[0].upper() + s.strip()[1:].rstrip(".") + "."
                    for s in sentences if s.strip())


def synthesise(text: str, voice: str = "en-us", speed_wpm: int = 160,
               rate_hz: int = 16000) -> np.ndarray:
    """Speak ``text`` with espeak-ng; float32 mono at ``rate_hz``."""
    import soundfile as sf
    from scipy.signal import resample_poly

    exe = shutil.which("espeak-ng")
    if exe is None:
        raise RuntimeError("espeak-ng is not installed (apt-get install -y espeak-ng)")
    wav = subprocess.run([exe, "-v", voice, "-s", str(speed_wpm), "--stdout", text],
                         capture_output=True, check=True).stdout
    audio, rate = sf.read(io.BytesIO(wav), dtype="float32")
    if rate != rate_hz:
        g = np.gcd(rate, rate_hz)
        audio = resample_poly(audio, rate_hz // g, rate // g).astype(np.float32)
    return audio


def main() -> None:
    """Write the sample WAVs and their reference transcripts."""
    import soundfile as sf

    for name, text in CLIPS.items():
        spoken = as_written(text.split(". "))
        sf.write(SAMPLES / f"{name}.wav", synthesise(spoken), 16000, subtype="PCM_16")
        (SAMPLES / f"{name}.txt").write_text(text + "\n", encoding="utf-8")
        print(name, text)


if __name__ == "__main__":
    main()
