"""Pytest fixtures for plugin authors (loaded with ``pytest_plugins = ["core.testing"]``).

``enclave_home`` gives each test its own ENCLAVE_HOME (database, artefacts, broker) and
forgets every process-wide singleton afterwards; ``register_plugin`` registers a plugin
object for one test and unregisters it after ``yield`` so tests never leak plugins.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from core.config import reset_settings
from core.plugins import Host, build_plugin_manager, set_host
from core.storage import dispose_engines


def reset_process_state() -> None:
    """Forget cached settings, engines, the host and the inference core."""
    reset_settings()
    dispose_engines()
    set_host(None)
    try:
        from core.inference import reset_core
    except ImportError:
        return
    reset_core()


@pytest.fixture
def enclave_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh ENCLAVE_HOME with the embedded SQLite database; process state reset around it."""
    home = tmp_path / "enclave_home"
    monkeypatch.setenv("ENCLAVE_HOME", str(home))
    for var in ("ENCLAVE_DATABASE_URL", "ENCLAVE_BROKER_URL", "ENCLAVE_PLUGINS",
                "ENCLAVE_CONFIG"):
        monkeypatch.delenv(var, raising=False)
    reset_process_state()
    yield home
    reset_process_state()


@pytest.fixture
def store(enclave_home: Path):
    """A Store on the test's own database."""
    from core.store import Store
    return Store()


@pytest.fixture
def register_plugin(enclave_home: Path):
    """Register plugin objects for one test: ``host = register_plugin(obj, only=[...])``."""
    registered: list[Host] = []

    def _register(*plugins: object, only: list[str] | None = None) -> Host:
        host = Host(build_plugin_manager(only=only if only is not None else [], extra=plugins))
        set_host(host)
        registered.append(host)
        return host

    yield _register
    for host in registered:
        for plugin in list(host.pm.get_plugins()):
            host.pm.unregister(plugin)
    set_host(None)
