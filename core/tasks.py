"""The task contract: what a domain task declares (TaskSpec) and what it receives (TaskContext).

A task is a plain function ``run(ctx, inputs, params) -> pydantic model``. Declaring
inputs, params, result and model roles up front lets the host validate a request
before queueing it, and lets the CLI, the UI, batch exports and the docs all speak
about a task without running it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from core.errors import JobCancelled

if TYPE_CHECKING:
    from core.store import Store

TASK_NAME = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")


class NoParams(BaseModel):
    """Params model for tasks that take none."""


@dataclass(frozen=True)
class InputSpec:
    """Which inputs a task accepts.

    ``extensions`` are lower-case suffixes including the dot (``.pdf``); an empty tuple
    accepts any file. ``directories`` allows folders (a DICOM study, a folder of images).
    """

    extensions: tuple[str, ...] = ()
    directories: bool = False
    min_count: int = 1
    max_count: int | None = 1
    description: str = ""

    def describe(self) -> str:
        """One line for ``enclave tasks``: what to pass on the command line."""
        kinds = ", ".join(self.extensions) if self.extensions else "any file"
        if self.directories:
            kinds += " or a folder"
        count = (f"{self.min_count}" if self.max_count == self.min_count
                 else f"{self.min_count}..{self.max_count or 'n'}")
        return f"{count} x {kinds}" + (f" ({self.description})" if self.description else "")


@dataclass(frozen=True)
class TaskSpec:
    """Everything the host needs to know about a task before running it."""

    name: str
    title: str
    run: Callable[[TaskContext, list[Path], Any], BaseModel]
    result_model: type[BaseModel]
    params_model: type[BaseModel] = NoParams
    inputs: InputSpec = field(default_factory=InputSpec)
    roles: tuple[str, ...] = ()
    queue: str | None = None
    version: str = "1"
    description: str = ""
    # Optional: rows for `enclave batch --export`; default is the result's top-level fields.
    export_row: Callable[[BaseModel], dict[str, Any]] | None = None

    @property
    def domain(self) -> str:
        """The part of the name before the dot (``finance`` in ``finance.contract``)."""
        return self.name.split(".", 1)[0]

    @property
    def queue_name(self) -> str:
        """The Celery queue this task runs on (its domain unless set explicitly)."""
        return self.queue or self.domain


class TaskContext:
    """What a running task may use: models, storage, logging, progress, cancellation, artefacts."""

    def __init__(self, *, job_id: str, spec: TaskSpec, store: Store, artifacts_dir: Path,
                 actor: str = "system", logger: logging.Logger | None = None,
                 interactive: bool = False) -> None:
        self.job_id = job_id
        self.spec = spec
        self.store = store
        self.artifacts_dir = artifacts_dir
        self.actor = actor
        self.interactive = interactive
        self.log = logger or logging.getLogger(f"enclave.job.{job_id}")
        self._last_progress = 0.0

    @property
    def models(self):
        """The process-wide shared inference core (``core.inference.get_core()``)."""
        from core.inference import get_core
        return get_core()

    def progress(self, done: float, total: float, message: str = "") -> None:
        """Report progress; stored on the job for progress bars, and a cancellation point."""
        import time
        now = time.monotonic()
        if done >= total or now - self._last_progress > 0.5:
            self._last_progress = now
            self.store.set_progress(self.job_id, done, total, message)
        self.check_cancelled()

    def cancelled(self) -> bool:
        """True when someone asked to cancel this job."""
        return self.store.cancel_requested(self.job_id)

    def check_cancelled(self) -> None:
        """Raise JobCancelled when the job was cancelled; call it between units of work."""
        if self.cancelled():
            raise JobCancelled(f"job {self.job_id} was cancelled")

    def artifact(self, name: str, kind: str = "file", description: str = "") -> Path:
        """Return a path inside this job's artefacts folder to write ``name`` to.

        Files written there are recorded (with sha256) when the task returns.
        """
        self.artifacts_dir.mkdir(parents=True, exist_ok=True)
        path = self.artifacts_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        self.store.declare_artifact(self.job_id, path, kind=kind, description=description)
        return path


class TaskRegistry:
    """Validated, name-unique collection of TaskSpecs (filled through the register hook)."""

    def __init__(self) -> None:
        self._tasks: dict[str, TaskSpec] = {}

    def register(self, spec: TaskSpec) -> None:
        """Add a task; the host owns validation so every plugin is held to the same rules."""
        if not isinstance(spec, TaskSpec):
            raise TypeError(f"register() expects a TaskSpec, got {type(spec).__name__}")
        if not TASK_NAME.match(spec.name):
            raise ValueError(f"task name {spec.name!r} must look like 'domain.task'")
        if spec.name in self._tasks:
            raise ValueError(f"task {spec.name!r} is registered twice")
        if not (isinstance(spec.result_model, type) and issubclass(spec.result_model, BaseModel)):
            raise TypeError(f"task {spec.name!r}: result_model must be a pydantic model")
        if not (isinstance(spec.params_model, type) and issubclass(spec.params_model, BaseModel)):
            raise TypeError(f"task {spec.name!r}: params_model must be a pydantic model")
        self._tasks[spec.name] = spec

    def get(self, name: str) -> TaskSpec | None:
        """Return the spec named ``name`` or None."""
        return self._tasks.get(name)

    def names(self) -> list[str]:
        """All task names, sorted."""
        return sorted(self._tasks)

    def all(self) -> Sequence[TaskSpec]:
        """All specs, sorted by name."""
        return [self._tasks[n] for n in self.names()]
