"""Built-in ``system.*`` tasks: diagnostics an operator runs to check the queue end to end.

``system.echo`` reads its input and reports size and hash (the no-op that measures
queue overhead); ``system.check`` sleeps with progress and cancellation checks and can
fail on purpose, so a site can see retries, failures and cancellation work on its
own workers before trusting them with real jobs.
"""

from __future__ import annotations

import hashlib
import os
import socket
import time
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from core.errors import TransientError, UserError
from core.hookspecs import hookimpl
from core.tasks import InputSpec, TaskContext, TaskSpec


class EchoParams(BaseModel):
    """system.echo takes no options beyond an optional label."""

    label: str = ""


class EchoResult(BaseModel):
    """What the worker saw of the input: enough to prove it read the right bytes."""

    input_name: str
    size_bytes: int
    sha256: str
    label: str
    worker_host: str
    worker_pid: int


def echo(ctx: TaskContext, inputs: list[Path], params: EchoParams) -> EchoResult:
    """Read the input and report its size and hash."""
    digest = hashlib.sha256()
    size = 0
    if inputs:
        with inputs[0].open("rb") as fh:
            while block := fh.read(1 << 20):
                digest.update(block)
                size += len(block)
    return EchoResult(input_name=inputs[0].name if inputs else "", size_bytes=size,
                      sha256=digest.hexdigest(), label=params.label,
                      worker_host=socket.gethostname(), worker_pid=os.getpid())


class CheckParams(BaseModel):
    """How long to work and whether to fail on purpose."""

    seconds: float = Field(default=1.0, ge=0, le=3600)
    steps: int = Field(default=10, ge=1, le=10_000)
    fail_with: Literal["none", "user", "transient"] = "none"


class CheckResult(BaseModel):
    """Proof of work: how long it took and which process did it."""

    seconds: float
    steps_done: int
    worker_host: str
    worker_pid: int
    attempt_started_at: float


def check(ctx: TaskContext, inputs: list[Path], params: CheckParams) -> CheckResult:
    """Work for ``seconds`` in ``steps``, reporting progress and honouring cancellation."""
    started = time.time()
    if params.fail_with == "user":
        raise UserError("system.check: failing on purpose with a user error (fail_with=user)")
    if params.fail_with == "transient":
        raise TransientError("system.check: failing on purpose with a transient error")
    for step in range(params.steps):
        time.sleep(params.seconds / params.steps)
        ctx.progress(step + 1, params.steps, f"step {step + 1} of {params.steps}")
    return CheckResult(seconds=time.time() - started, steps_done=params.steps,
                       worker_host=socket.gethostname(), worker_pid=os.getpid(),
                       attempt_started_at=started)


@hookimpl
def enclave_register_tasks(register):
    """Register system.echo and system.check."""
    register(TaskSpec(name="system.echo", title="Echo (queue diagnostics)", run=echo,
                      result_model=EchoResult, params_model=EchoParams,
                      inputs=InputSpec(min_count=0, max_count=1), queue="default",
                      description="Reads a file and reports its size and sha256."))
    register(TaskSpec(name="system.check", title="Worker check", run=check,
                      result_model=CheckResult, params_model=CheckParams,
                      inputs=InputSpec(min_count=0, max_count=1), queue="default",
                      description="Sleeps with progress; can fail on purpose."))


@hookimpl
def enclave_sample_inputs(register):
    """Register a quick check of each diagnostic task."""
    from core.hookspecs import SampleInput

    register(SampleInput(task="system.echo", inputs=(Path(__file__),),
                         description="hash this module's own source"))
    register(SampleInput(task="system.check", inputs=(), params={"seconds": 0.2, "steps": 2},
                         description="a short worker check"))
