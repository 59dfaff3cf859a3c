"""``python -m core`` runs the ``enclave`` command line."""

from core.cli import entry

entry()
