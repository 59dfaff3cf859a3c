"""The CT analysis pipeline: grid -> body -> lungs -> nodules / haemorrhage -> key images.

Classical image processing on CPU is the default and needs no model files. A site may
plug in its own lung segmentation (TorchScript) through the inference core; its mask
then replaces the threshold-based one and everything downstream stays the same.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from plugins.medical.ct import head as head_ct
from plugins.medical.ct.models import CtParams, CtResult, Finding, KeyImage, LungVolumes
from plugins.medical.ct.nodules import detect_nodules
from plugins.medical.ct.segmentation import Grid, LungMasks, body_mask, downsample, lung_masks
from plugins.medical.ct.viewing import Overlay, render
from plugins.medical.ct.volume import CtVolume

Progress = Callable[[float, float, str], None] | None
ImageSink = Callable[[str, object], None] | None  # (file name, PIL image) -> stores it
MaskModel = Callable[[Grid], np.ndarray] | None  # analysis-grid HU -> boolean lung mask

CHEST_MIN_LUNG_ML = 300.0


def _laterality(volume: CtVolume, centre_zyx: np.ndarray, lungs: LungMasks | None,
                grid: Grid) -> str:
    if lungs is not None:
        g = tuple(np.clip((centre_zyx / np.asarray(grid.factors_zyx)).astype(int), 0,
                          np.asarray(grid.hu.shape) - 1))
        if lungs.left[g]:
            return "left"
        if lungs.right[g]:
            return "right"
    x = float(volume.voxel_to_patient(centre_zyx)[0])
    centre_x = float(volume.voxel_to_patient(np.asarray(volume.shape) / 2.0)[0])
    if abs(x - centre_x) < 10:
        return "midline"
    return "left" if x > centre_x else "right"


def analyse_volume(volume: CtVolume, params: CtParams | None = None, progress: Progress = None,
                   image_sink: ImageSink = None, mask_model: MaskModel = None,
                   method: str = "classical") -> CtResult:
    """Measure a loaded CT volume; every finding is a candidate for physician review."""
    params = params or CtParams()
    timings: dict[str, float] = {}
    warnings = list(volume.warnings)
    steps = 6.0

    def step(n: float, message: str) -> None:
        if progress:
            progress(n, steps, message)

    t0 = time.perf_counter()
    step(0, "resampling to the analysis grid")
    grid = downsample(volume)
    timings["grid"] = time.perf_counter() - t0
    result = CtResult(series=volume.series_info(), patient=volume.patient,
                      excluded_series=list(volume.excluded_series), method=method,
                      analysis_grid_mm=[round(float(s), 3) for s in grid.spacing_mm])
    if volume.rescale_type != "HU":
        result.warnings = warnings + ["no density analysis: pixel values are not HU"]
        return result

    step(1, "body mask")
    t = time.perf_counter()
    body = body_mask(grid)
    voxel_ml = float(np.prod(grid.spacing_mm)) / 1000.0
    result.body_volume_ml = round(float(body.sum()) * voxel_ml, 1)
    timings["body"] = time.perf_counter() - t

    step(2, "lungs")
    t = time.perf_counter()
    lungs = lung_masks(grid, body, volume)
    if mask_model is not None:
        lungs = _model_lungs(mask_model, grid, body, volume, lungs, warnings)
    result.lungs = LungVolumes(left_ml=round(float(lungs.left.sum()) * voxel_ml, 1),
                               right_ml=round(float(lungs.right.sum()) * voxel_ml, 1))
    timings["lungs"] = time.perf_counter() - t
    total_lung = result.lungs.left_ml + result.lungs.right_ml

    findings: list[Finding] = []
    head_masks = None
    if total_lung >= CHEST_MIN_LUNG_ML:
        result.body_part = "chest"
        if params.detect_nodules:
            step(3, "nodule candidates")
            t = time.perf_counter()
            for i, cand in enumerate(detect_nodules(volume, grid, lungs, params.min_nodule_mm,
                                                    params.max_nodule_mm)):
                findings.append(Finding(
                    id=f"N{i + 1}", kind="pulmonary_nodule_candidate",
                    position_mm=[round(float(v), 2) for v in
                                 volume.voxel_to_patient(cand.centroid_zyx)],
                    diameter_mm=round(cand.diameter_mm, 2),
                    volume_mm3=round(cand.volume_mm3, 1), mean_hu=round(cand.mean_hu, 1),
                    confidence=cand.confidence, sphericity=round(cand.sphericity, 3),
                    long_axis_mm=round(cand.long_axis_mm, 2),
                    slice_index=int(round(cand.centroid_zyx[0])),
                    voxel_zyx=[int(round(v)) for v in cand.centroid_zyx],
                    laterality=_laterality(volume, cand.centroid_zyx, lungs, grid)))
            timings["nodules"] = time.perf_counter() - t
    else:
        step(3, "head")
        t = time.perf_counter()
        head_masks = head_ct.intracranial_mask(grid)
        if head_masks.brain_ml >= head_ct.MIN_BRAIN_ML:
            result.body_part = "head"
            if params.detect_haemorrhage:
                f = np.asarray(grid.factors_zyx, dtype=np.float64)
                for i, cand in enumerate(head_ct.hyperdense_candidates(grid, head_masks)):
                    centre = cand.centroid_grid_zyx * f + (f - 1) / 2
                    findings.append(Finding(
                        id=f"H{i + 1}", kind="hyperdense_region_candidate",
                        position_mm=[round(float(v), 2) for v in volume.voxel_to_patient(centre)],
                        diameter_mm=round(float(np.cbrt(6 * cand.volume_mm3 / np.pi)), 2),
                        volume_mm3=round(cand.volume_mm3, 1), mean_hu=round(cand.mean_hu, 1),
                        confidence=cand.confidence, long_axis_mm=round(cand.long_axis_mm, 2),
                        slice_index=int(round(centre[0])),
                        voxel_zyx=[int(round(v)) for v in centre],
                        laterality=_laterality(volume, centre, None, grid)))
        timings["head"] = time.perf_counter() - t
    result.findings = findings

    if params.key_images and image_sink is not None:
        step(5, "key images")
        t = time.perf_counter()
        result.key_images = _key_images(volume, result, image_sink)
        timings["key_images"] = time.perf_counter() - t
    result.warnings = warnings
    result.timings_s = {k: round(v, 3) for k, v in timings.items()}
    step(steps, "done")
    return result


def _model_lungs(mask_model, grid, body, volume, classical: LungMasks, warnings) -> LungMasks:
    """Replace the classical lung mask by the site model's, split left/right the same way."""
    mask = np.asarray(mask_model(grid), dtype=bool)
    if mask.shape != grid.hu.shape:
        warnings.append(f"segmentation model returned shape {mask.shape}, expected "
                        f"{grid.hu.shape}; the classical lung mask was kept")
        return classical
    fake_grid = Grid(np.where(mask & body, -1000.0, 0.0).astype(np.float32), grid.factors_zyx,
                     grid.spacing_mm)
    split = lung_masks(fake_grid, body | mask, volume)
    return LungMasks(split.left, split.right, mask & (grid.hu < -400))


def _key_images(volume: CtVolume, result: CtResult, sink) -> list[KeyImage]:
    preset = "lung" if result.body_part == "chest" else (
        "brain" if result.body_part == "head" else "soft_tissue")
    images = []
    for f in result.findings[:12]:
        overlay = Overlay(f.voxel_zyx, f.diameter_mm / 2, f"{f.id} {f.diameter_mm:.1f} mm")
        name = f"key_{f.id}_axial.png"
        sink(name, render(volume, "axial", f.voxel_zyx[0], preset, [overlay]))
        images.append(KeyImage(name=name, plane="axial", slice_index=f.voxel_zyx[0],
                               preset=preset, finding_ids=[f.id]))
        f.key_image = name
    overview_y = volume.shape[1] // 2
    rings = [Overlay(f.voxel_zyx, f.diameter_mm / 2, f.id) for f in result.findings[:12]]
    if rings:
        overview_y = int(np.median([f.voxel_zyx[1] for f in result.findings[:12]]))
    sink("overview_coronal.png", render(volume, "coronal", overview_y, preset, rings))
    images.append(KeyImage(name="overview_coronal.png", plane="coronal", slice_index=overview_y,
                           preset=preset, finding_ids=[f.id for f in result.findings[:12]]))
    return images


def png_sink(folder: Path) -> Callable[[str, object], None]:
    """An image sink writing PNGs into ``folder`` (for the API and the CLI)."""
    folder.mkdir(parents=True, exist_ok=True)

    def sink(name: str, image) -> None:
        image.save(folder / name)

    return sink
