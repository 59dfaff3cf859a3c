"""The Celery app: one queue per domain, the embedded SQLite broker by default.

``ENCLAVE_BROKER_URL`` switches to Redis or RabbitMQ for production and scale-out.
Jobs are acknowledged late and rejected back to the queue when the worker process
running them dies, so a crashed job runs again; the job store's claim/finish rules
make sure it still completes exactly once. Celery's own result backend is off:
results live in the job store, which every machine shares.
"""

from __future__ import annotations

import logging
import os
import threading

from celery import Celery, signals

from core.config import DOMAIN_QUEUES, get_settings, offline_environment

log = logging.getLogger("enclave.worker")

EXECUTE_TASK = "enclave.execute"
PERIODIC_TASK = "enclave.periodic"


def retry_policy() -> tuple[int, float]:
    """(max retries, first backoff in s) for transient errors; ``[core]`` in enclave.toml."""
    section = get_settings().section("core")
    retries = int(os.environ.get("ENCLAVE_TRANSIENT_RETRIES")
                  or section.get("transient_retries", 5))
    backoff = float(os.environ.get("ENCLAVE_RETRY_BACKOFF_S")
                    or section.get("retry_backoff_s", 2.0))
    return retries, backoff


def make_app() -> Celery:
    """Build the Celery app from the current settings."""
    offline_environment()
    settings = get_settings()
    if settings.uses_embedded_broker:
        from workers import embedded_broker
        embedded_broker.install()
    app = Celery("enclave", broker=settings.broker_url)
    transport_options: dict = {}
    if settings.broker_url.startswith("redis"):
        # Redelivery of a job whose whole worker machine vanished; the job store's reaper
        # usually gets there first.
        transport_options = {"visibility_timeout": 3600}
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_ignore_result=True,
        worker_prefetch_multiplier=1,
        task_default_queue="default",
        task_create_missing_queues=True,
        broker_transport_options=transport_options,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        beat_schedule=_beat_schedule(),
        beat_schedule_filename=str(settings.home / "celerybeat-schedule"),
        task_routes={EXECUTE_TASK: {"queue": "default"}},
    )
    return app


def _beat_schedule() -> dict:
    try:
        from core.plugins import get_host
        jobs = get_host().periodic_jobs()
    except Exception as exc:  # a broken plugin must not stop the queue from starting
        log.warning("periodic jobs unavailable: %s", exc)
        return {}
    return {job.name: {"task": PERIODIC_TASK, "schedule": float(job.every_s),
                       "args": [job.name], "options": {"queue": job.queue}} for job in jobs}


app = make_app()


@app.task(name=EXECUTE_TASK, bind=True, acks_late=True, reject_on_worker_lost=True)
def execute(self, job_id: str) -> None:
    """Run one stored job; transient errors retry with exponential backoff."""
    from core.errors import TransientError
    from core.runner import execute_job
    from core.store import Store

    try:
        execute_job(job_id, worker=self.request.hostname or None, raise_transient=True)
        publish_model_status(self.request.hostname)
    except TransientError as exc:
        store = Store()
        max_retries, backoff_s = retry_policy()
        if self.request.retries >= max_retries:
            store.finish_job(job_id, "failed", error=f"temporary problem persisted after "
                             f"{max_retries} retries: {exc}", error_kind="transient")
            return
        job = store.get_job(job_id)
        if job is not None and job.status == "running":
            store.requeue_job(job_id, actor="worker")
        countdown = min(60.0, backoff_s * 2 ** self.request.retries)
        raise self.retry(exc=exc, countdown=countdown, max_retries=max_retries) from exc


MODELS_RECORD_KIND = "system.models"


def publish_model_status(hostname: str | None) -> None:
    """Share this pool process's inference-core status so the UI's Home page can show it.

    Models load in the worker's pool processes, not in the UI, so each process writes
    its own rows (key ``hostname#pid``) after every job it runs.
    """
    if not hostname:
        return
    try:
        from core.inference import get_core
        from core.store import Store

        rows = get_core().status()
        Store().put_record(MODELS_RECORD_KIND, f"{hostname}#{os.getpid()}", {"rows": rows},
                           actor="worker", group_key=hostname)
    except Exception as exc:  # status is informative; it must never fail a job
        log.warning("could not publish model status: %s", exc)


@app.task(name=PERIODIC_TASK)
def periodic(name: str) -> None:
    """Run a plugin's periodic job (e.g. 15-second re-planning) by name."""
    from core.plugins import get_host

    for job in get_host().periodic_jobs():
        if job.name == name:
            job.run()
            return
    log.warning("periodic job %s is no longer registered", name)


# ---- liveness: heartbeats and the reaper ---------------------------------------------
HEARTBEAT_S = 3.0
_stop = threading.Event()


def _worker_queues(sender) -> list[str]:
    try:
        return sorted(q.name for q in sender.app.amqp.queues.consume_from.values())
    except Exception:
        return list(DOMAIN_QUEUES)


@signals.worker_ready.connect
def _on_ready(sender=None, **_kw) -> None:
    from core.store import Store
    from workers.reaper import requeue_orphans

    hostname = sender.hostname
    queues = _worker_queues(sender)
    store = Store()
    store.heartbeat(hostname, queues, os.getpid())
    requeue_orphans(store)

    def beat() -> None:
        while not _stop.wait(HEARTBEAT_S):
            try:
                store.heartbeat(hostname, queues, os.getpid())
                requeue_orphans(store)
            except Exception as exc:  # keep beating through a database hiccup
                log.warning("heartbeat failed: %s", exc)

    threading.Thread(target=beat, name="enclave-heartbeat", daemon=True).start()


@signals.worker_shutdown.connect
def _on_shutdown(sender=None, **_kw) -> None:
    from core.store import Store

    _stop.set()
    try:
        Store().forget_worker(sender.hostname)
    except Exception as exc:
        log.warning("could not unregister worker: %s", exc)


@signals.worker_init.connect
def _on_worker_init(**_kw) -> None:
    # a worker started with plain `celery -A workers.celery_app worker` serves for hours too;
    # set before the pool forks, so every child compiles its encoders (compile = "auto")
    from core.inference.roleconfig import mark_long_running

    mark_long_running()


@signals.worker_process_init.connect
def _on_child_start(**_kw) -> None:
    # Forked children must not share the parent's pooled database connections, nor its
    # inference core (model weights, batcher threads and locks do not survive a fork).
    from core.inference import reset_core
    from core.storage import dispose_engines

    dispose_engines()
    reset_core()
