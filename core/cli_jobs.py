"""``enclave jobs list|show|cancel|retry``: look at and steer stored jobs."""

from __future__ import annotations

import json

import click

from core.errors import UserError


def add_commands(group: click.Group) -> None:
    """Add the ``jobs`` group to the CLI."""
    group.add_command(jobs)


@click.group()
def jobs() -> None:
    """Stored jobs: list, show, cancel, retry."""


@jobs.command("list")
@click.option("--task", default=None, help="Only this task.")
@click.option("--status", type=click.Choice(["queued", "running", "succeeded", "failed",
                                             "cancelled"]), default=None)
@click.option("--limit", type=int, default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def list_cmd(task: str | None, status: str | None, limit: int, as_json: bool) -> None:
    """Newest jobs first."""
    from core.store import Store

    rows = Store().list_jobs(task=task, status=status, limit=limit)
    if as_json:
        click.echo(json.dumps([r.model_dump(mode="json") for r in rows], indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("id", "task", "status", "created (UTC)", "attempts", "error")
    for r in rows:
        table.add_row(r.id, r.task, r.status, r.created_at.strftime("%Y-%m-%d %H:%M:%S"),
                      str(r.attempts), (r.error or "")[:80])
    Console().print(table)


@jobs.command("show")
@click.argument("job_id")
def show_cmd(job_id: str) -> None:
    """One job with its inputs, params, result and artefacts, as JSON."""
    from core.store import Store

    store = Store()
    job = store.get_job(job_id)
    if job is None:
        raise UserError(f"no job {job_id}")
    store.audit("cli", "job.view", "job", job_id)
    out = job.model_dump(mode="json")
    out["result"] = store.get_result(job_id)
    out["artifacts"] = [a.model_dump(mode="json") for a in store.artifacts(job_id)]
    click.echo(json.dumps(out, indent=2, ensure_ascii=False))


@jobs.command("cancel")
@click.argument("job_id")
def cancel_cmd(job_id: str) -> None:
    """Cancel a queued job, or ask a running one to stop at its next check."""
    from core.store import Store

    job = Store().request_cancel(job_id, actor="cli")
    if job is None:
        raise UserError(f"no job {job_id}")
    click.echo(f"job {job_id}: {job.status}" + (" (cancel requested)" if job.status == "running"
                                                 else ""))


@jobs.command("retry")
@click.argument("job_id")
def retry_cmd(job_id: str) -> None:
    """Put a failed or cancelled job back in its queue."""
    from core.store import Store
    from workers.dispatch import enqueue_job

    store = Store()
    job = store.get_job(job_id)
    if job is None:
        raise UserError(f"no job {job_id}")
    if job.status not in ("failed", "cancelled"):
        raise UserError(f"job {job_id} is {job.status}; only failed or cancelled jobs are retried")
    store.requeue_job(job_id, actor="cli")
    enqueue_job(job_id, store)
    click.echo(f"job {job_id} queued again on {job.queue}")
