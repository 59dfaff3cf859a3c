"""Queue overhead: no-op jobs inline vs through the embedded SQLite broker vs through Redis.

Prints, side by side: jobs per second with many jobs in flight, and per-job round-trip
overhead (submit -> stored result) for one job at a time, against calling the task
function directly and running it inline through run_task (which stores the job).
Usage: python bench/queue.py [--jobs 200] [--serial 20]
"""

from __future__ import annotations

import sys
from pathlib import Path

if __name__ == "queue":
    # This file shares its name with the standard library's ``queue``. A script run as
    # ``python bench/other.py`` has bench/ on its path, so a library importing ``queue``
    # lands here: hand it the real module instead.
    import importlib.util
    import sysconfig

    _spec = importlib.util.spec_from_file_location(
        "queue", Path(sysconfig.get_paths()["stdlib"]) / "queue.py")
    _real = importlib.util.module_from_spec(_spec)
    sys.modules["queue"] = _real
    _spec.loader.exec_module(_real)
    globals().update({k: v for k, v in vars(_real).items() if not k.startswith("__")})
else:
    # Run as a script: keep this folder off the path so nothing imports this file as ``queue``.
    sys.path[:] = [p for p in sys.path
                   if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def measure(mode: str, jobs: int, serial: int) -> dict:
    """Run inside a process whose environment selects the broker; returns figures."""
    from core.runner import run_task, submit_job
    from core.storage import FINAL_STATUSES
    from core.store import Store
    from core.system_tasks import EchoParams, echo

    store = Store()
    if mode == "inline":
        started = time.perf_counter()
        for _ in range(serial * 10):
            echo(None, [], EchoParams())
        direct_ms = (time.perf_counter() - started) / (serial * 10) * 1000
        lat = []
        for _ in range(serial):
            t = time.perf_counter()
            run_task("system.echo", [], {})
            lat.append((time.perf_counter() - t) * 1000)
        started = time.perf_counter()
        for _ in range(jobs):
            run_task("system.echo", [], {})
        wall = time.perf_counter() - started
        return {"direct_call_ms": direct_ms, "per_job_ms": statistics.median(lat),
                "jobs_per_s": jobs / wall}

    from workers.dispatch import enqueue_job
    from workers.pool import start_worker_process, stop_worker_process, wait_until_serving

    proc = start_worker_process(["default"], concurrency=2)
    try:
        assert wait_until_serving(["default"], proc=proc), "worker did not start"

        def wait(ids: list[str]) -> None:
            pending = set(ids)
            while pending:
                with store.session() as s:
                    from sqlmodel import select

                    from core.storage import Job
                    done = s.exec(select(Job.id).where(Job.id.in_(list(pending)))
                                  .where(Job.status.in_(FINAL_STATUSES))).all()
                pending -= set(done)
                if pending:
                    time.sleep(0.005)

        lat = []
        for _ in range(serial):
            t = time.perf_counter()
            job = submit_job("system.echo", [], {}, store=store)
            enqueue_job(job.id, store)
            wait([job.id])
            lat.append((time.perf_counter() - t) * 1000)
        started = time.perf_counter()
        ids = []
        for _ in range(jobs):
            job = submit_job("system.echo", [], {}, store=store)
            enqueue_job(job.id, store)
            ids.append(job.id)
        wait(ids)
        wall = time.perf_counter() - started
        failed = store.count_jobs(task="system.echo").get("failed", 0)
        return {"per_job_ms": statistics.median(lat), "p95_job_ms": sorted(lat)[int(0.95 * len(lat)) - 1],
                "jobs_per_s": jobs / wall, "failed": failed}
    finally:
        stop_worker_process(proc)


def run_mode(mode: str, jobs: int, serial: int, env_extra: dict) -> dict:
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "ENCLAVE_HOME": home, **env_extra}
        out = subprocess.run([sys.executable, __file__, "--measure", mode, "--jobs", str(jobs),
                              "--serial", str(serial)], env=env, capture_output=True,
                             text=True, timeout=900, cwd=REPO)
        if out.returncode != 0:
            return {"error": out.stderr.strip().splitlines()[-1] if out.stderr else "failed"}
        return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--serial", type=int, default=20)
    parser.add_argument("--measure", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.jobs, args.serial)))
        return
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
    try:
        import redis
        redis.Redis.from_url(redis_url).flushdb()
        have_redis = True
    except Exception:
        have_redis = False
    results = {"inline": run_mode("inline", args.jobs, args.serial, {}),
               "embedded SQLite broker": run_mode("embedded", args.jobs, args.serial, {})}
    if have_redis:
        results["Redis broker"] = run_mode("redis", args.jobs, args.serial,
                                           {"ENCLAVE_BROKER_URL": redis_url})
    else:
        results["Redis broker"] = {"error": f"Redis not reachable at {redis_url}"}
    base = results["inline"].get("per_job_ms")
    print(f"No-op jobs (system.echo), {args.jobs} in flight for throughput, {args.serial} "
          f"one-at-a-time for round trip; job store on SQLite; worker concurrency 2.")
    if "direct_call_ms" in results["inline"]:
        print(f"  plain function call of the task: {results['inline']['direct_call_ms']:.3f} ms")
    print(f"{'path':<26}{'jobs/s':>10}{'round trip ms (median)':>26}{'x inline':>10}")
    for name, r in results.items():
        if "error" in r:
            print(f"{name:<26}  unavailable: {r['error']}")
            continue
        ratio = r["per_job_ms"] / base if base else float("nan")
        print(f"{name:<26}{r['jobs_per_s']:>10.1f}{r['per_job_ms']:>26.1f}{ratio:>10.1f}")


if __name__ == "__main__":
    main()
