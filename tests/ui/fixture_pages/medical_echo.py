"""Test page in the medical domain: submits through kit, waits, shows recent results."""

from pathlib import Path

import streamlit as st

from ui import kit

kit.require_role("clinician")
kit.page_header("Echo notes", "medical")
path = st.text_input("Server path of a .txt note", key="echo_path")
if st.button("Run", type="primary", key="echo_run") and path:
    job_id = kit.submit("medical.uitest_echo", [Path(path)], {"upper": True})
    payload = kit.wait_for(job_id, timeout_s=30, poll_s=0.05)
    if payload:
        st.success(f"{payload['characters']} characters")
        st.json(payload)
rows = kit.recent_results("medical.uitest_echo", limit=5)
if not rows:
    st.info("No notes yet.")
for job, payload in rows:
    st.write(f"{job.id}: {payload['characters']} characters")
