"""Turn an ordered stack of parallel slices into an orthogonal, evenly spaced grid.

A tilted gantry moves each slice origin along the table axis while the image plane is
tilted, so consecutive slices are offset in-plane (a shear); uneven gaps appear when a
scanner changes slice thickness mid-series or a slice is missing. Both are measured
from ImagePositionPatient alone and corrected by shifting each slice in-plane and
interpolating linearly between neighbours along the true slice normal.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import ndimage

UNEVEN_TOLERANCE_MM = 0.05
UNEVEN_TOLERANCE_FRACTION = 0.05
TILT_TOLERANCE_DEG = 0.1
SHEAR_TOLERANCE_PX = 0.05


@dataclass
class RegularStack:
    """The resampled HU grid and what was found about the acquired geometry."""

    hu: np.ndarray
    origin_mm: np.ndarray
    slice_spacing_mm: float
    tilt_deg: float
    uneven: bool
    gaps_mm: list[float]
    resampled: bool
    notes: list[str] = field(default_factory=list)


def _as_compact(hu: np.ndarray) -> np.ndarray:
    """int16 when the values are integral HU (halves memory), float32 otherwise."""
    if hu.size and float(np.abs(hu - np.round(hu)).max()) < 1e-3 \
            and hu.min() >= -32768 and hu.max() <= 32767:
        return np.round(hu).astype(np.int16)
    return hu.astype(np.float32, copy=False)


def regularise_stack(planes: list[np.ndarray], positions: np.ndarray, orientation: np.ndarray,
                     pixel_spacing_yx: tuple[float, float]) -> RegularStack:
    """Stack ``planes`` (sorted along the normal) onto a regular orthogonal grid."""
    row_dir, col_dir = orientation[:3], orientation[3:6]
    normal = np.cross(row_dir, col_dir)
    normal /= np.linalg.norm(normal)
    depth = positions @ normal
    gaps = np.diff(depth)
    median_gap = float(np.median(gaps))
    uneven = bool(np.ptp(gaps) > max(UNEVEN_TOLERANCE_MM, UNEVEN_TOLERANCE_FRACTION * median_gap))
    travel = positions[-1] - positions[0]
    cos_tilt = abs(float(travel @ normal)) / (np.linalg.norm(travel) or 1.0)
    tilt_deg = float(np.degrees(np.arccos(np.clip(cos_tilt, -1.0, 1.0))))
    # In-plane offset of each slice origin relative to the first, in pixels (y, x).
    offsets = positions - positions[0] - np.outer(depth - depth[0], normal)
    shift_yx = np.stack([offsets @ col_dir / pixel_spacing_yx[0],
                         offsets @ row_dir / pixel_spacing_yx[1]], axis=1)
    sheared = bool(np.abs(shift_yx).max() > SHEAR_TOLERANCE_PX)
    notes = []
    if tilt_deg > TILT_TOLERANCE_DEG:
        notes.append(f"gantry tilt {tilt_deg:.1f} deg detected: slices were shifted in-plane "
                     "onto an orthogonal grid")
    if uneven:
        notes.append(f"uneven slice spacing (gaps {gaps.min():.2f}-{gaps.max():.2f} mm): "
                     f"resampled to {median_gap:.2f} mm")
    if not uneven and not sheared:
        hu = np.stack(planes).astype(np.float32, copy=False)
        return RegularStack(_as_compact(hu), positions[0], median_gap, tilt_deg, False,
                            gaps.tolist(), False, notes)
    step = median_gap
    n_out = int(np.floor((depth[-1] - depth[0]) / step + 1e-6)) + 1
    targets = depth[0] + step * np.arange(n_out)
    fill = float(min(p.min() for p in planes))
    out = np.empty((n_out, *planes[0].shape), dtype=np.float32)
    shifted: dict[int, np.ndarray] = {}

    def aligned(i: int) -> np.ndarray:
        if i not in shifted:
            plane = planes[i].astype(np.float32, copy=False)
            if sheared and np.abs(shift_yx[i]).max() > SHEAR_TOLERANCE_PX:
                plane = ndimage.shift(plane, shift_yx[i], order=1, mode="constant", cval=fill)
            shifted[i] = plane
            for old in [k for k in shifted if k < i - 1]:
                del shifted[old]
        return shifted[i]

    for k, t in enumerate(targets):
        i = int(np.clip(np.searchsorted(depth, t, side="right") - 1, 0, len(depth) - 2))
        w = float(np.clip((t - depth[i]) / (depth[i + 1] - depth[i]), 0.0, 1.0))
        out[k] = aligned(i) if w < 1e-6 else (
            aligned(i + 1) if w > 1 - 1e-6 else (1 - w) * aligned(i) + w * aligned(i + 1))
    return RegularStack(_as_compact(out), positions[0], step, tilt_deg, uneven, gaps.tolist(),
                        True, notes)
