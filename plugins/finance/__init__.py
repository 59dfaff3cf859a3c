"""The finance domain plugin: contract parsing (``contracts``) and AML monitoring (``aml``)."""

from __future__ import annotations

from core.domain import DomainPlugin
from plugins.finance.aml import hooks as aml_hooks
from plugins.finance.contracts import hooks as contracts_hooks

# Aliases carry a _hooks suffix so they never shadow the sub-package attributes.
plugin = DomainPlugin("finance", (contracts_hooks, aml_hooks),
                      cli_help="Finance tools: clause-detector training, AML data generation.")
