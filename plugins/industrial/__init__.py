"""The industrial domain plugin: inspection, vibration, voice notes and the operator station."""

from __future__ import annotations

from core.domain import DomainPlugin
from plugins.industrial.inspection import hooks as inspection_hooks
from plugins.industrial.station import hooks as station_hooks
from plugins.industrial.vibration import hooks as vibration_hooks
from plugins.industrial.voice import hooks as voice_hooks

# Aliases carry a _hooks suffix: binding plain ``inspection`` here would shadow the
# sub-package attribute and break ``import plugins.industrial.inspection.x as y``.
plugin = DomainPlugin("industrial", (inspection_hooks, vibration_hooks, voice_hooks, station_hooks),
                      cli_help="Industrial tools: model versions and rollback, folder watch, "
                               "operator feedback.")
