"""The status table behind ``enclave models`` and the UI home page: one row per role."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.inference.core import InferenceCore

COLUMNS = ("role", "backend", "source", "loaded", "precision", "device", "resident_mb",
           "requests", "p50_ms", "p95_ms", "mean_batch_size")


def status_rows(core: InferenceCore) -> list[dict[str, Any]]:
    """Rows with the COLUMNS keys plus kind, pinned, keep_alive_s, compile, shared_with, load_s,
    note."""
    roles = core.roles.all()
    with core._lock:
        role_keys = dict(core._role_keys)
        plugin_models = dict(core._plugin_models)
        stats = {name: s.snapshot() for name, s in core._role_stats.items()}
        batchers = dict(core._batchers)
        pinned_roles = set(core._pinned_roles)
    names = list(roles) + [n for n in list(plugin_models) + list(role_keys) if n not in roles]
    rows = []
    for name in dict.fromkeys(names):
        spec = core.role(name)
        key = role_keys.get(name)
        entry = core.registry.get(key) if key is not None else None
        outcome = getattr(entry.obj, "outcome", None) if entry is not None else None
        snap = stats.get(name, {})
        batcher = batchers.get(key)
        shared = sorted(r for r, k in role_keys.items() if k == key and r != name) if key else []
        if name in plugin_models:
            backend, source = "plugin", "get_model()"
        else:
            backend, source = spec.backend, spec.source or "-"
        rows.append({
            "role": name,
            "kind": spec.kind if name not in plugin_models else "plugin",
            "backend": backend,
            "source": source,
            "loaded": entry is not None,
            "precision": outcome.precision if outcome else spec.precision,
            "device": outcome.device if outcome else (spec.device if entry is None else "cpu"),
            "resident_mb": round(entry.size_mb, 1) if entry is not None else 0.0,
            "requests": snap.get("requests", 0),
            "p50_ms": snap.get("p50_ms"),
            "p95_ms": snap.get("p95_ms"),
            "mean_batch_size": batcher.stats.snapshot()["mean_batch_size"] if batcher else None,
            "queued": batcher.queued() if batcher else 0,
            "pinned": bool(entry.pinned) if entry else (spec.pinned or name in pinned_roles),
            "keep_alive_s": spec.keep_alive_s,
            # resolved in this process: ``compile = "auto"`` is on only in long-running ones
            "compile": spec.compile,
            "shared_with": shared,
            "load_s": round(entry.load_s, 3) if entry else None,
            "configured": spec.configured or name in plugin_models,
            "note": (outcome.note if outcome else "") or ("" if spec.configured
                                                          or name in plugin_models
                                                          else "not configured"),
        })
    return rows
