"""Hand stored jobs to the queue: the only place that sends Celery messages for jobs."""

from __future__ import annotations

from core.store import Store


def enqueue_job(job_id: str, store: Store | None = None) -> None:
    """Send a queued job to its domain's queue (interactive jobs get a higher priority)."""
    from workers.celery_app import EXECUTE_TASK, app

    job = (store or Store()).get_job(job_id)
    if job is None:
        raise KeyError(f"no job {job_id}")
    app.send_task(EXECUTE_TASK, args=[job_id], queue=job.queue,
                  priority=9 if job.priority == "interactive" else 3)


def workers_for(queue: str, store: Store | None = None) -> list[str]:
    """Hostnames of live workers that consume ``queue``."""
    return [hb.hostname for hb in (store or Store()).live_workers()
            if queue in hb.queues.split(",")]
