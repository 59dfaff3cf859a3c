"""Dispatch board (Streamlit page): routes on a map, vehicles with ETAs, KPIs, live re-planning.

The page only reads sessions from the Store and submits jobs through the queue
(``logistics.routes`` to open a session, ``logistics.replan`` to re-plan now); the
15-second live re-planning itself runs in the Celery beat job, not in the browser.
"""

from __future__ import annotations

import uuid

import streamlit as st

from ui import kit

kit.require_role("dispatcher")
kit.page_header("Dispatch board", "logistics")

from core.config import get_settings  # noqa: E402 - after the role gate, as on every page
from plugins.logistics.board_view import diff_rows, route_map, vehicles_table  # noqa: E402
from plugins.logistics.dispatch.sessions import (  # noqa: E402
    list_sessions,
    load_session,
    save_session,
)
from plugins.logistics.hooks import SAMPLE_DAY  # noqa: E402

store = kit.store()
sessions = list_sessions(store)

with st.expander("Open a new dispatch session", expanded=not sessions):
    uploads = st.file_uploader("Orders + fleet (JSON, or orders/fleet/depots CSV)",
                               type=["json", "csv"], accept_multiple_files=True)
    use_sample = st.checkbox("Use the sample day (30 orders, 4 vans)", value=not uploads)
    time_limit = st.slider("Planning time (s)", 1, 60, 5)
    if st.button("Plan and open session", type="primary"):
        files = [kit.save_upload(f) for f in uploads] if uploads and not use_sample \
            else [SAMPLE_DAY]
        session_id = uuid.uuid4().hex[:8]
        job_id = kit.submit("logistics.routes", files,
                            {"time_limit": time_limit, "session": session_id})
        if kit.wait_for(job_id) is not None:
            st.session_state["logistics_session"] = session_id
            st.rerun()

if not sessions:
    st.info("No active dispatch session yet: open one above.")
    st.stop()

ids = [s["id"] for s in sessions]
default = st.session_state.get("logistics_session")
chosen = st.selectbox("Session", ids, index=ids.index(default) if default in ids else 0,
                      format_func=lambda i: next(f"{s.get('name') or i} · {i}"
                                                 for s in sessions if s["id"] == i))
st.session_state["logistics_session"] = chosen

controls = st.columns([1, 1, 2])
current = load_session(store, chosen) or {}
live = controls[0].toggle("Live re-planning", value=bool(current.get("live")),
                          help=f"re-plan every {current.get('every_s', 15):g} s in the background")
if live != bool(current.get("live")):
    current["live"] = live
    save_session(store, current, actor=kit.current_user())
    kit.audit("logistics.live", "logistics.session", chosen, live=live)
if controls[1].button("Re-plan now"):
    job_id = kit.submit("logistics.replan", [], {"session": chosen})
    kit.wait_for(job_id)
tile_url = get_settings().section("logistics").get("tile_url")


@st.fragment(run_every=float(current.get("every_s", 15)) if live else None)
def board() -> None:
    """The live part of the page: re-read the session and redraw."""
    session = load_session(store, chosen) or {}
    plan = session.get("plan") or {}
    progress = session.get("progress") or {}
    fixed = {vid: p.get("completed", []) + ([p["in_service"]] if p.get("in_service") else [])
             for vid, p in progress.items()}
    unavailable = [vid for vid, p in progress.items() if not p.get("available", True)]
    kpis = plan.get("kpis") or {}
    now_s = int(session.get("now_s", 0))
    cols = st.columns(6)
    cols[0].metric("Clock", f"{now_s // 3600:02d}:{now_s % 3600 // 60:02d}")
    cols[1].metric("Stops done", sum(len(v) for v in fixed.values()))
    cols[2].metric("Stops planned", kpis.get("served", 0))
    cols[3].metric("Distance ahead", f"{kpis.get('distance_km', 0):.1f} km")
    cols[4].metric("Lateness", f"{kpis.get('lateness_min', 0):.0f} min",
                   help=f"{kpis.get('late_stops', 0)} late stops")
    cols[5].metric("Utilisation", f"{100 * kpis.get('utilisation', 0):.0f} %")
    if session.get("last_error"):
        st.error(f"last live re-plan failed: {session['last_error']}")
    diff = session.get("last_diff")
    st.plotly_chart(route_map(plan, diff=diff, fixed=fixed,
                              orders=session.get("problem", {}).get("orders"),
                              tile_url=tile_url), use_container_width=True)
    st.subheader("Vehicles")
    st.dataframe(vehicles_table(plan, fixed, unavailable,
                                session.get("problem", {}).get("vehicles")),
                 hide_index=True, use_container_width=True)
    if plan.get("unassigned"):
        st.subheader("Unassigned orders")
        st.dataframe(plan["unassigned"], hide_index=True, use_container_width=True)
    moved, etas = diff_rows(diff)
    st.subheader("Last re-plan")
    st.caption((diff or {}).get("summary") or "no re-plan yet")
    if diff and diff.get("events"):
        st.write("Because: " + "; ".join(diff["events"]))
    if moved:
        st.markdown("**Stops that changed vehicle**")
        st.dataframe(moved, hide_index=True, use_container_width=True)
    if etas:
        st.markdown("**ETA changes**")
        st.dataframe(etas, hide_index=True, use_container_width=True)


board()
