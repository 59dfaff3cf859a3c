"""Site configuration: environment variables over ``enclave.toml`` over defaults.

Everything lives under ``ENCLAVE_HOME`` (default ``~/.enclave``) so one folder holds
a site's database, embedded broker, artefacts and models; nothing needs installing.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

DOMAIN_QUEUES = ("finance", "medical", "industrial", "logistics")
ALL_QUEUES = (*DOMAIN_QUEUES, "default")


@dataclass(frozen=True)
class Settings:
    """Resolved settings for one process; build with :func:`get_settings`."""

    home: Path
    database_url: str
    broker_url: str
    plugins: tuple[str, ...] | None
    model_memory_mb: int
    toml: dict[str, Any] = field(default_factory=dict)

    @property
    def artifacts_dir(self) -> Path:
        """Folder where each job's produced files live (one sub-folder per job)."""
        return self.home / "artifacts"

    @property
    def models_dir(self) -> Path:
        """Folder where a site copies local model checkpoints and trained artefacts."""
        return self.home / "models"

    @property
    def uses_embedded_broker(self) -> bool:
        """True when the queue runs on the SQLite file broker (no server installed)."""
        return self.broker_url.startswith("sqla+sqlite")

    def section(self, name: str) -> dict[str, Any]:
        """Return one ``[section]`` of enclave.toml (dotted names walk sub-tables)."""
        node: Any = self.toml
        for part in name.split("."):
            node = node.get(part, {}) if isinstance(node, dict) else {}
        return node if isinstance(node, dict) else {}


def _load_toml(home: Path) -> dict[str, Any]:
    explicit = os.environ.get("ENCLAVE_CONFIG")
    candidates = [Path(explicit)] if explicit else [home / "enclave.toml", Path("enclave.toml")]
    for path in candidates:
        if path.is_file():
            with path.open("rb") as fh:
                return tomllib.load(fh)
    return {}


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings (cached; call :func:`reset_settings` after env changes)."""
    home = Path(os.environ.get("ENCLAVE_HOME", Path.home() / ".enclave")).expanduser()
    home.mkdir(parents=True, exist_ok=True)
    toml = _load_toml(home)
    core = toml.get("core", {})
    db = os.environ.get("ENCLAVE_DATABASE_URL") or core.get("database_url") or (
        f"sqlite:///{home / 'enclave.db'}"
    )
    broker = os.environ.get("ENCLAVE_BROKER_URL") or core.get("broker_url") or (
        f"sqla+sqlite:///{home / 'broker.db'}"
    )
    plugins_env = os.environ.get("ENCLAVE_PLUGINS") or core.get("plugins")
    if isinstance(plugins_env, str):
        plugins = tuple(p.strip() for p in plugins_env.split(",") if p.strip())
    elif isinstance(plugins_env, list):
        plugins = tuple(plugins_env)
    else:
        plugins = None
    memory = int(os.environ.get("ENCLAVE_MODEL_MEMORY_MB") or core.get("model_memory_mb") or 4096)
    return Settings(home=home, database_url=db, broker_url=broker, plugins=plugins,
                    model_memory_mb=memory, toml=toml)


def reset_settings() -> None:
    """Forget cached settings so the next call re-reads the environment (tests, CLI)."""
    get_settings.cache_clear()


def offline_environment() -> None:
    """Force Hugging Face libraries offline: models come from disk, never the internet."""
    for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
        os.environ.setdefault(var, "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("STREAMLIT_BROWSER_GATHER_USAGE_STATS", "false")
