"""Alembic migrations build exactly the schema the models declare, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine
from sqlmodel import SQLModel

from core.migrate import current_revision, head_revision, upgrade_to_head
from tests.core.services import drop_postgres_schema, fresh_postgres_schema, reachable


def assert_schema_matches_models(engine) -> None:
    upgrade_to_head(engine)
    assert current_revision(engine) == head_revision(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == [], f"models and migrations disagree: {diff}"


def test_sqlite_migrates_to_models(enclave_home, tmp_path):
    assert_schema_matches_models(create_engine(f"sqlite:///{tmp_path / 'm.db'}"))


def test_postgres_migrates_to_models(enclave_home):
    if not reachable("127.0.0.1", 5432):
        pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432")
    url, schema = fresh_postgres_schema()
    engine = create_engine(url)
    try:
        assert_schema_matches_models(engine)
    finally:
        engine.dispose()
        drop_postgres_schema(schema)
