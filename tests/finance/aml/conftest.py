"""Fixtures for the AML tests: the AML capability alone as a plugin, and generated data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.domain import DomainPlugin
from plugins.finance.aml import hooks as aml_hooks
from plugins.finance.aml.generator import TYPOLOGIES, GeneratorConfig, generate


@pytest.fixture
def aml_host(register_plugin):
    """A host with only the AML capability (so other finance work cannot break these tests)."""
    return register_plugin(DomainPlugin("finance", (aml_hooks,), cli_help="finance"))


@pytest.fixture(scope="session")
def generated(tmp_path_factory) -> tuple[Path, dict]:
    """60k background transactions with 4 patterns of every typology (seed 21)."""
    out = tmp_path_factory.mktemp("aml") / "gen.csv"
    doc = generate(GeneratorConfig(n_transactions=60_000, seed=21,
                                   patterns={t: 4 for t in TYPOLOGIES}), out,
                   out.with_suffix(".labels.json"))
    return out, doc


def labels_of(path: Path) -> dict:
    return json.loads(path.with_suffix(".labels.json").read_text())
