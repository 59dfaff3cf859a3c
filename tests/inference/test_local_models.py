"""Local-directory checkpoints (tiny random BERT, GPT-2, Whisper), the endpoint, and messages."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from core.errors import UserError
from core.inference import (
    InferenceCore,
    InvalidGeneration,
    ModelMissing,
    NoModelConfigured,
    RoleSpec,
    Transcript,
)
from tests.inference.conftest import local_core

SCHEMA = {"type": "object", "required": ["clause", "notice_period_days"],
          "properties": {"clause": {"type": "string"},
                         "notice_period_days": {"type": "integer", "minimum": 0}},
          "additionalProperties": False}


def test_local_encoder_and_causal_lm(tiny_models) -> None:
    core = local_core(tiny_models)
    try:
        vectors = core.embed(["the supplier shall deliver", "truck twelve is delayed"], role="enc")
        assert vectors.shape == (2, 32) and vectors.dtype == np.float32
        assert not np.allclose(vectors[0], vectors[1])
        text = core.generate("the supplier shall", role="llm", max_tokens=6)
        assert isinstance(text, str) and text  # random weights: some continuation
        assert core.generate("the supplier shall", role="llm", max_tokens=6) == text  # greedy
    finally:
        core.shutdown()


def test_tiny_gpt2_schema_loop_gives_up_with_invalid_generation(tiny_models) -> None:
    core = local_core(tiny_models, json_retries=2)
    try:
        with pytest.raises(InvalidGeneration, match="after 3 attempts"):
            core.generate("Extract the notice clause.", json_schema=SCHEMA, role="llm")
        row = next(r for r in core.status() if r["role"] == "llm")
        assert row["requests"] == 3  # first answer + two repair turns
        with pytest.raises(ValueError, match="not a valid JSON Schema"):
            core.generate("x", json_schema={"type": "nonsense"}, role="llm")
    finally:
        core.shutdown()


class _StandIn(BaseHTTPRequestHandler):
    """An OpenAI-compatible server on loopback that answers from a script of replies."""

    replies: list[str] = []
    seen: list[dict] = []

    def log_message(self, *args) -> None:  # keep test output quiet
        pass

    def _send(self, payload: dict) -> None:
        body = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self._send({"data": [{"id": "stand-in-7b"}]})

    def do_POST(self) -> None:
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).seen.append(request)
        content = type(self).replies.pop(0)
        self._send({"choices": [{"message": {"role": "assistant", "content": content}}]})


@pytest.fixture
def endpoint():
    _StandIn.replies, _StandIn.seen = [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _StandIn)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()


def test_endpoint_generation_with_repair(endpoint) -> None:
    _StandIn.replies = [
        'Sure! ```json\n{"clause": "termination", "notice_period_days": "ninety",}\n```',
        '{"clause": "termination", "notice_period_days": 90}',
        "plain text answer",
    ]
    core = InferenceCore([RoleSpec(name="llm", kind="llm", backend="openai", source=endpoint)],
                         memory_mb=100, models_toml={})
    try:
        answer = core.generate("Either party may terminate on ninety days notice.",
                               json_schema=SCHEMA)
        assert answer == {"clause": "termination", "notice_period_days": 90}
        first, repair = _StandIn.seen[0], _StandIn.seen[1]
        assert first["model"] == "stand-in-7b" and first["temperature"] == 0
        assert first["response_format"]["json_schema"]["schema"] == SCHEMA
        assert "notice_period_days" in repair["messages"][-1]["content"]  # names the bad field
        assert repair["messages"][-2]["role"] == "assistant"
        assert core.generate("Say something.") == "plain text answer"
        row = next(r for r in core.status() if r["role"] == "llm")
        assert row["backend"] == "openai" and row["requests"] == 3 and row["loaded"]
    finally:
        core.shutdown()


def test_no_llm_configured_is_a_clear_error() -> None:
    core = InferenceCore([], memory_mb=100, models_toml={})
    with pytest.raises(NoModelConfigured, match=r"no model configured for role llm.*enclave\.toml"):
        core.generate("hello")
    assert isinstance(NoModelConfigured("x"), UserError)


def test_missing_local_model_names_role_place_and_degraded_tasks(tmp_path) -> None:
    role = RoleSpec(name="clause_classifier", kind="embedder", backend="local",
                    source=str(tmp_path / "legal-bert"), required_by=("finance.contract",),
                    degrades="Clause categories fall back to keyword rules.")
    core = InferenceCore([role], memory_mb=100, models_toml={})
    with pytest.raises(ModelMissing) as info:
        core.embed(["x"], role="clause_classifier")
    message = str(info.value)
    for needle in ("clause_classifier", str(tmp_path / "legal-bert"), "config.json",
                   "ENCLAVE_MODEL_CLAUSE_CLASSIFIER_SOURCE", "finance.contract",
                   "keyword rules"):
        assert needle in message
    assert isinstance(info.value, UserError)


def test_wrong_engine_for_the_api(tiny_models) -> None:
    core = local_core(tiny_models)
    with pytest.raises(UserError, match="holds a causal_lm model but embed needs encoder"):
        core.embed(["x"], role="llm")


def test_whisper_transcription_plumbing(tiny_models) -> None:
    core = local_core(tiny_models, max_batch_size=4, max_wait_ms=50)
    rng = np.random.default_rng(0)
    clips = [(rng.standard_normal(rate).astype(np.float32) * 0.1, rate)
             for rate in (8000, 22050, 44100)]
    try:
        results: list[Transcript | None] = [None] * 3

        def call(i: int) -> None:
            results[i] = core.transcribe(clips[i][0], clips[i][1], role="asr_whisper")

        threads = [threading.Thread(target=call, args=(i,)) for i in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        for transcript in results:
            assert isinstance(transcript, Transcript) and transcript.engine == "whisper"
            assert transcript.duration_s == pytest.approx(1.0, abs=0.01)  # 1 s at every rate
            assert [w.word for w in transcript.words] == transcript.text.split()
        hinted = core.transcribe(clips[0][0], 8000, role="asr_whisper",
                                 words={"dashwood": "D AE SH W UH D"})
        assert isinstance(hinted.text, str)
        with pytest.raises(UserError, match="empty"):
            core.transcribe(np.zeros(0, np.float32), 16000, role="asr_whisper")
    finally:
        core.shutdown()


def test_int8_drift_refusal_falls_back_to_fp32(tiny_models, caplog) -> None:
    core = local_core(tiny_models, precision="int8", max_drift=0.0)
    try:
        core.embed(["random weights drift"], role="enc")
        row = next(r for r in core.status() if r["role"] == "enc")
        assert row["precision"] == "fp32" and row["note"].startswith("int8 refused")
        assert "int8 refused" in caplog.text
    finally:
        core.shutdown()


def test_int8_generation_checks_token_agreement(tiny_models) -> None:
    core = local_core(tiny_models, precision="int8", max_drift=1.0)
    try:
        assert isinstance(core.generate("the supplier shall", role="llm"), str)
        row = next(r for r in core.status() if r["role"] == "llm")
        assert row["precision"] == "int8" and row["note"].startswith("int8 drift")
    finally:
        core.shutdown()


def test_compiled_encoder_swaps_in_after_matching_eager(tiny_models) -> None:
    """``compile = true``: eager serves while torch.compile runs, then the checked copy serves."""
    texts = ["the supplier shall deliver", "truck twelve is delayed", "no pleural effusion"]
    eager_core, core = local_core(tiny_models), local_core(tiny_models, compile=True)
    try:
        eager = eager_core.embed(texts, role="enc")
        first = core.embed(texts, role="enc")  # answered at once, compile or not
        assert np.allclose(first, eager, atol=1e-5)
        encoder = next(e.obj for e in core.registry.entries() if e.key[0] == "encoder")
        assert encoder.compiled.wait(timeout=400)
        row = next(r for r in core.status() if r["role"] == "enc")
        assert row["note"].endswith("compiled"), row["note"]
        assert type(encoder.model).__name__ == "OptimizedModule"
        for got, want in ((core.embed(texts, role="enc"), eager),
                          (core.embed(texts[:1], role="enc"), eager[:1])):
            cosine = np.sum(got * want, axis=1) / (np.linalg.norm(got, axis=1)
                                                  * np.linalg.norm(want, axis=1))
            assert cosine.min() > 0.9999  # fused kernels round differently, nothing more
    finally:
        eager_core.shutdown()
        core.shutdown()
