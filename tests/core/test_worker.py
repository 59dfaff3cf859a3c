"""Job lifecycle through a real Celery worker process: embedded broker, and Redis + PostgreSQL."""

from __future__ import annotations

import os
import signal
import time

import pytest

from core.config import reset_settings
from core.storage import FINAL_STATUSES, dispose_engines
from core.store import Store
from tests.core.services import (
    REDIS_URL,
    drop_postgres_schema,
    fresh_postgres_schema,
    reachable,
)

pytestmark = pytest.mark.timeout(180)


def wait_final(store: Store, job_id: str, timeout_s: float = 60.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        job = store.get_job(job_id)
        if job.status in FINAL_STATUSES:
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} still {store.get_job(job_id).status}")


def wait_running(store: Store, job_id: str, timeout_s: float = 30.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        job = store.get_job(job_id)
        if job.status == "running" and job.progress_done >= 2:
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} never started")


@pytest.fixture
def worker(enclave_home):
    """A real worker process on the configured broker, serving the default queue."""
    import importlib

    import workers.celery_app
    from workers.pool import start_worker_process, stop_worker_process, wait_until_serving

    importlib.reload(workers.celery_app)  # bind the app to this test's broker settings
    proc = start_worker_process(["default"], concurrency=2)
    assert wait_until_serving(["default"], timeout_s=90, proc=proc), "worker did not start"
    yield proc
    stop_worker_process(proc)


def published_status(store: Store, worker: str, timeout_s: float = 20.0):
    """The model-status record a pool process publishes just after its job's own end."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        record = next((r for r in store.list_records("system.models") if r.key == worker), None)
        if record is not None:
            return record
        time.sleep(0.1)
    return None


def lifecycle(store: Store, tmp_path) -> None:
    """Succeed, fail on user error, cancel, and survive a killed worker process."""
    from core.runner import submit_job
    from workers.dispatch import enqueue_job

    src = tmp_path / "doc.txt"
    src.write_text("queued through a real worker")
    ok = submit_job("system.echo", [src], {"label": "x"})
    enqueue_job(ok.id)
    job = wait_final(store, ok.id)
    assert job.status == "succeeded" and job.attempts == 1
    result = store.get_result(ok.id)
    assert result["size_bytes"] == len("queued through a real worker")
    assert result["worker_pid"] != os.getpid()  # really ran in another process
    published = published_status(store, job.worker)
    assert published is not None, "pool process shares its model status"
    assert isinstance(published.payload["rows"], list)

    bad = submit_job("system.check", [], {"fail_with": "user", "seconds": 0})
    enqueue_job(bad.id)
    job = wait_final(store, bad.id)
    assert job.status == "failed" and job.error_kind == "user"
    assert "failing on purpose with a user error" in job.error and job.attempts == 1

    slow = submit_job("system.check", [], {"seconds": 30, "steps": 300})
    enqueue_job(slow.id)
    wait_running(store, slow.id)
    store.request_cancel(slow.id, actor="test")
    assert wait_final(store, slow.id).status == "cancelled"

    crash = submit_job("system.check", [], {"seconds": 3, "steps": 30})
    enqueue_job(crash.id)
    running = wait_running(store, crash.id)
    pid = int(running.worker.rsplit("#", 1)[1])
    os.kill(pid, signal.SIGKILL)
    job = wait_final(store, crash.id, timeout_s=90)
    assert job.status == "succeeded"
    assert job.attempts == 2, "the killed attempt and the one that completed"
    assert int(job.worker.rsplit("#", 1)[1]) != pid
    finished = [e for e in store.audit_events(object_id=crash.id) if e.action == "job.succeeded"]
    assert len(finished) == 1, "completed exactly once"
    assert store.get_result(crash.id)["steps_done"] == 30


@pytest.fixture
def fast_retries(monkeypatch):
    monkeypatch.setenv("ENCLAVE_TRANSIENT_RETRIES", "2")
    monkeypatch.setenv("ENCLAVE_RETRY_BACKOFF_S", "0.2")


def test_transient_errors_retry_with_backoff_then_fail(fast_retries, worker, store):
    from core.runner import submit_job
    from workers.dispatch import enqueue_job

    job = submit_job("system.check", [], {"fail_with": "transient", "seconds": 0})
    enqueue_job(job.id)
    job = wait_final(store, job.id, timeout_s=90)
    assert job.status == "failed" and job.error_kind == "transient"
    assert "persisted after 2 retries" in job.error
    assert job.attempts == 3, "first try and two retries"


def test_lifecycle_on_embedded_sqlite_broker(worker, store, tmp_path, enclave_home):
    assert Store().engine.url.get_backend_name() == "sqlite"
    lifecycle(store, tmp_path)
    assert (enclave_home / "broker.db").is_file()


def test_job_of_a_vanished_worker_is_requeued_and_completes_once(enclave_home, store,
                                                                 monkeypatch):
    """Kill the whole worker (main process and pool) mid-job; a new worker finishes it."""
    import importlib

    import workers.celery_app
    from core.runner import submit_job
    from workers.dispatch import enqueue_job
    from workers.pool import start_worker_process, stop_worker_process, wait_until_serving

    monkeypatch.setenv("ENCLAVE_WORKER_DEAD_AFTER_S", "4")
    importlib.reload(workers.celery_app)
    first = start_worker_process(["default"], concurrency=1)
    assert wait_until_serving(["default"], timeout_s=90, proc=first)
    job = submit_job("system.check", [], {"seconds": 3, "steps": 30})
    enqueue_job(job.id)
    wait_running(store, job.id)
    os.killpg(first.pid, signal.SIGKILL)  # the machine's power cord, in effect
    first.wait(timeout=10)
    time.sleep(4.5)
    second = start_worker_process(["default"], concurrency=1)
    try:
        final = wait_final(store, job.id, timeout_s=120)
    finally:
        stop_worker_process(second)
    assert final.status == "succeeded" and final.attempts == 2
    assert [e.action for e in store.audit_events(object_id=job.id)].count("job.succeeded") == 1
    assert "job.retry" in [e.action for e in store.audit_events(object_id=job.id)]


@pytest.fixture
def redis_postgres(enclave_home, monkeypatch):
    if not reachable("127.0.0.1", 6379):
        pytest.skip("Redis is not reachable at 127.0.0.1:6379")
    if not reachable("127.0.0.1", 5432):
        pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432")
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    url, schema = fresh_postgres_schema()
    monkeypatch.setenv("ENCLAVE_BROKER_URL", REDIS_URL)
    monkeypatch.setenv("ENCLAVE_DATABASE_URL", url)
    reset_settings()
    dispose_engines()
    yield
    dispose_engines()
    drop_postgres_schema(schema)


def test_lifecycle_on_redis_with_postgres_results(redis_postgres, worker, tmp_path):
    store = Store()
    assert store.engine.url.get_backend_name() == "postgresql"
    lifecycle(store, tmp_path)


def test_a_plain_worker_compiles_encoders_in_its_pool_children(enclave_home, store, tmp_path,
                                                                monkeypatch):
    """``compile = "auto"`` reaches the forked pool child of a real worker, and only there.

    The worker_init signal marks the worker before the pool forks; the stand-in worker of a
    one-shot command is started with ``long_running=False`` and must not compile.
    """
    import importlib

    import workers.celery_app
    from core.runner import submit_job
    from workers.dispatch import enqueue_job
    from workers.pool import start_worker_process, stop_worker_process, wait_until_serving

    monkeypatch.delenv("ENCLAVE_LONG_RUNNING", raising=False)
    importlib.reload(workers.celery_app)
    src = tmp_path / "doc.txt"
    src.write_text("which process compiles")
    seen = {}
    for long_running in (True, False):
        proc = start_worker_process(["default"], concurrency=1, long_running=long_running)
        try:
            assert wait_until_serving(["default"], timeout_s=90, proc=proc)
            job = submit_job("system.echo", [src], {"label": str(long_running)})
            enqueue_job(job.id)
            done = wait_final(store, job.id)
            assert done.status == "succeeded"
            record = published_status(store, done.worker)
            assert record is not None, "the pool child published its model status"
            rows = {row["role"]: row for row in record.payload["rows"]}
            seen[long_running] = rows["embedder"]["compile"]
        finally:
            stop_worker_process(proc)
    assert seen == {True: True, False: False}
