"""Put jobs back in the queue when the worker running them died.

Celery requeues a job whose pool process dies, but when a whole worker is killed
the embedded broker keeps the delivered message hidden; the job store knows which
worker claimed each running job and which workers still send heartbeats, so any
worker can hand orphaned jobs back to the queue.
"""

from __future__ import annotations

import logging
import os
from datetime import timedelta

from sqlmodel import select

from core.storage import Job, WorkerHeartbeat, utcnow
from core.store import Store

log = logging.getLogger("enclave.reaper")
DEAD_AFTER_S = 15.0


def requeue_orphans(store: Store, dead_after_s: float | None = None) -> list[str]:
    """Requeue running jobs whose worker has not sent a heartbeat for ``dead_after_s``."""
    from workers.dispatch import enqueue_job

    if dead_after_s is None:
        dead_after_s = float(os.environ.get("ENCLAVE_WORKER_DEAD_AFTER_S", DEAD_AFTER_S))
    cutoff = utcnow() - timedelta(seconds=dead_after_s)
    with store.session() as s:
        alive = {hb.hostname for hb in s.exec(select(WorkerHeartbeat)
                                              .where(WorkerHeartbeat.last_seen >= cutoff))}
        running = list(s.exec(select(Job).where(Job.status == "running")))
    orphans = [job for job in running
               if job.worker and not job.worker.startswith("inline:")
               and job.worker.partition("#")[0] not in alive
               and job.started_at is not None and _aware(job.started_at) < cutoff]
    requeued = []
    for job in orphans:
        log.warning("job %s was running on %s, which stopped; requeueing", job.id, job.worker)
        store.requeue_job(job.id, actor="reaper")
        enqueue_job(job.id)
        requeued.append(job.id)
    return requeued


def _aware(value):
    from datetime import UTC
    return value if value.tzinfo else value.replace(tzinfo=UTC)
