"""Helpers every Streamlit page uses: identity, role checks, submitting work, showing results.

Pages stay thin: they render forms and results and call these helpers. Work never runs in
the page process: :func:`submit` stores a job and hands it to the queue, :func:`wait_for`
polls the job's progress fields. Every view of a result and every change is audited
through :func:`audit`, with the signed-in user as the actor.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import streamlit as st

from core.errors import EnclaveError, UserError

if TYPE_CHECKING:
    from core.storage import Job
    from core.store import Store

log = logging.getLogger("enclave.ui")

#: Session-state key holding the signed-in username (set by the sign-in form in ui/app.py).
USER_KEY = "enclave_user"
_SEEN_KEY = "enclave_audited_views"
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


# ---- identity and access ------------------------------------------------------------------
def store() -> Store:
    """The job store (engines are cached per database URL, so this is cheap to call)."""
    from core.store import Store
    return Store()


def current_user() -> str:
    """The signed-in username, or "" when nobody is signed in."""
    return str(st.session_state.get(USER_KEY) or "")


def current_roles() -> set[str]:
    """Roles of the signed-in user, read from the store on each call so revocation is immediate."""
    from core.auth import user_roles
    username = current_user()
    return user_roles(username) if username else set()


def sign_out() -> None:
    """Forget the signed-in user (audited); used as the sidebar button's callback."""
    user = current_user()
    if user:
        audit("user.sign_out", "user", user)
    for key in list(st.session_state.keys()):
        if key == USER_KEY or key == _SEEN_KEY:
            del st.session_state[key]


def has_role(*roles: str) -> bool:
    """True when the signed-in user is admin or holds one of ``roles`` (no roles = any user)."""
    if not current_user():
        return False
    held = current_roles()
    if "admin" in held:
        return True
    return not roles or bool(held & set(roles))


def require_role(*roles: str) -> None:
    """Stop the page unless the signed-in user is admin or holds one of ``roles``."""
    if not current_user():
        st.warning("Please sign in to use Enclave.")
        st.stop()
    if not has_role(*roles):
        st.error(f"Access denied: this page needs the role {' or '.join(roles)} "
                 f"(you are signed in as {current_user()}). Ask an administrator.")
        audit("access.denied", "page", ",".join(roles))
        st.stop()


def can_access_task(task: str) -> bool:
    """True when the signed-in user may submit or see results of ``task`` (by its domain)."""
    from core.auth import roles_for_domain
    return has_role(*roles_for_domain(task.split(".", 1)[0]))


def page_header(title: str, domain: str) -> None:
    """Title, domain caption and who is signed in: the same look on every page."""
    from ui.theme import DOMAIN_ICONS
    icon = DOMAIN_ICONS.get(domain, "")
    st.title(f"{icon} {title}".strip())
    user = current_user()
    st.caption(f"{domain.capitalize()} · signed in as **{user}**" if user
               else domain.capitalize())


# ---- audit --------------------------------------------------------------------------------
def audit(action: str, object_type: str, object_id: str, **detail: Any) -> None:
    """Record an audit event with the signed-in user as the actor."""
    store().audit(current_user() or "anonymous", action, object_type, str(object_id), **detail)


def audit_view_once(object_type: str, object_id: str, action: str = "result.view",
                    **detail: Any) -> None:
    """Audit a view the first time this session shows the object (reruns are not new views)."""
    seen: set[tuple[str, str, str]] = st.session_state.setdefault(_SEEN_KEY, set())
    key = (action, object_type, str(object_id))
    if key not in seen:
        audit(action, object_type, object_id, **detail)
        seen.add(key)


# ---- errors -------------------------------------------------------------------------------
def show_error(exc: BaseException) -> None:
    """Show an exception as a message: the text for user errors, a short line for bugs."""
    if isinstance(exc, EnclaveError):
        st.error(str(exc))
        return
    log.exception("page error", exc_info=exc)
    st.error(f"Something went wrong ({type(exc).__name__}: {exc}). "
             "The details are in the server log; please tell your administrator.")


# ---- uploads and jobs ---------------------------------------------------------------------
def uploads_dir() -> Path:
    """Where uploaded files are kept: ENCLAVE_HOME/uploads."""
    from core.config import get_settings
    return get_settings().home / "uploads"


def save_upload(uploaded_file: Any) -> Path:
    """Store an uploaded file under uploads/<sha256>/<name> and return its path.

    Content addressing means the same bytes uploaded twice land in the same place, so the
    job's dedupe key (input hashes) and the file on disk agree; the original name is kept
    because tasks recognise inputs by extension.
    """
    data = uploaded_file.getvalue() if hasattr(uploaded_file, "getvalue") else uploaded_file.read()
    digest = hashlib.sha256(data).hexdigest()
    name = _SAFE_NAME.sub("_", Path(getattr(uploaded_file, "name", "upload")).name) or "upload"
    folder = uploads_dir() / digest
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if not path.exists():
        tmp = path.with_suffix(path.suffix + ".part")
        tmp.write_bytes(data)
        tmp.replace(path)
    audit("file.upload", "upload", digest, name=name, size_bytes=len(data))
    return path


def submit(task: str, files: list[Path], params: dict[str, Any] | None = None) -> str:
    """Queue ``task`` on ``files`` for the signed-in user and return the job id.

    Validation errors (wrong file type, bad params) are shown as a message and stop the
    page; the job still appears as failed in the jobs browser with the same message.
    """
    from core.runner import submit_job

    if not can_access_task(task):
        st.error(f"Access denied: you may not run {task}.")
        audit("access.denied", "task", task)
        st.stop()
    try:
        job = submit_job(task, [Path(f) for f in files], dict(params or {}),
                         actor=current_user() or "anonymous", priority="interactive",
                         store=store())
    except UserError as exc:
        st.error(str(exc))
        st.stop()
    enqueue(job.id)
    st.session_state[f"enclave_last_job.{task}"] = job.id
    _warn_if_unserved(job.queue)
    return job.id


def _warn_if_unserved(queue: str) -> None:
    """Say so when no live worker consumes ``queue``: the job would wait silently."""
    try:
        from workers.dispatch import workers_for
        serving = workers_for(queue)
    except Exception:  # noqa: BLE001 - a missing heartbeat table must not block submitting
        return
    if not serving:
        st.warning(f"No worker is serving the {queue} queue right now: the job waits until "
                   f"one starts (`enclave worker --queues {queue}`, or `enclave up`).")


def enqueue(job_id: str) -> None:
    """Hand a stored job to the queue (the lead's workers.dispatch.enqueue_job)."""
    try:
        from workers.dispatch import enqueue_job
    except ImportError as exc:  # the queue package is missing from this install
        st.error(f"The job queue is not available ({exc}); job {job_id} stays queued.")
        return
    enqueue_job(job_id)


def last_job(task: str) -> str | None:
    """The id of the job this session last submitted for ``task`` (survives reruns)."""
    return st.session_state.get(f"enclave_last_job.{task}")


def wait_for(job_id: str, timeout_s: float = 300.0, poll_s: float = 0.5) -> dict[str, Any] | None:
    """Show a progress bar until the job ends; return its payload, or show why it did not.

    Failures show the job's error message (never a traceback); a job still running at
    ``timeout_s`` leaves a note pointing to the jobs browser and returns None.
    """
    st_store = store()
    bar = st.progress(0.0, text="Queued…")
    deadline = time.monotonic() + timeout_s
    job = st_store.get_job(job_id)
    while job is not None and job.status in ("queued", "running"):
        bar.progress(_fraction(job), text=_progress_text(job))
        if time.monotonic() >= deadline:
            st.info(f"Job {job_id} is still {job.status}; follow it on the Jobs page.")
            return None
        time.sleep(poll_s)
        job = st_store.get_job(job_id)
    if job is None:
        bar.empty()
        st.error(f"Job {job_id} does not exist.")
        return None
    if job.status == "succeeded":
        bar.progress(1.0, text="Done")
        payload = st_store.get_result(job_id)
        audit_view_once("job", job_id, task=job.task)
        return payload
    bar.empty()
    if job.status == "cancelled":
        st.warning(f"Job {job_id} was cancelled.")
    else:
        st.error(job.error or f"Job {job_id} failed.")
    return None


def _fraction(job: Job) -> float:
    if job.progress_total and job.progress_total > 0:
        return max(0.0, min(1.0, job.progress_done / job.progress_total))
    return 0.0


def _progress_text(job: Job) -> str:
    if job.status == "queued":
        return "Queued, waiting for a worker…"
    pct = f"{_fraction(job):.0%}"
    return f"{pct} {job.progress_message}".strip() if job.progress_message else f"Running… {pct}"


def get_result(job_id: str) -> dict[str, Any] | None:
    """A job's result payload if the signed-in user may see its task (view audited once)."""
    job = store().get_job(job_id)
    if job is None or not can_access_task(job.task):
        if job is not None:
            audit("access.denied", "job", job_id, task=job.task)
        return None
    payload = store().get_result(job_id)
    if payload is not None:
        audit_view_once("job", job_id, task=job.task)
    return payload


def download_button(label: str, data: bytes | str, *, file_name: str, object_id: str,
                    mime: str | None = None, object_type: str = "job",
                    key: str | None = None, **detail: Any) -> bool:
    """``st.download_button`` whose click is audited as an export of ``object_id``."""
    return st.download_button(label, data, file_name=file_name, mime=mime, key=key,
                              on_click=audit, args=("result.export", object_type, object_id),
                              kwargs={"file_name": file_name, **detail})


def recent_results(task: str, limit: int = 10) -> list[tuple[Job, dict[str, Any]]]:
    """The newest succeeded jobs of ``task`` with their payloads (views are audited once)."""
    if not can_access_task(task):
        return []
    st_store = store()
    jobs = st_store.list_jobs(task=task, status="succeeded", limit=limit)
    payloads = st_store.results_for([j.id for j in jobs]) if jobs else {}
    out = [(j, payloads[j.id]) for j in jobs if j.id in payloads]
    for job, _ in out:
        audit_view_once("job", job.id, task=task)
    return out
