"""The ``medical.deidentify`` task: walk the inputs, de-identify, write artefacts, report.

Outputs are named from the new SOP Instance UID (DICOM) or a counter (text), never from
the input file name, which often carries the patient's name.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pydicom
from pydicom.errors import InvalidDicomError

from core.errors import UserError
from core.tasks import TaskContext
from plugins.medical.ct.deid.dicom_profile import DESCRIPTIONS, deidentify_dataset
from plugins.medical.ct.deid.keys import project_key
from plugins.medical.ct.deid.text_phi import redact_document, redact_text
from plugins.medical.ct.models import DeidChange, DeidFile, DeidParams, DeidResult
from plugins.medical.ct.sources import DICOMDIR_SOP_CLASS, Source, collect_sources

TEXT_SUFFIXES = {".txt", ".json", ".md", ".csv", ".hl7", ".xml"}
MAX_CHANGES_LISTED = 5000


def _is_text(source: Source) -> bool:
    name = source.label.rsplit("!", 1)[-1]
    return Path(name).suffix.lower() in TEXT_SUFFIXES


def deidentify_inputs(ctx: TaskContext, inputs: list[Path], params: DeidParams) -> DeidResult:
    """De-identify every DICOM and text file under ``inputs``."""
    key = project_key(ctx.store, params.project, actor=ctx.actor)
    result = DeidResult(project=params.project, date_shift_days=key.date_shift_days)
    sources: list[Source] = []
    for path in inputs:
        if path.is_file() and path.suffix.lower() in TEXT_SUFFIXES and \
                not zipfile.is_zipfile(path):
            sources.append(Source(str(path), lambda p=path: p.open("rb")))
        else:
            sources.extend(collect_sources(path, result.warnings))
    phi_counts: dict[str, int] = {}
    for n, source in enumerate(sources):
        ctx.progress(n, len(sources), "de-identifying")
        if _is_text(source):
            _text(ctx, source, key, n, result, phi_counts)
        else:
            _dicom(ctx, source, key, params, result)
    result.phi_counts = dict(sorted(phi_counts.items()))
    if not result.files:
        raise UserError(f"{inputs[0]}: no DICOM or text file could be de-identified "
                        f"({'; '.join(result.warnings[:3]) or 'nothing found'})")
    ctx.store.audit(ctx.actor, "medical.deidentify", "job", ctx.job_id, project=params.project,
                    files=len(result.files), changes=len(result.changes))
    return result


def _text(ctx, source: Source, key, n: int, result: DeidResult, phi_counts) -> None:
    with source.open() as fh:
        raw = fh.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    cleaned, report = redact_document(text, key)
    suffix = Path(source.label.rsplit("!", 1)[-1]).suffix.lower() or ".txt"
    out = ctx.artifact(f"deid/text_{n + 1:04d}{suffix}", kind="text/plain",
                       description="de-identified record text")
    out.write_text(cleaned, encoding="utf-8")
    for kind, count in report.counts.items():
        phi_counts[kind] = phi_counts.get(kind, 0) + count
        if len(result.changes) < MAX_CHANGES_LISTED:
            result.changes.append(DeidChange(file=source.label, tag="text", name=kind,
                                             action="redacted"))
    total = sum(report.counts.values())
    result.files.append(DeidFile(source=source.label, output=out.name, kind="text",
                                 changes=total, already_deidentified=cleaned == text))


def _dicom(ctx, source: Source, key, params: DeidParams, result: DeidResult) -> None:
    try:
        with source.open() as fh:
            ds = pydicom.dcmread(fh)
    except InvalidDicomError:
        result.warnings.append(f"{source.label}: not a DICOM file, skipped")
        return
    except Exception as exc:  # noqa: BLE001 - a corrupt file is reported, not fatal
        result.warnings.append(f"{source.label}: corrupt DICOM file, skipped ({exc})")
        return
    if str(getattr(getattr(ds, "file_meta", None), "MediaStorageSOPClassUID", "")) \
            == DICOMDIR_SOP_CLASS:
        result.warnings.append(f"{source.label}: DICOMDIR not copied (it indexes the "
                               "original, identifying file names)")
        return
    report = deidentify_dataset(ds, key, keep_descriptions=params.keep_descriptions)
    if params.keep_descriptions:
        for keyword in DESCRIPTIONS & set(ds.dir()):
            value = str(ds.data_element(keyword).value or "")
            cleaned, _ = redact_text(value, key)
            if cleaned != value:
                setattr(ds, keyword, cleaned[:64])
                report.changes.append((str(ds.data_element(keyword).tag), keyword, "redacted"))
    sop = str(getattr(ds, "SOPInstanceUID", "") or key.uid(source.label))
    out = ctx.artifact(f"deid/{sop}.dcm", kind="application/dicom",
                       description="de-identified DICOM instance")
    ds.save_as(out, enforce_file_format=False)
    for tag, name, action in report.changes:
        if len(result.changes) < MAX_CHANGES_LISTED:
            result.changes.append(DeidChange(file=source.label, tag=tag, name=name,
                                             action=action))
    if len(result.changes) >= MAX_CHANGES_LISTED and "truncated" not in " ".join(result.warnings):
        result.warnings.append(f"change list truncated at {MAX_CHANGES_LISTED} entries")
    if report.burned_in == "yes":
        result.burned_in_flags.append(f"{source.label}: burned-in annotation likely "
                                      "(pixels not altered; review or blank before sharing)")
    result.files.append(DeidFile(source=source.label, output=out.name, kind="dicom",
                                 changes=len(report.changes), burned_in_annotation=report.burned_in,
                                 already_deidentified=report.already_deidentified))
