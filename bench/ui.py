"""UI render times with a busy store: Home, Jobs browser and Audit with 10,000 jobs.

Seeds 10,000 jobs (70 % with results, 10,000+ audit events) into a fresh ENCLAVE_HOME and
times full script runs of each page with streamlit's AppTest (the same code path a browser
session runs, minus the websocket), against the 2 s target from issue 10.

    .venv/bin/python bench/ui.py [--jobs 10000] [--repeats 5] [--out bench/results/ui.md]
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/ holds queue.py (the queue benchmark): keep it from shadowing the stdlib `queue`.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
REPO = _HERE.parent
sys.path.insert(0, str(REPO))

import argparse  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

TARGET_S = 2.0
TASKS = ["finance.contract", "finance.aml", "medical.ct", "medical.deidentify",
         "industrial.vibration", "industrial.inspection", "logistics.routes",
         "logistics.replan"]


def _time_runs(make, repeats: int) -> tuple[float, float, float, list[float]]:
    """(session start s, first page run s, median rerun s, reruns).

    Session start is a new AppTest's first run of the app (signed-in Home, which registers
    the navigation); the first page run follows it and includes that page's cache fills.
    """
    t0 = time.perf_counter()
    at = make()
    start = time.perf_counter() - t0
    t0 = time.perf_counter()
    at.run(timeout=120)
    first = time.perf_counter() - t0
    if at.exception or not at.title:
        raise RuntimeError(f"page did not render: {[e.value for e in at.exception]}")
    later = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        at.run(timeout=120)
        later.append(time.perf_counter() - t0)
    return start, first, statistics.median(later), later


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", type=Path, default=REPO / "bench/results/ui.md")
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="enclave-bench-ui-"))
    os.environ["ENCLAVE_HOME"] = str(home)
    for var in ("ENCLAVE_DATABASE_URL", "ENCLAVE_BROKER_URL", "ENCLAVE_PLUGINS"):
        os.environ.pop(var, None)

    import bcrypt
    from streamlit.testing.v1 import AppTest

    from core.store import Store
    from tests.ui.seeding import add_user, seed_jobs

    store = Store()
    t0 = time.perf_counter()
    seed_jobs(store, TASKS, args.jobs, days=90)
    seed_s = time.perf_counter() - t0
    pw = bcrypt.hashpw(b"bench-password", bcrypt.gensalt(rounds=4)).decode()
    add_user(store, "admin", "admin", pw)
    add_user(store, "ana", "analyst", pw)
    add_user(store, "multi", "analyst,clinician,operator", pw)
    counts = store.count_jobs()
    middle = store.list_jobs(limit=1, offset=args.jobs // 2)[0]
    deep_job = store.list_jobs(status="succeeded", limit=1, offset=args.jobs // 2)[0].id
    # The jobs browser pages by creation time (keyset): a page half-way down the history.
    deep_page = {"jobs_cursors": [None, middle.created_at]}

    app = str(REPO / "ui/app.py")

    def page(user: str, screen: str | None = None, query: dict | None = None, state=None):
        def make():
            at = AppTest.from_file(app, default_timeout=120)
            at.session_state["enclave_user"] = user
            for k, v in (state or {}).items():
                at.session_state[k] = v
            at.run(timeout=120)  # registers the pages so switch_page can find them
            for k, v in (query or {}).items():
                at.query_params[k] = v
            if screen:
                at.switch_page(f"screens/{screen}.py")
            return at
        return make

    cases = [
        ("Home (admin, all domains)", page("admin")),
        ("Home (analyst: finance only)", page("ana")),
        ("Jobs browser, first page (admin)", page("admin", "jobs")),
        (f"Jobs browser, a page {args.jobs // 2:,} jobs deep (admin)",
         page("admin", "jobs", state=deep_page)),
        ("Jobs browser, 3 domains merged, first page (analyst+clinician+operator)",
         page("multi", "jobs")),
        (f"Jobs browser, 3 domains merged, {args.jobs // 2:,} jobs deep",
         page("multi", "jobs", state=deep_page)),
        ("Jobs browser, filtered: failed finance jobs (admin)",
         page("admin", "jobs", state={"jobs_status": "failed", "jobs_domain": "finance"})),
        ("Jobs browser + job detail (admin)", page("admin", "jobs", query={"job": deep_job})),
        ("Audit page, 500 newest events (admin)", page("admin", "audit")),
    ]
    rows = []
    for label, make in cases:
        start, first, median, later = _time_runs(make, args.repeats)
        rows.append((label, start, first, median, max(later)))
        print(f"{label:<72} session start {start:6.3f} s   first {first:6.3f} s   "
              f"median rerun {median:6.3f} s   "
              f"max {max(later):6.3f} s   target {TARGET_S:.1f} s  "
              f"{'OK' if median <= TARGET_S else 'OVER'}", flush=True)

    lines = [
        "# UI render times (bench/ui.py)",
        "",
        f"Store: SQLite in a fresh ENCLAVE_HOME with {args.jobs:,} jobs over 90 days across "
        f"{len(TASKS)} tasks ({', '.join(f'{k} {v:,}' for k, v in sorted(counts.items()))}), "
        f"one result per succeeded job, one audit event per job; seeding took {seed_s:.1f} s.",
        "",
        "Each page is a full script run through `streamlit.testing.v1.AppTest` (what a browser "
        "session executes, without the websocket). *Session start* is a new session's first "
        "run of the app (signed in, Home; the very first case also pays the imports); *first* "
        "is the page's first run in that session (cache fills); *median/max* are over "
        f"{args.repeats} reruns of the page (every widget interaction is such a rerun). "
        f"Target (issue 10): ≤ {TARGET_S:.0f} s.",
        "",
        "| page | session start (s) | first run (s) | median rerun (s) | max rerun (s) | ≤ 2 s |",
        "|---|---:|---:|---:|---:|:---:|",
    ]
    lines += [f"| {label} | {start:.3f} | {first:.3f} | {median:.3f} | {worst:.3f} | "
              f"{'yes' if max(first, worst) <= TARGET_S else 'no'} |"
              for label, start, first, median, worst in rows]
    lines += ["", "The first session start includes importing Streamlit and every plugin "
              "(torch, transformers...) into the server process; a running server pays it "
              "once, not per page view.",
              "", f"Machine: {os.cpu_count()} CPU cores, Python {sys.version.split()[0]}; "
              "other engineers' jobs were sharing the CPU while this ran.", ""]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
