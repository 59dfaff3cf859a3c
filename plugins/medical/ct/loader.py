"""Load one CT study into a CtVolume: choose the axial CT series, order it, regularise it.

Why each step:
- series are grouped by SeriesInstanceUID and (within one) by orientation, because PACS
  exports mix scouts, secondary captures, dose sheets and reformats into one folder;
- slices are ordered by ImagePositionPatient projected on the slice normal, never by
  InstanceNumber, which scanners number in acquisition or reverse order;
- gantry tilt shears the stack (positions move along the table, not the normal) and
  uneven gaps break every 3-D filter, so both are detected, reported and resampled onto
  an orthogonal, evenly spaced grid.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pydicom

from core.errors import UserError
from plugins.medical.ct.models import PatientInfo
from plugins.medical.ct.resample import regularise_stack
from plugins.medical.ct.sources import Source, collect_sources, read_full, read_header
from plugins.medical.ct.volume import CtVolume

log = logging.getLogger("enclave.medical.ct")

CT_IMAGE = "1.2.840.10008.5.1.4.1.1.2"
ENHANCED_CT_IMAGE = "1.2.840.10008.5.1.4.1.1.2.1"
SECONDARY_CAPTURE_PREFIX = "1.2.840.10008.5.1.4.1.1.7"
EXCLUDED_IMAGE_TYPES = {"LOCALIZER", "SCOUT", "SURVIEW", "REF_SURVIEW", "TOPOGRAM",
                        "SCREEN SAVE", "DOSE_INFO", "PATIENT_INFO", "RESULTS", "SECONDARY"}
AXIAL_MIN_COS = np.cos(np.deg2rad(45.0))  # |normal . z| above this = axial (tilt allowed)

Progress = Callable[[float, float, str], None] | None


@dataclass
class Frame:
    """One slice: a classic instance or one frame of an Enhanced multi-frame instance."""

    source: Source
    frame_index: int | None
    position: np.ndarray
    orientation: np.ndarray
    pixel_spacing: tuple[float, float]  # (row spacing = y, column spacing = x)
    rows: int
    columns: int
    slope: float
    intercept: float


def _floats(value, n: int) -> np.ndarray | None:
    try:
        arr = np.asarray([float(v) for v in value], dtype=np.float64)
    except (TypeError, ValueError):
        return None
    return arr if arr.size == n and np.all(np.isfinite(arr)) else None


def _fg(ds: pydicom.Dataset, frame: int, seq: str, attr: str):
    """An attribute from the per-frame functional group, else the shared one (PS3.3 C.7.6.16)."""
    for groups, index in (("PerFrameFunctionalGroupsSequence", frame),
                          ("SharedFunctionalGroupsSequence", 0)):
        items = getattr(ds, groups, None)
        if not items or index >= len(items):
            continue
        inner = getattr(items[index], seq, None)
        if inner and attr in inner[0]:
            return inner[0][attr].value
    return None


def _frames_of(ds: pydicom.Dataset, source: Source) -> tuple[list[Frame], str | None]:
    """The slices an instance contributes, or (``[]``, why it cannot be placed)."""
    n_frames = int(getattr(ds, "NumberOfFrames", 1) or 1)
    rows, cols = int(getattr(ds, "Rows", 0) or 0), int(getattr(ds, "Columns", 0) or 0)
    if str(getattr(ds, "SOPClassUID", "")) == ENHANCED_CT_IMAGE or (
            n_frames > 1 and "PerFrameFunctionalGroupsSequence" in ds):
        frames = []
        for i in range(n_frames):
            pos = _floats(_fg(ds, i, "PlanePositionSequence", "ImagePositionPatient") or [], 3)
            iop = _floats(_fg(ds, i, "PlaneOrientationSequence", "ImageOrientationPatient")
                          or [], 6)
            spacing = _floats(_fg(ds, i, "PixelMeasuresSequence", "PixelSpacing") or [], 2)
            if pos is None or iop is None:
                return [], "frames without Plane Position/Orientation"
            if spacing is None:
                return [], "frames without Pixel Measures (PixelSpacing)"
            slope = _fg(ds, i, "PixelValueTransformationSequence", "RescaleSlope")
            intercept = _fg(ds, i, "PixelValueTransformationSequence", "RescaleIntercept")
            frames.append(Frame(source, i, pos, iop, (spacing[0], spacing[1]), rows, cols,
                                float(slope if slope is not None else 1.0),
                                float(intercept if intercept is not None else 0.0)))
        return frames, None
    pos = _floats(getattr(ds, "ImagePositionPatient", None) or [], 3)
    iop = _floats(getattr(ds, "ImageOrientationPatient", None) or [], 6)
    if pos is None or iop is None:
        return [], "no ImagePositionPatient/ImageOrientationPatient"
    spacing = _floats(getattr(ds, "PixelSpacing", None) or [], 2)
    if spacing is None:
        return [], "no PixelSpacing"
    slope = getattr(ds, "RescaleSlope", None)
    intercept = getattr(ds, "RescaleIntercept", None)
    return [Frame(source, None, pos, iop, (spacing[0], spacing[1]), rows, cols,
                  float(slope if slope not in (None, "") else 1.0),
                  float(intercept if intercept not in (None, "") else 0.0))], None


def _exclusion_reason(ds: pydicom.Dataset) -> str | None:
    """Why an instance is not part of an acquired axial CT stack (None = it may be)."""
    modality = str(getattr(ds, "Modality", "") or "")
    if modality != "CT":
        return f"modality {modality or '(missing)'} is not CT"
    sop = str(getattr(ds, "SOPClassUID", ""))
    if sop.startswith(SECONDARY_CAPTURE_PREFIX):
        return "secondary capture"
    if sop not in (CT_IMAGE, ENHANCED_CT_IMAGE, ""):
        return f"SOP class {sop} is not a CT image"
    image_type = {str(v).upper() for v in (getattr(ds, "ImageType", None) or [])}
    hit = image_type & EXCLUDED_IMAGE_TYPES
    if hit:
        return f"ImageType {'/'.join(sorted(hit))} (scout, localizer or derived capture)"
    return None


@dataclass
class _Series:
    key: tuple
    uid: str
    header: pydicom.Dataset
    frames: list[Frame]
    labels: list[str]


def _group(sources: list[Source], warnings: list[str], excluded: list[str],
           progress: Progress) -> list[_Series]:
    groups: dict[tuple, _Series] = {}
    rejected: dict[str, tuple[str, list[str], pydicom.Dataset]] = {}
    for i, src in enumerate(sources):
        if progress and i % 25 == 0:
            progress(i, len(sources) * 2, "reading headers")
        ds = read_header(src, warnings)
        if ds is None:
            continue
        uid = str(getattr(ds, "SeriesInstanceUID", "") or "(no SeriesInstanceUID)")
        reason = _exclusion_reason(ds)
        frames: list[Frame] = []
        if reason is None:
            frames, reason = _frames_of(ds, src)
        if reason is not None:
            rejected.setdefault(uid, (reason, [], ds))[1].append(src.label)
            continue
        iop_key = tuple(np.round(frames[0].orientation, 3))
        key = (uid, iop_key, frames[0].rows, frames[0].columns)
        series = groups.setdefault(key, _Series(key, uid, ds, [], []))
        series.frames.extend(frames)
        series.labels.append(src.label)
    for reason, labels, ds in rejected.values():
        number = getattr(ds, "SeriesNumber", "?")
        excluded.append(f"series {number} ({len(labels)} file(s), e.g. {labels[0]}): {reason}")
    return list(groups.values())


def _normal(orientation: np.ndarray) -> np.ndarray:
    n = np.cross(orientation[:3], orientation[3:6])
    return n / (np.linalg.norm(n) or 1.0)


def _choose(series: list[_Series], path: Path, excluded: list[str],
            warnings: list[str]) -> _Series:
    usable = []
    for s in series:
        normal = _normal(s.frames[0].orientation)
        distinct = np.unique(np.round([f.position @ normal for f in s.frames], 2)).size
        if abs(normal[2]) < AXIAL_MIN_COS:
            excluded.append(f"series {getattr(s.header, 'SeriesNumber', '?')} "
                            f"({len(s.frames)} slice(s), e.g. {s.labels[0]}): not axial "
                            f"(slice normal {np.round(normal, 2).tolist()})")
        elif distinct < 2:
            excluded.append(f"series {getattr(s.header, 'SeriesNumber', '?')} (e.g. "
                            f"{s.labels[0]}): a single slice position, not a volume")
        else:
            usable.append((distinct, s))
    if not usable:
        detail = "; ".join(excluded + warnings[:3]) or "no DICOM image was found"
        raise UserError(f"{path}: no axial CT series with at least 2 slices to analyse "
                        f"({detail}). Pass the folder, zip or DICOMDIR of an axial CT series.")
    usable.sort(key=lambda item: item[0], reverse=True)
    for _, other in usable[1:]:
        excluded.append(f"series {getattr(other.header, 'SeriesNumber', '?')} "
                        f"({len(other.frames)} slices): another axial CT series; the largest "
                        "one was analysed")
    return usable[0][1]



def _patient(ds: pydicom.Dataset) -> PatientInfo:
    age = str(getattr(ds, "PatientAge", "") or "")
    age_years = None
    if age[:-1].isdigit() and age.endswith("Y"):
        age_years = int(age[:-1])
    elif len(age) > 1 and age[:-1].isdigit():
        age_years = 0
    return PatientInfo(patient_id=str(getattr(ds, "PatientID", "") or ""),
                       name=str(getattr(ds, "PatientName", "") or ""),
                       sex=str(getattr(ds, "PatientSex", "") or ""), age_years=age_years,
                       birth_date=str(getattr(ds, "PatientBirthDate", "") or ""))


def _read_pixels(frames: list[Frame], warnings: list[str], progress: Progress,
                 total: int) -> tuple[list[Frame], list[np.ndarray], str]:
    """Decode each frame to HU (float32); frames whose pixels cannot be decoded are dropped."""
    kept, planes = [], []
    cache: dict[str, np.ndarray | None] = {}
    syntax = ""
    for i, frame in enumerate(frames):
        if progress and i % 25 == 0:
            progress(total // 2 + i * (total // 2) / max(len(frames), 1), total, "reading pixels")
        label = frame.source.label
        if label not in cache:
            try:
                ds = read_full(frame.source)
                syntax = str(getattr(getattr(ds, "file_meta", None), "TransferSyntaxUID", ""))
                if "PixelData" not in ds and "FloatPixelData" not in ds:
                    warnings.append(f"{label}: instance without pixel data, skipped")
                    cache[label] = None
                else:
                    cache[label] = ds.pixel_array
            except Exception as exc:  # noqa: BLE001 - a corrupt slice is skipped and reported
                warnings.append(f"{label}: pixel data cannot be decoded, slice skipped "
                                f"({type(exc).__name__}: {exc})")
                cache[label] = None
        pixels = cache[label]
        if pixels is None:
            continue
        plane = pixels[frame.frame_index] if frame.frame_index is not None else pixels
        if plane.ndim != 2 or plane.shape != (frame.rows, frame.columns):
            warnings.append(f"{label}: pixel array shape {plane.shape} does not match "
                            f"Rows x Columns, slice skipped")
            continue
        planes.append(plane.astype(np.float32) * np.float32(frame.slope)
                      + np.float32(frame.intercept))
        kept.append(frame)
        if frame.frame_index is None:
            cache[label] = None  # classic instance: one slice, free it now
    return kept, planes, syntax


def load_ct(path: Path, progress: Progress = None) -> CtVolume:
    """Load the axial CT series of a study (folder, zip, DICOMDIR or one file) as a CtVolume."""
    path = Path(path)
    if not path.exists():
        raise UserError(f"{path}: no such file or folder")
    warnings: list[str] = []
    excluded: list[str] = []
    sources = collect_sources(path, warnings)
    total = len(sources) * 2
    series = _choose(_group(sources, warnings, excluded, progress), path, excluded, warnings)
    header = series.header
    normal = _normal(series.frames[0].orientation)
    frames = sorted(series.frames, key=lambda f: float(f.position @ normal))
    spacings = {f.pixel_spacing for f in frames}
    if len(spacings) > 1:
        raise UserError(f"{path}: series {series.uid} mixes pixel spacings {sorted(spacings)}; "
                        "export a single reconstruction")
    frames, planes, syntax = _read_pixels(frames, warnings, progress, total)
    positions = [float(f.position @ normal) for f in frames]
    unique_frames, unique_planes, last = [], [], None
    for f, plane, d in zip(frames, planes, positions, strict=True):
        if last is not None and abs(d - last) < 1e-3:
            warnings.append(f"{f.source.label}: duplicate slice position {d:.2f} mm, skipped")
            continue
        unique_frames.append(f)
        unique_planes.append(plane)
        last = d
    if len(unique_frames) < 2:
        raise UserError(f"{path}: series {series.uid} has {len(unique_frames)} usable slice(s); "
                        "a volume needs at least 2 (a single slice cannot be measured in 3-D)")
    row_spacing, col_spacing = unique_frames[0].pixel_spacing
    stack = regularise_stack(
        planes=unique_planes, positions=np.stack([f.position for f in unique_frames]),
        orientation=unique_frames[0].orientation, pixel_spacing_yx=(row_spacing, col_spacing))
    warnings.extend(stack.notes)
    tilt_tag = getattr(header, "GantryDetectorTilt", None)
    volume = CtVolume(
        hu=stack.hu, spacing_mm=(col_spacing, row_spacing, stack.slice_spacing_mm),
        origin_mm=tuple(float(v) for v in stack.origin_mm),
        orientation=tuple(float(v) for v in unique_frames[0].orientation),
        series_uid=series.uid, study_uid=str(getattr(header, "StudyInstanceUID", "") or ""),
        frame_of_reference_uid=str(getattr(header, "FrameOfReferenceUID", "") or ""),
        series_number=int(header.SeriesNumber) if getattr(header, "SeriesNumber", None)
        not in (None, "") else None,
        series_description=str(getattr(header, "SeriesDescription", "") or ""),
        body_part_examined=str(getattr(header, "BodyPartExamined", "") or ""),
        patient=_patient(header), slice_count=len(unique_frames), tilt_deg=stack.tilt_deg,
        gantry_tilt_tag_deg=float(tilt_tag) if tilt_tag not in (None, "") else None,
        uneven_spacing=stack.uneven, acquired_slice_gaps_mm=stack.gaps_mm,
        resampled=stack.resampled, transfer_syntax=syntax,
        enhanced_multiframe=unique_frames[0].frame_index is not None,
        rescale_type=_rescale_type(header), source=path, warnings=warnings,
        excluded_series=excluded)
    if volume.rescale_type != "HU":
        warnings.append(f"{path}: RescaleType is {volume.rescale_type}, not HU; density "
                        "thresholds (lungs, nodules, haemorrhage) do not apply")
    if progress:
        progress(total, total, "loaded")
    return volume


def _rescale_type(ds: pydicom.Dataset) -> str:
    value = getattr(ds, "RescaleType", None)
    if value is None:
        value = _fg(ds, 0, "PixelValueTransformationSequence", "RescaleType")
    value = str(value or "HU").upper()
    return "HU" if value in ("HU", "") else value
