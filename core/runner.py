"""run_task(): the one path every caller takes (CLI inline, Celery worker, UI, batch).

Submitting validates the request and stores a queued job; executing claims it, runs the
plugin function with a TaskContext, validates and post-processes the result, stores it
and the artefacts, and records the outcome. Validation, audit, post-processing and
storage therefore happen in exactly one place.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
import traceback
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from core.errors import JobCancelled, TransientError, UserError
from core.plugins import get_host
from core.storage import Job
from core.store import Store, sha256_path
from core.tasks import TaskContext, TaskSpec

log = logging.getLogger("enclave.runner")


def resolve_task(name: str) -> TaskSpec:
    """The TaskSpec called ``name``; a UserError that lists the known tasks otherwise."""
    spec = get_host().task(name)
    if spec is None:
        known = ", ".join(get_host().tasks.names()) or "none loaded"
        raise UserError(f"unknown task {name!r}; known tasks: {known}")
    return spec


def validate_inputs(spec: TaskSpec, inputs: Sequence[str | Path]) -> list[Path]:
    """Check count, existence, readability and kind of each input; return absolute paths."""
    paths = [Path(p).expanduser().resolve() for p in inputs]
    want = spec.inputs
    if len(paths) < want.min_count:
        raise UserError(f"{spec.name} needs at least {want.min_count} input(s): "
                        f"{want.describe()}")
    if want.max_count is not None and len(paths) > want.max_count:
        raise UserError(f"{spec.name} takes at most {want.max_count} input(s), got {len(paths)}")
    for path in paths:
        if not path.exists():
            raise UserError(f"{path}: no such file or folder")
        if path.is_dir():
            if not want.directories:
                raise UserError(f"{path}: is a folder; {spec.name} expects {want.describe()}")
        elif want.extensions and path.suffix.lower() not in want.extensions:
            raise UserError(f"{path}: wrong file type {path.suffix or '(none)'}; "
                            f"{spec.name} expects {want.describe()}")
        if not os.access(path, os.R_OK):
            raise UserError(f"{path}: not readable (check file permissions)")
        if path.is_file():
            try:
                with path.open("rb") as fh:
                    fh.read(1)
            except OSError as exc:
                raise UserError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    return paths


def validate_params(spec: TaskSpec, params: Mapping[str, Any] | None) -> BaseModel:
    """Build the task's params model; a UserError names each bad field."""
    try:
        return spec.params_model.model_validate(dict(params or {}))
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'params'}: {err['msg']}"
            for err in exc.errors())
        raise UserError(f"{spec.name}: invalid parameters: {problems}") from exc


def dedupe_key(task: str, version: str, hashes: Sequence[str], params: Mapping[str, Any]) -> str:
    """Identity of a request: same task version, same input bytes and same params."""
    blob = json.dumps([task, version, list(hashes), dict(params)], sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def submit_job(task: str, inputs: Sequence[str | Path], params: Mapping[str, Any] | None = None,
               *, actor: str = "cli", batch_id: str | None = None,
               priority: str = "batch", store: Store | None = None) -> Job:
    """Validate a request and store it as a queued job (raises UserError before storing).

    A request that fails validation still leaves a failed job with the message when the
    task itself is known, so the failure is visible in the jobs list.
    """
    store = store or Store()
    spec = resolve_task(task)
    raw_inputs = [{"path": str(Path(p).expanduser().resolve())} for p in inputs]
    try:
        paths = validate_inputs(spec, inputs)
        model = validate_params(spec, params)
    except UserError as exc:
        job = store.create_job(Job(task=spec.name, task_version=spec.version,
                                   queue=spec.queue_name, inputs=raw_inputs,
                                   params=dict(params or {}), actor=actor, batch_id=batch_id,
                                   priority=priority))
        store.finish_job(job.id, "failed", error=str(exc), error_kind="user")
        exc.job_id = job.id  # type: ignore[attr-defined]
        raise
    hashes = [sha256_path(p) for p in paths]
    clean_params = model.model_dump(mode="json", exclude_unset=True)
    job = Job(task=spec.name, task_version=spec.version, queue=spec.queue_name,
              inputs=[{"path": str(p), "sha256": h, "kind": "folder" if p.is_dir() else "file"}
                      for p, h in zip(paths, hashes, strict=True)],
              params=clean_params, actor=actor, batch_id=batch_id, priority=priority,
              dedupe_key=dedupe_key(spec.name, spec.version, hashes, clean_params))
    return store.create_job(job)


def worker_name() -> str:
    """How an in-process (inline) run names itself in the job's ``worker`` column.

    The ``inline:`` prefix tells the reaper this job is not owned by a queue worker.
    """
    return f"inline:{socket.gethostname()}:{os.getpid()}"


def execute_job(job_id: str, *, store: Store | None = None, worker: str | None = None,
                raise_transient: bool = False) -> dict[str, Any] | None:
    """Run a queued job to its end; returns the stored result payload (None unless succeeded).

    Redelivery after a worker crash finds the job still ``running`` and runs it again;
    a job already final is left alone, so each job completes exactly once in the store.
    """
    from core.config import get_settings

    store = store or Store()
    me = f"{worker}#{os.getpid()}" if worker else worker_name()
    job = store.claim_job(job_id, me, owner_alive=lambda owner: owner_alive(owner, store))
    if job is None:
        return store.get_result(job_id)
    try:
        spec = resolve_task(job.task)
    except UserError as exc:
        store.finish_job(job_id, "failed", error=str(exc), error_kind="user")
        return None
    artifacts_dir = get_settings().artifacts_dir / job_id
    logger = _job_logger(job_id, artifacts_dir)
    ctx = TaskContext(job_id=job_id, spec=spec, store=store, artifacts_dir=artifacts_dir,
                      actor=job.actor, logger=logger, interactive=job.priority == "interactive")
    try:
        paths = [Path(item["path"]) for item in job.inputs]
        for path in paths:
            if not path.exists():
                raise UserError(f"{path}: input disappeared before the job ran")
        params = validate_params(spec, job.params)
        ctx.check_cancelled()
        logger.info("running %s v%s on %s", spec.name, spec.version, [str(p) for p in paths])
        result = spec.run(ctx, paths, params)
        if not isinstance(result, spec.result_model):
            result = spec.result_model.model_validate(
                result.model_dump() if isinstance(result, BaseModel) else result)
        result = get_host().postprocess(spec, result, ctx)
        payload = json.loads(result.model_dump_json())
        store.seal_artifacts(job_id)
        store.finish_job(job_id, "succeeded", payload=payload)
        logger.info("succeeded")
        return payload
    except JobCancelled as exc:
        store.finish_job(job_id, "cancelled", error=str(exc), error_kind="cancelled")
        return None
    except UserError as exc:
        logger.error("failed: %s", exc)
        store.finish_job(job_id, "failed", error=str(exc), error_kind="user")
        return None
    except TransientError as exc:
        logger.warning("transient: %s", exc)
        if raise_transient:
            raise
        store.finish_job(job_id, "failed", error=f"temporary problem: {exc}",
                         error_kind="transient")
        return None
    except (MemoryError, ValidationError, Exception) as exc:  # noqa: B014 - a bug must not vanish
        logger.error("internal error: %s\n%s", exc, traceback.format_exc())
        store.finish_job(job_id, "failed", error=f"internal error in {job.task}: "
                         f"{type(exc).__name__}: {exc}", error_kind="internal")
        return None
    finally:
        for handler in list(logger.handlers):
            handler.close()
            logger.removeHandler(handler)


def owner_alive(owner: str, store: Store) -> bool:
    """Whether the process recorded as running a job still exists.

    Owners look like ``celery-host@machine#pid`` or ``inline:machine:pid``. On this
    machine the pid is checked directly; elsewhere the owner's worker heartbeat decides.
    """
    if owner.startswith("inline:"):
        _, machine, pid = owner.split(":", 2)
        return machine != socket.gethostname() or _pid_alive(int(pid))
    hostname, _, pid = owner.partition("#")
    if hostname.endswith("@" + socket.gethostname()) and pid.isdigit():
        return _pid_alive(int(pid))
    return any(hb.hostname == hostname for hb in store.live_workers())


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _job_logger(job_id: str, folder: Path) -> logging.Logger:
    folder.mkdir(parents=True, exist_ok=True)
    logger = logging.getLogger(f"enclave.job.{job_id}")
    logger.setLevel(logging.INFO)
    handler = logging.FileHandler(folder / "job.log", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger.addHandler(handler)
    return logger


def job_log_path(job_id: str) -> Path:
    """Where a job's log lines are written."""
    from core.config import get_settings
    return get_settings().artifacts_dir / job_id / "job.log"


def run_task(task: str, inputs: Sequence[str | Path], params: Mapping[str, Any] | None = None,
             *, actor: str = "cli", store: Store | None = None,
             priority: str = "interactive") -> tuple[Job, dict[str, Any] | None]:
    """Submit and execute a job in this process; returns the final job and its result payload."""
    store = store or Store()
    job = submit_job(task, inputs, params, actor=actor, store=store, priority=priority)
    payload = execute_job(job.id, store=store)
    return store.get_job(job.id), payload
