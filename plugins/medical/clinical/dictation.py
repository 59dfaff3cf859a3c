"""``medical.dictation``: a WAV/FLAC dictation -> transcript (core ``asr`` role) -> statements.

The radiology language model and the pronunciations of words missing from the en-us
dictionary (``asr/radiology.lm``, ``asr/radiology.dic``) are passed to the core with each
request; the core resamples to 16 kHz and keeps one decoder per hint set.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field

from core.errors import file_error
from plugins.medical.clinical.asr import LANGUAGE_MODEL_PATH, load_pronunciations
from plugins.medical.clinical.models import DictationResult
from plugins.medical.clinical.statements import extract_statements

AUDIO_EXTENSIONS = (".wav", ".flac")
SILENCE_RMS_DBFS = -55.0  # quieter than this over the whole clip: nothing to transcribe
MIN_DURATION_S = 0.3
DIGITAL_SILENCE_SHARE = 0.01
DITHER_RMS = 1e-3  # about -60 dBFS: inaudible, but gives silent frames a finite log energy


class DictationParams(BaseModel):
    """Parameters of ``medical.dictation``."""

    adapt: bool = Field(True, description="use the radiology language model and "
                        "pronunciations (off = the recogniser's general English model)")


def load_audio(path: Path) -> tuple[np.ndarray, int]:
    """Read a WAV/FLAC file as float32 mono; UserError for unreadable, empty or silent audio."""
    import soundfile as sf

    if path.suffix.lower() not in AUDIO_EXTENSIONS:
        raise file_error(path, f"wrong audio format {path.suffix or '(none)'}; "
                         "dictation must be a .wav or .flac file")
    try:
        audio, rate = sf.read(str(path), dtype="float32", always_2d=True)
    except (RuntimeError, sf.LibsndfileError, ValueError) as exc:
        raise file_error(path, f"cannot be read as {path.suffix.lower()[1:].upper()} audio "
                         f"({exc}); export the dictation as PCM WAV or FLAC") from None
    if audio.shape[0] == 0:
        raise file_error(path, "the audio file is empty (0 samples); record the dictation again")
    mono = audio.mean(axis=1)
    duration_s = mono.size / float(rate)
    if duration_s < MIN_DURATION_S:
        raise file_error(path, f"the audio is only {duration_s * 1000:.0f} ms long; "
                         "nothing to transcribe")
    rms = float(np.sqrt(np.mean(np.square(mono, dtype=np.float64))))
    level_dbfs = 20.0 * np.log10(max(rms, 1e-12))
    if level_dbfs < SILENCE_RMS_DBFS:
        raise file_error(path, f"the audio is silent (level {level_dbfs:.0f} dBFS over "
                         f"{duration_s:.1f} s); check the microphone and record again")
    return mono, int(rate)


def condition_audio(audio: np.ndarray) -> np.ndarray:
    """Dither clips with runs of exact digital silence (synthesised or gated audio).

    The recogniser's log-energy features are undefined on all-zero frames, which derails
    its cepstral normalisation; a -60 dBFS dither changes nothing audible. Seeded, so the
    same file always gives the same transcript.
    """
    if np.mean(audio == 0.0) < DIGITAL_SILENCE_SHARE:
        return audio
    rng = np.random.default_rng(0)
    return (audio + rng.normal(0.0, DITHER_RMS, audio.size)).astype(np.float32)


def radiology_hints() -> tuple[dict[str, str], Path]:
    """The pronunciations and language model the adapted recogniser uses."""
    return load_pronunciations(), LANGUAGE_MODEL_PATH


def transcribe_file(models, path: Path, adapt: bool = True):
    """Load, condition and transcribe one file through the inference core; returns Transcript."""
    audio, rate = load_audio(path)
    words, lm = radiology_hints() if adapt else (None, None)
    return models.transcribe(condition_audio(audio), rate, role="asr", words=words,
                             language_model=lm)


def run_dictation(ctx, inputs: list[Path], params: DictationParams) -> DictationResult:
    """Task body of ``medical.dictation``."""
    path = inputs[0]
    ctx.progress(0, 2, "transcribing")
    transcript = transcribe_file(ctx.models, path, params.adapt)
    if not transcript.text.strip():
        raise file_error(path, "no speech was recognised in the audio; check that it is a "
                         "dictation and not silence or noise")
    ctx.progress(1, 2, "structuring statements")
    return dictation_result(path, transcript, params.adapt)


def dictation_result(path: Path, transcript, adapted: bool) -> DictationResult:
    """Structure a core Transcript into the task's result."""
    timings = [(w.start_s, w.end_s) for w in transcript.words]
    text = transcript.text
    statements = extract_statements(text, timings)
    for s in statements:
        s.evidence.file = path.name
    return DictationResult(
        source_file=str(path), transcript=text, statements=statements,
        duration_s=float(transcript.duration_s), engine=transcript.engine, adapted=adapted,
        words=[(w.word, w.start_s, w.end_s, w.confidence) for w in transcript.words])
