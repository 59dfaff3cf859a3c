"""Alembic driven from code: every process upgrades its database to head on first open.

The migration scripts live in ``core/migrations``; ``enclave db upgrade`` runs the same
function by hand. A file lock in ENCLAVE_HOME keeps two processes starting together
(a worker pool, say) from migrating at the same moment.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from filelock import FileLock
from sqlalchemy.engine import Engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    """An Alembic config bound to ``engine`` (no alembic.ini needed)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False)
                        .replace("%", "%%"))
    cfg.attributes["engine"] = engine
    return cfg


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None when never migrated)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision(engine: Engine) -> str | None:
    """The newest revision the code ships."""
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def upgrade_to_head(engine: Engine) -> None:
    """Bring the database schema to the newest revision, once, under a lock."""
    from core.config import get_settings

    if current_revision(engine) == head_revision(engine):
        return
    with FileLock(str(get_settings().home / ".migrate.lock"), timeout=120):
        if current_revision(engine) != head_revision(engine):
            command.upgrade(alembic_config(engine), "head")
