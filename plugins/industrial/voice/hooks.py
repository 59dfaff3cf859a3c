"""Hooks of the voice-note capability: the task and a sample recording."""

from __future__ import annotations

from pathlib import Path

from core.hookspecs import SampleInput
from plugins.industrial.voice.tasks import VOICE_TASK

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def register_tasks(register) -> None:
    """Register ``industrial.voice_note``."""
    register(VOICE_TASK)


def sample_inputs(register) -> None:
    """An espeak-ng recording of an operator note."""
    register(SampleInput(task="industrial.voice_note", inputs=(SAMPLES / "note_deep_scratch.wav",),
                         params={"serial": "DEMO-0001", "line": "demo"},
                         description="'deep scratch on the left edge' (espeak-ng voice)"))
