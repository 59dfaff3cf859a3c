"""ui.kit: the helpers domain pages call (submit -> queue -> wait_for, uploads, errors)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.ui.conftest import FIXTURE_PAGES, app_as, page_path, texts


def _echo_page(user: str) -> AppTest:
    return app_as(user).switch_page(page_path(FIXTURE_PAGES / "medical_echo.py")).run()


def test_submit_goes_through_the_queue_and_wait_for_returns_the_result(
        ui_host, store, inline_queue, tmp_path):
    note = tmp_path / "note.txt"
    note.write_text("left knee pain\nno trauma\nx-ray ordered\n", encoding="utf-8")
    at = _echo_page("cleo")
    assert "No notes yet." in texts(at, "info")
    at.text_input(key="echo_path").input(str(note))
    at.button(key="echo_run").click().run()
    assert not at.exception and not texts(at, "error")
    assert len(inline_queue) == 1
    job = store.get_job(inline_queue[0])
    assert (job.status, job.actor, job.priority) == ("succeeded", "cleo", "interactive")
    assert job.params == {"upper": True}
    assert "39 characters" in texts(at, "success")
    assert f"{job.id}: 39 characters" in [m.value for m in at.markdown]
    assert at.session_state[f"enclave_last_job.{job.task}"] == job.id


def test_a_failed_job_shows_its_message_not_a_traceback(ui_host, store, inline_queue, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n", encoding="utf-8")
    at = _echo_page("cleo")
    at.text_input(key="echo_path").input(str(empty))
    at.button(key="echo_run").click().run()
    assert not at.exception
    assert texts(at, "error") == [f"{empty}: the note is empty; dictate or type something first"]


def test_a_rejected_request_shows_why_and_is_recorded(ui_host, store, inline_queue, tmp_path):
    wrong = tmp_path / "scan.pdf"
    wrong.write_bytes(b"%PDF-1.4\n")
    at = _echo_page("cleo")
    at.text_input(key="echo_path").input(str(wrong))
    at.button(key="echo_run").click().run()
    assert not at.exception
    assert any("wrong file type .pdf" in e for e in texts(at, "error"))
    assert inline_queue == []  # nothing reached the queue
    failed = store.list_jobs(task="medical.uitest_echo", status="failed")
    assert len(failed) == 1 and failed[0].actor == "cleo"


def test_wait_for_gives_up_politely_when_no_worker_runs(ui_host, store, tmp_path, monkeypatch):
    import workers.dispatch
    monkeypatch.setattr(workers.dispatch, "enqueue_job", lambda job_id, store=None: None)
    note = tmp_path / "n.txt"
    note.write_text("x\n", encoding="utf-8")
    at = AppTest.from_string(
        "from pathlib import Path\nfrom ui import kit\n"
        f"job = kit.submit('medical.uitest_echo', [Path({str(note)!r})], {{}})\n"
        "kit.wait_for(job, timeout_s=0.3, poll_s=0.1)\n")
    at.session_state["enclave_user"] = "cleo"
    at.run()
    assert not at.exception
    assert any("still queued" in i and "Jobs page" in i for i in texts(at, "info"))


def test_save_upload_is_content_addressed(ui_host, store, enclave_home):
    at = AppTest.from_string(
        "import io\nimport streamlit as st\nfrom ui import kit\n"
        "class Upload(io.BytesIO):\n    name = '../../etc/Contract 2024.pdf'\n"
        "a = kit.save_upload(Upload(b'%PDF-1.4 same bytes'))\n"
        "b = kit.save_upload(Upload(b'%PDF-1.4 same bytes'))\n"
        "c = kit.save_upload(Upload(b'%PDF-1.4 other bytes'))\n"
        "st.text(str(a)); st.text(str(b)); st.text(str(c))\n")
    at.session_state["enclave_user"] = "ana"
    at.run()
    a, b, c = (t.value for t in at.text)
    assert a == b != c
    from pathlib import Path
    pa = Path(a)
    assert pa.name == "Contract_2024.pdf"  # no path traversal, no spaces
    assert pa.parent.parent == enclave_home / "uploads"
    import hashlib
    assert pa.parent.name == hashlib.sha256(b"%PDF-1.4 same bytes").hexdigest()
    assert pa.read_bytes() == b"%PDF-1.4 same bytes"
    assert len(store.audit_events(action="file.upload", actor="ana")) == 3


def test_require_role_without_sign_in(ui_host):
    at = AppTest.from_file(str(FIXTURE_PAGES / "finance_count.py")).run()
    assert texts(at, "warning") == ["Please sign in to use Enclave."]
    assert not texts(at, "title")


def test_submit_warns_when_no_worker_serves_the_queue(ui_host, store, inline_queue, tmp_path):
    note = tmp_path / "note.txt"
    note.write_text("one line\n", encoding="utf-8")
    at = _echo_page("cleo")
    at.text_input(key="echo_path").input(str(note))
    at.button(key="echo_run").click().run()
    assert any("No worker is serving the medical queue" in w for w in texts(at, "warning"))
    store.heartbeat("w@test", ["medical"], 1)
    at.button(key="echo_run").click().run()
    assert not [w for w in texts(at, "warning") if "No worker" in w]


def test_get_result_checks_roles_and_audits_the_view(ui_host, store, tmp_path):
    from core.runner import run_task

    note = tmp_path / "note.txt"
    note.write_text("fine\n", encoding="utf-8")
    job, payload = run_task("medical.uitest_echo", [note], actor="cleo")
    script = ("import streamlit as st\nfrom ui import kit\n"
              f"st.text(repr(kit.get_result({job.id!r})))\n"
              f"kit.download_button('Export', 'x', file_name='x.txt', object_id={job.id!r})\n")
    for user, expected in (("cleo", repr(payload)), ("ana", "None")):
        at = AppTest.from_string(script)
        at.session_state["enclave_user"] = user
        at.run()
        assert at.text[0].value == expected
    actions = {(e.actor, e.action) for e in store.audit_events(object_id=job.id)}
    assert ("cleo", "result.view") in actions and ("ana", "access.denied") in actions
    assert ("ana", "result.view") not in actions
