"""The logistics domain plugin (hook implementations are joined by DomainPlugin)."""

from __future__ import annotations

from core.domain import DomainPlugin
from plugins.logistics import hooks

plugin = DomainPlugin("logistics", (hooks,), cli_help="Logistics tools.")
