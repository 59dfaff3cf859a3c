"""``industrial.fit`` and ``industrial.inspect``: per-line models and per-part verdicts."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from core.errors import UserError
from core.tasks import InputSpec, TaskContext, TaskSpec
from plugins.industrial.inspection import registry
from plugins.industrial.inspection.classifier import labelled_images, train_classifier
from plugins.industrial.inspection.heatmap import write_overlay
from plugins.industrial.inspection.imageio import IMAGE_SUFFIXES, list_images, load_image
from plugins.industrial.inspection.linemodel import LineModel, fit_line
from plugins.industrial.station import records


class FitParams(BaseModel):
    """Which line, optional labelled defects, and how strict the threshold is."""

    model_config = ConfigDict(coerce_numbers_to_str=True)  # --set line=7 is a name

    line: str = Field(description="product line name, e.g. press-3")
    defects_dir: str | None = Field(None, description="defect images: one sub-folder per "
                                    "class, or class_N file names (NEU)")
    target_false_reject_rate: float = Field(0.01, gt=0, lt=0.5)
    calibration_folds: int = Field(3, ge=2, le=10)
    alignment: Literal["fixtured", "free"] = Field(
        "fixtured", description="fixtured: parts sit in the same place (compare each patch with "
        "good patches near it); free: strip/web or loose parts (compare with all good patches)")
    window_cells: int = Field(1, ge=0, le=4, description="fixtured position tolerance in 8 px cells")
    use_feedback: bool = Field(False, description="add operator-confirmed images of this line")
    defects_for_threshold: bool = Field(True, description="use the defect images for an "
                                        "F1-adaptive threshold when they show this line's parts")


class FitResult(BaseModel):
    """The stored model version and how it was calibrated."""

    line: str
    version: int
    threshold: float | None
    previous_version: int | None
    good_images: int
    defect_images: int
    calibration_method: str | None
    cv_good_images: int
    cv_max_good_score: float | None
    f1: float | None = None
    classifier_classes: list[str] = []
    classifier_cv_accuracy: float | None = None
    fit_seconds: float
    notes: list[str] = []


def run_fit(ctx: TaskContext, inputs: list[Path], params: FitParams) -> FitResult:
    """Fit the line's anomaly model and/or defect-type classifier as a new version."""
    line = registry.check_line(params.line)
    if not inputs and not params.defects_dir and not params.use_feedback:
        raise UserError("industrial.fit needs a folder of good images, --set defects_dir=DIR, "
                        "or both: enclave run industrial.fit GOOD_DIR --set line=" + line)
    good: list[Path] = []
    if inputs:
        folder = inputs[0]
        if not folder.is_dir():
            raise UserError(f"{folder}: expected a folder of good images, got a file")
        good = list_images(folder)
        if not good:
            raise UserError(f"{folder}: no images ({', '.join(IMAGE_SUFFIXES)}) in this folder")
    defect_pairs: list[tuple[Path, str]] = []
    flat_defects: list[Path] = []
    if params.defects_dir:
        ddir = Path(params.defects_dir).expanduser()
        if not ddir.is_dir():
            raise UserError(f"{ddir}: defects_dir is not a folder")
        defect_pairs = labelled_images(ddir)
        flat_defects = [p for p, _ in defect_pairs] or list_images(ddir)
        if not flat_defects:
            raise UserError(f"{ddir}: no defect images found")
    if params.use_feedback:
        fb_good, fb_bad = records.feedback_images(ctx.store, line)
        good += [p for p in fb_good if p not in good]
        flat_defects += fb_bad
    classifier = report = None
    notes: list[str] = []
    if len({label for _, label in defect_pairs}) >= 2:
        ctx.progress(0, len(defect_pairs), "training the defect-type classifier")
        try:
            classifier, report = train_classifier(
                defect_pairs, progress=lambda d, t: ctx.progress(d, t, "describing defect images"))
        except UserError as exc:
            if not good:
                raise
            # The defects still calibrate the threshold; only the type classifier is skipped.
            notes.append(f"defect-type classifier not trained: {exc}")
    elif not good:
        raise UserError(f"{params.defects_dir}: without good images the defects folder must hold "
                        "at least two labelled classes (sub-folders or class_N file names)")
    if classifier is None and registry.current_version(line) is not None and not defect_pairs:
        previous = LineModel.load(line, registry.current_version(line),
                                  registry.version_dir(line, registry.current_version(line)))
        classifier, report = previous.classifier, previous.meta.get("classifier")
    started = time.perf_counter()
    model = fit_line(line, good, flat_defects if (good and params.defects_for_threshold) else [],
                     classifier, report, actor=ctx.actor,
                     target_false_reject_rate=params.target_false_reject_rate,
                     calibration_folds=params.calibration_folds, window_cells=-1 if params.alignment == "free" else params.window_cells,
                     progress=lambda d, t, m: ctx.progress(d, t, m))
    cal = model.meta.get("calibration", {})
    held = cal.get("cv_good_scores") or []
    summary = ctx.artifact("model_card.json", kind="report",
                           description=f"line {line} v{model.version}: calibration and data")
    import json
    summary.write_text(json.dumps(model.meta, indent=1))
    ctx.store.audit(ctx.actor, "industrial.model.fit", "industrial.line", line,
                    version=model.version, threshold=model.meta.get("threshold"))
    return FitResult(
        line=line, version=model.version, threshold=model.meta.get("threshold"),
        previous_version=model.meta.get("previous_version"), good_images=len(good),
        defect_images=len(flat_defects), calibration_method=cal.get("method"),
        cv_good_images=len(held), cv_max_good_score=max(held) if held else None,
        f1=cal.get("f1"), classifier_classes=(report or {}).get("classes", []),
        classifier_cv_accuracy=(report or {}).get("cv_accuracy"),
        fit_seconds=round(max(model.meta.get("fit_seconds", 0.0), time.perf_counter() - started), 2),
        notes=notes)


class InspectParams(BaseModel):
    """Which line's model to use and which part this image shows."""

    model_config = ConfigDict(coerce_numbers_to_str=True)  # serials are often all digits

    line: str
    serial: str | None = Field(None, description="part serial (default: image file name)")
    station: str | None = None
    shift: str | None = None
    machine: str | None = Field(None, description="machine whose latest vibration reading joins the record")
    record: bool = Field(True, description="write the part's inspection record")


class Region(BaseModel):
    """A defect box in the original image's pixels."""

    x: int
    y: int
    width: int
    height: int
    peak_score: float
    area_fraction: float


class InspectResult(BaseModel):
    """Verdict of one part image."""

    line: str
    version: int
    serial: str
    score: float
    threshold: float
    score_ratio: float
    verdict: Literal["pass", "fail"]
    defect_type: str | None
    defect_type_probability: float | None
    regions: list[Region]
    heatmap: str
    image_size: tuple[int, int]
    machine_state: dict[str, Any] | None = None
    note: dict[str, Any] | None = None
    inference_ms: float


def load_line_model(ctx: TaskContext, line: str) -> LineModel:
    """The line's current model through the inference core (cached, budgeted, evictable)."""
    version, folder = registry.current_dir_or_explain(registry.check_line(line))
    role = f"vision.{line}"

    def loader() -> LineModel:
        return LineModel.load(line, version, folder)

    core = ctx.models
    model = core.get_model(role, loader=loader)
    if getattr(model, "version", None) != version:
        # The core holds a version that was re-fitted or rolled back since: drop and reload.
        for name in ("evict", "unload", "release"):
            drop = getattr(core, name, None)
            if callable(drop):
                drop(role)
                model = core.get_model(role, loader=loader)
                break
        else:
            model = loader()
    return model


def run_inspect(ctx: TaskContext, inputs: list[Path], params: InspectParams) -> InspectResult:
    """Score one image, draw its heatmap, and write the part's inspection record."""
    path = inputs[0]
    model = load_line_model(ctx, params.line)
    rgb, size = load_image(path)
    started = time.perf_counter()
    found = model.inspect(rgb, size)
    inference_ms = (time.perf_counter() - started) * 1000
    heatmap = ctx.artifact("heatmap.png", kind="image", description="anomaly heatmap overlay")
    write_overlay(heatmap, rgb, found.anomaly_map, found.threshold, found.regions, size)
    serial = params.serial or path.stem
    machine_state = records.latest_machine_state(ctx.store, params.machine)
    note = records.note_for(ctx.store, serial)
    result = InspectResult(
        line=params.line, version=model.version, serial=serial, score=round(found.score, 4),
        threshold=round(found.threshold, 4), score_ratio=round(found.score / found.threshold, 4),
        verdict=found.verdict, defect_type=found.defect_type,
        defect_type_probability=(round(found.defect_type_probability, 4)
                                 if found.defect_type_probability is not None else None),
        regions=[Region(**r) for r in found.regions], heatmap=str(heatmap), image_size=size,
        machine_state=machine_state, note=note, inference_ms=round(inference_ms, 2))
    if params.record:
        payload = result.model_dump(mode="json")
        payload.update(station=params.station, shift=params.shift, machine=params.machine,
                       image_path=str(path), job_id=ctx.job_id)
        records.save_inspection(ctx.store, serial=serial, payload=payload, line=params.line,
                                actor=ctx.actor, job_id=ctx.job_id)
    return result


FIT_TASK = TaskSpec(
    name="industrial.fit", title="Fit a line's inspection model", run=run_fit,
    result_model=FitResult, params_model=FitParams,
    inputs=InputSpec(directories=True, min_count=0, max_count=1,
                     description="folder of >= 20 good images (optional with defects_dir)"),
    description="Anomaly model from good images only, threshold at a target false-reject "
                "rate (or F1 with defects), optional defect-type classifier; new version per fit.")

INSPECT_TASK = TaskSpec(
    name="industrial.inspect", title="Inspect a part image", run=run_inspect,
    result_model=InspectResult, params_model=InspectParams,
    inputs=InputSpec(extensions=IMAGE_SUFFIXES, description="one part image"),
    roles=(), description="Anomaly score, pass/fail, defect regions, defect type, heatmap.")
