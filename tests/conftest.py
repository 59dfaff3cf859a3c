"""Shared test configuration: plugin-author fixtures and paths to the shared real data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest_plugins = ["core.testing"]

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# workers and UI servers the tests start are short-lived: no background torch.compile there
os.environ.setdefault("ENCLAVE_LONG_RUNNING", "0")

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("ENCLAVE_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real public data folder (../shared/data); tests using it skip when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data folder {SHARED_DATA} is not present")
    return SHARED_DATA
