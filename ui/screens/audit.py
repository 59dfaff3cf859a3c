"""Audit trail for administrators: who viewed, exported or changed what, filterable, as CSV."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pandas as pd
import streamlit as st

from ui import kit, views

kit.require_role("admin")
kit.page_header("Audit trail", "enclave")
store = kit.store()

f1, f2, f3, f4, f5 = st.columns([1, 1.2, 1.2, 1, 0.8])
actor = f1.text_input("User", key="audit_actor").strip() or None
action = f2.text_input("Action starts with", key="audit_action",
                       placeholder="result., job., user.").strip() or None
object_id = f3.text_input("Object id", key="audit_object").strip() or None
since_day = f4.date_input("Since", value=None, key="audit_since")
limit = f5.selectbox("Rows", [100, 500, 2000, 10000], index=1, key="audit_limit")
since = datetime.combine(since_day, time.min, tzinfo=UTC) if since_day else None

events = store.audit_events(actor=actor, action=action, object_id=object_id, since=since,
                            limit=int(limit))
rows = views.audit_table(events)
if not rows:
    st.info("No audit events match these filters.")
    st.stop()
st.caption(f"{len(rows):,} events, newest first" + (" (limit reached)" if len(rows) == limit
                                                     else ""))
st.download_button("Download as CSV", views.rows_to_csv(rows), file_name="enclave-audit.csv",
                   mime="text/csv", key="audit_csv", on_click=kit.audit,
                   args=("audit.export", "audit", "filtered"),
                   kwargs={"rows": len(rows), "actor": actor, "action": action,
                           "object_id": object_id})
st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch",
             height=min(600, 40 + 35 * len(rows)))
