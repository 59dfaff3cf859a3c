"""``industrial.voice_note``: an operator's spoken note -> transcript -> defect tags."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from core.config import get_settings
from core.errors import UserError
from core.tasks import InputSpec, TaskContext, TaskSpec
from plugins.industrial.station import records
from plugins.industrial.voice.lm import write_arpa
from plugins.industrial.voice.tags import extract_tags
from plugins.industrial.voice.vocabulary import EXTRA_PRONUNCIATIONS, training_sentences

AUDIO_SUFFIXES = (".wav", ".flac", ".ogg")
MIN_DURATION_S = 0.4


class VoiceNoteParams(BaseModel):
    """Which part the note is about (joins it into the part's inspection record)."""

    model_config = ConfigDict(coerce_numbers_to_str=True)

    serial: str | None = None
    line: str | None = None
    station: str | None = None
    domain_language_model: bool = Field(True, description="bias recognition to the defect vocabulary")


class VoiceNoteResult(BaseModel):
    """Transcript and tags of one note."""

    transcript: str
    defect_types: list[str]
    locations: list[str]
    severity: str | None
    no_defect: bool
    serial: str | None
    duration_s: float
    words: list[dict[str, Any]]


def domain_language_model() -> Path:
    """The defect-vocabulary ARPA model under ENCLAVE_HOME/models (rebuilt when phrases change)."""
    sentences = training_sentences()
    digest = hashlib.sha256("\n".join(sentences).encode()).hexdigest()[:12]
    folder = get_settings().models_dir / "industrial" / "_voice"
    path = folder / f"defects-{digest}.arpa"
    if not path.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        write_arpa(sentences, tmp)
        tmp.replace(path)
    return path


def read_audio(path: Path) -> tuple[np.ndarray, int]:
    """Mono float32 samples and rate; UserError for unreadable, too short or silent audio."""
    import soundfile as sf
    try:
        data, rate = sf.read(str(path), dtype="float32", always_2d=True)
    except Exception as exc:  # soundfile raises LibsndfileError / RuntimeError
        raise UserError(f"{path}: not a readable audio file ({exc}); record WAV, FLAC or OGG") from exc
    mono = data.mean(axis=1)
    duration = mono.size / rate
    if duration < MIN_DURATION_S:
        raise UserError(f"{path}: recording is {duration:.2f} s; speak for at least "
                        f"{MIN_DURATION_S} s")
    if float(np.sqrt(np.mean(mono ** 2))) < 1e-4:
        raise UserError(f"{path}: recording is silent; check the microphone")
    return mono, int(rate)


def run_voice_note(ctx: TaskContext, inputs: list[Path], params: VoiceNoteParams) -> VoiceNoteResult:
    """Transcribe with the defect vocabulary, tag, and attach to the part when a serial is given."""
    audio, rate = read_audio(inputs[0])
    lm = domain_language_model() if params.domain_language_model else None
    ctx.progress(1, 3, "transcribing")
    transcript = ctx.models.transcribe(audio, rate, role="asr", words=EXTRA_PRONUNCIATIONS,
                                       language_model=lm)
    tags = extract_tags(transcript.text)
    result = VoiceNoteResult(
        transcript=transcript.text, defect_types=tags["defect_types"],
        locations=tags["locations"], severity=tags["severity"], no_defect=tags["no_defect"],
        serial=params.serial, duration_s=round(audio.size / rate, 2),
        words=[{"word": w.word, "start_s": w.start_s, "end_s": w.end_s,
                "confidence": w.confidence} for w in transcript.words])
    if params.serial:
        note = result.model_dump(mode="json", exclude={"words"})
        note.update(line=params.line, station=params.station, job_id=ctx.job_id,
                    audio=str(inputs[0]))
        records.attach_note(ctx.store, params.serial, note, actor=ctx.actor, job_id=ctx.job_id)
    ctx.progress(3, 3, "done")
    return result


VOICE_TASK = TaskSpec(
    name="industrial.voice_note", title="Operator voice note", run=run_voice_note,
    result_model=VoiceNoteResult, params_model=VoiceNoteParams,
    inputs=InputSpec(extensions=AUDIO_SUFFIXES, description="short spoken note"),
    roles=("asr",),
    description="Transcript through the asr role with a defect vocabulary and language model, "
                "tagged with defect type, location and severity; joined to the part's record.")
