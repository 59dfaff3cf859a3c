"""Streamlit page: CT study review - slice viewer, record, transcript, draft report, sign-off.

Thin by design: a new study goes through the queue (kit.submit); the viewer reads the
small viewer volume the task wrote; edits and sign-off go through ``review`` (stored and
audited). Every view says DRAFT until a clinician signs.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from plugins.medical.clinical.review import report_text, save_edits, sign_off, signed_record
from plugins.medical.ct.api import WINDOW_PRESETS, CtVolume
from plugins.medical.ct.viewing import Overlay, render
from ui import kit  # noqa: E402  (importable only inside the app)

TASK = "medical.study"

kit.require_role("clinician")
kit.page_header("Study review", "medical")
store = kit.store()

with st.expander("Start a new study", expanded=False):
    ct_upload = st.file_uploader("CT study (.zip of the DICOM folder)", type=["zip"])
    record_upload = st.file_uploader("Health record (.txt or FHIR .json, optional)",
                                     type=["txt", "json"])
    audio_upload = st.file_uploader("Dictation (.wav or .flac, optional)", type=["wav", "flac"])
    if ct_upload is not None and st.button("Analyse study"):
        files = [kit.save_upload(u) for u in (ct_upload, record_upload, audio_upload) if u]
        job_id = kit.submit(TASK, files, {})
        if kit.wait_for(job_id) is not None:
            st.session_state["study_job"] = job_id

recent = kit.recent_results(TASK, limit=30)
if not recent:
    st.info("No studies yet: upload one above, or run `enclave demo`.")
    st.stop()
labels = {job.id: f"{job.created_at:%Y-%m-%d %H:%M} · {payload['series_uid'][-12:]} · {job.id[:8]}"
          for job, payload in recent}
ids = list(labels)
default = st.session_state.get("study_job")
job_id = st.selectbox("Study", ids, index=ids.index(default) if default in ids else 0,
                      format_func=labels.get)
payload = store.get_result(job_id)
signed = signed_record(store, job_id)
if signed:
    st.success(f"Signed by {signed['signed_by']} at {signed['signed_at']}.")
else:
    st.error(payload["draft_notice"])

artifacts = {Path(a.path).name: Path(a.path) for a in store.artifacts(job_id)}
viewer, side = st.columns([3, 2])
with viewer:
    st.subheader("Images")
    npz = artifacts.get("viewer_volume.npz")
    if npz is None or not npz.is_file():
        st.warning("No viewer volume was stored for this study.")
    else:
        data = np.load(npz)
        step = int(data["step"])
        volume = CtVolume(hu=data["hu"], spacing_mm=tuple(float(v) for v in data["spacing_mm"]),
                          origin_mm=tuple(float(v) for v in data["origin_mm"]))
        findings = [f for f in payload["ct"]["findings"] if f.get("voxel_zyx")]
        c1, c2, c3 = st.columns(3)
        preset = c1.selectbox("Window", list(WINDOW_PRESETS), index=0)
        plane = c2.radio("Plane", ["axial", "coronal", "sagittal"], horizontal=True)
        jump = c3.selectbox("Go to finding", ["-"] + [f["id"] for f in findings])
        axis = {"axial": 0, "coronal": 1, "sagittal": 2}[plane]
        size = volume.shape[axis]
        start = size // 2
        if jump != "-":
            f = next(f for f in findings if f["id"] == jump)
            z, y, x = f["voxel_zyx"]
            start = int((z, y // step, x // step)[axis])
        index = st.slider("Slice", 0, size - 1, min(start, size - 1))
        overlays = [Overlay(centre_zyx=(f["voxel_zyx"][0], f["voxel_zyx"][1] / step,
                                        f["voxel_zyx"][2] / step),
                            radius_mm=f["diameter_mm"] / 2, label=f"{f['id']} {f['diameter_mm']:.0f}mm")
                    for f in findings
                    if abs((f["voxel_zyx"][0], f["voxel_zyx"][1] / step,
                            f["voxel_zyx"][2] / step)[axis] - index) * 1.0
                    <= max(1.0, f["diameter_mm"] / 2 / volume.spacing_mm[2 - axis])]
        st.image(render(volume, plane, index, preset, overlays), width="stretch")
    st.dataframe(pd.DataFrame([{k: f[k] for k in ("id", "laterality", "diameter_mm",
                                                   "volume_mm3", "mean_hu", "confidence")}
                               for f in payload["ct"]["findings"]]), hide_index=True)

with side:
    st.subheader("Record")
    record = payload.get("record")
    if record:
        smoking = record["smoking"]
        st.markdown(
            f"**{record.get('age_years') or '?'} y, {record['sex']}** · smoking: "
            f"{smoking['status']}" + (f" ({smoking['pack_years']:g} pack-years)"
                                      if smoking.get("pack_years") else "")
            + "  \n**Prior cancer:** " + (", ".join(c["name"] for c in record["prior_cancer"])
                                          or "none recorded")
            + "  \n**Medications:** " + (", ".join(m["name"] for m in record["medications"])
                                         or "none recorded")
            + "  \n**Allergies:** " + (", ".join(a["name"] for a in record["allergies"])
                                       or ("NKDA" if record["no_known_allergies"] else "none recorded")))
    else:
        st.caption("No record supplied: patient risk unknown.")
    st.subheader("Dictation")
    dictation = payload.get("dictation")
    if dictation:
        st.write(dictation["transcript"])
        st.dataframe(pd.DataFrame([{k: s[k] for k in ("finding", "negated", "laterality", "lobe",
                                                      "size_mm", "composition")}
                                   for s in dictation["statements"]]), hide_index=True)
    else:
        st.caption("No dictation supplied.")
    st.subheader("Checks")
    for check in payload["checks"]:
        (st.warning if check["severity"] == "warning" else st.info)(check["message"])
    if not payload["checks"]:
        st.caption("Dictation and measurements agree (or no dictation).")

st.subheader("Draft report")
text = report_text(payload)
with st.form("report"):
    edited = {name: st.text_area(name.capitalize(), value=text[name], height=140,
                                 disabled=bool(signed))
              for name in ("findings", "impression", "recommendations")}
    with st.expander("Evidence for each statement"):
        for name in ("findings", "impression"):
            for statement in payload["report"][name]:
                st.markdown(f"- {statement['text']}")
                for ev in statement["evidence"]:
                    st.caption(f"{ev['source']}: {ev.get('reference') or ''} {ev['text']}")
    confirm = st.checkbox("I have reviewed the images, the checks and the text above.",
                          disabled=bool(signed))
    c1, c2 = st.columns(2)
    save = c1.form_submit_button("Save edits", disabled=bool(signed))
    sign = c2.form_submit_button("Sign report", type="primary", disabled=bool(signed))
user = kit.current_user() or "anonymous"
if save or sign:
    payload = save_edits(store, job_id, payload, edited, user)
    if sign:
        if not confirm:
            st.error("Tick the review confirmation before signing.")
        else:
            sign_off(store, job_id, payload, user)
            kit.audit("report.sign.ui", "job", job_id, study_uid=payload["study_uid"])
            st.rerun()
    else:
        st.success("Edits saved (audited).")

st.subheader("Export")
cols = st.columns(4)
for col, (name, mime) in zip(cols, (("report.pdf", "application/pdf"),
                                    ("report_sr.dcm", "application/dicom"),
                                    ("report.json", "application/json")), strict=False):
    path = artifacts.get(name)
    if path is not None and path.is_file():
        with col:
            kit.download_button(name, path.read_bytes(), file_name=name, object_id=job_id,
                                mime=mime, key=f"dl-{name}")
if signed:
    with cols[3]:
        kit.download_button("signed.json", json.dumps(signed, indent=2), file_name="signed.json",
                            object_id=job_id, mime="application/json", key="dl-signed")
