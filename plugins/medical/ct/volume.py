"""CtVolume: a CT series on a regular, orthogonal grid with its patient geometry.

Everything downstream (segmentation, measurements, reformats, the study report) works
on this one object, so the DICOM quirks (tilt, uneven gaps, multi-frame, rescale) are
resolved once in the loader and never again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from plugins.medical.ct.models import PatientInfo, SeriesInfo


@dataclass
class CtVolume:
    """Hounsfield units as ``hu[z, y, x]`` with DICOM patient (LPS) geometry.

    ``spacing_mm`` is (x, y, z) = (column spacing, row spacing, slice spacing);
    ``origin_mm`` is the ImagePositionPatient of voxel (0, 0, 0); ``orientation`` is the
    6-value ImageOrientationPatient (row cosines, then column cosines). The slice axis
    is the right-handed normal row x column, so the grid is orthogonal by construction.
    """

    hu: np.ndarray
    spacing_mm: tuple[float, float, float]
    origin_mm: tuple[float, float, float]
    orientation: tuple[float, ...] = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0)
    series_uid: str = ""
    study_uid: str = ""
    frame_of_reference_uid: str = ""
    series_number: int | None = None
    series_description: str = ""
    body_part_examined: str = ""
    patient: PatientInfo = field(default_factory=PatientInfo)
    slice_count: int = 0
    tilt_deg: float = 0.0
    gantry_tilt_tag_deg: float | None = None
    uneven_spacing: bool = False
    acquired_slice_gaps_mm: list[float] = field(default_factory=list)
    resampled: bool = False
    transfer_syntax: str = ""
    enhanced_multiframe: bool = False
    rescale_type: str = "HU"
    source: Path | None = None
    warnings: list[str] = field(default_factory=list)
    excluded_series: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.hu.ndim != 3:
            raise ValueError(f"hu must be 3-D (z, y, x), got shape {self.hu.shape}")
        if not self.slice_count:
            self.slice_count = int(self.hu.shape[0])

    @property
    def shape(self) -> tuple[int, int, int]:
        """(z, y, x) voxel counts."""
        return tuple(int(n) for n in self.hu.shape)  # type: ignore[return-value]

    @property
    def row_cosines(self) -> np.ndarray:
        """Patient direction of increasing column index (x of the image)."""
        return np.asarray(self.orientation[:3], dtype=np.float64)

    @property
    def column_cosines(self) -> np.ndarray:
        """Patient direction of increasing row index (y of the image)."""
        return np.asarray(self.orientation[3:6], dtype=np.float64)

    @property
    def normal(self) -> np.ndarray:
        """Patient direction of increasing slice index."""
        return np.cross(self.row_cosines, self.column_cosines)

    @property
    def voxel_volume_mm3(self) -> float:
        """Volume of one voxel."""
        return float(np.prod(self.spacing_mm))

    def voxel_to_patient(self, zyx: np.ndarray | list[float] | tuple[float, ...]) -> np.ndarray:
        """Patient coordinates (x, y, z) in mm of a (possibly fractional) voxel index (z, y, x)."""
        idx = np.asarray(zyx, dtype=np.float64)
        sx, sy, sz = self.spacing_mm
        return (np.asarray(self.origin_mm, dtype=np.float64)
                + idx[..., 2:3] * sx * self.row_cosines
                + idx[..., 1:2] * sy * self.column_cosines
                + idx[..., 0:1] * sz * self.normal)

    def patient_to_voxel(self, xyz: np.ndarray | list[float] | tuple[float, ...]) -> np.ndarray:
        """Fractional voxel index (z, y, x) of patient coordinates (x, y, z) in mm."""
        rel = np.asarray(xyz, dtype=np.float64) - np.asarray(self.origin_mm, dtype=np.float64)
        sx, sy, sz = self.spacing_mm
        return np.stack([rel @ self.normal / sz, rel @ self.column_cosines / sy,
                         rel @ self.row_cosines / sx], axis=-1)

    def series_info(self) -> SeriesInfo:
        """The ``series`` block of the result."""
        return SeriesInfo(
            series_uid=self.series_uid, study_uid=self.study_uid,
            series_number=self.series_number, description=self.series_description,
            slice_count=self.slice_count,
            spacing_mm=[round(float(s), 4) for s in self.spacing_mm],
            tilt_deg=round(float(self.tilt_deg), 2),
            gantry_tilt_tag_deg=self.gantry_tilt_tag_deg,
            uneven_spacing=self.uneven_spacing,
            acquired_slice_gaps_mm=[round(g, 3) for g in self.acquired_slice_gaps_mm],
            resampled=self.resampled, shape_zyx=list(self.shape),
            origin_mm=[round(float(v), 3) for v in self.origin_mm],
            orientation=[round(float(v), 6) for v in self.orientation],
            transfer_syntax=self.transfer_syntax,
            enhanced_multiframe=self.enhanced_multiframe, rescale_type=self.rescale_type)
