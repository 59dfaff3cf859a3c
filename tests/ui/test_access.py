"""Access control: pages, jobs and downloads are allowed by role (admin sees everything)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.ui.conftest import FIXTURE_PAGES, app_as, page_path, texts

MEDICAL_PAGE = FIXTURE_PAGES / "medical_echo.py"


def _registered(at: AppTest, script) -> bool:
    try:
        at.switch_page(page_path(script))
    except ValueError:
        return False
    return True


def _medical_job(tmp_path):
    from core.runner import run_task
    note = tmp_path / "note.txt"
    note.write_text("CT head: no bleed\n", encoding="utf-8")
    job, payload = run_task("medical.uitest_echo", [note], actor="cleo")
    assert payload is not None
    return job


def test_analyst_cannot_open_medical_pages(ui_host, store):
    at = app_as("ana")
    assert not _registered(at, MEDICAL_PAGE), "medical page must not be in an analyst's menu"
    assert _registered(app_as("ana"), FIXTURE_PAGES / "finance_count.py")
    assert _registered(app_as("cleo"), MEDICAL_PAGE)
    assert _registered(app_as("admin"), MEDICAL_PAGE)
    assert not _registered(app_as("cleo"), FIXTURE_PAGES / "finance_count.py")


def test_medical_page_refuses_an_analyst_even_when_run_directly(ui_host, store):
    at = AppTest.from_file(str(MEDICAL_PAGE))
    at.session_state["enclave_user"] = "ana"
    at.run()
    assert any("Access denied" in e for e in texts(at, "error"))
    assert not at.button  # nothing to submit
    assert ("ana", "access.denied") in [(e.actor, e.action) for e in store.audit_events()]


def test_analyst_cannot_see_or_download_medical_results(ui_host, store, tmp_path):
    job = _medical_job(tmp_path)
    at = app_as("ana")
    at.query_params["job"] = job.id
    at.switch_page("screens/jobs.py").run()
    assert any("Access denied" in e for e in texts(at, "error"))
    assert not at.get("download_button") or all(
        "result" not in b.label and "echo" not in b.label for b in at.get("download_button"))
    assert not at.json
    # nor does the medical job appear in the analyst's list
    assert not at.dataframe or job.id not in set(at.dataframe[0].value["id"])
    denied = [(e.actor, e.action) for e in store.audit_events(object_id=job.id)]
    assert ("ana", "access.denied") in denied
    assert ("ana", "result.view") not in denied


def test_clinician_can_download_medical_results(ui_host, store, tmp_path):
    job = _medical_job(tmp_path)
    at = app_as("cleo")
    at.query_params["job"] = job.id
    at.switch_page("screens/jobs.py").run()
    assert not texts(at, "error")
    labels = [b.label for b in at.get("download_button")]
    assert "Download result (JSON)" in labels and "Download echo.txt" in labels


@pytest.mark.parametrize("user,expected", [("ana", 0), ("cleo", 1), ("admin", 1)])
def test_recent_results_follow_roles(ui_host, store, tmp_path, user, expected):
    _medical_job(tmp_path)
    script = AppTest.from_string(
        "import streamlit as st\n"
        "from ui import kit\n"
        "st.text(str(len(kit.recent_results('medical.uitest_echo', 5))))\n")
    script.session_state["enclave_user"] = user
    script.run()
    assert script.text[0].value == str(expected)


def test_submit_refuses_tasks_outside_the_users_domains(ui_host, store, tmp_path, inline_queue):
    note = tmp_path / "n.txt"
    note.write_text("x\n", encoding="utf-8")
    at = AppTest.from_string(
        "from pathlib import Path\nfrom ui import kit\n"
        f"kit.submit('medical.uitest_echo', [Path({str(note)!r})], {{}})\n")
    at.session_state["enclave_user"] = "ana"
    at.run()
    assert any("Access denied" in e for e in texts(at, "error"))
    assert inline_queue == [] and store.list_jobs(task="medical.uitest_echo") == []
