"""medical.ct through core.runner.run_task: result names, artefacts, accuracy, bad input."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pydicom
import pytest

from core.runner import run_task
from core.store import Store
from plugins.medical.ct.api import analyse, make_chest_phantom
from plugins.medical.ct.evaluation import score_nodules
from plugins.medical.ct.models import CtResult


def test_phantom_series_through_the_runner(ct_host, phantom_series):
    folder, truth = phantom_series
    job, payload = run_task("medical.ct", [folder], actor="radiologist")
    assert job.status == "succeeded", job.error
    series = payload["series"]
    assert set(series) >= {"series_uid", "slice_count", "spacing_mm", "tilt_deg",
                           "uneven_spacing"}
    assert series["slice_count"] == 40 and series["spacing_mm"] == [2.6, 2.6, 3.0]
    assert series["tilt_deg"] == 0.0 and series["uneven_spacing"] is False
    assert payload["draft_for_physician_review"] is True and payload["body_part"] == "chest"
    lungs = payload["lungs"]
    assert lungs["left_ml"] == pytest.approx(truth.left_lung_ml, rel=0.08)
    assert lungs["right_ml"] == pytest.approx(truth.right_lung_ml, rel=0.08)
    result = CtResult.model_validate(payload)
    score = score_nodules(result, truth)
    assert score.true_positives == 2 and score.false_positives <= 2, score
    for finding in payload["findings"]:
        assert set(finding) >= {"kind", "position_mm", "diameter_mm", "volume_mm3", "mean_hu",
                                "confidence"}
    assert max(abs(e) for e in score.diameter_errors_mm) <= 1.5
    names = {Path(a.path).name for a in Store().artifacts(job.id)}
    assert "viewer_volume.npz" in names and "overview_coronal.png" in names
    assert all(k["name"] in names for k in payload["key_images"])


@pytest.mark.parametrize("seed", [21])
def test_phantom_nodule_accuracy(seed):
    """Nodules >= 6 mm in a default-size phantom: found, few false positives, sized right."""
    volume, truth = make_chest_phantom(seed=seed)
    result = analyse(volume)
    score = score_nodules(result, truth, min_diameter_mm=6.0)
    assert score.false_negatives <= 1, score.missed
    assert score.false_positives <= 2
    assert np.max(np.abs(score.diameter_errors_mm)) <= 1.5
    for finding in result.findings:
        truth_side = min(truth.nodules, key=lambda n: np.linalg.norm(
            np.asarray(n.position_mm) - np.asarray(finding.position_mm)))
        if np.linalg.norm(np.asarray(truth_side.position_mm) - finding.position_mm) < 5:
            assert finding.laterality == truth_side.lung


def test_head_ct_through_the_runner(ct_host, ge_head):
    job, payload = run_task("medical.ct", [ge_head])
    assert job.status == "succeeded", job.error
    assert payload["body_part"] == "head"
    assert payload["series"]["tilt_deg"] == pytest.approx(18.5, abs=0.1)
    assert payload["series"]["uneven_spacing"] is True
    assert payload["lungs"] == {"left_ml": 0.0, "right_ml": 0.0}
    assert all(f["kind"] == "hyperdense_region_candidate" for f in payload["findings"])


def test_bad_inputs_fail_the_job_with_the_file_named(ct_host, shared_data, phantom_series,
                                                     tmp_path):
    job, payload = run_task("medical.ct", [shared_data / "ct" / "dcm_qa_ct_Philips_S1000"])
    assert job.status == "failed" and payload is None
    assert job.error_kind == "user" and "I10" in job.error and "LOCALIZER" in job.error
    folder, _ = phantom_series
    single = tmp_path / "single"
    single.mkdir()
    shutil.copy(sorted(folder.glob("*.dcm"))[3], single / "slice.dcm")
    job, _ = run_task("medical.ct", [single])
    assert job.status == "failed" and "slice.dcm" in job.error
    mr = tmp_path / "mr"
    mr.mkdir()
    for path in sorted(folder.glob("*.dcm"))[:4]:
        ds = pydicom.dcmread(path)
        ds.Modality = "MR"
        ds.save_as(mr / path.name)
    job, _ = run_task("medical.ct", [mr])
    assert job.status == "failed" and "modality MR is not CT" in job.error
    corrupt = tmp_path / "corrupt.dcm"
    corrupt.write_bytes(b"not dicom at all" * 20)
    job, _ = run_task("medical.ct", [corrupt])
    assert job.status == "failed" and "corrupt.dcm" in job.error


def test_demo_sample_is_registered_and_deterministic(ct_host, enclave_home):
    from plugins.medical.ct.hooks import sample_folder
    samples = [s for s in ct_host.samples() if s.task == "medical.ct"]
    assert samples and samples[0].inputs[0].is_dir()
    first = sorted(p.read_bytes() for p in samples[0].inputs[0].glob("*.dcm"))
    shutil.rmtree(samples[0].inputs[0])
    again = sorted(p.read_bytes() for p in sample_folder().glob("*.dcm"))
    assert first == again and len(first) == 40


def test_site_segmentation_model_through_the_inference_core(ct_host, enclave_home,
                                                            phantom_series):
    """A site TorchScript lung model replaces the classical mask (plumbing, not accuracy)."""
    torch = pytest.importorskip("torch")

    class AirInBody(torch.nn.Module):
        def forward(self, hu: torch.Tensor) -> torch.Tensor:
            # Air that is not connected to the image border is lung in this phantom.
            air = (hu < -400).float()
            border = torch.zeros_like(air)
            border[..., :, :6, :] = 1
            border[..., :, -6:, :] = 1
            border[..., :, :, :6] = 1
            border[..., :, :, -6:] = 1
            outside = torch.nn.functional.max_pool3d(air * border, (1, 31, 31), 1,
                                                     (0, 15, 15))
            return air * (outside < 0.5).float()

    models = enclave_home / "models"
    models.mkdir(parents=True, exist_ok=True)
    torch.jit.script(AirInBody()).save(str(models / "ct_lung_segmentation.pt"))
    folder, truth = phantom_series
    job, payload = run_task("medical.ct", [folder], {"segmentation_role": "ct_lung_segmentation"})
    assert job.status == "succeeded", job.error
    assert payload["method"] == "model:ct_lung_segmentation"
    assert payload["lungs"]["left_ml"] == pytest.approx(truth.left_lung_ml, rel=0.15)
    assert payload["lungs"]["right_ml"] == pytest.approx(truth.right_lung_ml, rel=0.15)
    job, _ = run_task("medical.ct", [folder], {"segmentation_role": "no_such_model"})
    assert job.status == "failed" and job.error_kind == "user"
