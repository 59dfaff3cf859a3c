"""SQLModel tables: jobs, results, artefacts, audit events, users, domain records, workers.

One schema for SQLite (default, under ENCLAVE_HOME) and PostgreSQL
(``ENCLAVE_DATABASE_URL``). Schema changes go through Alembic (``core/migrations``);
:func:`get_engine` upgrades a database to head the first time a process opens it.
"""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, event
from sqlalchemy.engine import Engine
from sqlmodel import Field, SQLModel, create_engine

JOB_STATUSES = ("queued", "running", "succeeded", "failed", "cancelled")
FINAL_STATUSES = ("succeeded", "failed", "cancelled")


def utcnow() -> datetime:
    """Timezone-aware UTC now; every stored time is UTC."""
    return datetime.now(UTC)


def new_id() -> str:
    """A short random id for jobs, batches, records."""
    return uuid.uuid4().hex[:16]


class Job(SQLModel, table=True):
    """One request to run a task on some inputs; its whole lifecycle lives here."""

    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_status_created", "status", "created_at"),
        Index("ix_jobs_task_created", "task", "created_at"),
        Index("ix_jobs_dedupe", "dedupe_key"),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    task: str = Field(max_length=100)
    task_version: str = Field(default="1", max_length=32)
    queue: str = Field(default="default", max_length=50)
    inputs: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    params: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    status: str = Field(default="queued", max_length=16)
    error: str | None = Field(default=None, sa_column=Column(Text))
    error_kind: str | None = Field(default=None, max_length=16)  # user | transient | internal
    attempts: int = 0
    worker: str | None = Field(default=None, max_length=200)
    actor: str = Field(default="system", max_length=100)
    batch_id: str | None = Field(default=None, max_length=32, index=True)
    dedupe_key: str | None = Field(default=None, max_length=64)
    priority: str = Field(default="batch", max_length=16)  # interactive | batch
    cancel_requested: bool = False
    progress_done: float = 0.0
    progress_total: float = 0.0
    progress_message: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
    started_at: datetime | None = None
    finished_at: datetime | None = None


class Result(SQLModel, table=True):
    """The validated result model of a succeeded job, as JSON (one row per job at most)."""

    __tablename__ = "results"

    job_id: str = Field(primary_key=True, foreign_key="jobs.id", max_length=32)
    task: str = Field(max_length=100, index=True)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    created_at: datetime = Field(default_factory=utcnow)


class Artifact(SQLModel, table=True):
    """A file a job produced (report PDF, heatmap, DICOM SR), with its sha256."""

    __tablename__ = "artifacts"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    job_id: str = Field(foreign_key="jobs.id", max_length=32, index=True)
    name: str = Field(max_length=300)
    path: str = Field(sa_column=Column(Text))
    kind: str = Field(default="file", max_length=50)
    description: str = Field(default="", max_length=500)
    sha256: str | None = Field(default=None, max_length=64)
    size_bytes: int | None = None
    created_at: datetime = Field(default_factory=utcnow)


class AuditEvent(SQLModel, table=True):
    """Who did what to which object, and when: views, exports and every change."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_time", "time"),)

    id: int | None = Field(default=None, primary_key=True)
    time: datetime = Field(default_factory=utcnow)
    actor: str = Field(max_length=100, index=True)
    action: str = Field(max_length=100, index=True)
    object_type: str = Field(max_length=50)
    object_id: str = Field(max_length=200)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))


class User(SQLModel, table=True):
    """A local user of the UI; ``roles`` is a comma list (admin, analyst, clinician, ...)."""

    __tablename__ = "users"

    username: str = Field(primary_key=True, max_length=100)
    password_hash: str = Field(max_length=200)
    roles: str = Field(default="", max_length=200)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)


class Record(SQLModel, table=True):
    """A domain record (AML case, inspection record, machine reading, dispatch session).

    Plugins keep their own business objects here as JSON under a ``kind`` namespaced
    by domain (``finance.case``), so a plugin needs no schema migration of its own.
    """

    __tablename__ = "records"
    __table_args__ = (Index("ix_records_kind_key", "kind", "key", unique=True),
                      Index("ix_records_kind_group", "kind", "group_key", "created_at"))

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    kind: str = Field(max_length=100)
    key: str = Field(max_length=200)
    group_key: str | None = Field(default=None, max_length=200)  # e.g. machine id, line, session
    status: str | None = Field(default=None, max_length=50)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    job_id: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class WorkerHeartbeat(SQLModel, table=True):
    """A live worker and the queues it serves (the embedded broker has no broadcast)."""

    __tablename__ = "worker_heartbeats"

    hostname: str = Field(primary_key=True, max_length=200)
    queues: str = Field(default="", max_length=500)
    pid: int = 0
    started_at: datetime = Field(default_factory=utcnow)
    last_seen: datetime = Field(default_factory=utcnow)


_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")  # readers never block the worker writing a result
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def get_engine(url: str | None = None) -> Engine:
    """The engine for ``url`` (default: the configured database), migrated to head once."""
    from core.config import get_settings

    url = url or get_settings().database_url
    with _engines_lock:
        engine = _engines.get(url)
        if engine is None:
            if url.startswith("sqlite"):
                engine = create_engine(url, connect_args={"check_same_thread": False,
                                                          "timeout": 30})
                event.listen(engine, "connect", _sqlite_pragmas)
            else:
                engine = create_engine(url, pool_pre_ping=True)
            from core.migrate import upgrade_to_head
            upgrade_to_head(engine)
            _engines[url] = engine
        return engine


def dispose_engines() -> None:
    """Close every pooled connection (tests, forked workers)."""
    with _engines_lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
