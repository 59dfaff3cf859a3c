"""``medical.study`` and ``medical.record`` tasks: a CT study + record + dictation -> draft report.

Inputs are told apart by kind: a folder, .zip, .dcm or DICOMDIR is the CT study
(required: the report describes a CT and the SR must reference its UIDs); a .txt or
.json is the health record (optional: without it the patient's risk is unknown and the
conservative high-risk Fleischner branch is shown, saying so); a .wav or .flac is the
dictation (optional: without it the report lists CT candidates only and no
dictation-vs-CT checks are run). Outputs: result JSON, report.json, report.pdf,
report_sr.dcm and the key images, all drafts for physician review.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field

from core.errors import UserError, file_error
from plugins.medical.clinical.dictation import (
    AUDIO_EXTENSIONS,
    DictationParams,
    dictation_result,
    transcribe_file,
)
from plugins.medical.clinical.fusion import build_report
from plugins.medical.clinical.models import HealthRecord, StudyResult
from plugins.medical.clinical.record_fhir import read_fhir_bundle
from plugins.medical.clinical.record_text import read_text_record
from plugins.medical.clinical.report_pdf import write_report_pdf
from plugins.medical.clinical.report_sr import series_headers, write_report_sr

RECORD_EXTENSIONS = (".txt", ".json")
CT_EXTENSIONS = (".zip", ".dcm")


class RecordParams(BaseModel):
    """Parameters of ``medical.record`` (none yet)."""


class StudyParams(BaseModel):
    """Parameters of ``medical.study``."""

    adapt_dictation: bool = Field(True, description="radiology LM + pronunciations for ASR")
    key_images: bool = Field(True, description="render key images into the PDF")


def read_record(path: Path) -> HealthRecord:
    """A .txt or FHIR .json record -> HealthRecord (UserError for what the user can fix)."""
    suffix = path.suffix.lower()
    if suffix == ".json":
        return read_fhir_bundle(path)
    if suffix == ".txt":
        return read_text_record(path)
    raise file_error(path, f"wrong record format {suffix or '(none)'}; use .txt or FHIR .json")


def run_record(ctx, inputs: list[Path], params: RecordParams) -> HealthRecord:
    """Task body of ``medical.record``."""
    record = read_record(inputs[0])
    for warning in record.warnings:
        ctx.log.warning("%s", warning)
    return record


def classify_inputs(inputs: list[Path]) -> tuple[Path, Path | None, Path | None]:
    """(ct, record, audio) from the inputs; UserError for a missing CT or duplicates."""
    ct: list[Path] = []
    record: list[Path] = []
    audio: list[Path] = []
    for path in inputs:
        suffix = path.suffix.lower()
        if path.is_dir() or suffix in CT_EXTENSIONS or path.name.upper() == "DICOMDIR":
            ct.append(path)
        elif suffix in RECORD_EXTENSIONS:
            record.append(path)
        elif suffix in AUDIO_EXTENSIONS:
            audio.append(path)
        else:
            raise file_error(path, "is neither a CT study (folder, .zip, .dcm, DICOMDIR), a "
                             "record (.txt, .json) nor a dictation (.wav, .flac)")
    if not ct:
        raise UserError("medical.study needs a CT study (a DICOM folder, .zip, .dcm or "
                        "DICOMDIR); the record and dictation are optional")
    for kind, found in (("CT study", ct), ("record", record), ("dictation", audio)):
        if len(found) > 1:
            raise UserError(f"medical.study takes one {kind}, got {len(found)}: "
                            + ", ".join(str(p) for p in found))
    return ct[0], (record or [None])[0], (audio or [None])[0]


def save_viewer_volume(ctx, volume) -> None:
    """A <=256-pixel int16 copy of the volume for the review page's slice viewer."""
    step = max(1, int(np.ceil(max(volume.shape[1], volume.shape[2]) / 256)))
    sx, sy, sz = volume.spacing_mm
    np.savez_compressed(
        ctx.artifact("viewer_volume.npz", kind="application/x-npz",
                     description="int16 HU volume (z, y, x) for the slice viewer"),
        hu=np.clip(np.round(volume.hu[:, ::step, ::step]), -1024, 3071).astype(np.int16),
        spacing_mm=np.array([sx * step, sy * step, sz]), origin_mm=np.array(volume.origin_mm),
        orientation=np.array(volume.orientation), step=np.array(step))


def run_study(ctx, inputs: list[Path], params: StudyParams) -> StudyResult:
    """Task body of ``medical.study``."""
    from plugins.medical.ct.api import analyse, load_study

    ct_path, record_path, audio_path = classify_inputs(inputs)
    # Cheap inputs first, so a bad record or audio fails before minutes of CT analysis.
    record = read_record(record_path) if record_path else None
    audio_check = None
    if audio_path:
        from plugins.medical.clinical.dictation import load_audio
        audio_check = load_audio(audio_path)  # raises UserError for empty/silent/wrong audio
    del audio_check

    def scaled(lo: float, hi: float):
        return lambda done, total, msg: ctx.progress(lo + (hi - lo) * done / max(total, 1), 1.0, msg)

    volume = load_study(ct_path, scaled(0.0, 0.25))
    key_dir = ctx.artifacts_dir / "key_images"
    ct_result = analyse(volume, scaled(0.25, 0.75), key_image_dir=key_dir if params.key_images
                        else None)
    save_viewer_volume(ctx, volume)
    key_images = sorted(key_dir.glob("*.png")) if params.key_images else []
    for image in key_images:  # declare them so they are recorded with their sha256
        ctx.artifact(f"key_images/{image.name}", kind="image/png",
                     description="key image with finding overlay (draft)")
    ct = json.loads(ct_result.model_dump_json())

    dictation = None
    if audio_path:
        ctx.progress(0.8, 1.0, "transcribing the dictation")
        transcript = transcribe_file(ctx.models, audio_path, params.adapt_dictation)
        if not transcript.text.strip():
            raise file_error(audio_path, "no speech was recognised in the dictation")
        dictation = dictation_result(audio_path, transcript, params.adapt_dictation)

    ctx.progress(0.9, 1.0, "writing the draft report")
    report, checks = build_report(ct, record, dictation)
    series_uid, study_uid = ct["series"]["series_uid"], ct["series"].get("study_uid") or volume.study_uid
    evidence = series_headers(ct_path, series_uid)
    patient = evidence[0]
    header = {"Patient ID": str(patient.get("PatientID", "")),
              "Patient name": str(patient.get("PatientName", "")),
              "Study date": str(patient.get("StudyDate", "")),
              "Accession": str(patient.get("AccessionNumber", "")),
              "Study UID": study_uid, "Series UID": series_uid,
              "Inputs": ", ".join(p.name for p in (ct_path, record_path, audio_path) if p)}
    pdf_path = ctx.artifact("report.pdf", kind="application/pdf",
                            description="draft CT report for physician review")
    write_report_pdf(pdf_path, report, checks, header, key_images[:4])
    sr_path = ctx.artifact("report_sr.dcm", kind="application/dicom",
                           description="draft report as DICOM Comprehensive SR (unverified)")
    nodules = [f for f in ct["findings"] if f["kind"] == "pulmonary_nodule_candidate"]
    sr_uid = write_report_sr(sr_path, report, checks, evidence, nodules)
    json_path = ctx.artifact("report.json", kind="application/json",
                             description="draft report with evidence (JSON)")
    result = StudyResult(study_uid=study_uid, series_uid=series_uid, report=report, checks=checks,
                         ct=ct, record=record, dictation=dictation, json_path=str(json_path),
                         pdf_path=str(pdf_path), sr_path=str(sr_path), sr_sop_instance_uid=sr_uid)
    json_path.write_text(result.model_dump_json(indent=2), encoding="utf-8")
    return result


__all__ = ["DictationParams", "RecordParams", "StudyParams", "classify_inputs", "read_record",
           "run_record", "run_study"]
