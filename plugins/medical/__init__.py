"""The medical domain plugin: CT analysis (``ct``) and record, dictation, report, de-id (``clinical``)."""

from __future__ import annotations

from core.domain import DomainPlugin
from plugins.medical.clinical import hooks as clinical_hooks
from plugins.medical.ct import hooks as ct_hooks

# Aliases carry a _hooks suffix: a plain ``ct`` here would shadow the sub-package
# attribute and break ``import plugins.medical.ct.api as api``.
plugin = DomainPlugin("medical", (ct_hooks, clinical_hooks),
                      cli_help="Medical tools: phantoms, de-identification, ASR adaptation.")
