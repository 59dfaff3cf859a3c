"""Streamlit page: the line operator's inspection station (touchscreen layout).

Thin by design: images and notes are submitted through ``kit.submit`` (the queue runs the
models), the page only reads records and writes the operator's confirm/override.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import plotly.graph_objects as go
import streamlit as st

from plugins.industrial.inspection import registry
from plugins.industrial.station import records
from plugins.industrial.vibration.analysis import ISO_10816_LIMITS_MM_S
from ui import kit

kit.require_role("operator")
kit.page_header("Inspection station", "industrial")
store = kit.store()
user = kit.current_user()

st.markdown("""<style>
div.stButton > button {font-size: 1.6rem; padding: 0.9rem 0.5rem; width: 100%;}
.verdict {font-size: 5rem; font-weight: 800; text-align: center; border-radius: 1rem;
          padding: 0.6rem; color: white; margin-bottom: 0.5rem;}
.verdict.pass {background: #1b8a3a;} .verdict.fail {background: #c62828;}
</style>""", unsafe_allow_html=True)


def _lines() -> list[str]:
    root = registry.line_dir("demo").parent
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("_")
                  and (p / "current.json").is_file())


with st.sidebar:
    lines = _lines()
    if not lines:
        st.warning("No line has a fitted model yet. Fit one: "
                   "`enclave run industrial.fit GOOD_DIR --set line=NAME`")
        st.stop()
    line = st.selectbox("Line", lines, key="station_line")
    station = st.text_input("Station", value=st.session_state.get("station_name", "S1"),
                            key="station_name")
    shift = st.selectbox("Shift", ("A", "B", "C"), key="station_shift")
    machine = st.text_input("Machine (vibration)", key="station_machine") or None
    st.caption(f"Model v{registry.current_version(line)}")

# ---- shift counters ------------------------------------------------------------------------
counts = records.shift_counters(store, line=line, shift=shift,
                                since=datetime.now(UTC) - timedelta(hours=12))
c1, c2, c3, c4 = st.columns(4)
c1.metric("Parts this shift", counts["parts"])
c2.metric("Reject rate", f"{counts['reject_rate']:.1%}")
c3.metric("Throughput", f"{counts['throughput_parts_per_hour']:.0f} /h")
c4.metric("Overrides", counts["overrides"])

left, right = st.columns([3, 2])

# ---- capture and verdict -------------------------------------------------------------------
with left:
    serial = st.text_input("Part serial", key="station_serial")
    shot = st.camera_input("Take the part image") or st.file_uploader(
        "…or upload it", type=["png", "jpg", "jpeg", "bmp", "tif", "tiff", "webp"])
    if shot is not None and st.button("INSPECT", type="primary"):
        path = kit.save_upload(shot)
        params = {"line": line, "station": station, "shift": shift,
                  "serial": serial or None, "machine": machine}
        job_id = kit.submit("industrial.inspect", [path],
                            {k: v for k, v in params.items() if v is not None})
        payload = kit.wait_for(job_id, timeout_s=60)
        if payload:
            st.session_state["station_last"] = payload["serial"]

    last_serial = st.session_state.get("station_last")
    rec = store.get_record(records.INSPECTION_KIND, last_serial) if last_serial else None
    if rec is not None:
        part = rec.payload
        verdict = records.final_verdict(part)
        kind = f" · {part['defect_type']}" if part.get("defect_type") else ""
        st.markdown(f"<div class='verdict {verdict}'>{verdict.upper()}</div>", unsafe_allow_html=True)
        st.caption(f"Part {part['serial']} · score {part['score']:.2f} / threshold "
                   f"{part['threshold']:.2f}{kind} · model v{part['version']}")
        heat = Path(part.get("heatmap", ""))
        if heat.is_file():
            st.image(str(heat), use_container_width=True)
        fb = part.get("feedback")
        if fb:
            st.info(f"{fb['decision'].capitalize()} by {fb['by']}: {fb['reason'] or 'no reason'}")
        else:
            reason = st.selectbox("Reason (for an override)", (
                "", "false alarm: dust/reflection", "false alarm: acceptable mark",
                "missed defect: scratch", "missed defect: dent", "missed defect: crack",
                "other (say it in a voice note)"), key="station_reason")
            b1, b2 = st.columns(2)
            if b1.button("✔ CONFIRM", key="confirm"):
                records.record_feedback(store, part["serial"], "confirm", user)
                st.rerun()
            if b2.button("✖ OVERRIDE", key="override"):
                if not reason:
                    st.error("Pick a reason for the override first.")
                else:
                    records.record_feedback(store, part["serial"], "override", user, reason)
                    st.rerun()
        audio = st.audio_input("Voice note about this part")
        if audio is not None and st.button("Save voice note"):
            note_path = kit.save_upload(audio)
            job_id = kit.submit("industrial.voice_note", [note_path],
                                {"serial": part["serial"], "line": line, "station": station})
            note = kit.wait_for(job_id, timeout_s=60)
            if note:
                st.success(f"“{note['transcript']}” → {', '.join(note['defect_types']) or 'no defect'}"
                           f" · {', '.join(note['locations']) or '-'} · {note['severity'] or '-'}")
        elif part.get("note"):
            note = part["note"]
            st.caption(f"Note: “{note['transcript']}” ({note.get('severity') or '-'})")

# ---- machine health ------------------------------------------------------------------------
with right:
    st.subheader("Machine health")
    if not machine:
        st.caption("Enter the machine id in the sidebar to see its vibration trend.")
    else:
        readings = store.list_records(records.READING_KIND, group_key=machine, limit=200)[::-1]
        if not readings:
            st.caption(f"No readings for {machine} yet: `enclave run industrial.vibration FILE "
                       f"--set machine={machine} ...`")
        else:
            latest = readings[-1].payload
            st.metric("Velocity RMS", f"{latest['velocity_rms_mm_s']:.2f} mm/s",
                      help="10-1000 Hz, ISO 10816")
            st.markdown(f"**Zone {latest['iso_zone']}** · {latest['diagnosis'].replace('_', ' ')} "
                        f"({latest['confidence']:.0%})")
            fig = go.Figure(go.Scatter(x=[r.created_at for r in readings],
                                       y=[r.payload["velocity_rms_mm_s"] for r in readings],
                                       mode="lines+markers", name="velocity RMS"))
            for limit, zone in zip(ISO_10816_LIMITS_MM_S["I"], "BCD", strict=True):
                fig.add_hline(y=limit, line_dash="dot", annotation_text=f"zone {zone}")
            fig.update_layout(height=280, margin=dict(l=10, r=10, t=10, b=10),
                              yaxis_title="mm/s")
            st.plotly_chart(fig, use_container_width=True)

    st.subheader("Recent parts")
    recent = store.list_records(records.INSPECTION_KIND, group_key=line, limit=15)
    for r in recent:
        v = records.final_verdict(r.payload)
        mark = "🟢" if v == "pass" else "🔴"
        if st.button(f"{mark} {r.key} · {r.payload.get('defect_type') or v}", key=f"part-{r.key}"):
            st.session_state["station_last"] = r.key
            st.rerun()
