"""DomainPlugin: one pluggy plugin per domain, joined from the domain's capability modules.

A domain (``finance``) has several capabilities (``contracts``, ``aml``), each in its own
package with a ``hooks`` module defining any of: ``register_tasks(register)``,
``register_models(register)``, ``register_pages(register)``, ``register_cli(group)``
(``group`` is the ``enclave <domain>`` click group), ``sample_inputs(register)``,
``periodic_jobs(register)`` and ``postprocess_result(spec, result, ctx)``. The domain
module exposes ``plugin = DomainPlugin(...)``; the host registers that object.
"""

from __future__ import annotations

from types import ModuleType

from core.hookspecs import hookimpl


class DomainPlugin:
    """Hook implementations that fan out to a domain's capability modules."""

    def __init__(self, domain: str, capabilities: tuple[ModuleType, ...], cli_help: str) -> None:
        self.domain = domain
        self.capabilities = capabilities
        self.cli_help = cli_help

    def _each(self, hook: str):
        for cap in self.capabilities:
            fn = getattr(cap, hook, None)
            if fn is not None:
                yield fn

    @hookimpl
    def enclave_register_tasks(self, register):
        """Register every capability's tasks."""
        for fn in self._each("register_tasks"):
            fn(register)

    @hookimpl
    def enclave_register_models(self, register):
        """Register every capability's model roles."""
        for fn in self._each("register_models"):
            fn(register)

    @hookimpl
    def enclave_register_pages(self, register):
        """Register every capability's Streamlit pages."""
        for fn in self._each("register_pages"):
            fn(register)

    @hookimpl
    def enclave_register_cli(self, group):
        """Add ``enclave <domain> ...`` with every capability's sub-commands."""
        import click

        domain_group = click.Group(name=self.domain, help=self.cli_help)
        for fn in self._each("register_cli"):
            fn(domain_group)
        if domain_group.commands:
            group.add_command(domain_group)

    @hookimpl
    def enclave_sample_inputs(self, register):
        """Register every capability's demo inputs."""
        for fn in self._each("sample_inputs"):
            fn(register)

    @hookimpl
    def enclave_periodic_jobs(self, register):
        """Register every capability's periodic jobs."""
        for fn in self._each("periodic_jobs"):
            fn(register)

    @hookimpl
    def enclave_postprocess_result(self, spec, result, ctx):
        """Let the capability that owns ``spec``'s domain post-process its results."""
        if spec.domain != self.domain:
            return None
        for fn in self._each("postprocess_result"):
            replaced = fn(spec, result, ctx)
            if replaced is not None:
                result = replaced
        return result
