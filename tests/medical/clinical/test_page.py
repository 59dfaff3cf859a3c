"""The study review page with a real medical.study result: viewer, checks, edit and sign-off."""

from __future__ import annotations

from pathlib import Path

import bcrypt
from streamlit.testing.v1 import AppTest

from tests.medical.clinical.conftest import SPEECH_TIMEOUT
from tests.ui.seeding import add_user

PAGE = Path(__file__).resolve().parents[3] / "plugins" / "medical" / "clinical" / "page.py"




def _stored_study(store, payload) -> str:
    from core.storage import Job

    job = store.create_job(Job(task="medical.study", task_version="1", queue="medical",
                               inputs=[], params={}, actor="dr.house"))
    folder = Path(payload["pdf_path"]).parent
    for name in ("viewer_volume.npz", "report.pdf", "report_sr.dcm", "report.json"):
        store.declare_artifact(job.id, folder / name)
    store.seal_artifacts(job.id)
    store.finish_job(job.id, "succeeded", payload=payload)
    return job.id


@SPEECH_TIMEOUT
def test_page_shows_study_and_signs_it(clinical_runs, store):
    from plugins.medical.clinical.review import signed_record

    _, payload = clinical_runs["study"]
    add_user(store, "dr.house", "clinician", bcrypt.hashpw(b"pw", bcrypt.gensalt(4)).decode())
    job_id = _stored_study(store, payload)
    at = AppTest.from_file(str(PAGE), default_timeout=120)
    at.session_state["enclave_user"] = "dr.house"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("DRAFT" in str(e.value) for e in at.error)
    assert len(at.get("image")) == 1  # the slice viewer rendered
    expected = [c["message"] for c in payload["checks"] if c["severity"] == "warning"]
    assert [str(w.value) for w in at.warning] == expected
    at.selectbox[1].select("lung").run()  # window preset
    assert not at.exception
    at.text_area[1].input("Two pulmonary nodules; see findings.")
    at.checkbox[0].check()
    next(b for b in at.button if b.label == "Sign report").click().run()
    assert not at.exception, [e.value for e in at.exception]
    signed = signed_record(store, job_id)
    assert signed["signed_by"] == "dr.house"
    assert signed["text"]["impression"] == "Two pulmonary nodules; see findings."
    assert any(s.value.startswith("Signed by dr.house") for s in at.success)
