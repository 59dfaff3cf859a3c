"""Head CT: intracranial mask and hyperdense regions as haemorrhage *candidates*.

Acute blood is 50-90 HU against 20-40 HU brain; the hard part is everything else that
is bright: the skull's partial-volume rim, calcified pineal/choroid plexus (>100 HU)
and beam hardening next to the skull base. Candidates are therefore searched only
several millimetres inside the inner table, after a median filter against noise, and
bright calcifications are excluded. A radiologist reviews every candidate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from plugins.medical.ct.segmentation import SLICE_2D, Grid

BONE_HU = 300.0
BLOOD_MIN_HU, BLOOD_MAX_HU = 55.0, 95.0
SKULL_MARGIN_MM = 5.0
MIN_CANDIDATE_ML = 0.2
MIN_BRAIN_ML = 200.0
MIN_SLICE_AREA_FRACTION = 0.4


@dataclass
class HeadMasks:
    """Intracranial space on the analysis grid; ``brain_ml`` 0 when no skull was found."""

    intracranial: np.ndarray
    brain_ml: float


@dataclass
class HyperdenseCandidate:
    """A hyperdense region (analysis-grid voxel indices)."""

    centroid_grid_zyx: np.ndarray
    volume_mm3: float
    mean_hu: float
    confidence: float
    long_axis_mm: float


def intracranial_mask(grid: Grid) -> HeadMasks:
    """Inside of the skull (filled per slice), minus the bone itself."""
    bone = grid.hu > BONE_HU
    if not bone.any():
        return HeadMasks(np.zeros_like(bone), 0.0)
    inside = ndimage.binary_fill_holes(bone, structure=SLICE_2D) & ~bone
    soft = inside & (grid.hu > -20) & (grid.hu < 120)
    voxel_ml = float(np.prod(grid.spacing_mm)) / 1000.0
    labels, n = ndimage.label(soft)
    if n == 0:
        return HeadMasks(np.zeros_like(bone), 0.0)
    sizes = np.bincount(labels.ravel())[1:]
    brain = labels == (int(np.argmax(sizes)) + 1)
    return HeadMasks(brain, float(brain.sum()) * voxel_ml)


def hyperdense_candidates(grid: Grid, head: HeadMasks) -> list[HyperdenseCandidate]:
    """Connected 55-95 HU regions at least SKULL_MARGIN_MM inside the skull."""
    if head.brain_ml < MIN_BRAIN_ML:
        return []
    spacing_zyx = np.asarray(grid.spacing_mm[::-1], dtype=np.float64)
    box = ndimage.find_objects(head.intracranial.astype(np.uint8))[0]
    hu = ndimage.median_filter(grid.hu[box], size=3)
    inner = ndimage.distance_transform_edt(head.intracranial[box], sampling=spacing_zyx)
    brain_hu = float(np.median(hu[inner > SKULL_MARGIN_MM])) if (inner > SKULL_MARGIN_MM).any() \
        else 30.0
    # Near the vertex and the skull base the skull is cut obliquely and partial volume
    # with bone reads as 55-95 HU: only slices with a real cross-section of brain count.
    area = head.intracranial[box].sum(axis=(1, 2))
    full_slices = area >= MIN_SLICE_AREA_FRACTION * area.max()
    hyper = ((hu >= BLOOD_MIN_HU) & (hu <= BLOOD_MAX_HU) & (inner > SKULL_MARGIN_MM)
             & full_slices[:, None, None])
    labels, n = ndimage.label(hyper)
    voxel_mm3 = float(np.prod(spacing_zyx))
    offset = np.array([s.start for s in box])
    found = []
    for i, sl in enumerate(ndimage.find_objects(labels), start=1):
        region = labels[sl] == i
        vol = float(region.sum()) * voxel_mm3
        if vol < MIN_CANDIDATE_ML * 1000:
            continue
        pts = np.argwhere(region) + np.array([s.start for s in sl])
        values = hu[sl][region]
        mm = (pts - pts.mean(axis=0)) * spacing_zyx
        eig = np.linalg.eigvalsh(np.cov(mm.T) + np.diag(spacing_zyx ** 2 / 12.0))
        contrast = float(values.mean()) - brain_hu
        confidence = float(np.clip(0.3 + contrast / 60.0, 0, 0.9)
                           * np.clip(vol / 1000.0, 0.5, 1.0))
        found.append(HyperdenseCandidate(pts.mean(axis=0) + offset, vol, float(values.mean()),
                                         round(confidence, 3), float(2 * np.sqrt(5 * eig[-1]))))
    return sorted(found, key=lambda c: -c.volume_mm3)
