"""Result and parameter models of ``medical.ct`` and ``medical.deidentify``.

These pydantic models are the schema the CLI prints, the store keeps, the study report
(``medical.study``) consumes and the review page shows. The issue fixes the names of
``series``, ``lungs`` and ``findings``; everything else is additive.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

FindingKind = Literal["pulmonary_nodule_candidate", "hyperdense_region_candidate"]


class SeriesInfo(BaseModel):
    """Geometry of the analysed series as acquired, and how it was regularised."""

    series_uid: str
    study_uid: str = ""
    series_number: int | None = None
    description: str = ""
    slice_count: int = Field(description="slices (or frames) in the acquired series")
    spacing_mm: list[float] = Field(description="[x, y, z]: column, row and slice spacing "
                                    "of the regular grid analysed")
    tilt_deg: float = Field(0.0, description="gantry tilt: angle between the slice normal "
                            "and the line through the slice positions")
    gantry_tilt_tag_deg: float | None = None
    uneven_spacing: bool = False
    acquired_slice_gaps_mm: list[float] = Field(default_factory=list)
    resampled: bool = False
    shape_zyx: list[int] = Field(default_factory=list)
    origin_mm: list[float] = Field(default_factory=list)
    orientation: list[float] = Field(default_factory=list,
                                     description="ImageOrientationPatient row + column cosines")
    transfer_syntax: str = ""
    enhanced_multiframe: bool = False
    rescale_type: str = "HU"


class LungVolumes(BaseModel):
    """Segmented lung volumes; zero when no lungs are in the field of view (head CT)."""

    left_ml: float = 0.0
    right_ml: float = 0.0


class Finding(BaseModel):
    """A measured candidate for the radiologist to confirm or dismiss; never a diagnosis."""

    id: str
    kind: FindingKind
    position_mm: list[float] = Field(description="[x, y, z] centroid in DICOM patient "
                                     "coordinates (LPS)")
    diameter_mm: float = Field(description="diameter of the sphere with the same volume")
    volume_mm3: float
    mean_hu: float
    confidence: float = Field(ge=0.0, le=1.0)
    sphericity: float = 0.0
    long_axis_mm: float = 0.0
    slice_index: int = Field(0, description="index on the analysed (regular) grid, 0 = first")
    voxel_zyx: list[int] = Field(default_factory=list)
    laterality: Literal["left", "right", "midline"] = "midline"
    key_image: str = ""


class KeyImage(BaseModel):
    """A PNG artefact: a slice with the window preset and finding overlays."""

    name: str
    plane: Literal["axial", "coronal", "sagittal"]
    slice_index: int
    preset: str
    finding_ids: list[str] = Field(default_factory=list)


class PatientInfo(BaseModel):
    """Patient attributes the report needs (risk, age), as found in the DICOM header."""

    patient_id: str = ""
    name: str = ""
    sex: str = ""
    age_years: int | None = None
    birth_date: str = ""


class CtResult(BaseModel):
    """What ``medical.ct`` returns: geometry, lungs and candidate findings, for review."""

    draft_for_physician_review: bool = True
    body_part: Literal["chest", "head", "other"] = "other"
    series: SeriesInfo
    lungs: LungVolumes = Field(default_factory=LungVolumes)
    findings: list[Finding] = Field(default_factory=list)
    key_images: list[KeyImage] = Field(default_factory=list)
    patient: PatientInfo = Field(default_factory=PatientInfo)
    body_volume_ml: float = 0.0
    analysis_grid_mm: list[float] = Field(default_factory=list,
                                          description="[x, y, z] spacing of the grid the "
                                          "segmentation ran on")
    method: str = "classical"
    warnings: list[str] = Field(default_factory=list)
    excluded_series: list[str] = Field(default_factory=list)
    timings_s: dict[str, float] = Field(default_factory=dict)


class CtParams(BaseModel):
    """Parameters of ``medical.ct``."""

    detect_nodules: bool = True
    detect_haemorrhage: bool = True
    min_nodule_mm: float = Field(3.0, ge=1.0, le=30.0)
    max_nodule_mm: float = Field(30.0, ge=3.0, le=60.0)
    key_images: bool = True
    segmentation_role: str | None = Field(
        None, description="inference-core role of a site segmentation model (TorchScript); "
        "None keeps the classical path")


class DeidParams(BaseModel):
    """Parameters of ``medical.deidentify``."""

    project: str = Field("default", description="project whose key drives UID remapping "
                         "and date shifting; the same project always maps the same way")
    keep_descriptions: bool = False


class DeidChange(BaseModel):
    """One attribute or text span that was changed."""

    file: str
    tag: str
    name: str
    action: Literal["removed", "replaced", "shifted", "remapped", "emptied", "redacted"]


class DeidFile(BaseModel):
    """One output file of ``medical.deidentify``."""

    source: str
    output: str
    kind: Literal["dicom", "text"]
    changes: int
    burned_in_annotation: Literal["yes", "no", "unknown"] = "unknown"
    already_deidentified: bool = False


class DeidResult(BaseModel):
    """Report of ``medical.deidentify``: every output file and what was changed."""

    project: str
    date_shift_days: int
    files: list[DeidFile] = Field(default_factory=list)
    changes: list[DeidChange] = Field(default_factory=list)
    burned_in_flags: list[str] = Field(default_factory=list)
    phi_counts: dict[str, int] = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list)
