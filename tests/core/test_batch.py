"""``enclave batch``: a real archive sweep through a worker pool, interrupted and resumed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest
from sqlmodel import func, select

from core.storage import Job, Result
from core.store import Store

pytestmark = pytest.mark.timeout(300)


def make_archive(folder, n: int) -> list:
    folder.mkdir()
    files = []
    for i in range(n):
        path = folder / f"doc{i:02d}.txt"
        path.write_text(f"document number {i}\n" * (i + 1))
        files.append(path)
    (folder / "notes.md").write_text("not matched by the glob")
    return files


def _foreground_sigint() -> None:
    """Ctrl-C as in an operator's terminal: a shell without job control starts background
    commands (``make test &``) with SIGINT ignored, and Python then never raises
    KeyboardInterrupt, so the child would run to the end whatever the test sends."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def batch_process(home, folder, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "ENCLAVE_HOME": str(home)}
    return subprocess.Popen([sys.executable, "-m", "core", "batch", "system.check", str(folder),
                             "--glob", "*.txt", "--set", "seconds=2", "--set", "steps=5",
                             *extra], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, preexec_fn=_foreground_sigint)


def test_interrupted_batch_resumes_without_duplicates(enclave_home, tmp_path):
    archive = tmp_path / "archive"
    files = make_archive(archive, 12)
    store = Store()
    first = batch_process(enclave_home, archive)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        if store.count_jobs(task="system.check").get("succeeded", 0) >= 2:
            break
        time.sleep(0.2)
    first.send_signal(signal.SIGINT)  # an operator's Ctrl-C
    first.communicate(timeout=60)
    done_before = store.count_jobs(task="system.check").get("succeeded", 0)
    # A warm shutdown lets the worker finish the jobs it already holds, and no more.
    assert 2 <= done_before <= 8, f"interrupted part-way, not after {done_before} of 12"

    export = tmp_path / "out.csv"
    second = batch_process(enclave_home, archive, "--export", str(export))
    out, err = second.communicate(timeout=240)
    assert second.returncode == 0, err
    assert "12 inputs: 12 succeeded" in out
    reused = int(out.split(" submitted, ")[1].split(" already")[0])
    assert reused >= done_before, out

    with store.session() as s:
        jobs = list(s.exec(select(Job).where(Job.task == "system.check")))
        results = s.exec(select(func.count()).select_from(Result)).one()
    assert len(jobs) == 12, "one job per input, none duplicated"
    assert len({j.dedupe_key for j in jobs}) == 12
    assert results == 12
    assert all(j.status == "succeeded" for j in jobs)

    frame = pd.read_csv(export)
    assert sorted(frame["input"]) == sorted(str(p) for p in files)
    assert set(frame["status"]) == {"succeeded"} and frame["steps_done"].eq(5).all()

    again = batch_process(enclave_home, archive)
    out, _ = again.communicate(timeout=120)
    assert "0 submitted, 12 already processed" in out, out


def test_batch_carries_on_past_bad_files_and_exports_jsonl(enclave_home, tmp_path):
    archive = tmp_path / "mixed"
    archive.mkdir()
    (archive / "good.txt").write_text("fine")
    (archive / "also-good.txt").write_text("fine too")
    env = {**os.environ, "ENCLAVE_HOME": str(enclave_home)}
    export = tmp_path / "rows.jsonl"
    out = subprocess.run([sys.executable, "-m", "core", "batch", "system.check", str(archive),
                          "--set", "seconds=0", "--set", "fail_with=user",
                          "--export", str(export)], env=env, capture_output=True, text=True,
                         timeout=180)
    assert out.returncode == 0, out.stderr
    assert "2 failed" in out.stdout and "failing on purpose" in out.stdout
    rows = [json.loads(line) for line in export.read_text().splitlines()]
    assert {r["status"] for r in rows} == {"failed"} and all(r["error"] for r in rows)
