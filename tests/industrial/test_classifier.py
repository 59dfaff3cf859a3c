"""Defect-type classifier on a real NEU subset (both folder layouts), through industrial.fit."""

from __future__ import annotations

from pathlib import Path

from core.runner import run_task
from plugins.industrial.inspection.classifier import labelled_images

PER_CLASS = 12


def _neu_subset(shared_data: Path, tmp: Path, nested: bool) -> Path:
    images = sorted((shared_data / "neu" / "images").glob("*.jpg"))
    by_class: dict[str, list[Path]] = {}
    for path in images:
        by_class.setdefault(path.stem.rsplit("_", 1)[0], []).append(path)
    root = tmp / ("nested" if nested else "flat")
    for cls, paths in by_class.items():
        folder = root / cls if nested else root
        folder.mkdir(parents=True, exist_ok=True)
        for path in paths[:PER_CLASS]:
            (folder / path.name).symlink_to(path)
    return root


def test_neu_classifier_from_flat_and_nested_layouts(industrial, shared_data, tmp_path, parts):
    flat = _neu_subset(shared_data, tmp_path, nested=False)
    nested = _neu_subset(shared_data, tmp_path, nested=True)
    flat_pairs, nested_pairs = labelled_images(flat), labelled_images(nested)
    assert sorted({c for _, c in flat_pairs}) == sorted({c for _, c in nested_pairs}) == [
        "crazing", "inclusion", "patches", "pitted_surface", "rolled-in_scale", "scratches"]
    assert len(flat_pairs) == len(nested_pairs) == 6 * PER_CLASS
    # defects only: a classifier-only version (no anomaly model yet)
    job, out = run_task("industrial.fit", [], {"line": "strip-1", "defects_dir": str(flat)})
    assert job.status == "succeeded", job.error
    assert len(out["classifier_classes"]) == 6
    assert out["classifier_cv_accuracy"] >= 0.85  # 12 per class; the bench does all 1,062
    assert out["threshold"] is None
    job, _ = run_task("industrial.inspect", [flat_pairs[0][0]], {"line": "strip-1"})
    assert job.status == "failed" and "only a defect-type classifier" in job.error
    # good images added later keep the classifier (nested layout trains the same classes)
    job, out = run_task("industrial.fit", [parts.good_dir],
                        {"line": "strip-1", "calibration_folds": 2})
    assert out["version"] == 2 and len(out["classifier_classes"]) == 6
    path, _ = parts.defects["scratch"][0]
    job, res = run_task("industrial.inspect", [path], {"line": "strip-1"})
    assert res["verdict"] == "fail"
    assert res["defect_type"] in out["classifier_classes"]
    assert 0 < res["defect_type_probability"] <= 1
