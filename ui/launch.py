"""Serve the Streamlit app (``enclave ui``), optionally with an embedded worker (``enclave up``).

Streamlit runs as a child process, headless, with usage statistics and file watching off
and the house theme passed as flags, so the look does not depend on the working directory.
With ``with_worker`` a Celery worker for every queue (plus the periodic scheduler) runs
beside it from ``workers.pool``; if that worker dies it is restarted, and stopping the
UI (Ctrl-C or SIGTERM) stops both.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from ui.theme import THEME

APP = Path(__file__).resolve().parent / "app.py"
ROOT = APP.parents[1]
#: A worker that dies this many times within WORKER_RESTART_WINDOW_S is left down.
MAX_WORKER_RESTARTS = 5
WORKER_RESTART_WINDOW_S = 300.0


def streamlit_argv(port: int, host: str = "127.0.0.1") -> list[str]:
    """The ``streamlit run`` command line for the app on ``host:port``."""
    argv = [sys.executable, "-m", "streamlit", "run", str(APP),
            "--server.headless=true", f"--server.port={port}", f"--server.address={host}",
            "--browser.gatherUsageStats=false", f"--browser.serverAddress={host}",
            "--server.fileWatcherType=none", "--server.runOnSave=false",
            "--global.developmentMode=false",
            "--client.showErrorDetails=none", "--client.toolbarMode=minimal",
            "--server.maxUploadSize=1024"]
    argv += [f"--theme.{key}={value}" for key, value in THEME.items()]
    return argv


def _child_env() -> dict[str, str]:
    from core.config import get_settings, offline_environment

    offline_environment()
    env = dict(os.environ)
    env["ENCLAVE_HOME"] = str(get_settings().home)
    env["STREAMLIT_BROWSER_GATHER_USAGE_STATS"] = "false"
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    return env


def _first_run_hint() -> None:
    try:
        from core.auth import list_users
        if not list_users():
            print("enclave: no user accounts yet. Create the first administrator with\n"
                  "  enclave users add admin --role admin", file=sys.stderr)
    except Exception as exc:  # noqa: BLE001 - a hint must never stop the server
        print(f"enclave: could not read users ({exc})", file=sys.stderr)


def _start_worker():
    from workers.pool import start_worker_process
    return start_worker_process(None, concurrency=max(1, min(2, os.cpu_count() or 1)),
                                beat=True)


def serve(port: int, *, with_worker: bool, host: str = "127.0.0.1") -> int:
    """Run the UI (and an embedded worker when asked) until it stops; return its exit code."""
    from core.inference.roleconfig import mark_long_running

    mark_long_running()  # both children serve for hours: encoders compile (compile = "auto")
    env = _child_env()
    _first_run_hint()
    worker = None
    if with_worker:
        worker = _start_worker()
        print(f"enclave: worker started (pid {worker.pid}) for all queues; "
              f"logs in {Path(env['ENCLAVE_HOME']) / 'logs'}", file=sys.stderr)
    ui = subprocess.Popen(streamlit_argv(port, host), env=env, cwd=str(ROOT))
    print(f"enclave: UI on http://{host}:{port}", file=sys.stderr)

    def _stop(signum, _frame):  # make SIGTERM behave like Ctrl-C for both children
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, _stop)
    restarts: list[float] = []
    try:
        while True:
            rc = ui.poll()
            if rc is not None:
                return rc
            if worker is not None and worker.poll() is not None:
                now = time.monotonic()
                restarts = [t for t in restarts if now - t < WORKER_RESTART_WINDOW_S]
                if len(restarts) >= MAX_WORKER_RESTARTS:
                    print("enclave: the worker keeps dying; leaving it down (see logs)",
                          file=sys.stderr)
                    worker = None
                else:
                    print(f"enclave: worker exited ({worker.returncode}); restarting",
                          file=sys.stderr)
                    restarts.append(now)
                    worker = _start_worker()
            time.sleep(0.5)
    except KeyboardInterrupt:
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)
        _terminate(ui)
        if worker is not None:
            from workers.pool import stop_worker_process
            stop_worker_process(worker)


def _terminate(proc: subprocess.Popen, timeout_s: float = 10.0) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)
