"""On-prem guarantee: `enclave demo` runs every task with non-loopback networking blocked."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

GUARD = Path(__file__).parent / "netguard"
pytestmark = pytest.mark.timeout(1200)


def guarded_env(home: Path, log: Path) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("ENCLAVE_DATABASE_URL", "ENCLAVE_BROKER_URL")}
    env.update(ENCLAVE_HOME=str(home), ENCLAVE_NETGUARD_LOG=str(log),
               PYTHONPATH=os.pathsep.join([str(GUARD), env.get("PYTHONPATH", "")]).rstrip(":"))
    for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        env.pop(var, None)  # the product must set these itself
    return env


def test_guard_really_blocks_and_records(tmp_path):
    log = tmp_path / "net.log"
    code = ("import socket\n"
            "s = socket.socket()\n"
            "try:\n    s.connect(('10.255.255.1', 80))\nexcept OSError as e:\n    print(e)\n"
            "socket.create_connection(('127.0.0.1', 9), timeout=0.2) if False else None\n")
    out = subprocess.run([sys.executable, "-c", code], env=guarded_env(tmp_path, log),
                         capture_output=True, text=True, timeout=60)
    assert "network blocked by test guard" in out.stdout
    assert "connect 10.255.255.1:80" in log.read_text()


def test_demo_runs_every_task_offline(tmp_path):
    log = tmp_path / "net.log"
    home = tmp_path / "home"
    out = subprocess.run([sys.executable, "-m", "core", "demo", "--json"],
                         env=guarded_env(home, log),
                         capture_output=True, text=True, timeout=1100)
    attempts = log.read_text() if log.exists() else ""
    assert attempts == "", f"the product tried to reach the network:\n{attempts}"
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    rows = json.loads(out.stdout)
    domains = {row["task"].split(".")[0] for row in rows if row["status"] == "succeeded"}
    assert {"finance", "medical", "industrial", "logistics"} <= domains, rows
    missing = [row["task"] for row in rows if row["status"] == "no sample"]
    assert not missing, f"tasks without a shipped sample: {missing}"
