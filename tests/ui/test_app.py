"""AppTest runs of the built-in pages: sign-in, Home, Jobs browser, Audit, error handling."""

from __future__ import annotations

import json

from tests.ui.conftest import FIXTURE_PAGES, PASSWORD, app_as, page_path, texts
from tests.ui.seeding import seed_jobs

TASKS = ["medical.uitest_echo", "finance.uitest_count"]


def _sign_in(at, username: str, password: str):
    at.text_input(key="signin_username").input(username)
    at.text_input(key="signin_password").input(password)
    at.button[0].click()
    return at.run()


def test_sign_in_gate(ui_host, store):
    at = app_as(None)
    assert texts(at, "title") == [":material/shield_lock: Enclave"]
    _sign_in(at, "ana", "wrong password")
    assert "Unknown user or wrong password." in texts(at, "error")
    assert not at.session_state["enclave_user"] if "enclave_user" in at.session_state else True
    _sign_in(at, "gone", PASSWORD)  # deactivated accounts cannot sign in
    assert "Unknown user or wrong password." in texts(at, "error")
    _sign_in(at, "ana", PASSWORD)
    assert not at.exception
    assert texts(at, "title") == ["Home"]
    actions = [(e.actor, e.action) for e in store.audit_events(action="user.sign_in")]
    assert ("ana", "user.sign_in") in actions
    assert ("ana", "user.sign_in_failed") in actions


def test_first_run_without_accounts_says_how_to_create_one(enclave_home):
    at = app_as(None)
    assert any("enclave users add admin --role admin" in w for w in texts(at, "warning"))


def test_home_shows_status_with_seeded_jobs(ui_host, store):
    seed_jobs(store, TASKS, 60)
    store.heartbeat("w1@test", ["finance", "medical"], 123)
    at = app_as("admin")
    assert not at.exception
    assert texts(at, "title") == ["Home"]
    metrics = {m.label: m.value for m in at.metric}
    counts = store.count_jobs()
    assert metrics["Succeeded"] == f"{counts['succeeded']:,}"
    assert metrics["Failed"] == f"{counts.get('failed', 0):,}"
    subheaders = texts(at, "subheader")
    for section in ("Workers", "Queues", "Models", "Disk", "Recent jobs", "Recent failures"):
        assert section in subheaders
    workers = at.dataframe[0].value
    assert list(workers["worker"]) == ["w1@test"]
    queues = at.dataframe[1].value.set_index("queue")
    assert queues.loc["finance", "queued jobs"] == store.queue_depths().get("finance", 0)
    assert queues.loc["finance", "served"] == "yes" and queues.loc["logistics", "served"] == "no"


def test_home_empty_states(ui_host):
    at = app_as("ana")
    assert not at.exception
    infos = " ".join(texts(at, "info"))
    assert "No worker is running" in infos and "No jobs yet" in infos
    assert "No failed jobs." in texts(at, "success")


def test_home_lists_only_jobs_of_the_users_domains(ui_host, store):
    seed_jobs(store, TASKS, 40)
    at = app_as("ana")
    recent = at.dataframe[-2].value  # recent jobs table (failures table is last)
    assert len(recent) and set(recent["task"]) == {"finance.uitest_count"}


def test_jobs_browser_filters_pages_and_opens_a_job(ui_host, store):
    seed_jobs(store, TASKS, 130)
    at = app_as("admin").switch_page("screens/jobs.py").run()
    assert not at.exception
    first_page = at.dataframe[0].value
    assert len(first_page) == 50
    assert list(first_page["created"]) == sorted(first_page["created"], reverse=True)
    at.button(key="jobs_next").click().run()
    second = at.dataframe[0].value
    assert len(second) == 50 and not set(second["id"]) & set(first_page["id"])
    at.selectbox(key="jobs_status").select("failed").run()  # filters reset to page 1
    failed = at.dataframe[0].value
    assert set(failed["status"]) == {"failed"}
    assert len(failed) == min(50, store.count_jobs().get("failed", 0))
    at.selectbox(key="jobs_task").select("medical.uitest_echo").run()
    assert set(at.dataframe[0].value["task"]) == {"medical.uitest_echo"}

    job_id = at.dataframe[0].value["id"].iloc[0]
    at.selectbox(key="jobs_open").select(job_id).run()
    assert at.query_params["job"] == [job_id] or at.query_params["job"] == job_id
    assert f"Job {job_id} · medical.uitest_echo" in texts(at, "subheader")
    assert store.get_job(job_id).error in texts(at, "error")
    assert [e.action for e in store.audit_events(object_id=job_id)][0] == "job.view"


def test_job_detail_result_artefacts_log_and_downloads(ui_host, store, inline_queue, tmp_path):
    from core.runner import run_task

    note = tmp_path / "note.txt"
    note.write_text("patient stable\nreview in 2 weeks\n", encoding="utf-8")
    job, payload = run_task("medical.uitest_echo", [note], {"upper": True}, actor="cleo")
    at = app_as("cleo")
    at.query_params["job"] = job.id
    at.switch_page("screens/jobs.py").run()
    assert not at.exception
    labels = [b.label for b in at.get("download_button")]
    assert "Download result (JSON)" in labels and "Download result (CSV)" in labels
    assert "Download echo.txt" in labels
    assert any("running medical.uitest_echo" in c.value for c in at.code)
    assert any(json.loads(j.value) == payload for j in at.json)
    views = [e.action for e in store.audit_events(actor="cleo", object_id=job.id)]
    assert "job.view" in views and "result.view" in views


def test_retry_and_cancel(ui_host, store, inline_queue, tmp_path):
    from core.runner import run_task

    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    failed, _ = run_task("medical.uitest_echo", [empty], actor="cleo")
    assert failed.status == "failed"
    at = app_as("cleo")
    at.query_params["job"] = failed.id
    at.switch_page("screens/jobs.py").run()
    assert any("the note is empty" in e for e in texts(at, "error"))
    at.button(key="job_retry").click().run()
    assert inline_queue == [failed.id]
    actions = [e.action for e in store.audit_events(object_id=failed.id)]
    assert "job.retry" in actions

    note = tmp_path / "n.txt"
    note.write_text("x\n", encoding="utf-8")
    from core.runner import submit_job
    queued = submit_job("medical.uitest_echo", [note], actor="cleo")
    at.query_params["job"] = queued.id
    at.run()
    at.button(key="job_cancel").click().run()
    assert store.get_job(queued.id).status == "cancelled"
    assert ("cleo", "job.cancel") in [(e.actor, e.action)
                                      for e in store.audit_events(object_id=queued.id)]


def test_audit_page_for_admins_only(ui_host, store):
    store.audit("ana", "result.export", "job", "abc", format="csv")
    store.audit("cleo", "job.view", "job", "def")
    at = app_as("admin").switch_page("screens/audit.py").run()
    assert not at.exception
    table = at.dataframe[0].value
    assert {"ana", "cleo"} <= set(table["actor"])
    at.text_input(key="audit_actor").input("ana").run()
    table = at.dataframe[0].value
    assert set(table["actor"]) == {"ana"}
    assert "Download as CSV" in [b.label for b in at.get("download_button")]

    analyst = app_as("ana")
    try:
        analyst.switch_page("screens/audit.py")
        registered = True
    except ValueError:
        registered = False
    assert not registered, "the audit page must not be registered for non-admins"


def test_audit_page_refuses_a_non_admin_running_it_directly(ui_host):
    from streamlit.testing.v1 import AppTest

    from tests.ui.conftest import UI_DIR
    at = AppTest.from_file(str(UI_DIR / "screens" / "audit.py"))
    at.session_state["enclave_user"] = "ana"
    at.run()
    assert any("Access denied" in e for e in texts(at, "error"))
    assert not at.dataframe


def test_a_page_bug_is_a_message_not_a_traceback(ui_host):
    at = app_as("admin").switch_page(page_path(FIXTURE_PAGES / "broken.py")).run()
    assert not at.exception
    assert any("RuntimeError: page bug for the test" in e for e in texts(at, "error"))


def test_sign_out(ui_host, store):
    at = app_as("ana")
    at.button(key="enclave_sign_out").click().run()
    assert texts(at, "title") == [":material/shield_lock: Enclave"]
    assert store.audit_events(action="user.sign_out")[0].actor == "ana"


def test_paging_covers_every_visible_job_exactly_once(ui_host, store, password_hash):
    from tests.ui.seeding import add_user

    seed_jobs(store, [*TASKS, "system.echo"], 160)
    add_user(store, "multi", "analyst,clinician", password_hash)
    at = app_as("multi").switch_page("screens/jobs.py").run()
    seen: list[str] = []
    while True:
        seen += list(at.dataframe[0].value["id"])
        if at.button(key="jobs_next").disabled:
            break
        at.button(key="jobs_next").click().run()
    visible = {j.id for t in TASKS for j in store.list_jobs(task=t, limit=1000)}
    assert len(seen) == len(set(seen)) == len(visible) and set(seen) == visible
    last_page_start = (len(seen) - 1) // 50 * 50
    at.button(key="jobs_prev").click().run()  # back one page
    assert list(at.dataframe[0].value["id"]) == seen[last_page_start - 50:last_page_start]
    assert not at.exception


def test_home_prefers_model_status_published_by_live_workers(ui_host, store):
    from ui.views import WORKER_MODELS_KIND

    store.heartbeat("w1@test", ["medical"], 321)
    rows = [{"role": "embedder", "backend": "packaged", "loaded": True, "resident_mb": 87.5,
             "requests": 12, "p50_ms": 4.2, "p95_ms": 9.9}]
    store.put_record(WORKER_MODELS_KIND, "w1@test", {"rows": rows}, actor="w1@test")
    store.put_record(WORKER_MODELS_KIND, "dead@test", {"rows": rows}, actor="dead@test")
    at = app_as("admin")
    models = next(df.value for df in at.dataframe if "role" in df.value.columns)
    assert list(models["worker"]) == ["w1@test"]  # the dead worker's stale rows are hidden
    assert models["resident_mb"].iloc[0] == 87.5 and bool(models["loaded"].iloc[0])
