"""medical.deidentify on real and phantom DICOM and on record text, through run_task."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pydicom

from core.runner import run_task
from core.store import Store

NOTE = Path(__file__).resolve().parents[3] / "plugins" / "medical" / "ct" / "samples" / \
    "record_note.txt"


def _outputs(job_id: str) -> list[Path]:
    return [Path(a.path) for a in Store().artifacts(job_id)]


def _dicoms(paths: list[Path]) -> list[pydicom.Dataset]:
    return [pydicom.dcmread(p) for p in paths if p.suffix == ".dcm"]


def test_real_dicom_has_no_phi_left_and_uids_are_consistent(ct_host, ge_head, shared_data,
                                                            phantom_series):
    captures = shared_data / "ct" / "dcm_qa_ct_Philips_S4010_secondary_capture"
    folder, _ = phantom_series
    originals = [pydicom.dcmread(p) for p in sorted(ge_head.glob("*.dcm"))]
    job, payload = run_task("medical.deidentify", [ge_head, captures, folder],
                            {"project": "trial-a"}, actor="tester")
    assert job.status == "succeeded", job.error
    outputs = _outputs(job.id)
    datasets = _dicoms(outputs)
    assert len(datasets) == 28 + 5 + 40
    # Phantom identifiers we planted, and the real files' own values, are gone.
    blob = b"".join(p.read_bytes() for p in outputs if p.suffix == ".dcm")
    for secret in (b"DOE^JANE", b"MRN-0042", b"19580312", b"St Example Hospital",
                   str(originals[0].PatientID).encode()):
        assert secret not in blob
    for uid in {str(o.StudyInstanceUID) for o in originals} | {
            str(o.SOPInstanceUID) for o in originals}:
        assert uid.encode() not in blob
    head = [d for d in datasets if d.SOPClassUID == pydicom.uid.CTImageStorage
            and d.Manufacturer != "Enclave phantom"]
    assert len(head) == 28
    assert len({str(d.StudyInstanceUID) for d in head}) == 1  # one study stays one study
    assert len({str(d.SOPInstanceUID) for d in head}) == 28  # instances stay distinct
    assert all(d.PatientIdentityRemoved == "YES" for d in datasets)
    assert all(not any(e.tag.is_private for e in d) for d in datasets)
    # Burned-in text is flagged for the Philips captures, not for the axial CT.
    assert len(payload["burned_in_flags"]) == 5
    assert all("S4010" in f for f in payload["burned_in_flags"])
    # Dates moved by the project's fixed shift.
    shifted = [d for d in datasets if d.Manufacturer == "Enclave phantom"][0]
    first = pydicom.dcmread(sorted(folder.glob("*.dcm"))[0])
    original_day = dt.datetime.strptime(str(first.StudyDate), "%Y%m%d").date()
    new_day = dt.datetime.strptime(str(shifted.StudyDate), "%Y%m%d").date()
    assert (new_day - original_day).days == payload["date_shift_days"] < 0

    # Same project again: same pseudonyms and UIDs (consistent linkage across exports).
    job2, _ = run_task("medical.deidentify", [ge_head], {"project": "trial-a"})
    again = _dicoms(_outputs(job2.id))
    # Geometry survives: the de-identified head still loads with the same tilt.
    from plugins.medical.ct.api import load_study
    assert abs(load_study(_outputs(job2.id)[0].parent).tilt_deg - 18.5) < 0.1
    assert {str(d.StudyInstanceUID) for d in again} == {str(d.StudyInstanceUID) for d in head}
    assert {str(d.PatientID) for d in again} == {str(d.PatientID) for d in head}
    # Another project: different UIDs (no linkage across projects).
    job3, _ = run_task("medical.deidentify", sorted(ge_head.glob("*.dcm"))[:2],
                       {"project": "trial-b"})
    other = _dicoms(_outputs(job3.id))
    assert {str(d.StudyInstanceUID) for d in other}.isdisjoint(
        {str(d.StudyInstanceUID) for d in head})


def test_idempotent_on_its_own_output(ct_host, phantom_series, tmp_path):
    folder, _ = phantom_series
    job, _ = run_task("medical.deidentify", [folder, NOTE], {"project": "p"})
    assert job.status == "succeeded", job.error
    first = _outputs(job.id)
    stage = tmp_path / "stage"
    stage.mkdir()
    for p in first:
        (stage / p.name).write_bytes(p.read_bytes())
    job2, payload2 = run_task("medical.deidentify", [stage], {"project": "p"})
    assert job2.status == "succeeded", job2.error
    assert all(f["already_deidentified"] for f in payload2["files"])
    second = {p.name: p.read_bytes() for p in _outputs(job2.id) if p.suffix == ".dcm"}
    assert second == {p.name: p.read_bytes() for p in first if p.suffix == ".dcm"}
    text_first = [p for p in first if p.suffix == ".txt"][0].read_text()
    text_second = [p for p in _outputs(job2.id) if p.suffix == ".txt"][0].read_text()
    assert text_second == text_first


def test_record_text_phi_removed(ct_host, tmp_path):
    job, payload = run_task("medical.deidentify", [NOTE], {"project": "p"})
    assert job.status == "succeeded", job.error
    text = [p for p in _outputs(job.id) if p.suffix == ".txt"][0].read_text()
    for phi in ("Jane", "Doe", "Emily", "00427731", "03/12/1958", "Willow Brook", "62704",
                "555-0142", "jane.doe@example.org", "Smithers", "Springfield", "2023",
                "June 3"):
        assert phi not in text, phi
    # Clinical content stays.
    assert "6 mm nodule in the right upper lobe" in text
    assert "former smoker (30 pack-years" in text
    assert payload["phi_counts"]["name"] >= 5 and payload["phi_counts"]["date"] == 5
    bundle = {"resourceType": "Bundle", "entry": [{"resource": {
        "resourceType": "Patient", "name": [{"family": "Doe", "given": ["Jane"]}],
        "birthDate": "1958-03-12", "telecom": [{"value": "217-555-0142"}],
        "address": [{"line": ["42 Willow Brook Road"]}], "gender": "female"}}]}
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle))
    job, _ = run_task("medical.deidentify", [path], {"project": "p"})
    out = json.loads([p for p in _outputs(job.id) if p.suffix == ".json"][0].read_text())
    patient = out["entry"][0]["resource"]
    assert "name" not in patient and "telecom" not in patient and "address" not in patient
    assert patient["gender"] == "female" and patient["birthDate"] != "1958-03-12"
