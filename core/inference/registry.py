"""Loaded models and the memory budget: load once, count resident MB, evict LRU, idle unload.

Every model the core holds - a packaged embedder, a local checkpoint, a plugin's own
classifier passed to ``get_model`` - is an entry keyed by what it *is* (backend,
source, precision, device), not by the role that asked for it, so two roles or two
tasks mapped to the same checkpoint share one copy. Loading happens under a per-key
lock (many first requests, one load); before and after a load, least-recently-used
unpinned entries are evicted until the total fits ``ENCLAVE_MODEL_MEMORY_MB``. A
reaper thread unloads entries idle longer than their ``keep_alive_s``.
"""

from __future__ import annotations

import gc
import logging
import pickle
import sys
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger("enclave.inference")


@dataclass
class Entry:
    """One resident model and what the status table reports about it."""

    key: Hashable
    obj: Any
    size_mb: float
    load_s: float
    pinned: bool
    keep_alive_s: float
    roles: set[str] = field(default_factory=set)
    last_used: float = field(default_factory=time.monotonic)
    loaded_at: float = field(default_factory=time.time)


class ModelRegistry:
    """Thread-safe set of loaded models under one memory budget."""

    def __init__(self, budget_mb: float) -> None:
        self.budget_mb = float(budget_mb)
        self._entries: dict[Hashable, Entry] = {}
        self._load_locks: dict[Hashable, threading.Lock] = {}
        self._lock = threading.Condition()
        self.load_counts: dict[Hashable, int] = {}
        self.evictions: list[tuple[Hashable, str]] = []  # (key, reason) in order
        self._reaper: threading.Thread | None = None
        self._closed = False
        self.on_unload: list[Callable[[Hashable], None]] = []

    # -- lookups -------------------------------------------------------------------------
    def get(self, key: Hashable) -> Entry | None:
        """The entry if resident (does not count as a use)."""
        with self._lock:
            return self._entries.get(key)

    def entries(self) -> list[Entry]:
        """A snapshot of resident entries."""
        with self._lock:
            return list(self._entries.values())

    def resident_mb(self) -> float:
        """Total MB of resident models as measured at load."""
        with self._lock:
            return sum(e.size_mb for e in self._entries.values())

    # -- loading -------------------------------------------------------------------------
    def acquire(self, key: Hashable, loader: Callable[[], Any], *, role: str,
                estimate_mb: float = 0.0, size_mb: float | None = None, pinned: bool = False,
                keep_alive_s: float = -1.0) -> Any:
        """Return the model for ``key``, loading it exactly once however many threads ask."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                entry.last_used = time.monotonic()
                entry.roles.add(role)
                return entry.obj
            load_lock = self._load_locks.setdefault(key, threading.Lock())
        with load_lock:
            with self._lock:  # someone else may have finished loading while we waited
                entry = self._entries.get(key)
                if entry is not None:
                    entry.last_used = time.monotonic()
                    entry.roles.add(role)
                    return entry.obj
                self._make_room(estimate_mb, keep=None)
            started = time.perf_counter()
            obj = loader()
            load_s = time.perf_counter() - started
            measured = size_mb if size_mb is not None else estimate_size_mb(obj)
            with self._lock:
                self._entries[key] = Entry(key, obj, measured, load_s, pinned, keep_alive_s,
                                           roles={role})
                self.load_counts[key] = self.load_counts.get(key, 0) + 1
                self._make_room(0.0, keep=key)
                self._start_reaper()
                self._lock.notify_all()
            log.info("loaded %s for role %s in %.2f s (%.1f MB)", key, role, load_s, measured)
            return obj

    def _make_room(self, incoming_mb: float, keep: Hashable | None) -> None:
        """Evict LRU unpinned entries until resident + incoming fits the budget (lock held)."""
        while self._total_locked() + incoming_mb > self.budget_mb:
            victims = [e for e in self._entries.values() if not e.pinned and e.key != keep]
            if not victims:
                if self._entries:
                    log.warning("model memory %.0f MB is over ENCLAVE_MODEL_MEMORY_MB=%.0f but "
                                "every other model is pinned or in use",
                                self._total_locked() + incoming_mb, self.budget_mb)
                return
            victim = min(victims, key=lambda e: e.last_used)
            self._drop_locked(victim.key, "memory budget")

    def _total_locked(self) -> float:
        return sum(e.size_mb for e in self._entries.values())

    def _drop_locked(self, key: Hashable, reason: str) -> None:
        entry = self._entries.pop(key, None)
        if entry is None:
            return
        self.evictions.append((key, reason))
        log.info("unloaded %s (%s, %.1f MB)", key, reason, entry.size_mb)
        for callback in self.on_unload:
            callback(key)

    def unload(self, key: Hashable, reason: str = "requested") -> bool:
        """Drop one model now; True when it was resident."""
        with self._lock:
            present = key in self._entries
            self._drop_locked(key, reason)
        if present:
            _release_memory()
        return present

    def set_pinned(self, key: Hashable, pinned: bool) -> None:
        """Pin (never evict or idle-unload) or unpin a resident model."""
        with self._lock:
            if key in self._entries:
                self._entries[key].pinned = pinned

    def clear(self) -> None:
        """Unload everything and stop the reaper."""
        with self._lock:
            self._closed = True
            for key in list(self._entries):
                self._drop_locked(key, "core reset")
            self._lock.notify_all()
        _release_memory()

    # -- idle unloading ------------------------------------------------------------------
    def _start_reaper(self) -> None:
        if self._reaper is None or not self._reaper.is_alive():
            self._reaper = threading.Thread(target=self._reap_loop, name="model-keep-alive",
                                            daemon=True)
            self._reaper.start()

    def _reap_loop(self) -> None:
        with self._lock:
            while not self._closed:
                now = time.monotonic()
                next_due = 60.0
                for entry in list(self._entries.values()):
                    if entry.pinned or entry.keep_alive_s < 0:
                        continue
                    idle = now - entry.last_used
                    if idle >= entry.keep_alive_s:
                        self._drop_locked(entry.key, f"idle {idle:.1f} s > keep_alive")
                    else:
                        next_due = min(next_due, entry.keep_alive_s - idle)
                self._lock.wait(max(0.02, next_due))


def _release_memory() -> None:
    gc.collect()
    # Only when torch is already loaded: importing it here just to free nothing costs
    # seconds in every process that never used a torch model.
    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available():
        torch.cuda.empty_cache()


def tensor_bytes(obj: Any) -> int:
    """Bytes held by tensors in a torch module's state (quantized packed weights included)."""
    import torch
    total = 0
    seen: set[int] = set()

    def visit(value: Any) -> None:
        nonlocal total
        if isinstance(value, torch.Tensor):
            if id(value) not in seen:
                seen.add(id(value))
                total += value.numel() * value.element_size()
        elif isinstance(value, (tuple, list)):
            for v in value:
                visit(v)
        elif hasattr(value, "__getstate__") and type(value).__name__.endswith("PackedParamsBase"):
            visit(value.__getstate__())

    for value in obj.state_dict().values():
        visit(value)
    return total


def estimate_size_mb(obj: Any) -> float:
    """Resident MB of a loaded model: its own ``size_mb()``, torch tensors, arrays, or pickle size."""
    if hasattr(obj, "size_mb") and callable(obj.size_mb):
        return float(obj.size_mb())
    try:
        import torch
        if isinstance(obj, torch.nn.Module):
            return tensor_bytes(obj) / 2**20
    except ImportError:
        pass
    if hasattr(obj, "nbytes"):
        return float(obj.nbytes) / 2**20
    try:
        return len(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)) / 2**20
    except Exception:  # unpicklable (open handles, C objects): we cannot tell, count nothing
        return 0.0


def files_size_mb(path: Path, patterns: tuple[str, ...] = ("*.safetensors", "*.bin", "*.pt")) -> float:
    """Size on disk of a checkpoint's weight files: the pre-load estimate used to make room."""
    if not path.exists():
        return 0.0
    if path.is_file():
        return path.stat().st_size / 2**20
    return sum(f.stat().st_size for p in patterns for f in path.rglob(p)) / 2**20
