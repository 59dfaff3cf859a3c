"""The ``enclave`` command line: tasks, run, jobs, plus commands from core, workers, UI and plugins.

User errors print one line on stderr and exit with code 2; the job (when one was
created) is marked failed with the same message.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import click

from core.config import offline_environment
from core.errors import UserError

EXIT_USER_ERROR = 2


def parse_set_options(pairs: tuple[str, ...]) -> dict[str, Any]:
    """Turn ``--set key=value`` pairs into params; values are JSON when they parse as JSON.

    Dotted keys (``a.b=1``) build nested objects, so any params model can be reached.
    """
    params: dict[str, Any] = {}
    for pair in pairs:
        if "=" not in pair:
            raise UserError(f"--set {pair!r}: expected key=value")
        key, raw = pair.split("=", 1)
        try:
            value: Any = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        node = params
        parts = key.strip().split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return params


def fail(message: str, code: int = EXIT_USER_ERROR) -> None:
    """Print a one-line reason and exit (code 2 for user errors)."""
    click.echo(f"error: {message}".splitlines()[0] if "\n" in message else f"error: {message}",
               err=True)
    sys.exit(code)


class EnclaveGroup(click.Group):
    """Click group that turns UserError anywhere below it into a one-line message + exit 2."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except UserError as exc:
            fail(str(exc))


@click.group(cls=EnclaveGroup)
@click.version_option(package_name="enclave")
def main() -> None:
    """Enclave: on-prem AI for finance, medical, industrial and logistics work."""
    offline_environment()


@main.command("tasks")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def tasks_cmd(as_json: bool) -> None:
    """List the tasks every loaded plugin offers, with the inputs they take."""
    from core.plugins import get_host

    specs = get_host().tasks.all()
    if as_json:
        click.echo(json.dumps([{"name": s.name, "title": s.title, "inputs": s.inputs.describe(),
                                "queue": s.queue_name, "roles": list(s.roles),
                                "version": s.version,
                                "params": s.params_model.model_json_schema()} for s in specs],
                              indent=2))
        return
    from rich.console import Console
    from rich.table import Column, Table

    table = Table(Column("task", no_wrap=True), "title", "inputs", "queue", "model roles")
    for s in specs:
        table.add_row(s.name, s.title, s.inputs.describe(), s.queue_name, ", ".join(s.roles))
    Console().print(table)


@main.command("run")
@click.argument("task")
@click.argument("inputs", nargs=-1, type=click.Path(path_type=Path))
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help="Task parameter.")
@click.option("--json", "as_json", is_flag=True, help="Print the result model as JSON.")
@click.option("--inline", is_flag=True, help="Run in this process instead of the queue.")
@click.option("--timeout", "timeout_s", type=float, default=None, help="Give up waiting after S.")
def run_cmd(task: str, inputs: tuple[Path, ...], sets: tuple[str, ...], as_json: bool,
            inline: bool, timeout_s: float | None) -> None:
    """Run TASK on INPUT files; through the queue when a worker serves it, else inline."""
    from core.runner import execute_job, resolve_task, submit_job
    from core.store import Store
    from workers.dispatch import workers_for

    params = parse_set_options(sets)
    spec = resolve_task(task)
    store = Store()
    job = submit_job(task, list(inputs), params, actor="cli", priority="interactive",
                     store=store)
    if not inline and workers_for(spec.queue_name, store):
        from workers.dispatch import enqueue_job
        enqueue_job(job.id, store)
        job = _wait(store, job.id, timeout_s, quiet=as_json)
    else:
        if not inline and not as_json:
            click.echo(f"no worker serves queue {spec.queue_name!r}; running inline", err=True)
        execute_job(job.id, store=store)
        job = store.get_job(job.id)
    _report(store, job, as_json)


def _wait(store, job_id: str, timeout_s: float | None, quiet: bool):
    from core.storage import FINAL_STATUSES

    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    last = ""
    while True:
        job = store.get_job(job_id)
        if job.status in FINAL_STATUSES:
            return job
        if not quiet and job.progress_total:
            line = f"{job.progress_done:.0f}/{job.progress_total:.0f} {job.progress_message}"
            if line != last:
                click.echo(line, err=True)
                last = line
        if deadline is not None and time.monotonic() > deadline:
            fail(f"job {job_id} still {job.status} after {timeout_s:.0f} s "
                 f"(see `enclave jobs show {job_id}`)", code=1)
        time.sleep(0.2)


def _report(store, job, as_json: bool) -> None:
    if job.status == "succeeded":
        payload = store.get_result(job.id)
        if as_json:
            click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        else:
            click.echo(f"job {job.id} succeeded")
            click.echo(json.dumps(payload, indent=2, ensure_ascii=False)[:4000])
        return
    code = EXIT_USER_ERROR if job.error_kind == "user" else 1
    fail(f"job {job.id} {job.status}: {job.error or ''}".strip(), code=code)


def build_cli() -> click.Group:
    """Attach every command group (jobs, ops, models, users, plugins) to ``main``."""
    from core import cli_jobs, cli_ops

    cli_jobs.add_commands(main)
    cli_ops.add_commands(main)
    try:
        from core.inference.cli import models_command
        main.add_command(models_command, "models")
    except ImportError:  # the inference core ships its own command once present
        pass
    try:
        from ui.cli import add_commands as add_ui_commands
        add_ui_commands(main)
    except ImportError:
        pass
    from core.plugins import get_host
    get_host().add_cli(main)
    return main


_built = False


def cli() -> click.Group:
    """The fully built ``enclave`` group (built once)."""
    global _built
    if not _built:
        build_cli()
        _built = True
    return main


def entry() -> None:
    """Console-script entry point."""
    try:
        cli()(prog_name="enclave")
    except UserError as exc:
        fail(str(exc))
