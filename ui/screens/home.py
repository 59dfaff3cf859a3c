"""Home: is the system healthy? Workers, queue depth, models, recent jobs and failures, disk."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.config import DOMAIN_QUEUES, get_settings
from ui import kit, views

kit.require_role()
kit.page_header("Home", "enclave")
store = kit.store()
roles = kit.current_roles()
domains = views.visible_domains(roles)


@st.cache_data(ttl=30, show_spinner=False)
def _disk(home: str) -> list[dict]:
    """Walking ENCLAVE_HOME is the slowest thing here; refresh it at most every 30 s."""
    from pathlib import Path
    return views.disk_usage(Path(home))


counts = store.count_jobs()
cols = st.columns(5)
for col, status in zip(cols, ("queued", "running", "succeeded", "failed", "cancelled"),
                       strict=True):
    col.metric(status.capitalize(), f"{counts.get(status, 0):,}")

left, right = st.columns(2)
with left:
    st.subheader("Workers")
    workers = store.live_workers()
    if workers:
        st.dataframe(pd.DataFrame([{
            "worker": w.hostname, "queues": w.queues, "pid": w.pid,
            "last seen (s ago)": round(views.age_s(w.last_seen), 1)} for w in workers]),
            hide_index=True, width="stretch")
    else:
        st.info("No worker is running. Start one with `enclave worker` "
                "(or use `enclave up`, which starts the UI with a worker).")
    st.subheader("Queues")
    depths = store.queue_depths()
    queues = list(dict.fromkeys([*DOMAIN_QUEUES, *depths]))
    served = {q for w in workers for q in (w.queues or "").split(",") if q}
    st.dataframe(pd.DataFrame([{
        "queue": q, "queued jobs": depths.get(q, 0),
        "workers": sum(1 for w in workers if q in (w.queues or "").split(",")),
        "served": "yes" if q in served else "no"} for q in queues]),
        hide_index=True, width="stretch")

with right:
    st.subheader("Models")
    published = views.worker_models(store, {w.hostname for w in workers})
    if published:
        st.dataframe(pd.DataFrame(views.model_table(published)), hide_index=True,
                     width="stretch")
    else:
        status, why = views.models_status()
        if why:
            st.info(why)
        elif not status:
            st.info("No model role is configured.")
        else:
            rows = status if isinstance(status, list) else [
                {"role": k, **v} for k, v in status.items()] if isinstance(status, dict) else []
            st.dataframe(pd.DataFrame(views.model_table(rows) if rows else status),
                         hide_index=True, width="stretch")
            st.caption("Configured roles as this UI server sees them. Models load in the "
                       "workers on first use; loaded/latency columns here count only this "
                       "process, which never runs models.")
    st.subheader("Disk")
    home = get_settings().home
    usage = _disk(str(home))
    total = sum(r["bytes"] for r in usage)
    st.metric("Used by Enclave", views.human_bytes(total))
    st.caption(f"ENCLAVE_HOME = `{home}`")
    if usage:
        st.dataframe(pd.DataFrame([{"path": r["path"], "size": views.human_bytes(r["bytes"])}
                                   for r in usage[:8]]), hide_index=True, width="stretch")

st.subheader("Recent jobs")
recent = views.list_visible_jobs(store, domains, limit=10)
if recent:
    st.dataframe(pd.DataFrame(views.jobs_table(recent)), hide_index=True, width="stretch")
else:
    st.info("No jobs yet. Open a domain page in the sidebar to run your first task.")

st.subheader("Recent failures")
failed = views.list_visible_jobs(store, domains, status="failed", limit=10)
if failed:
    st.dataframe(pd.DataFrame(views.jobs_table(failed))[["id", "task", "created", "error"]],
                 hide_index=True, width="stretch")
else:
    st.success("No failed jobs.")
