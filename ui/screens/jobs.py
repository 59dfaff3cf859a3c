"""Jobs browser: filter and page through jobs, open one, retry/cancel it, download its results.

Paging asks the store for one page (plus one row to know whether there is a next page),
so the page costs the same with ten jobs or a million. Only jobs of domains the user's
roles allow are listed or opened; every view, export and change is audited.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pandas as pd
import streamlit as st

from core.plugins import get_host
from core.runner import job_log_path
from core.storage import FINAL_STATUSES, JOB_STATUSES
from ui import kit, views

PAGE_SIZE = 50
MAX_INLINE_DOWNLOAD_BYTES = 200 * 1024 * 1024

kit.require_role()
kit.page_header("Jobs", "enclave")
store = kit.store()
roles = kit.current_roles()
domains = views.visible_domains(roles)


def _reset_page() -> None:
    st.session_state["jobs_cursors"] = [None]


def _open(job_id: str | None) -> None:
    if job_id:
        st.query_params["job"] = job_id
    else:
        st.query_params.pop("job", None)


# ---- filters ------------------------------------------------------------------------------
all_tasks = [t.name for t in get_host().tasks.all()]
domain_options = ["(all)"] + (sorted({t.split(".")[0] for t in all_tasks}) if domains is None
                              else list(domains))
f1, f2, f3, f4, f5 = st.columns([1.2, 1.6, 1.1, 1, 1])
domain = f1.selectbox("Domain", domain_options, key="jobs_domain", on_change=_reset_page)
task_options = ["(all)"] + [t for t in all_tasks if (domain == "(all)" or t.startswith(f"{domain}."))
                            and views.may_see_task(t, roles)]
task = f2.selectbox("Task", task_options, key="jobs_task", on_change=_reset_page)
status = f3.selectbox("Status", ["(all)", *JOB_STATUSES], key="jobs_status",
                      on_change=_reset_page)
date_from = f4.date_input("From", value=None, key="jobs_from", on_change=_reset_page)
date_to = f5.date_input("To (inclusive)", value=None, key="jobs_to", on_change=_reset_page)

query_domains = domains if domain == "(all)" else [domain]
since = datetime.combine(date_from, time.min, tzinfo=UTC) if date_from else None
until = datetime.combine(date_to, time.min, tzinfo=UTC) + timedelta(days=1) if date_to else None
# One cursor per page visited: the creation time the page starts below (None = newest).
cursors = st.session_state.setdefault("jobs_cursors", [None])
page_no = len(cursors) - 1
rows = views.list_visible_jobs(
    store, query_domains, task=None if task == "(all)" else task,
    status=None if status == "(all)" else status, since=since, until=until,
    before=cursors[-1], limit=PAGE_SIZE + 1)
has_next = len(rows) > PAGE_SIZE
jobs = rows[:PAGE_SIZE]

# ---- list ---------------------------------------------------------------------------------
if not jobs:
    unfiltered = (domain, task, status, date_from, date_to) == ("(all)", "(all)", "(all)",
                                                                None, None)
    st.info("No more jobs." if page_no else
            "No jobs yet: run a task from a domain page in the sidebar, or `enclave run`."
            if unfiltered else "No jobs match these filters.")
else:
    table = views.jobs_table(jobs)
    st.dataframe(pd.DataFrame(table), hide_index=True, width="stretch")
    p1, p2, p3, p4 = st.columns([1, 1, 3, 2])
    if p1.button("◀ Newer", disabled=page_no == 0, key="jobs_prev"):
        cursors.pop()
        st.rerun()
    if p2.button("Older ▶", disabled=not has_next, key="jobs_next"):
        cursors.append(jobs[-1].created_at)
        st.rerun()
    p3.caption(f"Page {page_no + 1} · jobs {page_no * PAGE_SIZE + 1}–"
               f"{page_no * PAGE_SIZE + len(jobs)}")
    p4.download_button("Download this list (CSV)", views.rows_to_csv(table),
                       file_name="enclave-jobs.csv", mime="text/csv", key="jobs_csv",
                       on_click=kit.audit, args=("jobs.export", "job_list", f"page{page_no}"),
                       kwargs={"rows": len(table), "format": "csv"})
    labels = {j.id: f"{j.id} · {j.task} · {j.status}" for j in jobs}
    st.selectbox("Open a job", list(labels), format_func=labels.get, index=None,
                 placeholder="Choose a job from this page", key="jobs_open",
                 on_change=lambda: _open(st.session_state.get("jobs_open")))

# ---- detail -------------------------------------------------------------------------------
job_id = st.query_params.get("job")
if not job_id:
    st.stop()
job = store.get_job(job_id)
if job is None:
    st.error(f"No job {job_id}.")
    st.stop()
if not views.may_see_task(job.task, roles):
    kit.audit("access.denied", "job", job_id, task=job.task)
    st.error(f"Access denied: your roles do not allow {job.task.split('.')[0]} jobs.")
    st.stop()
kit.audit_view_once("job", job_id, action="job.view", task=job.task)

st.divider()
st.subheader(f"Job {job.id} · {job.task}")
c1, c2, c3, c4 = st.columns(4)
c1.metric("Status", job.status)
c2.metric("Attempts", job.attempts)
c3.metric("Submitted by", job.actor)
c4.metric("Worker", (job.worker or "—").split("@")[0].split(":")[0])
if job.status in ("queued", "running"):
    frac = (job.progress_done / job.progress_total) if job.progress_total else 0.0
    st.progress(max(0.0, min(1.0, frac)), text=job.progress_message or job.status)
    if st.button("Refresh", key="job_refresh"):
        st.rerun()
if job.error:
    st.error(job.error)

a1, a2 = st.columns(2)
if a1.button("Retry", disabled=job.status not in ("failed", "cancelled"), key="job_retry",
             help="Queue this job again with the same inputs and parameters"):
    store.requeue_job(job.id, actor=kit.current_user())
    kit.enqueue(job.id)
    st.toast(f"Job {job.id} queued again")
    st.rerun()
if a2.button("Cancel", disabled=job.status in FINAL_STATUSES, key="job_cancel"):
    store.request_cancel(job.id, actor=kit.current_user())
    st.toast(f"Cancel requested for {job.id}")
    st.rerun()

tab_result, tab_inputs, tab_artifacts, tab_log = st.tabs(
    ["Result", "Inputs & parameters", "Artefacts", "Log"])
with tab_result:
    payload = store.get_result(job.id)
    if payload is None:
        st.info("No result yet." if job.status not in FINAL_STATUSES
                else "This job produced no result.")
    else:
        kit.audit_view_once("job", job.id, task=job.task)
        d1, d2 = st.columns(2)
        d1.download_button("Download result (JSON)", json.dumps(payload, indent=2, default=str),
                           file_name=f"{job.id}.json", mime="application/json",
                           key="dl_json", on_click=kit.audit,
                           args=("result.export", "job", job.id), kwargs={"format": "json"})
        d2.download_button("Download result (CSV)",
                           views.rows_to_csv([views.result_row(job, payload)]),
                           file_name=f"{job.id}.csv", mime="text/csv", key="dl_csv",
                           on_click=kit.audit, args=("result.export", "job", job.id),
                           kwargs={"format": "csv"})
        st.json(payload, expanded=1)
with tab_inputs:
    st.dataframe(pd.DataFrame(job.inputs or [{"path": "(none)"}]), hide_index=True,
                 width="stretch")
    st.caption("Parameters")
    st.json(job.params or {})
    st.caption(f"Task version {job.task_version} · queue {job.queue} · "
               f"priority {job.priority} · created {views._fmt_time(job.created_at)}")
with tab_artifacts:
    artifacts = store.artifacts(job.id)
    if not artifacts:
        st.info("This job produced no files.")
    for art in artifacts:
        path = Path(art.path)
        size = art.size_bytes or (path.stat().st_size if path.is_file() else 0)
        st.markdown(f"**{art.name}** · {art.kind} · {views.human_bytes(size)}  \n"
                    f"{art.description}  \n`sha256 {art.sha256 or '?'}`")
        if not path.is_file():
            st.warning(f"{path} is missing on disk.")
        elif size > MAX_INLINE_DOWNLOAD_BYTES:
            st.caption(f"Too large to download here; it is at {path}.")
        else:
            st.download_button(f"Download {art.name}", path.read_bytes(), file_name=art.name,
                               key=f"dl_art_{art.id}", on_click=kit.audit,
                               args=("artifact.download", "artifact", art.id),
                               kwargs={"job_id": job.id, "name": art.name})
with tab_log:
    text = views.tail(job_log_path(job.id))
    if text:
        st.code(text, language="log")
    else:
        st.info("No log lines (the job has not started, or was rejected before running).")
