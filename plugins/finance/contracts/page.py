"""Streamlit page: contract review (fields, clauses by category, evidence on the page, risks).

Thin by design: submitting runs finance.contract through the queue (kit.submit), results
come from the store, edits go through review.confirm_field (stored and audited).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pandas as pd
import streamlit as st

from plugins.finance.contracts.review import EDITABLE_FIELDS, confirm_field, evidence_image  # noqa: I001
from plugins.finance.contracts.task import TASK_NAME, export_row
from ui import kit  # noqa: E402  (importable only inside the app)

kit.require_role("analyst")
kit.page_header("Contract review", "finance")
store = kit.store()

with st.expander("Review a new contract", expanded=False):
    upload = st.file_uploader("Contract PDF", type=["pdf"])
    our_party = st.text_input("Our side (party name or role, e.g. Licensee)")
    password = st.text_input("PDF password (if encrypted)", type="password")
    if upload is not None and st.button("Analyse"):
        path = kit.save_upload(upload)
        params = {k: v for k, v in {"our_party": our_party, "password": password}.items() if v}
        job_id = kit.submit(TASK_NAME, [path], params)
        kit.wait_for(job_id)
        st.session_state["contract_job"] = job_id

recent = kit.recent_results(TASK_NAME, limit=50)
if not recent:
    st.info("No processed contracts yet: upload one above, or run `enclave demo`.")
    st.stop()
labels = {job.id: f"{payload['document']} · {job.created_at:%Y-%m-%d %H:%M} · {job.id[:8]}"
          for job, payload in recent}
default = st.session_state.get("contract_job")
ids = list(labels)
job_id = st.selectbox("Contract", ids, index=ids.index(default) if default in ids else 0,
                      format_func=labels.get)
job = next(j for j, _ in recent if j.id == job_id)
result = store.get_result(job_id)
pdf_path = Path(job.inputs[0]["path"])
fields = result["fields"]

left, right = st.columns([3, 2])
with left:
    st.subheader("Fields")
    rows = []
    for name in EDITABLE_FIELDS:
        ev = fields.get("evidence", {}).get(name) or {}
        value = fields.get(name)
        rows.append({"field": name, "value": "" if value is None else str(value),
                     "page": ev.get("page"),
                     "source": ev.get("source"), "quote": (ev.get("quote") or "")[:160]})
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    st.dataframe(pd.DataFrame(fields.get("parties", [])), hide_index=True)
    if fields.get("liability_cap"):
        st.write("Liability cap:", fields["liability_cap"])
    if fields.get("payment_terms"):
        st.write("Payment terms:", fields["payment_terms"])
    with st.form("edit_field"):
        st.caption("Correct or confirm a value (stored and audited)")
        field = st.selectbox("Field", EDITABLE_FIELDS)
        value = st.text_input("Value", value=str(fields.get(field) or ""))
        note = st.text_input("Note")
        if st.form_submit_button("Save"):
            confirm_field(store, job_id, field, value, kit.current_user(), note)
            kit.audit("contract.field_confirmed", "job", job_id, field=field)
            st.success(f"{field} saved")
            st.rerun()

with right:
    st.subheader("Risk flags")
    for risk in result["risks"]:
        st.warning(f"**{risk['rule']}** ({risk['severity']}): {risk.get('description', '')}")
        ev = risk.get("evidence") or {}
        if ev.get("text"):
            st.caption(f"p.{ev.get('page')}: {ev['text'][:300]}")
    if not result["risks"]:
        st.success("No rule fired.")

st.subheader("Clauses")
show_absent = st.checkbox("Show categories not found", value=False)
clauses = [c for c in result["clauses"] if c["present"] or show_absent]
table = pd.DataFrame([{"category": c["category"], "present": c["present"],
                       "confidence": c["confidence"], "page": c.get("page"),
                       "section": c.get("section"), "text": (c.get("text") or "")[:200]}
                      for c in clauses])
st.dataframe(table, hide_index=True, width="stretch")

pick = st.selectbox("Show evidence for", [c["category"] for c in clauses if c["present"]] or ["-"])
chosen = next((c for c in clauses if c["category"] == pick and c["present"]), None)
if chosen and chosen.get("page") and pdf_path.is_file():
    boxes = [m["bbox"] for m in chosen.get("matches", []) if m.get("bbox") and
             m.get("page") == chosen["page"]] or ([chosen["bbox"]] if chosen.get("bbox") else [])
    st.image(evidence_image(pdf_path, chosen["page"], boxes),
             caption=f"{pick}: page {chosen['page']}")
elif chosen:
    st.caption("The original PDF is no longer on disk; showing text only.")
    st.write(chosen.get("text"))

buffer = io.StringIO()
row = export_row(result)
writer = csv.DictWriter(buffer, fieldnames=list(row))
writer.writeheader()
writer.writerow(row)
c1, c2 = st.columns(2)
c1.download_button("Export CUAD-style row (CSV)", buffer.getvalue(),
                   file_name=f"{Path(result['document']).stem}_clauses.csv")
c2.download_button("Export result (JSON)", json.dumps(result, indent=1),
                   file_name=f"{Path(result['document']).stem}.json")
