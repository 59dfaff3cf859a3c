"""Reach the real Redis and PostgreSQL on loopback; tests skip with the reason when absent."""

from __future__ import annotations

import socket
import uuid

REDIS_URL = "redis://127.0.0.1:6379/11"
POSTGRES_BASE = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def reachable(host: str, port: int, timeout_s: float = 1.0) -> bool:
    """True when something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            return True
    except OSError:
        return False


def fresh_postgres_schema() -> tuple[str, str]:
    """Create an empty schema in database ``test``; return (url using it, schema name)."""
    import sqlalchemy as sa

    schema = f"enclave_t_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(POSTGRES_BASE)
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    return f"{POSTGRES_BASE}?options=-csearch_path%3D{schema}", schema


def drop_postgres_schema(schema: str) -> None:
    """Remove a schema made by :func:`fresh_postgres_schema`."""
    import sqlalchemy as sa

    engine = sa.create_engine(POSTGRES_BASE)
    with engine.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()
