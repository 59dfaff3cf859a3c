"""Dynamic micro-batcher: one queue and one worker thread per loaded model.

Callers submit *requests* (a few units of work: texts, prompts, audio clips) and get a
:class:`Handle` back. The worker waits until ``max_batch_size`` units are queued or the
oldest request has waited ``max_wait_ms``, takes interactive requests before batch ones,
orders the units by length so each forward pass pads as little as possible, runs the
engine once per chunk and routes every unit's result back to its own caller. The queue
is bounded: past ``max_queue`` requests, ``submit`` raises :class:`QueueFull` at once
instead of growing without limit. A request still queued can be cancelled.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from core.inference.errors import QueueFull

log = logging.getLogger("enclave.inference")

PRIORITIES = {"interactive": 0, "batch": 1}

# process(units, group) -> one result per unit, in the same order
ProcessFn = Callable[[list[Any], Hashable], list[Any]]


class LatencyStats:
    """Requests served and a rolling window of latencies (ms) for p50/p95 figures."""

    def __init__(self, window: int = 2048) -> None:
        self.requests = 0
        self.errors = 0
        self._latencies_ms: deque[float] = deque(maxlen=window)
        self._batch_sizes: deque[int] = deque(maxlen=window)
        self._lock = threading.Lock()

    def record(self, latency_ms: float, ok: bool = True) -> None:
        """Count one finished request and its end-to-end latency."""
        with self._lock:
            self.requests += 1
            self.errors += 0 if ok else 1
            self._latencies_ms.append(latency_ms)

    def record_batch(self, size: int) -> None:
        """Remember how many units one forward pass carried."""
        with self._lock:
            self._batch_sizes.append(size)

    def snapshot(self) -> dict[str, float | int | None]:
        """requests, p50_ms, p95_ms, mean_batch_size (None before the first request)."""
        with self._lock:
            lat = np.array(self._latencies_ms, dtype=float)
            sizes = np.array(self._batch_sizes, dtype=float)
            return {
                "requests": self.requests,
                "errors": self.errors,
                "p50_ms": round(float(np.percentile(lat, 50)), 2) if lat.size else None,
                "p95_ms": round(float(np.percentile(lat, 95)), 2) if lat.size else None,
                "mean_batch_size": round(float(sizes.mean()), 2) if sizes.size else None,
            }


@dataclass(order=True)
class _Request:
    priority: int
    seq: int
    units: list[Any] = field(compare=False)
    group: Hashable = field(compare=False)
    future: Future = field(compare=False)
    enqueued: float = field(compare=False)
    stats: tuple[LatencyStats, ...] = field(compare=False, default=())


class Handle:
    """What a submit returns: ``result(timeout)`` and ``cancel()`` over one or more requests."""

    def __init__(self, futures: Sequence[Future], combine: Callable[[list[Any]], Any]) -> None:
        self._futures = list(futures)
        self._combine = combine

    def cancel(self) -> bool:
        """Cancel every part still queued; True when nothing of this handle will run."""
        cancelled = [f.cancel() for f in self._futures]
        return all(cancelled)

    def cancelled(self) -> bool:
        """True when the request was cancelled before it ran."""
        return any(f.cancelled() for f in self._futures)

    def done(self) -> bool:
        """True when the result (or an error) is available."""
        return all(f.done() for f in self._futures)

    def result(self, timeout: float | None = None) -> Any:
        """Wait for the result; raises the engine's error, CancelledError or TimeoutError."""
        deadline = None if timeout is None else time.monotonic() + timeout
        parts = []
        for fut in self._futures:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                parts.append(fut.result(left))
            except FutureTimeout:
                raise TimeoutError(f"inference request not finished after {timeout} s") from None
        return self._combine(parts)


class MicroBatcher:
    """Gathers requests for one model and runs them in length-ordered batches."""

    def __init__(self, name: str, process: ProcessFn, *, max_batch_size: int,
                 max_wait_ms: float, max_queue: int, unit_length: Callable[[Any], int] = len,
                 max_batch_tokens: int = 0, workers: int = 1) -> None:
        self.name = name
        self.process = process
        self.max_batch_size = max(1, int(max_batch_size))
        self.max_wait_s = max(0.0, float(max_wait_ms)) / 1000.0
        self.max_queue = max(1, int(max_queue))
        self.max_batch_tokens = int(max_batch_tokens)
        self.unit_length = unit_length
        self.stats = LatencyStats()
        self._heap: list[_Request] = []
        self._pending = 0  # queued and not cancelled
        self._cond = threading.Condition()
        self._seq = itertools.count()
        self._closed = False
        self.workers = max(1, int(workers))  # >1: several batches in flight (CPU, 1 thread each)
        self._threads: list[threading.Thread] = []

    # -- caller side -------------------------------------------------------------------
    def submit(self, units: list[Any], *, group: Hashable = None, priority: str = "interactive",
               stats: tuple[LatencyStats, ...] = ()) -> Future:
        """Queue one request (at most ``max_batch_size`` units); raises QueueFull when full."""
        if priority not in PRIORITIES:
            raise ValueError(f"priority must be one of {', '.join(PRIORITIES)}, not {priority!r}")
        fut: Future = Future()
        with self._cond:
            if self._closed:
                raise RuntimeError(f"model {self.name} was shut down")
            if self._pending >= self.max_queue:
                raise QueueFull(
                    f"model {self.name}: {self._pending} requests already queued (max_queue="
                    f"{self.max_queue}); the model is busy, retry in a few seconds or raise "
                    f"max_queue for this role")
            req = _Request(PRIORITIES[priority], next(self._seq), list(units), group, fut,
                           time.monotonic(), stats)
            heapq.heappush(self._heap, req)
            self._pending += 1
            fut.add_done_callback(self._on_done)
            self._ensure_worker()
            self._cond.notify()
        return fut

    def _on_done(self, fut: Future) -> None:
        if fut.cancelled():
            with self._cond:
                self._pending -= 1
                self._cond.notify()

    def queued(self) -> int:
        """Requests waiting (cancelled ones excluded)."""
        with self._cond:
            return self._pending

    def _ensure_worker(self) -> None:
        self._threads = [t for t in self._threads if t.is_alive()]
        while len(self._threads) < self.workers:
            thread = threading.Thread(target=self._loop, name=f"batcher:{self.name}",
                                      daemon=True)
            thread.start()
            self._threads.append(thread)

    def close(self) -> None:
        """Stop the worker; requests still queued are cancelled."""
        with self._cond:
            self._closed = True
            leftovers, self._heap = self._heap, []
            self._cond.notify_all()
        for req in leftovers:
            req.future.cancel()

    # -- worker side -------------------------------------------------------------------
    def _take(self) -> list[_Request] | None:
        """Block until a batch is ready; return its requests (interactive first)."""
        with self._cond:
            while True:
                self._drop_cancelled()
                if self._closed:
                    return None
                if not self._heap:
                    self._cond.wait()
                    continue
                queued_units = sum(len(r.units) for r in self._heap)
                oldest = min(r.enqueued for r in self._heap)
                wait_left = oldest + self.max_wait_s - time.monotonic()
                if queued_units >= self.max_batch_size or wait_left <= 0:
                    break
                self._cond.wait(wait_left)
            batch: list[_Request] = []
            units = 0
            group = self._heap[0].group
            skipped: list[_Request] = []
            while self._heap and units < self.max_batch_size:
                req = heapq.heappop(self._heap)
                if req.future.cancelled():
                    continue
                if req.group != group or (batch and units + len(req.units) > self.max_batch_size):
                    skipped.append(req)
                    if req.group != group:
                        continue
                    break
                if not req.future.set_running_or_notify_cancel():
                    continue
                self._pending -= 1
                batch.append(req)
                units += len(req.units)
            for req in skipped:
                heapq.heappush(self._heap, req)
            return batch

    def _drop_cancelled(self) -> None:
        if any(r.future.cancelled() for r in self._heap):
            self._heap = [r for r in self._heap if not r.future.cancelled()]
            heapq.heapify(self._heap)

    def _loop(self) -> None:
        while True:
            batch = self._take()
            if batch is None:
                return
            if batch:
                self._run(batch)

    def _run(self, batch: list[_Request]) -> None:
        flat = [(i, j, unit) for i, req in enumerate(batch) for j, unit in enumerate(req.units)]
        flat.sort(key=lambda t: self.unit_length(t[2]))  # similar lengths pad least
        results: list[list[Any]] = [[None] * len(req.units) for req in batch]
        failed: dict[int, BaseException] = {}
        for chunk in self._chunks(flat):
            try:
                outputs = self.process([u for _, _, u in chunk], batch[0].group)
                if len(outputs) != len(chunk):
                    raise RuntimeError(f"engine returned {len(outputs)} results for "
                                       f"{len(chunk)} inputs")
            except BaseException as exc:  # every caller in the chunk gets the engine's error
                for i, _, _ in chunk:
                    failed[i] = exc
                continue
            self.stats.record_batch(len(chunk))
            for (i, j, _), out in zip(chunk, outputs, strict=True):
                results[i][j] = out
        now = time.monotonic()
        for i, req in enumerate(batch):
            latency_ms = (now - req.enqueued) * 1000.0
            for s in (self.stats, *req.stats):
                s.record(latency_ms, ok=i not in failed)
            if i in failed:
                req.future.set_exception(failed[i])
            else:
                req.future.set_result(results[i])

    def _chunks(self, flat: list[tuple[int, int, Any]]):
        """Split length-ordered units so one pass stays under ``max_batch_tokens`` padded."""
        lengths = [self.unit_length(unit) for _, _, unit in flat]
        for chunk in token_chunks(lengths, self.max_batch_tokens):
            yield [flat[i] for i in chunk]


def token_chunks(lengths: Sequence[int], max_batch_tokens: int) -> list[list[int]]:
    """Indices ordered by length, cut so ``longest x count`` stays within the token budget.

    Padding a pass to its longest member is what costs on CPU, so similar lengths go
    together; a budget of 0 or less keeps everything in one chunk (e.g. a roomy GPU).
    """
    order = sorted(range(len(lengths)), key=lengths.__getitem__)
    if max_batch_tokens <= 0:
        return [order] if order else []
    chunks: list[list[int]] = []
    chunk: list[int] = []
    for i in order:  # ascending: the newcomer is the longest of its chunk
        if chunk and lengths[i] * (len(chunk) + 1) > max_batch_tokens:
            chunks.append(chunk)
            chunk = []
        chunk.append(i)
    if chunk:
        chunks.append(chunk)
    return chunks
