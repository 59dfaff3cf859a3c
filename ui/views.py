"""Data shaping for the built-in pages, kept free of Streamlit so it is unit-testable.

Queries go through ``core.store.Store``; these functions decide what a user may see
(jobs of the domains their roles allow) and turn rows into tables and downloads.
"""

from __future__ import annotations

import csv
import heapq
import io
import json
import os
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.auth import DOMAIN_ROLES
from core.storage import AuditEvent, Job
from core.store import Store


def visible_domains(roles: set[str]) -> list[str] | None:
    """Domains whose jobs a user may see; None means every job (admins)."""
    if "admin" in roles:
        return None
    return [d for d, allowed in DOMAIN_ROLES.items() if roles & set(allowed)]


def may_see_task(task: str, roles: set[str]) -> bool:
    """True when a user holding ``roles`` may see jobs and results of ``task``."""
    domains = visible_domains(roles)
    return domains is None or task.split(".", 1)[0] in domains


def list_visible_jobs(store: Store, domains: list[str] | None, *, task: str | None = None,
                      status: str | None = None, since: datetime | None = None,
                      until: datetime | None = None, before: datetime | None = None,
                      limit: int = 50) -> list[Job]:
    """Jobs newest first created before ``before`` (keyset paging), restricted to ``domains``.

    Paging by the last row's creation time instead of an offset keeps every page as cheap
    as the first however deep the user pages; several domains are one indexed query each,
    merged by time, reading at most ``limit`` rows per domain.
    """
    if before is not None:
        until = before if until is None else min(until, before)
    common = dict(task=task, status=status, since=since, until=until, limit=limit)
    if domains is None:
        return store.list_jobs(**common)
    if task:
        return store.list_jobs(**common) if task.split(".", 1)[0] in domains else []
    per_domain = [store.list_jobs(**common, tasks_prefix=f"{d}.") for d in domains]
    merged = heapq.merge(*per_domain, key=lambda j: j.created_at, reverse=True)
    return list(merged)[:limit]


def jobs_table(jobs: Iterable[Job]) -> list[dict[str, Any]]:
    """Rows for the jobs table: what a person scans for, with durations in seconds."""
    rows = []
    for j in jobs:
        duration_s = ((j.finished_at - j.started_at).total_seconds()
                      if j.finished_at and j.started_at else None)
        rows.append({
            "id": j.id, "task": j.task, "status": j.status,
            "created": _fmt_time(j.created_at), "duration_s": duration_s,
            "actor": j.actor, "inputs": ", ".join(Path(i.get("path", "")).name
                                                  for i in j.inputs or []),
            "error": (j.error or "")[:120],
        })
    return rows


def audit_table(events: Iterable[AuditEvent]) -> list[dict[str, Any]]:
    """Rows for the audit page and its CSV export."""
    return [{"time": _fmt_time(e.time), "actor": e.actor, "action": e.action,
             "object_type": e.object_type, "object_id": e.object_id,
             "detail": json.dumps(e.detail or {}, sort_keys=True, default=str)}
            for e in events]


def rows_to_csv(rows: list[dict[str, Any]]) -> str:
    """CSV text with a header from the first row's keys; nested values as JSON."""
    if not rows:
        return ""
    buf = io.StringIO()
    keys: list[str] = list(dict.fromkeys(k for row in rows for k in row))
    writer = csv.DictWriter(buf, fieldnames=keys)
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(row.get(k)) for k in keys})
    return buf.getvalue()


def result_row(job: Job, payload: dict[str, Any]) -> dict[str, Any]:
    """One CSV row for a result, shaped like ``enclave batch --export``: input, status, fields."""
    row: dict[str, Any] = {"job_id": job.id, "task": job.task,
                           "input": ";".join(i.get("path", "") for i in job.inputs or []),
                           "status": job.status, "error": job.error or ""}
    row.update(payload)
    return row


def _cell(value: Any) -> Any:
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, sort_keys=True, default=str)
    return value


def _fmt_time(value: datetime | None) -> str:
    if value is None:
        return ""
    if value.tzinfo is None:  # SQLite returns naive datetimes; every stored time is UTC
        value = value.replace(tzinfo=UTC)
    return value.strftime("%Y-%m-%d %H:%M:%S UTC")


def age_s(value: datetime) -> float:
    """Seconds since ``value`` (naive times are UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return (datetime.now(UTC) - value).total_seconds()


def disk_usage(home: Path) -> list[dict[str, Any]]:
    """Bytes used by each top-level entry of ENCLAVE_HOME, largest first."""
    rows = []
    if not home.is_dir():
        return rows
    for entry in home.iterdir():
        rows.append({"path": entry.name + ("/" if entry.is_dir() else ""),
                     "bytes": _tree_bytes(entry)})
    return sorted(rows, key=lambda r: r["bytes"], reverse=True)


def _tree_bytes(path: Path) -> int:
    if path.is_symlink():
        return 0
    if path.is_file():
        return path.stat().st_size
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:  # a file removed while we walk
                continue
    return total


def human_bytes(n: float) -> str:
    """1536 -> '1.5 KiB'."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"


def tail(path: Path, max_lines: int = 200, max_bytes: int = 256_000) -> str:
    """The last lines of a log file, reading at most ``max_bytes`` from its end."""
    if not path.is_file():
        return ""
    size = path.stat().st_size
    with path.open("rb") as fh:
        fh.seek(max(0, size - max_bytes))
        text = fh.read().decode("utf-8", errors="replace")
    return "\n".join(text.splitlines()[-max_lines:])


#: Record kind under which worker pool processes publish their inference-core status (one
#: record per ``hostname#pid``, group_key = worker hostname, payload {"rows": core.status()});
#: the Home page prefers these rows.
WORKER_MODELS_KIND = "system.models"
MODEL_COLUMNS = ("worker", "role", "backend", "source", "loaded", "precision", "device",
                 "resident_mb", "requests", "p50_ms", "p95_ms", "mean_batch_size", "note")


def worker_models(store: Store, live_hosts: set[str]) -> list[dict[str, Any]]:
    """Model rows that live workers published (empty when workers publish none)."""
    rows: list[dict[str, Any]] = []
    for rec in store.list_records(WORKER_MODELS_KIND, limit=100):
        if rec.key.partition("#")[0] in live_hosts:
            rows += [{"worker": rec.key, **row} for row in rec.payload.get("rows", [])]
    return rows


def model_table(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The columns a person reads on Home: what is loaded, how big, how fast."""
    return [{k: row.get(k) for k in MODEL_COLUMNS if k in row} for row in rows]


def models_status() -> tuple[Any, str | None]:
    """(status, None) from the inference core, or (None, why) when it is not available.

    Only reads what is already loaded: ``status()`` must not load a model.
    """
    try:
        from core.inference import get_core
    except ImportError:
        return None, "the inference core is not installed in this build"
    try:
        return get_core().status(), None
    except Exception as exc:  # noqa: BLE001 - the home page must render regardless
        return None, f"model status unavailable ({type(exc).__name__}: {exc})"
