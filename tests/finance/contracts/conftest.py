"""Fixtures for finance.contract tests: the plugin host with only the finance domain."""

from __future__ import annotations

import pytest


@pytest.fixture
def finance_host(enclave_home, register_plugin):
    """A host with the finance plugin loaded (so run_task finds finance.contract)."""
    from plugins.finance import plugin
    return register_plugin(plugin)
