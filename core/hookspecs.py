"""Every hook a plugin can implement. The contract between the host and the domains.

Registrar style (as in ``llm``'s ``register_models``): the host passes a ``register``
callable and the plugin calls it once per thing it contributes; the host validates,
rejects duplicates and fills defaults. Each hook's first docstring line says what it
returns; ``tests/core/test_hookspecs.py`` checks that every hook is documented.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import click
    from pydantic import BaseModel

    from core.inference.roles import RoleSpec
    from core.tasks import TaskContext, TaskSpec

PROJECT = "enclave"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@dataclass(frozen=True)
class PageSpec:
    """A Streamlit page a plugin contributes; ``script`` is a .py file Streamlit runs."""

    domain: str
    title: str
    script: Path
    # User roles allowed besides admin; empty means the domain's own role
    # (core.auth.DOMAIN_ROLES, e.g. finance -> analyst), never "everyone".
    roles: tuple[str, ...] = ()
    icon: str = ""
    order: int = 100


@dataclass(frozen=True)
class SampleInput:
    """A sample input shipped with a plugin, used by ``enclave demo`` and UI empty states."""

    task: str
    inputs: tuple[Path, ...]
    params: dict[str, Any] = field(default_factory=dict)
    description: str = ""


@dataclass(frozen=True)
class PeriodicJob:
    """A job Celery beat runs every ``every_s`` seconds (e.g. 15 s logistics re-planning)."""

    name: str
    run: Callable[[], Any]
    every_s: float
    queue: str
    description: str = ""


class EnclaveSpec:
    """Hook specifications; implement them with ``@hookimpl`` in a plugin module."""

    @hookspec
    def enclave_register_tasks(self, register: Callable[[TaskSpec], None]) -> None:
        """Return nothing; call ``register(TaskSpec(...))`` once per task the plugin offers."""

    @hookspec
    def enclave_register_models(self, register: Callable[[RoleSpec], None]) -> None:
        """Return nothing; call ``register(RoleSpec(...))`` for each model role the plugin needs."""

    @hookspec
    def enclave_register_pages(self, register: Callable[[PageSpec], None]) -> None:
        """Return nothing; call ``register(PageSpec(...))`` for each Streamlit page."""

    @hookspec
    def enclave_register_cli(self, group: click.Group) -> None:
        """Return nothing; add sub-commands (usually one group named after the domain) to ``group``."""

    @hookspec
    def enclave_postprocess_result(self, spec: TaskSpec, result: BaseModel,
                                   ctx: TaskContext) -> BaseModel | None:
        """Return a replacement result, or None to keep it; implementations run as a chain."""

    @hookspec
    def enclave_sample_inputs(self, register: Callable[[SampleInput], None]) -> None:
        """Return nothing; call ``register(SampleInput(...))`` for each demo input shipped."""

    @hookspec
    def enclave_periodic_jobs(self, register: Callable[[PeriodicJob], None]) -> None:
        """Return nothing; call ``register(PeriodicJob(...))`` for work Celery beat should schedule."""
