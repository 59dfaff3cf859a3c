"""``enclave demo``: every registered task on the samples its plugin ships, through the queue.

Samples run one after another in registration order, because some depend on the
one before (an inspection needs the line fitted by the previous sample).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from core.errors import UserError
from core.plugins import get_host
from core.runner import submit_job
from core.storage import FINAL_STATUSES
from core.store import Store


@dataclass
class DemoRow:
    """One line of the demo table."""

    task: str
    sample: str
    status: str
    seconds: float
    summary: str
    job_id: str = ""


def summarise(payload: dict | None, limit: int = 90) -> str:
    """A short human summary of a result: its first few scalar fields and list sizes."""
    if not payload:
        return ""
    parts = []
    for key, value in payload.items():
        if isinstance(value, list):
            parts.append(f"{key}: {len(value)}")
        elif isinstance(value, dict):
            continue
        elif value is not None:
            parts.append(f"{key}: {value}")
        if len(", ".join(parts)) > limit:
            break
    return ", ".join(parts)[:limit]


def run_demo(timeout_s: float = 900.0, echo: Callable[[str], None] = print,
             store: Store | None = None) -> list[DemoRow]:
    """Run all samples through the queue (starting a local worker if none runs)."""
    from workers.dispatch import enqueue_job
    from workers.pool import LocalPool

    store = store or Store()
    host = get_host()
    samples = host.samples()
    rows: list[DemoRow] = []
    queues = sorted({host.task(s.task).queue_name for s in samples if host.task(s.task)})
    deadline = time.monotonic() + timeout_s
    with LocalPool(queues or ["default"]):
        for sample in samples:
            name = ", ".join(p.name for p in sample.inputs) or sample.description or "-"
            started = time.monotonic()
            try:
                job = submit_job(sample.task, list(sample.inputs), sample.params, actor="demo",
                                 store=store)
            except UserError as exc:
                rows.append(DemoRow(sample.task, name, "failed", 0.0, str(exc)[:90]))
                continue
            enqueue_job(job.id, store)
            echo(f"demo: {sample.task} on {name} (job {job.id})")
            while True:
                job = store.get_job(job.id)
                if job.status in FINAL_STATUSES or time.monotonic() > deadline:
                    break
                time.sleep(0.25)
            summary = (summarise(store.get_result(job.id)) if job.status == "succeeded"
                       else (job.error or "timed out")[:90])
            rows.append(DemoRow(sample.task, name, job.status, time.monotonic() - started,
                                summary, job.id))
    covered = {s.task for s in samples}
    for spec in host.tasks.all():
        if spec.name not in covered:
            rows.append(DemoRow(spec.name, "-", "no sample", 0.0,
                                "the plugin ships no sample input for this task"))
    return rows
