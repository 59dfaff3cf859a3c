"""Sweep a document archive through the queue: idempotent by content hash, resumable.

Each input becomes one job whose dedupe key is (task version, file sha256, params).
Re-running the same batch after an interruption reuses every job that already
succeeded or is still in flight, and only submits what is missing or failed for a
reason worth retrying, so no input is processed twice.
"""

from __future__ import annotations

import fnmatch
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.errors import UserError
from core.runner import dedupe_key, resolve_task, submit_job, validate_params
from core.storage import FINAL_STATUSES, Job
from core.store import Store, sha256_path
from core.tasks import TaskSpec


@dataclass
class BatchOutcome:
    """What a batch did: the job per input and the counts the summary prints."""

    task: str
    jobs: dict[str, Job] = field(default_factory=dict)  # input path -> final job
    reused: int = 0
    submitted: int = 0

    def counts(self) -> dict[str, int]:
        """Jobs per final status."""
        out: dict[str, int] = {}
        for job in self.jobs.values():
            out[job.status] = out.get(job.status, 0) + 1
        return out

    def failures(self) -> list[tuple[str, str]]:
        """(input, reason) for every input that did not succeed."""
        return [(path, job.error or job.status) for path, job in self.jobs.items()
                if job.status != "succeeded"]


def find_inputs(spec: TaskSpec, directory: Path, pattern: str | None) -> list[Path]:
    """Files under ``directory`` matching ``pattern`` (default: the task's extensions)."""
    if not directory.is_dir():
        raise UserError(f"{directory}: not a folder")
    files = sorted(p for p in directory.rglob("*") if p.is_file())
    if pattern:
        files = [p for p in files if fnmatch.fnmatch(p.name, pattern)
                 or fnmatch.fnmatch(str(p.relative_to(directory)), pattern)]
    elif spec.inputs.extensions:
        files = [p for p in files if p.suffix.lower() in spec.inputs.extensions]
    return files


def _reusable(job: Job | None) -> bool:
    # A job that failed for a transient or internal reason is worth another try;
    # user errors (bad file) would fail the same way again.
    if job is None:
        return False
    if job.status in ("succeeded", "queued", "running"):
        return True
    return job.status == "failed" and job.error_kind == "user"


def run_batch(task: str, directory: Path, *, pattern: str | None = None,
              params: Mapping[str, Any] | None = None, actor: str = "batch",
              on_progress: Callable[[int, int, Job | None], None] | None = None,
              poll_s: float = 0.5, store: Store | None = None,
              timeout_s: float | None = None) -> BatchOutcome:
    """Submit every input not already processed, wait for all of them, return the outcome."""
    from workers.dispatch import enqueue_job

    store = store or Store()
    spec = resolve_task(task)
    clean = validate_params(spec, params).model_dump(mode="json", exclude_unset=True)
    files = find_inputs(spec, directory, pattern)
    outcome = BatchOutcome(task=spec.name)
    pending: dict[str, str] = {}
    for path in files:
        key = dedupe_key(spec.name, spec.version, [sha256_path(path)], clean)
        existing = store.find_job_by_dedupe(key)
        if _reusable(existing):
            outcome.reused += 1
            pending[str(path)] = existing.id
            if existing.status == "queued" and not store.live_workers():
                enqueue_job(existing.id)  # its message may have died with the old broker
            continue
        try:
            job = submit_job(spec.name, [path], clean, actor=actor, store=store)
        except UserError as exc:
            pending[str(path)] = getattr(exc, "job_id", "")
            continue
        enqueue_job(job.id, store)
        outcome.submitted += 1
        pending[str(path)] = job.id
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    done: set[str] = set()
    while True:
        for path, job_id in pending.items():
            if path in done or not job_id:
                continue
            job = store.get_job(job_id)
            if job is not None and job.status in FINAL_STATUSES:
                outcome.jobs[path] = job
                done.add(path)
                if on_progress:
                    on_progress(len(done), len(pending), job)
        if len(done) >= sum(1 for j in pending.values() if j):
            break
        if deadline is not None and time.monotonic() > deadline:
            break
        time.sleep(poll_s)
    return outcome


def export_rows(outcome: BatchOutcome, store: Store) -> list[dict[str, Any]]:
    """One row per input: input, status, error, then the result's top-level fields."""
    spec = resolve_task(outcome.task)
    payloads = store.results_for([j.id for j in outcome.jobs.values()])
    rows = []
    for path, job in outcome.jobs.items():
        row: dict[str, Any] = {"input": path, "status": job.status, "error": job.error or ""}
        payload = payloads.get(job.id)
        if payload is not None:
            if spec.export_row is not None:
                fields = spec.export_row(spec.result_model.model_validate(payload))
            else:
                fields = payload
            for key, value in fields.items():
                row[key] = (json.dumps(value, ensure_ascii=False)
                            if isinstance(value, dict | list) else value)
        rows.append(row)
    return rows


def write_export(rows: list[dict[str, Any]], target: Path) -> None:
    """Write rows as .csv, .jsonl or .parquet (chosen by the file extension)."""
    import pandas as pd

    suffix = target.suffix.lower()
    target.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".jsonl":
        with target.open("w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
        return
    frame = pd.DataFrame(rows)
    if suffix == ".csv":
        frame.to_csv(target, index=False)
    elif suffix == ".parquet":
        frame.astype({c: "string" for c in frame.columns if frame[c].dtype == object}) \
            .to_parquet(target, index=False)
    else:
        raise UserError(f"{target}: export must end in .csv, .jsonl or .parquet")
