"""Store: the operations everyone performs on the job store (jobs, results, audit, records).

Callers never write SQL or open sessions themselves; every change that a person makes
also writes an audit event here, so the audit trail cannot be forgotten by a caller.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from core.storage import (
    FINAL_STATUSES,
    Artifact,
    AuditEvent,
    Job,
    Record,
    Result,
    WorkerHeartbeat,
    get_engine,
    utcnow,
)


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    """Hex sha256 of a file, read in chunks so huge inputs stay out of memory."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def sha256_path(path: Path) -> str:
    """sha256 of a file, or of a folder as the hash of its files' relative names and hashes."""
    if path.is_dir():
        digest = hashlib.sha256()
        for child in sorted(p for p in path.rglob("*") if p.is_file()):
            digest.update(str(child.relative_to(path)).encode())
            digest.update(sha256_file(child).encode())
        return digest.hexdigest()
    return sha256_file(path)


class Store:
    """Job store operations over one database engine."""

    def __init__(self, engine: Engine | None = None) -> None:
        self.engine = engine or get_engine()

    def session(self) -> Session:
        """A new session (use as a context manager); expire_on_commit off for detached reads."""
        return Session(self.engine, expire_on_commit=False)

    # ---- jobs -------------------------------------------------------------------------
    def create_job(self, job: Job) -> Job:
        """Insert a queued job and audit its submission."""
        with self.session() as s:
            s.add(job)
            s.add(AuditEvent(actor=job.actor, action="job.submit", object_type="job",
                             object_id=job.id, detail={"task": job.task}))
            s.commit()
        return job

    def get_job(self, job_id: str) -> Job | None:
        """The job with this id, or None."""
        with self.session() as s:
            return s.get(Job, job_id)

    def find_job_by_dedupe(self, dedupe_key: str) -> Job | None:
        """The newest job with this dedupe key (task + input hash + params), or None."""
        with self.session() as s:
            return s.exec(select(Job).where(Job.dedupe_key == dedupe_key)
                          .order_by(Job.created_at.desc())).first()

    def list_jobs(self, *, task: str | None = None, status: str | None = None,
                  batch_id: str | None = None, since: datetime | None = None,
                  until: datetime | None = None, limit: int = 50, offset: int = 0,
                  tasks_prefix: str | None = None) -> list[Job]:
        """Jobs newest first, filtered by task, status, batch and creation time."""
        with self.session() as s:
            q = select(Job)
            if task:
                q = q.where(Job.task == task)
            if tasks_prefix:
                q = q.where(Job.task.startswith(tasks_prefix))
            if status:
                q = q.where(Job.status == status)
            if batch_id:
                q = q.where(Job.batch_id == batch_id)
            if since:
                q = q.where(Job.created_at >= since)
            if until:
                q = q.where(Job.created_at < until)
            return list(s.exec(q.order_by(Job.created_at.desc()).offset(offset).limit(limit)))

    def count_jobs(self, **filters: Any) -> dict[str, int]:
        """Count of jobs per status (optionally for one task or queue)."""
        with self.session() as s:
            q = select(Job.status, func.count()).group_by(Job.status)
            if filters.get("task"):
                q = q.where(Job.task == filters["task"])
            if filters.get("queue"):
                q = q.where(Job.queue == filters["queue"])
            if filters.get("batch_id"):
                q = q.where(Job.batch_id == filters["batch_id"])
            return {status: n for status, n in s.exec(q)}

    def queue_depths(self) -> dict[str, int]:
        """Queued jobs per queue (what a home page shows as queue depth)."""
        with self.session() as s:
            rows = s.exec(select(Job.queue, func.count()).where(Job.status == "queued")
                          .group_by(Job.queue))
            return {q: n for q, n in rows}

    def claim_job(self, job_id: str, worker: str,
                  owner_alive: Callable[[str], bool] | None = None) -> Job | None:
        """Mark a job running for ``worker``; None when it must not run here.

        A final job is never run again (a redelivered message after it finished), and a
        running job is taken over only when ``owner_alive`` says its worker is gone, so a
        duplicate message never runs a job twice at the same time.
        """
        with self.session() as s:
            job = s.get(Job, job_id, with_for_update=True)
            if job is None or job.status in FINAL_STATUSES:
                return None
            if job.status == "running" and job.worker and owner_alive is not None \
                    and owner_alive(job.worker):
                return None
            job.status = "running"
            job.attempts += 1
            job.worker = worker
            job.started_at = utcnow()
            job.error = None
            job.error_kind = None
            s.add(job)
            s.commit()
            return job

    def finish_job(self, job_id: str, status: str, *, payload: dict[str, Any] | None = None,
                   error: str | None = None, error_kind: str | None = None) -> bool:
        """Record a job's end exactly once: its result row and final status in one transaction.

        Returns False (and changes nothing) when the job already reached a final status,
        which is how a redelivered message after a worker crash avoids a second result.
        """
        with self.session() as s:
            job = s.get(Job, job_id, with_for_update=True)
            if job is None or job.status in FINAL_STATUSES:
                return False
            job.status = status
            job.error = error
            job.error_kind = error_kind
            job.finished_at = utcnow()
            if status == "succeeded":
                job.progress_done = job.progress_total = max(job.progress_total, 1.0)
            s.add(job)
            if payload is not None and s.get(Result, job_id) is None:
                s.add(Result(job_id=job_id, task=job.task, payload=payload))
            s.add(AuditEvent(actor=job.actor, action=f"job.{status}", object_type="job",
                             object_id=job_id, detail={"task": job.task,
                                                       **({"error": error[:500]} if error else {})}))
            s.commit()
            return True

    def requeue_job(self, job_id: str, actor: str) -> Job:
        """Put a failed or cancelled job back to queued (for ``jobs retry``)."""
        with self.session() as s:
            job = s.get(Job, job_id)
            if job is None:
                raise KeyError(job_id)
            job.status = "queued"
            job.error = job.error_kind = None
            job.cancel_requested = False
            job.finished_at = None
            job.progress_done = job.progress_total = 0.0
            job.progress_message = ""
            s.add(job)
            s.add(AuditEvent(actor=actor, action="job.retry", object_type="job", object_id=job_id))
            s.commit()
            return job

    def request_cancel(self, job_id: str, actor: str) -> Job | None:
        """Ask a job to stop: queued jobs end at once, running ones at their next check."""
        with self.session() as s:
            job = s.get(Job, job_id)
            if job is None:
                return None
            if job.status in FINAL_STATUSES:
                return job
            job.cancel_requested = True
            if job.status == "queued":
                job.status = "cancelled"
                job.finished_at = utcnow()
            s.add(job)
            s.add(AuditEvent(actor=actor, action="job.cancel", object_type="job", object_id=job_id))
            s.commit()
            return job

    def cancel_requested(self, job_id: str) -> bool:
        """True when a cancel was requested for this job."""
        with self.session() as s:
            job = s.get(Job, job_id)
            return bool(job and job.cancel_requested)

    def set_progress(self, job_id: str, done: float, total: float, message: str = "") -> None:
        """Store a job's progress for progress bars."""
        with self.session() as s:
            job = s.get(Job, job_id)
            if job is not None:
                job.progress_done, job.progress_total = float(done), float(total)
                job.progress_message = message[:500]
                s.add(job)
                s.commit()

    # ---- results and artefacts ------------------------------------------------------
    def get_result(self, job_id: str) -> dict[str, Any] | None:
        """The stored result payload of a job, or None."""
        with self.session() as s:
            row = s.get(Result, job_id)
            return row.payload if row else None

    def results_for(self, job_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Payloads for many jobs at once (exports)."""
        with self.session() as s:
            rows = s.exec(select(Result).where(Result.job_id.in_(list(job_ids))))
            return {r.job_id: r.payload for r in rows}

    def update_result(self, job_id: str, payload: dict[str, Any], actor: str,
                      change: dict[str, Any]) -> None:
        """Replace a result payload after a person edited it; the change is audited."""
        with self.session() as s:
            row = s.get(Result, job_id)
            if row is None:
                raise KeyError(job_id)
            row.payload = payload
            s.add(row)
            s.add(AuditEvent(actor=actor, action="result.edit", object_type="job",
                             object_id=job_id, detail=change))
            s.commit()

    def declare_artifact(self, job_id: str, path: Path, kind: str = "file",
                         description: str = "") -> Artifact:
        """Record that a job will produce ``path``; hashes are filled by :meth:`seal_artifacts`."""
        art = Artifact(job_id=job_id, name=path.name, path=str(path), kind=kind,
                       description=description)
        with self.session() as s:
            s.add(art)
            s.commit()
        return art

    def seal_artifacts(self, job_id: str) -> list[Artifact]:
        """Hash every declared artefact that exists; drop declarations never written."""
        with self.session() as s:
            arts = list(s.exec(select(Artifact).where(Artifact.job_id == job_id)))
            kept = []
            for art in arts:
                path = Path(art.path)
                if path.is_file():
                    art.sha256 = sha256_file(path)
                    art.size_bytes = path.stat().st_size
                    s.add(art)
                    kept.append(art)
                else:
                    s.delete(art)
            s.commit()
            return kept

    def artifacts(self, job_id: str) -> list[Artifact]:
        """Artefacts a job produced."""
        with self.session() as s:
            return list(s.exec(select(Artifact).where(Artifact.job_id == job_id)
                               .order_by(Artifact.created_at)))

    # ---- audit ------------------------------------------------------------------------
    def audit(self, actor: str, action: str, object_type: str, object_id: str,
              **detail: Any) -> None:
        """Append one audit event."""
        with self.session() as s:
            s.add(AuditEvent(actor=actor, action=action, object_type=object_type,
                             object_id=str(object_id), detail=detail))
            s.commit()

    def audit_events(self, *, actor: str | None = None, action: str | None = None,
                     object_id: str | None = None, since: datetime | None = None,
                     limit: int = 500) -> list[AuditEvent]:
        """Audit events newest first, filtered."""
        with self.session() as s:
            q = select(AuditEvent)
            if actor:
                q = q.where(AuditEvent.actor == actor)
            if action:
                q = q.where(AuditEvent.action.startswith(action))
            if object_id:
                q = q.where(AuditEvent.object_id == object_id)
            if since:
                q = q.where(AuditEvent.time >= since)
            return list(s.exec(q.order_by(AuditEvent.time.desc(), AuditEvent.id.desc())
                               .limit(limit)))

    # ---- domain records -------------------------------------------------------------
    def put_record(self, kind: str, key: str, payload: dict[str, Any], *, actor: str,
                   group_key: str | None = None, status: str | None = None,
                   job_id: str | None = None) -> Record:
        """Create or replace the record ``(kind, key)``; audited as a change by ``actor``."""
        with self.session() as s:
            rec = s.exec(select(Record).where(Record.kind == kind, Record.key == key)).first()
            action = "record.update" if rec else "record.create"
            if rec is None:
                rec = Record(kind=kind, key=key)
            rec.payload = payload
            rec.group_key = group_key if group_key is not None else rec.group_key
            rec.status = status if status is not None else rec.status
            rec.job_id = job_id if job_id is not None else rec.job_id
            rec.updated_at = utcnow()
            s.add(rec)
            s.add(AuditEvent(actor=actor, action=action, object_type=kind, object_id=key,
                             detail={"status": rec.status} if rec.status else {}))
            s.commit()
            return rec

    def get_record(self, kind: str, key: str) -> Record | None:
        """The record ``(kind, key)`` or None."""
        with self.session() as s:
            return s.exec(select(Record).where(Record.kind == kind, Record.key == key)).first()

    def list_records(self, kind: str, *, group_key: str | None = None,
                     status: str | None = None, limit: int = 1000) -> list[Record]:
        """Records of one kind, newest first."""
        with self.session() as s:
            q = select(Record).where(Record.kind == kind)
            if group_key is not None:
                q = q.where(Record.group_key == group_key)
            if status is not None:
                q = q.where(Record.status == status)
            return list(s.exec(q.order_by(Record.created_at.desc()).limit(limit)))

    # ---- workers ----------------------------------------------------------------------
    def heartbeat(self, hostname: str, queues: Iterable[str], pid: int) -> None:
        """Record that a worker is alive and which queues it serves."""
        with self.session() as s:
            hb = s.get(WorkerHeartbeat, hostname) or WorkerHeartbeat(hostname=hostname)
            hb.queues, hb.pid, hb.last_seen = ",".join(queues), pid, utcnow()
            s.add(hb)
            s.commit()

    def forget_worker(self, hostname: str) -> None:
        """Remove a worker that shut down cleanly."""
        with self.session() as s:
            hb = s.get(WorkerHeartbeat, hostname)
            if hb is not None:
                s.delete(hb)
                s.commit()

    def live_workers(self, max_age_s: float = 15.0) -> list[WorkerHeartbeat]:
        """Workers seen in the last ``max_age_s`` seconds."""
        cutoff = utcnow() - timedelta(seconds=max_age_s)
        with self.session() as s:
            return list(s.exec(select(WorkerHeartbeat).where(WorkerHeartbeat.last_seen >= cutoff)))
