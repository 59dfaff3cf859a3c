"""medical.record: free text and FHIR R4 bundles, every value traceable to its source."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.errors import UserError
from core.runner import run_task
from plugins.medical.clinical.record_fhir import read_fhir_bundle
from plugins.medical.clinical.record_text import parse_text_record, read_text_record
from plugins.medical.clinical.study import read_record

SAMPLES = Path(__file__).resolve().parents[3] / "plugins" / "medical" / "clinical" / "samples"


def _span_ok(text: str, ev) -> bool:
    return ev.start is not None and text[ev.start:ev.end] == ev.text


def test_text_record_values_and_spans():
    path = SAMPLES / "record.txt"
    text = path.read_text(encoding="utf-8")
    rec = read_text_record(path)
    assert rec.age_years == 67 and rec.sex == "male"
    assert rec.smoking.status == "former" and rec.smoking.pack_years == 40
    assert rec.prior_cancer == []  # the father's colon cancer is family history
    assert [m.name for m in rec.medications] == ["Metformin", "Lisinopril", "Tiotropium"]
    assert rec.medications[0].detail == "1000 mg twice daily"
    assert rec.allergies[0].name == "Penicillin" and rec.allergies[0].detail == "rash"
    vitals = {v.name: v.value for v in rec.vitals}
    assert vitals["blood pressure"] == "138/82" and vitals["oxygen saturation"] == 95
    labs = {lab.name: (lab.value, lab.unit) for lab in rec.labs}
    assert labs["Creatinine"] == (1.1, "mg/dL") and labs["eGFR"][0] == 68
    assert any(p.name == "Benign prostatic hyperplasia, TURP 2012" for p in rec.problems)
    every = ([rec.age_evidence, rec.sex_evidence] + rec.smoking.evidence
             + [i.evidence for group in (rec.problems, rec.medications, rec.allergies,
                                          rec.vitals, rec.labs) for i in group])
    assert all(_span_ok(text, ev) for ev in every)


@pytest.mark.parametrize("note,status,pack_years,cancer", [
    ("58 yo woman. Never smoker. No history of cancer.", "never", None, []),
    ("Denies smoking. Mother had breast cancer.", "never", None, []),
    ("Current smoker, smokes 1.5 packs per day for 20 years. Hx: lung adenocarcinoma.",
     "current", 30.0, ["lung adenocarcinoma"]),
    ("Ex-smoker (25 pack-years). Basal cell carcinoma of the nose excised.", "former", 25.0, []),
])
def test_text_smoking_and_cancer_negation(note, status, pack_years, cancer):
    rec = parse_text_record(Path("note.txt"), note)
    assert rec.smoking.status == status
    assert rec.smoking.pack_years == pack_years
    assert [c.name for c in rec.prior_cancer] == cancer


def test_fhir_bundle_with_references():
    rec = read_fhir_bundle(SAMPLES / "bundle.json")
    assert rec.sex == "female" and rec.age_years == 64  # on the bundle timestamp 2026-11-20
    assert rec.age_evidence.reference == "Patient/patient-1"
    assert rec.smoking.status == "current" and rec.smoking.pack_years == 30
    assert {e.reference for e in rec.smoking.evidence} == {"Observation/obs-smoking",
                                                           "Observation/obs-pack-years"}
    assert [c.evidence.reference for c in rec.prior_cancer] == ["Condition/cond-breast-ca"]
    assert {m.name for m in rec.medications} == {"Salbutamol 100 mcg inhaler",
                                                 "Levothyroxine 50 mcg tablet"}
    assert rec.allergies[0].name == "Iodinated contrast media" and rec.allergies[0].detail == "Hives"
    assert {v.name: v.value for v in rec.vitals} == {"blood pressure": "128/79", "heart rate": 72}
    assert rec.labs[0].value == 0.9 and rec.labs[0].evidence.path == "valueQuantity.value"
    assert rec.warnings == ["ignored resources: Encounter x1"]


@pytest.mark.parametrize("content,expected", [
    ("{not json", "is not valid JSON (line 1"),
    (json.dumps({"resourceType": "Patient"}), "expected 'Bundle'"),
    (json.dumps({"resourceType": "Bundle", "entry": {"a": 1}}), "$.entry: must be a list"),
    (json.dumps({"resourceType": "Bundle", "entry": [{"fullUrl": "x"}]}),
     "entry[0]: entry has no 'resource'"),
    (json.dumps({"resourceType": "Bundle", "entry": [{"resource": {"id": "p"}}]}),
     "entry[0].resource: resource has no 'resourceType'"),
    (json.dumps({"resourceType": "Bundle", "entry": [{"resource": {
        "resourceType": "Patient", "birthDate": "14/03/1962"}}]}), "entry[0].resource.birthDate"),
    (json.dumps({"resourceType": "Bundle", "entry": [{"resource": {
        "resourceType": "Observation", "code": {"coding": [{"code": "8867-4"}]},
        "valueQuantity": {"value": "fast"}}}]}), "valueQuantity.value: 'fast' is not a number"),
])
def test_malformed_fhir_names_file_and_path(tmp_path, content, expected):
    path = tmp_path / "bad_bundle.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(UserError) as err:
        read_record(path)
    assert str(path) in str(err.value) and expected in str(err.value)


def test_record_task_through_runner(enclave_home, tmp_path):
    job, payload = run_task("medical.record", [SAMPLES / "bundle.json"])
    assert job.status == "succeeded"
    assert payload["draft_notice"].startswith("DRAFT") and payload["smoking"]["status"] == "current"
    bad = tmp_path / "broken.json"
    bad.write_text('{"resourceType": "Bundle", "entry": [1]}', encoding="utf-8")
    job, payload = run_task("medical.record", [bad])
    assert job.status == "failed" and payload is None
    assert "broken.json" in job.error and "entry[0]" in job.error
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n", encoding="utf-8")
    job, _ = run_task("medical.record", [empty])
    assert job.status == "failed" and "empty" in job.error
