"""The draft report as a DICOM Comprehensive SR (highdicom) referencing the CT study and series.

The SR is marked PARTIAL and UNVERIFIED (a draft no physician has signed). Its evidence
sequence lists every SOP instance of the analysed series, so a PACS files it with the
study; the content tree carries the report sections as TEXT items and each nodule's
measured diameter as a NUM item in millimetres.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pydicom
from pydicom.dataset import Dataset
from pydicom.uid import generate_uid

from core.errors import file_error
from plugins.medical.clinical.models import ConsistencyCheck, DraftReport

PATIENT_STUDY_DEFAULTS = {"PatientID": "", "PatientName": "", "PatientBirthDate": "",
                          "PatientSex": "", "StudyID": "", "StudyDate": "", "StudyTime": "",
                          "ReferringPhysicianName": "", "AccessionNumber": ""}


def _headers(sources) -> list[Dataset]:
    """Headers of DICOM sources (paths or file-like); what is not DICOM is skipped."""
    out = []
    for source in sources:
        try:
            ds = pydicom.dcmread(source, stop_before_pixels=True, force=True)
        except Exception:  # noqa: BLE001 - not DICOM (README, truth.json, DICOMDIR index)
            continue
        if "SOPInstanceUID" in ds and "SeriesInstanceUID" in ds:
            out.append(ds)
    return out


def series_headers(study: Path, series_uid: str) -> list[Dataset]:
    """Headers (no pixels) of every instance of ``series_uid`` in a folder, zip or file."""
    if study.is_file() and zipfile.is_zipfile(study):
        with zipfile.ZipFile(study) as zf:
            headers = _headers(io.BytesIO(zf.read(n)) for n in zf.namelist()
                               if not n.endswith("/"))
    else:
        files = [study] if study.is_file() else sorted(p for p in study.rglob("*") if p.is_file())
        headers = _headers(str(p) for p in files)
    chosen = [h for h in headers if str(h.SeriesInstanceUID) == series_uid]
    if not chosen:
        raise file_error(study, f"no DICOM instance of series {series_uid} found for the SR "
                         "evidence")
    for ds in chosen:  # highdicom copies these from the evidence; type 2 may be absent
        for keyword, default in PATIENT_STUDY_DEFAULTS.items():
            if keyword not in ds:
                setattr(ds, keyword, default)
    return chosen


def write_report_sr(path: Path, report: DraftReport, checks: list[ConsistencyCheck],
                    evidence: list[Dataset], findings: list[dict]) -> str:
    """Write the SR to ``path``; returns its SOPInstanceUID."""
    import highdicom as hd
    from pydicom.sr.codedict import codes

    def text(name: tuple[str, str, str], value: str, rel: str = "CONTAINS"):
        return hd.sr.TextContentItem(name=hd.sr.CodedConcept(*name), value=value[:1024],
                                     relationship_type=rel)

    def container(name: tuple[str, str, str], items) -> hd.sr.ContainerContentItem:
        item = hd.sr.ContainerContentItem(name=hd.sr.CodedConcept(*name),
                                          relationship_type="CONTAINS")
        item.ContentSequence = hd.sr.ContentSequence(items)
        return item

    finding_code = ("121071", "DCM", "Finding")
    sections = [
        container(("121060", "DCM", "History"),
                  [text(finding_code, s.text) for s in report.clinical_history]
                  or [text(finding_code, "No health record supplied.")]),
        container(("121064", "DCM", "Current Procedure Descriptions"),
                  [text(("121065", "DCM", "Procedure Description"), s.text)
                   for s in report.technique]),
        container(("121070", "DCM", "Findings"),
                  [text(finding_code, s.text) for s in report.findings]
                  + [hd.sr.NumContentItem(name=hd.sr.CodedConcept("81827009", "SCT", "Diameter"),
                                          value=round(float(f["diameter_mm"]), 2),
                                          unit=codes.UCUM.Millimeter, relationship_type="CONTAINS")
                     for f in findings]),
        container(("121072", "DCM", "Impressions"),
                  [text(("121073", "DCM", "Impression"), s.text) for s in report.impression]),
        container(("121074", "DCM", "Recommendations"),
                  [text(("121075", "DCM", "Recommendation"), r.text)
                   for r in report.recommendations]
                  or [text(("121075", "DCM", "Recommendation"), "None.")]),
    ]
    notes = [text(("121106", "DCM", "Comment"), report.draft_notice)]
    notes += [text(("121106", "DCM", "Comment"), f"Check {c.kind}: {c.message}") for c in checks]
    root = hd.sr.ContainerContentItem(name=hd.sr.CodedConcept("18748-4", "LN",
                                                              "Diagnostic imaging report"))
    root.ContentSequence = hd.sr.ContentSequence(sections + notes)
    sop_uid = generate_uid()
    sr = hd.sr.ComprehensiveSR(
        evidence=evidence, content=root, series_instance_uid=generate_uid(), series_number=900,
        sop_instance_uid=sop_uid, instance_number=1, manufacturer="Enclave",
        is_complete=False, is_final=False, is_verified=False,
        series_description="DRAFT CT report - for physician review")
    sr.save_as(str(path), enforce_file_format=True)
    return sop_uid
