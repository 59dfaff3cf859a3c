"""The plugin host: built-ins, ENCLAVE_PLUGINS, entry points, strict start-up, documented hooks."""

from __future__ import annotations

import inspect
from importlib.metadata import EntryPoint

import pluggy
import pytest
from pydantic import BaseModel

from core import hookspecs
from core.hookspecs import PageSpec, hookimpl
from core.plugins import BUILTIN_PLUGINS, Host, build_plugin_manager
from core.tasks import TaskSpec


def test_every_hookspec_is_documented_with_what_it_returns():
    specs = [(n, f) for n, f in inspect.getmembers(hookspecs.EnclaveSpec, inspect.isfunction)
             if n.startswith("enclave_")]
    assert len(specs) >= 7
    for name, fn in specs:
        doc = inspect.getdoc(fn)
        assert doc, f"{name} has no docstring"
        assert doc.splitlines()[0].startswith("Return"), f"{name}: first line must say what it returns"


def test_builtin_domains_load_from_the_explicit_tuple(enclave_home):
    pm = build_plugin_manager()
    names = {name for name, _ in pm.list_name_plugin()}
    assert {"finance", "medical", "industrial", "logistics", "system"} <= names
    assert BUILTIN_PLUGINS == ("plugins.finance", "plugins.medical", "plugins.industrial",
                               "plugins.logistics")


def test_enclave_plugins_env_restricts_domains(enclave_home, monkeypatch):
    from core.config import reset_settings

    monkeypatch.setenv("ENCLAVE_PLUGINS", "logistics")
    reset_settings()
    names = {name for name, _ in build_plugin_manager().list_name_plugin()}
    assert "logistics" in names and "finance" not in names and "medical" not in names


def test_misspelled_hook_fails_loudly_at_startup(enclave_home):
    class Typo:
        @hookimpl
        def enclave_register_taks(self, register):  # misspelled on purpose
            """Return nothing."""

    with pytest.raises(pluggy.PluginValidationError, match="enclave_register_taks"):
        build_plugin_manager(only=[], extra=[Typo()])


class Out(BaseModel):
    ok: bool = True


class ThirdParty:
    @hookimpl
    def enclave_register_tasks(self, register):
        register(TaskSpec(name="shipping.track", title="Track", run=lambda c, i, p: Out(),
                          result_model=Out))

    @hookimpl
    def enclave_register_pages(self, register):
        register(PageSpec(domain="shipping", title="Tracking", script=__file__))


def test_entry_point_plugins_load_and_respect_the_filter(enclave_home, monkeypatch):
    import sys
    import types

    module = types.ModuleType("enclave_shipping_plugin")
    module.plugin = ThirdParty()
    module.enclave_register_tasks = module.plugin.enclave_register_tasks
    sys.modules["enclave_shipping_plugin"] = module
    ep = EntryPoint(name="shipping", value="enclave_shipping_plugin:plugin",
                    group="enclave.plugins")
    monkeypatch.setattr("core.plugins._entry_points", lambda: [ep])
    host = Host(build_plugin_manager(only=["shipping"]))
    assert host.tasks.names() == ["shipping.track", "system.check", "system.echo"]
    assert [p.title for p in host.pages()] == ["Tracking"]
    host = Host(build_plugin_manager(only=["finance"]))
    assert "shipping.track" not in host.tasks.names()


def test_register_plugin_fixture_unregisters_after_the_test(register_plugin):
    host = register_plugin(ThirdParty())
    assert "shipping.track" in host.tasks.names()


def test_fixture_left_nothing_behind(enclave_home):
    from core.plugins import get_host
    assert get_host().task("shipping.track") is None


def test_registry_rejects_bad_names_and_duplicates(enclave_home):
    class Dup:
        @hookimpl
        def enclave_register_tasks(self, register):
            register(TaskSpec(name="Bad Name", title="x", run=lambda c, i, p: Out(),
                              result_model=Out))

    with pytest.raises(ValueError, match="must look like 'domain.task'"):
        Host(build_plugin_manager(only=[], extra=[Dup()]))

    class Twice:
        @hookimpl
        def enclave_register_tasks(self, register):
            spec = TaskSpec(name="dup.task", title="x", run=lambda c, i, p: Out(),
                            result_model=Out)
            register(spec)
            register(spec)

    with pytest.raises(ValueError, match="registered twice"):
        Host(build_plugin_manager(only=[], extra=[Twice()]))


def test_postprocess_chain_passes_each_output_to_the_next(register_plugin, tmp_path):
    from core.runner import run_task

    class Double:
        @hookimpl
        def enclave_register_tasks(self, register):
            register(TaskSpec(name="num.one", title="one", run=lambda c, i, p: Num(value=1),
                              result_model=Num, inputs=__import__("core.tasks").tasks.InputSpec(
                                  min_count=0, max_count=0)))

        @hookimpl
        def enclave_postprocess_result(self, spec, result, ctx):
            return result.model_copy(update={"value": result.value * 10})

    class AddOne:
        @hookimpl
        def enclave_postprocess_result(self, spec, result, ctx):
            return result.model_copy(update={"value": result.value + 1})

    class Keep:
        @hookimpl
        def enclave_postprocess_result(self, spec, result, ctx):
            return None

    register_plugin(Double(), AddOne(), Keep())
    _, payload = run_task("num.one", [])
    assert payload["value"] == 11  # registration order: x10 first, then +1 on its output


class Num(BaseModel):
    value: int
