"""Run the real ``enclave`` command in a subprocess against a test's ENCLAVE_HOME."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def enclave(*args: str, home: Path, timeout_s: float = 180, env: dict | None = None,
            **kwargs) -> subprocess.CompletedProcess:
    """``python -m core.cli ARGS`` with ENCLAVE_HOME=home; returns the completed process."""
    full_env = {**os.environ, "ENCLAVE_HOME": str(home), **(env or {})}
    for var in ("ENCLAVE_DATABASE_URL", "ENCLAVE_BROKER_URL"):
        if env is None or var not in env:
            full_env.pop(var, None)
    return subprocess.run([sys.executable, "-m", "core", *args], env=full_env,
                          capture_output=True, text=True, timeout=timeout_s, **kwargs)
