"""medical.study on phantoms with planted nodules: fusion checks, report, PDF and DICOM SR."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pydicom
import pytest
from pypdf import PdfReader

from core.runner import run_task
from plugins.medical.clinical.fusion import build_report
from plugins.medical.clinical.models import DictationResult
from plugins.medical.clinical.record_text import parse_text_record
from plugins.medical.clinical.statements import extract_statements
from plugins.medical.ct.api import analyse, make_chest_phantom
from tests.medical.clinical.conftest import PHANTOM_GEOMETRY, PLANTED, SPEECH_TIMEOUT

SAMPLES = Path(__file__).resolve().parents[3] / "plugins" / "medical" / "clinical" / "samples"


@pytest.fixture(scope="module")
def phantom_ct():
    """(volume, CT result as JSON dict) of a two-nodule phantom, analysed once."""
    volume, truth = make_chest_phantom(seed=11, nodules=PLANTED, **PHANTOM_GEOMETRY)
    volume.series_uid = "1.2.826.0.1.3680043.8.498.11"
    result = json.loads(analyse(volume).model_dump_json())
    sides = sorted(f["laterality"] for f in result["findings"])
    assert sides == ["left", "right"], result["findings"]  # the CT API found both
    for finding in result["findings"]:  # ... where they were planted, not elsewhere
        assert min(math.dist(finding["position_mm"], n["position_mm"]) for n in PLANTED) < 3
    return volume, result


def _dictation(text: str) -> DictationResult:
    return DictationResult(source_file="d.wav", transcript=text, duration_s=1.0,
                           engine="test", adapted=True, statements=extract_statements(text))


def _kinds(checks) -> list[str]:
    return sorted(c.kind for c in checks)


def test_agreeing_dictation_has_no_warnings(phantom_ct):
    _, ct = phantom_ct
    report, checks = build_report(ct, None, _dictation(
        "twelve millimeter solid nodule in the right lower lobe. ten millimeter nodule in the "
        "left upper lobe. no pleural effusion."))
    assert checks == []
    nodule_lines = [f for f in report.findings if "nodule" in f.text]
    assert len(nodule_lines) == 2
    assert all({e.source for e in f.evidence} == {"dictation", "ct"} for f in nodule_lines)
    assert "multiple solid nodules, 12 mm (largest), high-risk" in report.recommendations[0].text
    assert "no health record" in report.recommendations[0].risk_reasons[0]


def test_laterality_size_and_missing_checks(phantom_ct):
    _, ct = phantom_ct
    _, checks = build_report(ct, None, _dictation(
        "twelve millimeter nodule in the left lower lobe. ten millimeter nodule in the left "
        "upper lobe."))
    assert _kinds(checks) == ["laterality_mismatch"]
    assert "left" in checks[0].message and "right lung" in checks[0].message
    _, checks = build_report(ct, None, _dictation(
        "twenty millimeter nodule in the right lower lobe. three millimeter nodule in the right "
        "upper lobe."))
    assert _kinds(checks) == ["ct_not_dictated", "dictated_not_found", "size_mismatch"]
    size = next(c for c in checks if c.kind == "size_mismatch")
    assert "20 mm" in size.message and {e.source for e in size.evidence} == {"dictation", "ct"}
    _, checks = build_report(ct, None, _dictation("no suspicious pulmonary nodules."))
    assert _kinds(checks) == ["ct_not_dictated", "ct_not_dictated", "negation_conflict"]


def test_record_risk_changes_recommendation(phantom_ct):
    _, ct = phantom_ct
    text = "ten millimeter nodule in the left upper lobe"
    low = parse_text_record(Path("r.txt"), "50 year old woman, never smoker")
    report, checks = build_report(ct, low, _dictation(text))
    assert _kinds(checks) == ["ct_not_dictated"]
    rec = report.recommendations[0]
    assert rec.risk == "low" and rec.nodule_count == "multiple"
    assert any(e.source == "record" for e in rec.evidence)
    assert report.clinical_history[0].text.startswith("50-year-old female, never smoker")


@SPEECH_TIMEOUT
def test_study_report_pdf_and_sr(clinical_runs):
    ct_folder = clinical_runs["ct_folder"]
    job, payload = clinical_runs["study"]
    assert job.status == "succeeded", job.error
    assert payload["status"] == "draft" and payload["draft_notice"].startswith("DRAFT")
    report = payload["report"]
    assert {"findings", "impression", "recommendations"} <= set(report)
    transcript = payload["dictation"]["transcript"]
    assert "twelve" in transcript and "right lower lobe" in transcript
    nodules = [s for s in payload["dictation"]["statements"] if s["finding"] == "nodule"]
    assert [(s["laterality"], s["size_mm"]) for s in nodules] == [("right", 12.0), ("left", 10.0)]
    # Former smoker (40 pack-years) from the record: high risk; two nodules, largest 12 mm.
    rec = report["recommendations"][0]
    assert rec["risk"] == "high" and rec["nodule_count"] == "multiple"
    assert "CT at 3-6 months, then CT at 18-24 months." in rec["text"]
    assert {e["source"] for e in rec["evidence"]} >= {"dictation", "ct", "record"}
    assert all(st["evidence"] for st in report["findings"] + report["impression"])
    kinds = {c["kind"] for c in payload["checks"]}
    assert not kinds & {"laterality_mismatch", "dictated_not_found", "size_mismatch"}, kinds

    pdf_text = "".join(page.extract_text() for page in PdfReader(payload["pdf_path"]).pages)
    assert "DRAFT" in pdf_text and "Impression" in pdf_text and "Fleischner" in pdf_text

    sr = pydicom.dcmread(payload["sr_path"])
    files = sorted(p for p in ct_folder.rglob("*") if p.is_file())
    source = pydicom.dcmread(files[0], stop_before_pixels=True)
    assert sr.SOPClassUID == "1.2.840.10008.5.1.4.1.1.88.33"  # Comprehensive SR
    assert sr.StudyInstanceUID == source.StudyInstanceUID == payload["study_uid"]
    assert sr.CompletionFlag == "PARTIAL" and sr.VerificationFlag == "UNVERIFIED"
    evidence = sr.CurrentRequestedProcedureEvidenceSequence[0]
    assert evidence.StudyInstanceUID == source.StudyInstanceUID
    series = evidence.ReferencedSeriesSequence[0]
    assert series.SeriesInstanceUID == payload["series_uid"] == source.SeriesInstanceUID
    assert {i.ReferencedSOPInstanceUID for i in series.ReferencedSOPSequence} == {
        pydicom.dcmread(p, stop_before_pixels=True).SOPInstanceUID for p in files}
    sr_text = str(sr)
    assert "Recommendation" in sr_text and "DRAFT" in sr_text
    stored = json.loads(Path(payload["json_path"]).read_text())
    assert stored["sr_sop_instance_uid"] == sr.SOPInstanceUID


def test_study_requires_ct_and_rejects_unknown(enclave_home, tmp_path):
    job, payload = run_task("medical.study", [SAMPLES / "record.txt"])
    assert job.status == "failed" and "needs a CT study" in job.error
    odd = tmp_path / "scan.mp3"
    odd.write_bytes(b"ID3")
    job, _ = run_task("medical.study", [tmp_path, odd])
    assert job.status == "failed" and "scan.mp3" in job.error


@SPEECH_TIMEOUT
def test_review_edit_and_sign_off_are_stored_and_audited(clinical_runs, store):
    from core.storage import Job
    from plugins.medical.clinical.review import report_text, save_edits, sign_off, signed_record

    _, payload = clinical_runs["study"]
    job = store.create_job(Job(task="medical.study", task_version="1", queue="medical",
                               inputs=[], params={}, actor="dr.who"))
    store.finish_job(job.id, "succeeded", payload=payload)
    text = report_text(payload)
    first = payload["report"]["findings"][0]
    edited = dict(text, impression="Two pulmonary nodules, see findings.")
    updated = save_edits(store, job.id, payload, edited, "dr.who")
    assert store.get_result(job.id)["report"]["impression"][0]["text"].startswith("Two pulmonary")
    assert store.get_result(job.id)["report"]["findings"][0]["evidence"] == first["evidence"]
    assert signed_record(store, job.id) is None
    signed = sign_off(store, job.id, updated, "dr.who")
    assert signed_record(store, job.id)["signed_by"] == "dr.who"
    assert signed["sr_sop_instance_uid"] == payload["sr_sop_instance_uid"]
    actions = [e.action for e in store.audit_events(actor="dr.who")]
    assert "result.edit" in actions and "report.sign" in actions
