"""Voice notes from real espeak-ng audio, the per-part record join, feedback, and the page."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from core.errors import UserError
from core.runner import run_task
from plugins.industrial.station import records
from plugins.industrial.voice.tags import extract_tags

SAMPLES = "plugins/industrial/samples/"


NOTES = [  # file, defect types, a location, severity
    ("note_crack.wav", ["crack"], "center", "critical"),
    ("note_deep_scratch.wav", ["scratch"], "left edge", "major"),
    ("note_burr_flange.wav", ["burr"], "flange", "minor"),
    ("note_no_defect.wav", [], None, None),
]


def _check_note(out, defects, location, severity):
    assert out["defect_types"] == defects, out["transcript"]
    assert out["severity"] == severity
    if location:
        assert location in out["locations"]
    else:
        assert out["no_defect"] is True


def test_tag_rules():
    tags = extract_tags("no scratch but a small dent on the top corner")
    assert tags["defect_types"] == ["dent"] and tags["locations"] == ["top corner"]
    assert tags["severity"] == "minor"
    assert extract_tags("severe rust and a deep crack")["severity"] == "critical"


def test_bad_audio(industrial, tmp_path):
    silent = tmp_path / "silent.wav"
    sf.write(silent, np.zeros(16000, dtype=np.float32), 16000)
    job, _ = run_task("industrial.voice_note", [silent], {})
    assert job.status == "failed" and "silent" in job.error
    short = tmp_path / "short.wav"
    sf.write(short, np.random.default_rng(0).normal(0, 0.1, 1600).astype(np.float32), 16000)
    job, _ = run_task("industrial.voice_note", [short], {})
    assert job.status == "failed" and "at least" in job.error
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF0000WAVEjunk")
    job, _ = run_task("industrial.voice_note", [broken], {})
    assert job.status == "failed" and "not a readable audio file" in job.error


def test_voice_notes_and_the_part_record_join(fitted_line, parts, store):
    run_task("industrial.vibration", [SAMPLES + "pump7_vibration.csv"],
             {"sampling_rate_hz": 12000, "rpm": 1797, "bearing": "6205", "machine": "press-3-drive"})
    path, _ = parts.defects["crack"][0]
    job, out = run_task("industrial.inspect", [path],
                        {"line": fitted_line, "serial": "SN-1", "station": "S4", "shift": "B",
                         "machine": "press-3-drive"})
    assert out["machine_state"]["diagnosis"] == "outer_race"
    for i, (name, defects, location, severity) in enumerate(NOTES):
        params = {"serial": "SN-1", "line": fitted_line} if i == 0 else {}
        job, note = run_task("industrial.voice_note", [SAMPLES + name], params)
        assert job.status == "succeeded", job.error
        _check_note(note, defects, location, severity)  # real espeak-ng speech -> tags
    rec = store.get_record("industrial.inspection", "SN-1")
    assert rec.payload["verdict"] == "fail" and rec.payload["shift"] == "B"
    assert rec.payload["machine_state"]["machine"] == "press-3-drive"
    assert rec.payload["note"]["defect_types"] == ["crack"]
    with pytest.raises(UserError, match="reason"):
        records.record_feedback(store, "SN-1", "override", "olga", reason=" ")
    records.record_feedback(store, "SN-1", "override", "olga", reason="dust on the lens")
    rec = store.get_record("industrial.inspection", "SN-1")
    assert rec.status == "pass" and rec.payload["feedback"]["model_verdict"] == "fail"
    assert ("olga", "industrial.feedback.override") in [
        (e.actor, e.action) for e in store.audit_events(object_id="SN-1")]
    good, bad = records.feedback_images(store, fitted_line)
    assert good == [path] and bad == []
    run_task("industrial.inspect", [parts.heldout[0]],
             {"line": fitted_line, "serial": "SN-2", "shift": "B"})
    counts = records.shift_counters(store, line=fitted_line, shift="B")
    assert counts["parts"] == 2 and counts["overrides"] == 1
    assert counts["rejects"] == sum(
        1 for k in ("SN-1", "SN-2")
        if records.final_verdict(store.get_record("industrial.inspection", k).payload) == "fail")


def test_station_page_shows_verdict_and_records_a_confirm(fitted_line, parts, store):
    from streamlit.testing.v1 import AppTest

    from core.auth import create_user
    from plugins.industrial.station.hooks import HERE

    create_user("olga", "a long password 1", "operator")
    path, _ = parts.defects["scratch"][0]
    run_task("industrial.inspect", [path], {"line": fitted_line, "serial": "SN-9", "shift": "A"})
    at = AppTest.from_file(str(HERE / "page.py"), default_timeout=60)
    at.session_state["enclave_user"] = "olga"
    at.session_state["station_last"] = "SN-9"
    at.run()
    assert not at.exception, at.exception
    html = " ".join(m.value for m in at.markdown)
    assert "verdict fail" in html and "FAIL" in html
    assert [m.label for m in at.metric][:2] == ["Parts this shift", "Reject rate"]
    [b for b in at.button if b.key == "confirm"][0].click().run()
    rec = store.get_record("industrial.inspection", "SN-9")
    assert rec.payload["feedback"]["decision"] == "confirm"
    assert rec.payload["feedback"]["by"] == "olga"
