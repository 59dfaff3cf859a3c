"""Plugin manager and the typed facade over it: the only place that touches ``pm.hook``.

Built-in domains are plugins too and load from an explicit tuple; third-party domains
come from the ``enclave.plugins`` entry-point group; ``ENCLAVE_PLUGINS`` (comma list of
plugin names such as ``finance,logistics``) restricts which load. ``check_pending()``
runs at start-up so a misspelled ``@hookimpl`` fails loudly instead of being ignored.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Iterable
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pluggy

from core import hookspecs
from core.hookspecs import PageSpec, PeriodicJob, SampleInput
from core.tasks import TaskRegistry, TaskSpec

if TYPE_CHECKING:
    import click
    from pydantic import BaseModel

    from core.inference.roles import RoleSpec
    from core.tasks import TaskContext

BUILTIN_PLUGINS: tuple[str, ...] = (
    "plugins.finance",
    "plugins.medical",
    "plugins.industrial",
    "plugins.logistics",
)
ENTRY_POINT_GROUP = "enclave.plugins"


def plugin_short_name(module_name: str) -> str:
    """``plugins.finance`` -> ``finance``: the name ENCLAVE_PLUGINS refers to."""
    return module_name.rsplit(".", 1)[-1]


class Host:
    """Typed facade over the pluggy manager; collects what plugins register."""

    def __init__(self, pm: pluggy.PluginManager) -> None:
        self.pm = pm
        self.tasks = TaskRegistry()
        self.pm.hook.enclave_register_tasks(register=self.tasks.register)

    def plugin_names(self) -> list[str]:
        """Names of the plugins that loaded."""
        return sorted(name for name, _ in self.pm.list_name_plugin())

    def task(self, name: str) -> TaskSpec | None:
        """The TaskSpec named ``name`` or None."""
        return self.tasks.get(name)

    def model_roles(self) -> list[RoleSpec]:
        """Every model role plugins declared, merged by name (first declaration wins)."""
        roles: dict[str, RoleSpec] = {}

        def register(role: RoleSpec) -> None:
            if role.name in roles:
                prev = roles[role.name]
                merged = tuple(dict.fromkeys(prev.required_by + role.required_by))
                roles[role.name] = type(prev)(**{**prev.__dict__, "required_by": merged})
            else:
                roles[role.name] = role

        self.pm.hook.enclave_register_models(register=register)
        return list(roles.values())

    def pages(self) -> list[PageSpec]:
        """Every Streamlit page plugins contribute, ordered by domain then order."""
        pages: list[PageSpec] = []
        self.pm.hook.enclave_register_pages(register=_typed_append(pages, PageSpec))
        return sorted(pages, key=lambda p: (p.domain, p.order, p.title))

    def samples(self) -> list[SampleInput]:
        """Every sample input plugins ship for the demo."""
        samples: list[SampleInput] = []
        self.pm.hook.enclave_sample_inputs(register=_typed_append(samples, SampleInput))
        return samples

    def periodic_jobs(self) -> list[PeriodicJob]:
        """Every periodic job plugins want Celery beat to run."""
        jobs: list[PeriodicJob] = []
        self.pm.hook.enclave_periodic_jobs(register=_typed_append(jobs, PeriodicJob))
        return jobs

    def add_cli(self, group: click.Group) -> None:
        """Let every plugin add its sub-commands to the ``enclave`` group."""
        self.pm.hook.enclave_register_cli(group=group)

    def postprocess(self, spec: TaskSpec, result: BaseModel, ctx: TaskContext) -> BaseModel:
        """Run the post-processing chain in plugin load order (built-ins, entry points, extras).

        Each implementation sees the previous one's output, so a site plugin loaded
        after a domain can refine what the domain produced.  pluggy lists plain
        implementations in registration order (it *calls* them LIFO, which is why the
        chain is walked here rather than through ``pm.hook``).
        """
        for impl in self.pm.hook.enclave_postprocess_result.get_hookimpls():
            replaced = impl.function(spec=spec, result=result, ctx=ctx)
            if replaced is not None:
                result = replaced
        return result


def _typed_append(target: list, kind: type):
    def register(item: Any) -> None:
        if not isinstance(item, kind):
            raise TypeError(f"register() expects {kind.__name__}, got {type(item).__name__}")
        target.append(item)
    return register


def build_plugin_manager(only: Iterable[str] | None = None,
                         extra: Iterable[ModuleType | object] = ()) -> pluggy.PluginManager:
    """Create a manager with built-ins, entry-point plugins and ``extra`` objects, then check it."""
    from core.config import get_settings

    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs.EnclaveSpec)
    wanted = set(only) if only is not None else (
        set(get_settings().plugins) if get_settings().plugins else None)
    from core import system_tasks
    pm.register(system_tasks, name="system")  # diagnostics are part of the host, always on
    for module_name in BUILTIN_PLUGINS:
        short = plugin_short_name(module_name)
        if wanted is None or short in wanted:
            module = importlib.import_module(module_name)
            pm.register(getattr(module, "plugin", module), name=short)
    for ep in _entry_points():
        if wanted is None or ep.name in wanted:
            if pm.get_plugin(ep.name) is None:
                pm.register(ep.load(), name=ep.name)
    for obj in extra:
        pm.register(obj)
    pm.check_pending()
    return pm


def _entry_points():
    from importlib.metadata import entry_points
    return list(entry_points(group=ENTRY_POINT_GROUP))


_host: Host | None = None
_host_lock = threading.Lock()


def get_host() -> Host:
    """The process-wide host, built on first use."""
    global _host
    with _host_lock:
        if _host is None:
            _host = Host(build_plugin_manager())
        return _host


def set_host(host: Host | None) -> None:
    """Replace (or forget, with None) the process-wide host; used by tests and fixtures."""
    global _host
    with _host_lock:
        _host = host
