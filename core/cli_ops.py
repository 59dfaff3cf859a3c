"""Operating commands: ``batch``, ``worker``, ``ui``, ``up``, ``demo``, ``db``."""

from __future__ import annotations

import os
import time
from pathlib import Path

import click

from core.errors import UserError


def add_commands(group: click.Group) -> None:
    """Add the operating commands to the CLI."""
    for cmd in (batch_cmd, worker_cmd, ui_cmd, up_cmd, demo_cmd, db_group):
        group.add_command(cmd)


@click.command("batch")
@click.argument("task")
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--glob", "pattern", default=None, help="File name pattern (default: task's types).")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE")
@click.option("--export", "export", type=click.Path(path_type=Path), default=None,
              help="Write one row per input to .csv, .jsonl or .parquet.")
@click.option("--timeout", "timeout_s", type=float, default=None)
def batch_cmd(task: str, directory: Path, pattern: str | None, sets: tuple[str, ...],
              export: Path | None, timeout_s: float | None) -> None:
    """Sweep every matching file in DIRECTORY through the queue (resumable, no duplicates)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from core.cli import parse_set_options
    from core.runner import resolve_task
    from core.store import Store
    from workers.batch import export_rows, find_inputs, run_batch, write_export
    from workers.pool import LocalPool

    spec = resolve_task(task)
    params = parse_set_options(sets)
    total = len(find_inputs(spec, directory, pattern))
    if total == 0:
        raise UserError(f"{directory}: no input files match "
                        f"{pattern or ', '.join(spec.inputs.extensions) or 'any'}")
    store = Store()
    with LocalPool([spec.queue_name]), Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[last]}"), transient=False) as bar:
        bar_id = bar.add_task(f"{task}", total=total, last="")

        def progress(done: int, _total: int, job) -> None:
            bar.update(bar_id, completed=done, last=f"{job.status}")

        outcome = run_batch(task, directory, pattern=pattern, params=params,
                            on_progress=progress, store=store, timeout_s=timeout_s)
    counts = outcome.counts()
    click.echo(f"{len(outcome.jobs)} inputs: " + ", ".join(f"{n} {s}" for s, n in
                                                             sorted(counts.items()))
               + f" ({outcome.submitted} submitted, {outcome.reused} already processed)")
    for path, reason in outcome.failures():
        click.echo(f"  failed: {path}: {reason}")
    if export:
        write_export(export_rows(outcome, store), export)
        store.audit("cli", "batch.export", "file", str(export), task=task, rows=len(outcome.jobs))
        click.echo(f"exported {len(outcome.jobs)} rows to {export}")


@click.command("worker")
@click.option("--queues", default=None, help="Comma list (default: all domain queues).")
@click.option("--concurrency", "-c", type=int, default=None)
@click.option("--beat/--no-beat", default=False, help="Also run the periodic scheduler.")
def worker_cmd(queues: str | None, concurrency: int | None, beat: bool) -> None:
    """Run a Celery worker in the foreground (e.g. ``--queues medical`` on a GPU box)."""
    from workers.pool import worker_argv

    argv = worker_argv(queues.split(",") if queues else None,
                       concurrency or max(1, os.cpu_count() or 1), beat)
    os.execv(argv[0], argv)


@click.command("ui")
@click.option("--port", type=int, default=8501, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
def ui_cmd(port: int, host: str) -> None:
    """Serve the Streamlit app (jobs go to whatever workers serve the queues)."""
    from ui.launch import serve
    raise SystemExit(serve(port, with_worker=False, host=host))


@click.command("up")
@click.option("--port", type=int, default=8501, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
def up_cmd(port: int, host: str) -> None:
    """First run: an embedded worker (with the periodic scheduler) and the UI in one command."""
    from ui.launch import serve

    _first_admin()
    raise SystemExit(serve(port, with_worker=True, host=host))


def _first_admin() -> None:
    """On a site with no accounts yet, create ``admin`` with a one-time random password.

    Without it a first ``make up`` would show a sign-in page nobody can pass; the password
    is printed once, here, and is changed with ``enclave users passwd admin``.
    """
    import secrets

    from core.auth import create_user, list_users

    if list_users():
        return
    password = secrets.token_urlsafe(12)
    create_user("admin", password, ["admin"], actor="enclave up")
    click.echo("first run: created user 'admin' with password " + password
               + "\n  (shown once; change it with `enclave users passwd admin`)", err=True)


@click.command("demo")
@click.option("--timeout", "timeout_s", type=float, default=900.0, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the rows as JSON.")
def demo_cmd(timeout_s: float, as_json: bool) -> None:
    """Run every registered task on the sample inputs shipped with it, through the queue."""
    import dataclasses
    import json

    from rich.console import Console
    from rich.table import Table

    from workers.demo import run_demo

    rows = run_demo(timeout_s=timeout_s, echo=lambda m: click.echo(m, err=True))
    if as_json:
        click.echo(json.dumps([dataclasses.asdict(r) for r in rows], indent=2))
        if any(r.status not in ("succeeded", "no sample") for r in rows):
            raise SystemExit(1)
        return
    table = Table("task", "sample", "status", "seconds", "summary")
    for row in rows:
        table.add_row(row.task, row.sample, row.status, f"{row.seconds:.1f}", row.summary)
    Console(width=160).print(table)
    if any(r.status not in ("succeeded", "no sample") for r in rows):
        raise SystemExit(1)


@click.group("db")
def db_group() -> None:
    """Database maintenance."""


@db_group.command("upgrade")
def db_upgrade() -> None:
    """Apply Alembic migrations up to head (also done automatically on first use)."""
    from core.migrate import current_revision
    from core.storage import get_engine

    started = time.monotonic()
    engine = get_engine()
    click.echo(f"database at revision {current_revision(engine)} "
               f"({time.monotonic() - started:.1f} s)")
