"""Streamlit page: AML alert queue, alert detail (evidence graph + timeline), cases.

A thin page: it reads alert/case records from the store, renders them, and calls the
case functions (which audit every change) or ``kit.submit`` for new monitoring runs.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from plugins.finance.aml import cases
from plugins.finance.aml.figures import evidence_figure, timeline_figure
from ui import kit

kit.require_role("analyst")
kit.page_header("AML alerts & cases", "finance")
store = kit.store()
user = kit.current_user()


def _alerts_frame() -> pd.DataFrame:
    recs = store.list_records(cases.ALERT_KIND, limit=5000)
    rows = [{"id": r.key, "status": r.status or "new", "score": r.payload.get("score", 0.0),
             "typology": r.payload.get("typology", ""),
             "typologies": ", ".join(r.payload.get("typologies", [])),
             "start": r.payload.get("start_time", ""), "end": r.payload.get("end_time", ""),
             "amount": r.payload.get("total_amount"),
             "transactions": len(r.payload.get("transactions", [])),
             "accounts": ", ".join(r.payload.get("accounts", [])[:4]),
             "case": r.payload.get("case_id", "")} for r in recs]
    return pd.DataFrame(rows)


queue_tab, cases_tab, run_tab = st.tabs(["Alert queue", "Cases", "Run monitoring"])

with queue_tab:
    df = _alerts_frame()
    if df.empty:
        st.info("No alerts yet. Run monitoring on a transaction file (third tab).")
    else:
        c1, c2, c3, c4 = st.columns(4)
        typ = c1.multiselect("Typology", sorted(df.typology.unique()))
        status = c2.multiselect("Status", sorted(df.status.unique()), default=["new"]
                                if "new" in set(df.status) else [])
        min_score = c3.slider("Minimum score", 0.0, 1.0, 0.0, 0.05)
        dates = pd.to_datetime(df.start, errors="coerce", utc=True)
        lo, hi = dates.min(), dates.max()
        when = c4.date_input("Started between", (lo.date(), hi.date())) if pd.notna(lo) else None
        view = df[df.score >= min_score]
        if typ:
            view = view[view.typology.isin(typ) | view.typologies.str.contains("|".join(typ))]
        if status:
            view = view[view.status.isin(status)]
        if when and len(when) == 2:
            d = pd.to_datetime(view.start, errors="coerce", utc=True).dt.date
            view = view[(d >= when[0]) & (d <= when[1]) | d.isna()]
        view = view.sort_values("score", ascending=False)
        st.caption(f"{len(view)} of {len(df)} alerts")
        picked = st.dataframe(view, hide_index=True, width="stretch",
                              on_select="rerun", selection_mode="single-row")
        rows = picked.selection.rows if picked and picked.selection else []
        if rows:
            alert_id = view.iloc[rows[0]].id
            rec = store.get_record(cases.ALERT_KIND, alert_id)
            alert = rec.payload
            kit.audit_view_once(cases.ALERT_KIND, alert_id)
            st.subheader(f"{alert_id} · {alert.get('typology')} · score {alert.get('score'):.2f}")
            for comp in alert.get("components") or [{"typology": alert.get("typology"),
                                                     "score": alert.get("score"),
                                                     "detail": alert.get("explanation")}]:
                st.markdown(f"**{comp['typology'].replace('_', ' ')}** ({comp['score']:.2f}): "
                            f"{comp['detail']}")
            g1, g2 = st.columns([3, 2])
            g1.plotly_chart(evidence_figure(alert), width="stretch")
            g2.plotly_chart(timeline_figure(alert), width="stretch")
            with st.expander("Transactions and accounts"):
                st.write(pd.DataFrame((alert.get("evidence") or {}).get("edges") or []))
                st.write(", ".join(alert.get("accounts", [])))
            if alert.get("case_id"):
                st.info(f"In case {alert['case_id']} (see the Cases tab).")
            else:
                with st.form("open_case"):
                    assignee = st.text_input("Assign to", value=user)
                    title = st.text_input("Case title", value="")
                    if st.form_submit_button("Open case"):
                        try:
                            case = cases.open_case(store, [alert_id], actor=user,
                                                   assignee=assignee, title=title)
                            st.success(f"Opened {case['id']}")
                        except Exception as exc:  # UserError text shown as is
                            kit.show_error(exc)

with cases_tab:
    recs = store.list_records(cases.CASE_KIND, limit=1000)
    if not recs:
        st.info("No cases yet: open one from an alert.")
    else:
        table = pd.DataFrame([{"case": r.key, "status": r.status, "assignee":
                               r.payload.get("assignee"), "title": r.payload.get("title"),
                               "alerts": len(r.payload.get("alerts", [])),
                               "opened": r.payload.get("opened_at")} for r in recs])
        st.dataframe(table, hide_index=True, width="stretch")
        case_id = st.selectbox("Case", table.case.tolist())
        case = cases.get_case(store, case_id)
        kit.audit_view_once(cases.CASE_KIND, case_id)
        st.subheader(f"{case_id} · {case['status']} · {case.get('assignee') or 'unassigned'}")
        for a in case["alerts"]:
            st.markdown(f"- **{a['typology']}** {a['score']:.2f}: {a['explanation']}")
        left, right = st.columns(2)
        with left.form("status"):
            nxt = st.selectbox("Move to", sorted(cases.TRANSITIONS[case["status"]]))
            reason = st.text_area("Reason / note (required to close)")
            if st.form_submit_button("Change status"):
                try:
                    cases.set_status(store, case_id, nxt, actor=user, note=reason)
                    st.rerun()
                except Exception as exc:
                    kit.show_error(exc)
        with right.form("note"):
            text = st.text_area("Add a note")
            new_assignee = st.text_input("Reassign to", value=case.get("assignee") or "")
            if st.form_submit_button("Save"):
                try:
                    if text.strip():
                        cases.add_note(store, case_id, text, actor=user)
                    if new_assignee != (case.get("assignee") or ""):
                        cases.assign(store, case_id, new_assignee, actor=user)
                    st.rerun()
                except Exception as exc:
                    kit.show_error(exc)
        for n in case.get("notes", []):
            st.caption(f"{n['time']} · {n['author']}: {n['text']}")
        if st.button("Draft SAR narrative"):
            draft = cases.draft_sar(store, case_id, actor=user)
            st.session_state[f"sar.{case_id}"] = draft
        draft = st.session_state.get(f"sar.{case_id}") or case.get("sar_draft")
        if draft:
            st.text_area("SAR narrative draft", draft["text"], height=220)
            st.caption(f"source: {draft['source']} {draft.get('note') or ''}")
        with st.expander("Audit trail"):
            st.dataframe(pd.DataFrame(cases.history(store, case_id)), hide_index=True)

with run_tab:
    up = st.file_uploader("Transactions (CSV or Parquet)", type=["csv", "parquet"])
    mapping = st.file_uploader("Column mapping (YAML/JSON, optional)", type=["yaml", "yml",
                                                                           "json"])
    banks = st.text_input("High-risk bank ids (comma separated, optional)")
    if up is not None and st.button("Run monitoring"):
        params: dict = {}
        if mapping is not None:
            params["mapping_file"] = str(kit.save_upload(mapping))
        if banks.strip():
            params["high_risk_banks"] = [b.strip() for b in banks.split(",") if b.strip()]
        job_id = kit.submit("finance.aml", [kit.save_upload(up)], params)
        result = kit.wait_for(job_id)
        if result:
            st.success(f"{result['alerts_total']} alerts, {len(result['accounts'])} accounts "
                       f"with risk, {result['quarantine_total']} rows quarantined.")
            if result["quarantine"]:
                st.dataframe(pd.DataFrame(result["quarantine"]), hide_index=True)
