"""Memory budget, LRU eviction, pinning, keep-alive and single loading of plugin models."""

from __future__ import annotations

import threading
import time

import numpy as np

from core.inference import InferenceCore, RoleSpec
from core.inference.registry import ModelRegistry, estimate_size_mb
from tests.inference.conftest import local_core


def _core(memory_mb: float, **options) -> InferenceCore:
    roles = [RoleSpec(name=n, kind="plugin", backend="none", options=dict(options))
             for n in ("a", "b", "c")]
    return InferenceCore(roles, memory_mb=memory_mb, models_toml={})


def test_lru_eviction_under_a_tiny_budget() -> None:
    core = _core(100)
    a = core.get_model("a", lambda: np.zeros(10), size_mb=40)
    core.get_model("b", lambda: np.ones(10), size_mb=40)
    assert core.get_model("a", lambda: None, size_mb=40) is a  # touch a: b is now LRU
    core.get_model("c", lambda: np.ones(3), size_mb=40)
    resident = {e.key for e in core.registry.entries()}
    assert resident == {("plugin", "a"), ("plugin", "c")}
    assert core.registry.evictions == [(("plugin", "b"), "memory budget")]
    core.get_model("b", lambda: np.ones(10), size_mb=40)  # comes back: a second load
    assert core.registry.load_counts[("plugin", "b")] == 2
    rows = {r["role"]: r for r in core.status()}
    assert rows["b"]["loaded"] and not rows["a"]["loaded"] and rows["b"]["resident_mb"] == 40
    core.shutdown()


def test_pinned_model_is_never_evicted() -> None:
    core = _core(50)
    core.pin("a")
    core.get_model("a", lambda: "model a", size_mb=40)
    core.get_model("b", lambda: "model b", size_mb=40)
    core.get_model("c", lambda: "model c", size_mb=40)
    resident = {e.key for e in core.registry.entries()}
    assert resident == {("plugin", "a"), ("plugin", "c")}
    assert next(r for r in core.status() if r["role"] == "a")["pinned"]
    core.shutdown()


def test_keep_alive_unloads_idle_models() -> None:
    core = _core(1000, keep_alive_s=0.3)
    core.get_model("a", lambda: "model a", size_mb=1)
    deadline = time.monotonic() + 5
    while core.registry.get(("plugin", "a")) is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert core.registry.get(("plugin", "a")) is None
    assert "keep_alive" in core.registry.evictions[-1][1]
    core.shutdown()


def test_concurrent_first_requests_load_once() -> None:
    core = _core(1000)
    calls = []

    def slow_loader():
        calls.append(1)
        time.sleep(0.3)
        return object()

    got = []
    threads = [threading.Thread(target=lambda: got.append(core.get_model("a", slow_loader)))
               for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and len({id(g) for g in got}) == 1
    assert next(r for r in core.status() if r["role"] == "a")["requests"] == 20
    core.shutdown()


def test_real_models_evict_each_other_under_budget(tiny_models) -> None:
    # at fp32 tiny BERT ~3.8 MB + GPT-2 ~0.2 MB > 4 MB (int8 would let both fit)
    core = local_core(tiny_models, memory_mb=4, precision="fp32")
    try:
        first = core.embed(["budget"], role="enc")
        core.generate("the supplier", role="llm")
        again = core.embed(["budget"], role="enc")
        assert np.allclose(first, again, atol=1e-6)
        counts = {k[0]: v for k, v in core.registry.load_counts.items()}
        assert counts["encoder"] == 2  # evicted by the LM, loaded again on demand
        assert [k[0] for k, _ in core.registry.evictions] == ["encoder", "causal_lm"]
    finally:
        core.shutdown()


def test_size_estimates() -> None:
    import torch
    assert abs(estimate_size_mb(np.zeros(2**20, dtype=np.float32)) - 4.0) < 1e-6
    assert abs(estimate_size_mb(torch.nn.Linear(1024, 256, bias=False)) - 1.0) < 1e-6
    registry = ModelRegistry(10)
    registry.acquire("k", lambda: np.zeros(2**18, dtype=np.float32), role="r")
    assert abs(registry.resident_mb() - 1.0) < 1e-6
