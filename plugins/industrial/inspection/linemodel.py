"""A line's fitted inspection model: anomaly memory + calibrated threshold (+ classifier).

Fitting scores every good image against a memory built without it (k-fold), and sets
the threshold at the requested false-reject rate from a log-normal fit of those scores.
When defective examples of the line are given, the threshold instead maximises F1
between the cross-validated good and defective scores. The final memory is built from
every good image (slightly tighter than the fold memories, so the realised false-reject
rate is at or below the target).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from statistics import NormalDist
from typing import Any

import numpy as np
from scipy import ndimage

from core.errors import UserError
from plugins.industrial.inspection import registry
from plugins.industrial.inspection.anomaly import AnomalyModel
from plugins.industrial.inspection.classifier import (
    classifier_from_bytes,
    classifier_to_bytes,
    predict_type,
)
from plugins.industrial.inspection.features import (
    CELL_PX,
    GRID,
    MODEL_SIDE_PX,
    patch_features,
    torch_threads,
)
from plugins.industrial.inspection.imageio import load_image
from plugins.industrial.inspection.texture import CLASSIFIER_SIDE_PX

MIN_GOOD_IMAGES = 20
FEATURE_VERSION = "filterbank-v2"  # v2: log energies, asinh extremes


@dataclass
class Inspection:
    """What one image's inspection found (before it becomes a task result)."""

    score: float
    threshold: float
    verdict: str
    regions: list[dict[str, Any]]
    anomaly_map: np.ndarray
    defect_type: str | None = None
    defect_type_probability: float | None = None


@dataclass
class LineModel:
    """Everything needed to inspect one line's parts, as stored in one version folder."""

    line: str
    version: int
    threshold: float
    anomaly: AnomalyModel | None
    classifier: Any = None
    meta: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, line: str, version: int, folder: Path) -> LineModel:
        """Read a version folder written by :func:`fit_line`."""
        meta = json.loads((folder / "meta.json").read_text())
        anomaly = None
        if (folder / "anomaly.npz").is_file():
            anomaly = AnomalyModel.from_bytes((folder / "anomaly.npz").read_bytes())
        classifier = None
        if (folder / "classifier.joblib").is_file():
            classifier = classifier_from_bytes((folder / "classifier.joblib").read_bytes())
        return cls(line, version, float(meta.get("threshold") or math.inf), anomaly, classifier, meta)

    @property
    def size_mb(self) -> float:
        """Approximate resident size, for the inference core's memory budget."""
        return (self.anomaly.size_mb if self.anomaly else 0.0) + (2.0 if self.classifier else 0.0)

    def inspect(self, rgb: np.ndarray, original_size: tuple[int, int]) -> Inspection:
        """Score a normalised image; regions are boxes in the original image's pixels."""
        if self.anomaly is None:
            raise UserError(f"line {self.line!r} v{self.version} has only a defect-type classifier; "
                            "fit it with good images too: enclave run industrial.fit GOOD_DIR "
                            f"--set line={self.line}")
        stored = self.meta.get("feature_version", FEATURE_VERSION)
        if stored != FEATURE_VERSION:
            # Its memory holds descriptors on another scale: every score would be wrong.
            raise UserError(f"line {self.line!r} v{self.version} was fitted with {stored} patch "
                            f"features; this release computes {FEATURE_VERSION}. Re-fit it: "
                            f"enclave run industrial.fit GOOD_DIR --set line={self.line}")
        with torch_threads():
            amap = self.anomaly.anomaly_map(self.anomaly.patch_scores(patch_features(rgb)))
        score = float(amap.max())
        verdict = "fail" if score > self.threshold else "pass"
        regions = _regions(amap, self.threshold, original_size) if verdict == "fail" else []
        result = Inspection(score, self.threshold, verdict, regions, amap)
        if verdict == "fail" and self.classifier is not None:
            grey = rgb @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
            grey = _resize(grey, CLASSIFIER_SIDE_PX)
            result.defect_type, result.defect_type_probability = predict_type(self.classifier, grey)
        return result


def _resize(grey: np.ndarray, side: int) -> np.ndarray:
    from PIL import Image
    img = Image.fromarray((np.clip(grey, 0, 1) * 255).astype(np.uint8))
    return np.asarray(img.resize((side, side), Image.Resampling.BILINEAR), dtype=np.float32) / 255.0


def _regions(amap: np.ndarray, threshold: float, original_size: tuple[int, int]) -> list[dict]:
    """Connected areas of the anomaly map above threshold, largest evidence first."""
    labels, count = ndimage.label(amap > threshold)
    width, height = original_size
    sx, sy = width / MODEL_SIDE_PX, height / MODEL_SIDE_PX
    out = []
    for index, box in enumerate(ndimage.find_objects(labels), start=1):
        if box is None:
            continue
        ys, xs = box
        peak = float(amap[box][labels[box] == index].max())
        out.append({
            "x": int(round(xs.start * CELL_PX * sx)), "y": int(round(ys.start * CELL_PX * sy)),
            "width": int(round((xs.stop - xs.start) * CELL_PX * sx)),
            "height": int(round((ys.stop - ys.start) * CELL_PX * sy)),
            "peak_score": round(peak, 4),
            "area_fraction": round(float((labels == index).sum()) / (GRID * GRID), 4),
        })
    return sorted(out, key=lambda r: r["peak_score"], reverse=True)


def calibrate_threshold(good_scores: np.ndarray, target_false_reject_rate: float,
                        defect_scores: np.ndarray | None = None) -> dict[str, Any]:
    """Threshold from held-out good scores (and defect scores when there are some)."""
    good_scores = np.asarray(good_scores, dtype=np.float64)
    logs = np.log(good_scores + 1e-9)
    z = NormalDist().inv_cdf(1 - target_false_reject_rate)
    fitted = float(np.exp(logs.mean() + z * logs.std(ddof=1)))
    info: dict[str, Any] = {"cv_good_scores": [round(float(s), 4) for s in good_scores],
                            "target_false_reject_rate": target_false_reject_rate}
    frr_threshold = fitted
    if defect_scores is None or len(defect_scores) == 0:
        info.update(method="false_reject_rate", threshold=frr_threshold)
        return info
    defect_scores = np.asarray(defect_scores, dtype=np.float64)
    candidates = np.unique(np.concatenate([good_scores, defect_scores]))
    best_f1, best_t = -1.0, frr_threshold
    for lo, hi in zip(candidates[:-1], candidates[1:], strict=False):
        t = 0.5 * (lo + hi)
        tp = float((defect_scores > t).sum())
        fp = float((good_scores > t).sum())
        fn = float((defect_scores <= t).sum())
        f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
        if f1 > best_f1 + 1e-12:
            best_f1, best_t = f1, t
    info.update(method="f1_adaptive", threshold=float(best_t), f1=round(best_f1, 4),
                defect_scores=[round(float(s), 4) for s in defect_scores],
                false_reject_rate_threshold=frr_threshold)
    return info


def fit_line(*args: Any, **kwargs: Any) -> LineModel:
    """Fit (or, with no good images, carry the previous anomaly model forward) and store."""
    with torch_threads():
        return _fit_line(*args, **kwargs)


def _fit_line(line: str, good: list[Path], defects: list[Path], classifier: Any,
             classifier_report: dict | None, *, actor: str, target_false_reject_rate: float = 0.01,
             calibration_folds: int = 3, window_cells: int = 1,
             progress: Callable[[int, int, str], None] | None = None) -> LineModel:
    started = time.perf_counter()
    progress = progress or (lambda done, total, message: None)
    previous = registry.current_version(line)
    anomaly: AnomalyModel | None = None
    calibration: dict[str, Any] = {}
    feature_version = FEATURE_VERSION
    if good:
        if len(good) < MIN_GOOD_IMAGES:
            raise UserError(f"industrial.fit: {len(good)} good images given; at least "
                            f"{MIN_GOOD_IMAGES} are needed to fit and calibrate line {line!r}")
        feats = []
        for i, path in enumerate(good):
            rgb, _ = load_image(path)
            feats.append(patch_features(rgb))
            progress(i + 1, len(good) + 4, "describing good images")
        # k-fold: every good image is scored by a memory built without it, so the
        # threshold sees the spread of all good parts, not of a handful held out.
        order = np.random.default_rng(0).permutation(len(feats))
        folds = np.array_split(order, calibration_folds)
        good_scores = np.zeros(len(feats))
        defect_feats = [patch_features(load_image(p)[0]) for p in defects]
        defect_scores = np.full((calibration_folds, len(defects)), np.nan)
        for k, held in enumerate(folds):
            held_set = set(held.tolist())
            probe = AnomalyModel.fit([f for i, f in enumerate(feats) if i not in held_set],
                                     window_cells=window_cells)
            for i in held:
                good_scores[i] = probe.anomaly_map(probe.patch_scores(feats[i])).max()
            for j, f in enumerate(defect_feats):
                defect_scores[k, j] = probe.anomaly_map(probe.patch_scores(f)).max()
            progress(len(good) + 1, len(good) + 4, f"calibrating: fold {k + 1}/{calibration_folds}")
        defect_mean = defect_scores.mean(axis=0) if defects else None
        calibration = calibrate_threshold(good_scores, target_false_reject_rate, defect_mean)
        progress(len(good) + 2, len(good) + 4, "building the memory from all good images")
        anomaly = AnomalyModel.fit(feats, window_cells=window_cells)
        threshold = float(calibration["threshold"])
    elif previous is not None:
        carried = LineModel.load(line, previous, registry.version_dir(line, previous))
        anomaly, threshold = carried.anomaly, carried.threshold
        feature_version = carried.meta.get("feature_version", feature_version)
        calibration = dict(carried.meta.get("calibration", {}), carried_from_version=previous)
    else:
        threshold = math.inf
    number, folder = registry.new_version_dir(line)
    if anomaly is not None:
        (folder / "anomaly.npz").write_bytes(anomaly.to_bytes())
    if classifier is not None:
        (folder / "classifier.joblib").write_bytes(classifier_to_bytes(classifier))
    meta = {
        "line": line, "version": number, "threshold": threshold if math.isfinite(threshold) else None,
        "feature_version": feature_version, "window_cells": window_cells,
        "good_images": len(good), "defect_images": len(defects),
        "calibration": calibration, "classifier": classifier_report,
        "previous_version": previous, "created_by": actor,
        "created_at": datetime.now(UTC).isoformat(),
        "fit_seconds": round(time.perf_counter() - started, 2),
    }
    (folder / "meta.json").write_text(json.dumps(meta, indent=1))
    registry.set_current(line, number, actor, reason="fit")
    progress(len(good) + 4, len(good) + 4, "stored")
    return LineModel(line, number, threshold, anomaly, classifier, meta)
