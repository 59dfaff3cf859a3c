"""Start and stop local Celery worker processes (for `enclave worker`, `up`, `batch`, `demo`)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid

from core.config import ALL_QUEUES, get_settings
from core.inference.roleconfig import LONG_RUNNING_ENV
from core.store import Store


def worker_argv(queues: list[str] | None = None, concurrency: int = 2, beat: bool = False,
                hostname: str | None = None, loglevel: str = "INFO") -> list[str]:
    """The command line of a Celery worker serving ``queues`` (all domain queues by default)."""
    queues = queues or list(ALL_QUEUES)
    hostname = hostname or f"enclave-{uuid.uuid4().hex[:8]}@%h"
    argv = [sys.executable, "-m", "celery", "-A", "workers.celery_app:app", "worker",
            "-Q", ",".join(queues), "-c", str(concurrency), "-n", hostname,
            "--without-gossip", "--without-mingle", "-l", loglevel]
    if beat:
        argv += ["-B", "-s", str(get_settings().home / "celerybeat-schedule")]
    return argv


def start_worker_process(queues: list[str] | None = None, concurrency: int = 2,
                         beat: bool = False, log_path: str | None = None,
                         long_running: bool = True) -> subprocess.Popen:
    """Start a worker in the background; its output goes to ENCLAVE_HOME/logs/worker-*.log.

    ``long_running=False`` (the stand-in worker of one ``enclave run`` or ``batch``) keeps it
    from compiling encoders in the background, unless ``ENCLAVE_LONG_RUNNING`` says otherwise.
    """
    logs = get_settings().home / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    log_file = open(log_path or logs / f"worker-{uuid.uuid4().hex[:6]}.log", "ab")  # noqa: SIM115
    env = dict(os.environ)
    env.setdefault("ENCLAVE_HOME", str(get_settings().home))
    if not long_running:
        env.setdefault(LONG_RUNNING_ENV, "0")
    return subprocess.Popen(worker_argv(queues, concurrency, beat), stdout=log_file,
                            stderr=subprocess.STDOUT, env=env, start_new_session=True)


def wait_until_serving(queues: list[str], timeout_s: float = 120.0,
                       proc: subprocess.Popen | None = None) -> bool:
    """Block until a live worker heartbeats for every queue in ``queues``."""
    store = Store()
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        served = {q for hb in store.live_workers() for q in hb.queues.split(",")}
        if all(q in served for q in queues):
            return True
        if proc is not None and proc.poll() is not None:
            return False
        time.sleep(0.3)
    return False


def stop_worker_process(proc: subprocess.Popen, timeout_s: float = 20.0) -> None:
    """Warm shutdown (finish running jobs), then kill the whole process group if it hangs."""
    if proc.poll() is not None:
        return
    try:
        os.kill(proc.pid, signal.SIGTERM)  # the main process shuts its pool down warmly
        proc.wait(timeout=timeout_s)
    except (subprocess.TimeoutExpired, ProcessLookupError):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=5)


class LocalPool:
    """Context manager: make sure some worker serves ``queues``, starting one if none does."""

    def __init__(self, queues: list[str], concurrency: int | None = None) -> None:
        self.queues = queues
        self.concurrency = concurrency or max(1, min(2, os.cpu_count() or 1))
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> LocalPool:
        from workers.dispatch import workers_for

        if all(workers_for(q) for q in self.queues):
            return self
        self.proc = start_worker_process(None, self.concurrency, long_running=False)
        if not wait_until_serving(self.queues, proc=self.proc):
            stop_worker_process(self.proc)
            raise RuntimeError("a local worker did not start; see logs in ENCLAVE_HOME/logs")
        return self

    def __exit__(self, *exc) -> None:
        if self.proc is not None:
            stop_worker_process(self.proc)
