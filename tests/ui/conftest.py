"""Fixtures for the UI tests: a small test plugin (tasks + pages), users and seeded jobs.

The test plugin has real, cheap tasks in the medical and finance domains so access control
and the submit -> queue -> wait_for path are exercised end to end without loading models.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import bcrypt
import pytest
from pydantic import BaseModel
from streamlit.testing.v1 import AppTest

from core.errors import UserError
from core.hookspecs import PageSpec, hookimpl
from core.tasks import InputSpec, TaskSpec
from tests.ui.seeding import add_user

UI_DIR = Path(__file__).resolve().parents[2] / "ui"
APP = UI_DIR / "app.py"
FIXTURE_PAGES = Path(__file__).resolve().parent / "fixture_pages"
PASSWORD = "correct horse 1"


class EchoParams(BaseModel):
    upper: bool = False


class EchoResult(BaseModel):
    characters: int
    first_line: str


def _echo(ctx, inputs, params: EchoParams) -> EchoResult:
    text = inputs[0].read_text(encoding="utf-8")
    if not text.strip():
        raise UserError(f"{inputs[0]}: the note is empty; dictate or type something first")
    lines = text.splitlines()
    for i, _line in enumerate(lines, 1):
        ctx.progress(i, len(lines), f"line {i}")
    out = ctx.artifact("echo.txt", kind="text", description="the note, echoed")
    out.write_text(text.upper() if params.upper else text, encoding="utf-8")
    ctx.log.info("echoed %d characters", len(text))
    first = lines[0]
    return EchoResult(characters=len(text), first_line=first.upper() if params.upper else first)


class UiTestPlugin:
    """Hook implementations for the tests (a real plugin object, registered per test)."""

    @hookimpl
    def enclave_register_tasks(self, register):
        register(TaskSpec(name="medical.uitest_echo", title="Echo a note", run=_echo,
                          result_model=EchoResult, params_model=EchoParams,
                          inputs=InputSpec(extensions=(".txt",))))
        register(TaskSpec(name="finance.uitest_count", title="Count", run=_echo,
                          result_model=EchoResult, params_model=EchoParams,
                          inputs=InputSpec(extensions=(".txt",))))

    @hookimpl
    def enclave_register_pages(self, register):
        register(PageSpec(domain="medical", title="Echo notes",
                          script=FIXTURE_PAGES / "medical_echo.py"))
        register(PageSpec(domain="finance", title="Count words",
                          script=FIXTURE_PAGES / "finance_count.py", roles=("analyst",)))
        register(PageSpec(domain="finance", title="Broken",
                          script=FIXTURE_PAGES / "broken.py", order=200))


@pytest.fixture(scope="session")
def password_hash() -> str:
    """One cheap bcrypt hash (cost 4) shared by every test user."""
    return bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()


@pytest.fixture
def ui_host(register_plugin, store, password_hash):
    """The test plugin registered alone, with users admin, ana (analyst), cleo (clinician)."""
    host = register_plugin(UiTestPlugin())
    add_user(store, "admin", "admin", password_hash)
    add_user(store, "ana", "analyst", password_hash)
    add_user(store, "cleo", "clinician", password_hash)
    add_user(store, "gone", "clinician", password_hash, active=False)
    return host


@pytest.fixture
def inline_queue(monkeypatch):
    """Replace the Celery hand-off with a thread that executes the job, like a worker would.

    Returns the list of job ids that were enqueued.
    """
    from core.runner import execute_job

    enqueued: list[str] = []
    threads: list[threading.Thread] = []

    def enqueue_job(job_id: str, store=None) -> None:
        enqueued.append(job_id)
        t = threading.Thread(target=execute_job, args=(job_id,), daemon=True)
        t.start()
        threads.append(t)

    import workers.dispatch
    monkeypatch.setattr(workers.dispatch, "enqueue_job", enqueue_job)
    yield enqueued
    for t in threads:
        t.join(timeout=30)


def app_as(user: str | None, timeout_s: float = 60) -> AppTest:
    """The app, signed in as ``user`` (None: signed out), after its first run."""
    at = AppTest.from_file(str(APP), default_timeout=timeout_s)
    if user:
        at.session_state["enclave_user"] = user
    return at.run()


def page_path(script: Path) -> str:
    """A plugin page's path relative to ui/app.py, as AppTest.switch_page wants it."""
    return os.path.relpath(Path(script).resolve(), UI_DIR)


def texts(at: AppTest, kind: str) -> list[str]:
    """Values of every element of ``kind`` (error, warning, info, success, title...)."""
    return [str(e.value) for e in getattr(at, kind)]
