"""Body and lung masks by thresholds and connectivity (classical, no learned weights).

Segmentation runs on a coarser copy of the volume (about 1.5 mm voxels): lung volumes
in millilitres and the masks that bound the nodule search do not need sub-millimetre
voxels, and a 512x512x300 series would otherwise not fit the 30 s / 3 GB budget.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from plugins.medical.ct.volume import CtVolume

BODY_MIN_HU = -500.0
LUNG_MAX_HU = -400.0
MIN_LUNG_ML = 150.0
ANALYSIS_VOXEL_MM = 2.0
SLICE_2D = np.array([[[0, 0, 0], [0, 0, 0], [0, 0, 0]],
                     [[0, 1, 0], [1, 1, 1], [0, 1, 0]],
                     [[0, 0, 0], [0, 0, 0], [0, 0, 0]]], dtype=bool)


@dataclass
class Grid:
    """A block-averaged copy of the volume and the factors that map it back."""

    hu: np.ndarray  # float32 (z, y, x)
    factors_zyx: tuple[int, int, int]
    spacing_mm: tuple[float, float, float]  # (x, y, z)


def downsample(volume: CtVolume, target_mm: float = ANALYSIS_VOXEL_MM) -> Grid:
    """Block means to roughly ``target_mm`` voxels (block mean = what a thicker voxel sees)."""
    sx, sy, sz = volume.spacing_mm
    fz, fy, fx = (max(1, int(round(target_mm / s))) for s in (sz, sy, sx))
    nz, ny, nx = (n // f for n, f in zip(volume.shape, (fz, fy, fx), strict=True))
    nz, ny, nx = max(nz, 1), max(ny, 1), max(nx, 1)
    out = np.empty((nz, ny, nx), dtype=np.float32)
    for k in range(nz):  # slab by slab keeps the float copy small
        slab = volume.hu[k * fz:(k + 1) * fz, :ny * fy, :nx * fx].astype(np.float32)
        out[k] = slab.reshape(slab.shape[0], ny, fy, nx, fx).mean(axis=(0, 2, 4))
    return Grid(out, (fz, fy, fx), (sx * fx, sy * fy, sz * fz))


def largest_components(mask: np.ndarray, keep: int = 1,
                       structure: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Labels of the ``keep`` largest connected components and their voxel counts."""
    labels, n = ndimage.label(mask, structure=structure)
    if n == 0:
        return np.zeros_like(mask, dtype=bool), np.zeros(0, dtype=np.int64)
    sizes = np.bincount(labels.ravel())[1:]
    order = np.argsort(sizes)[::-1][:keep]
    return np.isin(labels, order + 1), sizes[order]


def body_mask(grid: Grid) -> np.ndarray:
    """The patient: largest non-air component, holes (lungs, bowel gas) filled per slice."""
    body, _ = largest_components(grid.hu > BODY_MIN_HU)
    return ndimage.binary_fill_holes(body, structure=SLICE_2D)


@dataclass
class LungMasks:
    """Left and right lung masks on the analysis grid (vessels and nodules filled in)."""

    left: np.ndarray
    right: np.ndarray
    air: np.ndarray  # the unfilled low-density lung voxels (both lungs)

    def __post_init__(self) -> None:
        self.both = self.left | self.right  # computed once: every candidate reads it


def _split_joined(lung: np.ndarray) -> list[np.ndarray]:
    """Separate lungs touching at the anterior junction by eroding until two appear."""
    eroded = lung
    for _ in range(6):
        eroded = ndimage.binary_erosion(eroded)
        labels, n = ndimage.label(eroded)
        if n >= 2:
            sizes = np.bincount(labels.ravel())[1:]
            big = np.argsort(sizes)[::-1][:2] + 1
            if sizes[big[1] - 1] > 0.15 * sizes[big[0] - 1]:
                markers = np.where(np.isin(labels, big), labels, 0)
                # Grow the two cores back over the joined mask (nearest core wins).
                _, (iz, iy, ix) = ndimage.distance_transform_edt(markers == 0,
                                                                 return_indices=True)
                grown = markers[iz, iy, ix] * lung
                return [grown == big[0], grown == big[1]]
    return [lung]


def lung_masks(grid: Grid, body: np.ndarray, volume: CtVolume) -> LungMasks:
    """Low-density regions inside the body large enough to be lungs, split left/right."""
    voxel_ml = float(np.prod(grid.spacing_mm)) / 1000.0
    air = (grid.hu < LUNG_MAX_HU) & body
    labels, n = ndimage.label(air)
    empty = np.zeros_like(air)
    if n == 0:
        return LungMasks(empty, empty.copy(), empty.copy())
    sizes = np.bincount(labels.ravel())[1:] * voxel_ml
    big = [i + 1 for i in np.argsort(sizes)[::-1][:2] if sizes[i] >= MIN_LUNG_ML]
    if not big:
        return LungMasks(empty, empty.copy(), empty.copy())
    parts = [labels == lab for lab in big]
    if len(parts) == 1:
        parts = _split_joined(parts[0])
    air_lungs = np.zeros_like(air)
    centres_x = []
    filled = []
    for part in parts:
        air_lungs |= part
        solid = ndimage.binary_closing(part, structure=ndimage.generate_binary_structure(3, 1),
                                       iterations=2, border_value=0)
        solid = ndimage.binary_fill_holes(solid | part, structure=SLICE_2D)
        filled.append(solid)
        zyx = np.argwhere(part[:: 4, :: 4, :: 4]).mean(axis=0) * 4
        f = np.asarray(grid.factors_zyx, dtype=np.float64)
        centres_x.append(float(volume.voxel_to_patient(zyx * f + (f - 1) / 2)[0]))
    left, right = np.zeros_like(air), np.zeros_like(air)
    if len(filled) == 2:
        # DICOM patient +x points to the patient's left.
        li, ri = (0, 1) if centres_x[0] > centres_x[1] else (1, 0)
        left, right = filled[li], filled[ri] & ~filled[li]
    else:
        body_x = _body_centre_x(body, grid, volume)
        (left if centres_x[0] > body_x else right)[:] = filled[0]
    return LungMasks(left, right, air_lungs)


def _body_centre_x(body: np.ndarray, grid: Grid, volume: CtVolume) -> float:
    zyx = np.argwhere(body[::4, ::4, ::4]).mean(axis=0) * 4
    f = np.asarray(grid.factors_zyx, dtype=np.float64)
    return float(volume.voxel_to_patient(zyx * f + (f - 1) / 2)[0])
