"""The micro-batcher on its own (controlled engine function) and through the core."""

from __future__ import annotations

import threading
import time
from concurrent.futures import CancelledError

import numpy as np
import pytest

from core.errors import TransientError
from core.inference import QueueFull
from core.inference.batcher import Handle, MicroBatcher
from tests.inference.conftest import local_core


class GatedEngine:
    """Records every batch it is given and blocks until the test opens the gate."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.started = threading.Event()
        self.batches: list[list[str]] = []

    def __call__(self, units: list[str], group) -> list[str]:
        self.started.set()
        self.gate.wait(10)
        self.batches.append(list(units))
        return [u.upper() for u in units]


def _blocked(engine: GatedEngine, **kwargs) -> MicroBatcher:
    batcher = MicroBatcher("test", engine, **{"max_batch_size": 8, "max_wait_ms": 1,
                                              "max_queue": 16, **kwargs})
    batcher.submit(["first"])
    assert engine.started.wait(5)  # the worker is now busy with "first"
    return batcher


def test_interactive_requests_go_before_batch_ones() -> None:
    engine = GatedEngine()
    batcher = _blocked(engine, max_batch_size=2)
    futs = [batcher.submit([f"archive{i}"], priority="batch") for i in range(2)]
    futs += [batcher.submit([f"ui{i}"], priority="interactive") for i in range(2)]
    engine.gate.set()
    assert [f.result(5) for f in futs] == [["ARCHIVE0"], ["ARCHIVE1"], ["UI0"], ["UI1"]]
    assert engine.batches[1] == ["ui0", "ui1"] and engine.batches[2] == ["archive0", "archive1"]
    batcher.close()


def test_units_are_ordered_by_length_and_routed_back() -> None:
    engine = GatedEngine()
    batcher = _blocked(engine)
    texts = ["ccccccc", "a", "bbbb", "dd"]
    futs = [batcher.submit([t]) for t in texts]
    engine.gate.set()
    assert [f.result(5)[0] for f in futs] == [t.upper() for t in texts]
    assert engine.batches[1] == sorted(texts, key=len)  # one pass, shortest first
    batcher.close()


def test_token_budget_splits_a_batch_into_similar_length_chunks() -> None:
    engine = GatedEngine()
    batcher = _blocked(engine, max_batch_tokens=12)
    futs = [batcher.submit([t]) for t in ["x" * 6, "y", "z" * 6, "w"]]
    engine.gate.set()
    assert [f.result(5)[0] for f in futs] == ["X" * 6, "Y", "Z" * 6, "W"]
    # padded to the longest: [y, w, x*6] would cost 6 x 3 = 18 > 12 units, so it splits there
    assert engine.batches[1:] == [["y", "w"], ["x" * 6, "z" * 6]]
    batcher.close()


def test_cancel_a_queued_request() -> None:
    engine = GatedEngine()
    batcher = _blocked(engine)
    keep, drop = batcher.submit(["keep"]), batcher.submit(["drop"])
    handle = Handle([drop], lambda parts: parts[0])
    assert handle.cancel() and handle.cancelled()
    assert batcher.queued() == 1
    engine.gate.set()
    assert keep.result(5) == ["KEEP"]
    with pytest.raises(CancelledError):
        handle.result(1)
    assert all("drop" not in b for b in engine.batches)
    batcher.close()


def test_full_queue_raises_a_retryable_error() -> None:
    engine = GatedEngine()
    batcher = _blocked(engine, max_queue=2)
    batcher.submit(["a"])
    batcher.submit(["b"])
    with pytest.raises(QueueFull, match="retry") as info:
        batcher.submit(["c"])
    assert isinstance(info.value, TransientError)
    engine.gate.set()
    batcher.close()


def test_engine_error_reaches_every_caller_in_the_batch() -> None:
    def broken(units, group):
        raise ValueError("engine exploded")

    batcher = MicroBatcher("broken", broken, max_batch_size=4, max_wait_ms=20, max_queue=8)
    futs = [batcher.submit([str(i)]) for i in range(3)]
    for f in futs:
        with pytest.raises(ValueError, match="exploded"):
            f.result(5)
    assert batcher.stats.snapshot()["errors"] == 3
    batcher.close()


def test_core_queue_full_and_cancel_on_a_real_model(tiny_models) -> None:
    # max_wait_ms of 3 s with room for 100 texts: requests sit in the queue long enough
    core = local_core(tiny_models, max_wait_ms=3000, max_batch_size=100, max_queue=2)
    try:
        core.load("enc")
        first = core.submit_embed(["kept request"], role="enc")
        second = core.submit_embed(["cancelled request"], role="enc")
        with pytest.raises(QueueFull):
            core.submit_embed(["one too many"], role="enc")
        assert second.cancel()
        third = core.submit_embed(["fits after the cancel"], role="enc")
        assert first.result(10).shape == (1, 32) and third.result(10).shape == (1, 32)
        with pytest.raises(CancelledError):
            second.result(1)
    finally:
        core.shutdown()


def test_fifty_threads_first_request_loads_once(tiny_models) -> None:
    core = local_core(tiny_models, max_wait_ms=20)
    texts = [f"request number {i} " + "word " * (i % 7) for i in range(50)]
    out: dict[int, np.ndarray] = {}
    barrier = threading.Barrier(50)

    def call(i: int) -> None:
        barrier.wait()
        out[i] = core.embed([texts[i]], role="enc")

    try:
        threads = [threading.Thread(target=call, args=(i,)) for i in range(50)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert len(out) == 50
        assert list(core.registry.load_counts.values()) == [1]  # one load for 50 first calls
        single = core.embed(texts, role="enc")  # the same texts in one call, as reference
        assert np.allclose(np.vstack([out[i] for i in range(50)]), single, atol=1e-5)
        row = next(r for r in core.status() if r["role"] == "enc")
        assert row["requests"] >= 50 and row["mean_batch_size"] > 1
    finally:
        core.shutdown()


def test_big_request_is_split_and_reassembled(tiny_models) -> None:
    core = local_core(tiny_models, max_batch_size=4)
    try:
        texts = [f"text {i}" for i in range(10)]
        together = core.embed(texts, role="enc")
        assert together.shape == (10, 32)
        assert np.allclose(together[7], core.embed([texts[7]], role="enc")[0], atol=1e-5)
        assert core.embed([], role="enc").shape == (0, 32)
    finally:
        core.shutdown()


def test_latency_stats_fill_in(tiny_models) -> None:
    core = local_core(tiny_models)
    try:
        started = time.monotonic()
        for _ in range(5):
            core.embed(["x"], role="enc")
        elapsed_ms = (time.monotonic() - started) * 1000
        row = next(r for r in core.status() if r["role"] == "enc")
        assert row["requests"] == 5 and 0 < row["p50_ms"] <= row["p95_ms"] <= elapsed_ms
    finally:
        core.shutdown()
