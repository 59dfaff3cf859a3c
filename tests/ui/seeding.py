"""Seed a job store with realistic job histories (tests and bench/ui.py).

Jobs are written in one transaction with their results and audit events, the way the
runner leaves them, so pages see the same rows they would after real work.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from core.storage import AuditEvent, Job, Result, User
from core.store import Store

STATUS_MIX = (("succeeded", 0.7), ("failed", 0.15), ("queued", 0.08), ("running", 0.04),
              ("cancelled", 0.03))


def seed_jobs(store: Store, tasks: Sequence[str], n: int, *, seed: int = 7,
              actor: str = "seed", days: float = 30.0,
              status_mix: Sequence[tuple[str, float]] = STATUS_MIX) -> list[Job]:
    """Create ``n`` jobs spread over ``days`` across ``tasks`` with results for successes.

    Pass a ``status_mix`` without "succeeded" to seed jobs for real plugin tasks whose
    result models these made-up payloads would not match.
    """
    rng = random.Random(seed)
    now = datetime.now(UTC)
    statuses, weights = zip(*status_mix, strict=True)
    jobs, results, events = [], [], []
    for i in range(n):
        task = tasks[i % len(tasks)]
        status = rng.choices(statuses, weights)[0]
        created = now - timedelta(seconds=rng.uniform(0, days * 86400))
        started = created + timedelta(seconds=rng.uniform(0.1, 5)) if status != "queued" else None
        finished = (started + timedelta(seconds=rng.uniform(0.5, 60))
                    if started and status != "running" else None)
        job = Job(task=task, queue=task.split(".")[0], actor=actor, status=status,
                  inputs=[{"path": f"/archive/{task.split('.')[1]}/doc-{i:05d}.pdf",
                           "sha256": f"{i:064x}", "kind": "file"}],
                  params={"language": "en"} if i % 3 == 0 else {},
                  attempts=0 if status == "queued" else 1,
                  worker=None if status == "queued" else "seed-host:1",
                  error=(f"/archive/doc-{i:05d}.pdf: not a PDF (re-export it)"
                         if status == "failed" else None),
                  error_kind="user" if status == "failed" else None,
                  progress_done=1.0 if status == "succeeded" else 0.0,
                  progress_total=1.0 if status == "succeeded" else 0.0,
                  created_at=created, started_at=started, finished_at=finished)
        jobs.append(job)
        events.append(AuditEvent(actor=actor, action="job.submit", object_type="job",
                                 object_id=job.id, time=created, detail={"task": task}))
        if status == "succeeded":
            results.append(Result(job_id=job.id, task=task, created_at=finished,
                                  payload={"document": f"doc-{i:05d}.pdf",
                                           "score": round(rng.random(), 3),
                                           "findings": [{"kind": "clause", "page": 1}]}))
    with store.session() as s:
        s.add_all(jobs)
        s.flush()
        s.add_all(results)
        s.add_all(events)
        s.commit()
    return jobs


def add_user(store: Store, username: str, roles: str, password_hash: str,
             active: bool = True) -> None:
    """Insert a user row directly (tests precompute one cheap bcrypt hash for all users)."""
    with store.session() as s:
        s.add(User(username=username, password_hash=password_hash, roles=roles, active=active))
        s.commit()
