"""Hooks of the CT capability: tasks ``medical.ct`` and ``medical.deidentify``, the optional
site segmentation role, ``enclave medical phantom`` and the demo sample."""

from __future__ import annotations

import json
from pathlib import Path

from core.hookspecs import SampleInput
from core.tasks import InputSpec, TaskSpec
from plugins.medical.ct.models import CtParams, CtResult, DeidParams, DeidResult

SAMPLE_VERSION = "v3"
SAMPLE_SHAPE = (40, 128, 128)
SAMPLE_SPACING = (2.6, 2.6, 3.0)
# Fixed positions (patient mm): the clinical demo dictates "14 mm left, 11 mm right".
SAMPLE_NODULES = [{"diameter_mm": 14.0, "kind": "spherical", "position_mm": [73.1, -25.0, 15.9]},
                  {"diameter_mm": 11.0, "kind": "irregular", "position_mm": [-99.6, -7.1, -25.9]}]


def _ct_export_row(result: CtResult) -> dict:
    return {"series_uid": result.series.series_uid, "slice_count": result.series.slice_count,
            "body_part": result.body_part, "left_lung_ml": result.lungs.left_ml,
            "right_lung_ml": result.lungs.right_ml, "findings": len(result.findings),
            "largest_finding_mm": max((f.diameter_mm for f in result.findings), default=0.0),
            "tilt_deg": result.series.tilt_deg, "uneven_spacing": result.series.uneven_spacing}


def register_tasks(register) -> None:
    """``medical.ct`` (study -> measured candidates) and ``medical.deidentify``."""
    from plugins.medical.ct.tasks import run_ct, run_deidentify

    register(TaskSpec(
        name="medical.ct", title="CT study analysis (draft for physician review)", run=run_ct,
        result_model=CtResult, params_model=CtParams,
        inputs=InputSpec(extensions=(), directories=True, min_count=1, max_count=1,
                         description="DICOM folder, .zip, DICOMDIR or multi-frame .dcm"),
        roles=(), queue="medical", version="1",
        description="Loads the axial CT series (tilt, uneven spacing, multi-frame handled), "
                    "segments body and lungs, lists pulmonary nodule or head hyperdensity "
                    "candidates with measurements and key images.",
        export_row=_ct_export_row))
    register(TaskSpec(
        name="medical.deidentify", title="De-identify DICOM and record text", run=run_deidentify,
        result_model=DeidResult, params_model=DeidParams,
        inputs=InputSpec(extensions=(), directories=True, min_count=1, max_count=None,
                         description="DICOM files/folders/zips and .txt/.json records"),
        queue="medical", version="1",
        description="PS3.15 Basic Profile with modified dates and retained patient "
                    "characteristics; consistent UID remapping per project; PHI removal "
                    "from text and FHIR JSON; burned-in annotation flags."))


def register_models(register) -> None:
    """The optional site lung-segmentation role (classical thresholds are the default)."""
    from core.inference.roles import RoleSpec

    register(RoleSpec(
        name="ct_lung_segmentation", kind="segmentation", backend="none",
        description="Site TorchScript lung segmentation: input (1,1,z,y,x) HU on a ~2 mm "
                    "grid, output > 0.5 = lung. Selected per job with "
                    "segmentation_role='ct_lung_segmentation'.",
        required_by=(), degrades="medical.ct uses its classical lung segmentation"))


def sample_folder(home: Path | None = None) -> Path:
    """The demo phantom series under ENCLAVE_HOME, generated deterministically when missing."""
    from core.config import get_settings
    from plugins.medical.ct.dicom_writer import write_series
    from plugins.medical.ct.phantom import make_chest_phantom

    folder = (home or get_settings().home) / "samples" / "medical" / f"ct_phantom_{SAMPLE_VERSION}"
    if len(list(folder.glob("CT*.dcm"))) == SAMPLE_SHAPE[0]:
        return folder
    volume, truth = make_chest_phantom(seed=7, nodules=SAMPLE_NODULES, shape=SAMPLE_SHAPE,
                                       spacing=SAMPLE_SPACING)
    tmp = folder.with_name(folder.name + ".partial")
    write_series(volume, tmp, patient_name="DOE^JANE", patient_id="MRN-0042-77",
                 patient_sex="F", patient_birth_date="19580312", patient_age="066Y",
                 study_date="20240611", accession_number="ACC991234",
                 institution_name="St Example Hospital", referring_physician="SMITH^JOHN",
                 shuffle_seed=7, uid_seed="enclave-demo-ct-v1")
    (tmp / "truth.json").write_text(json.dumps(truth.to_dict(), indent=2))
    if folder.exists():
        import shutil
        shutil.rmtree(folder)
    tmp.rename(folder)
    return folder


def sample_inputs(register) -> None:
    """A 40-slice phantom chest CT (generated on first use) and a record with fake PHI."""
    folder = sample_folder()
    register(SampleInput(task="medical.ct", inputs=(folder,), params={},
                         description="synthetic chest CT phantom, 40 x 128 x 128, two planted "
                                     "nodules (truth in truth.json)"))
    note = Path(__file__).parent / "samples" / "record_note.txt"
    register(SampleInput(task="medical.deidentify", inputs=(folder, note),
                         params={"project": "demo"},
                         description="phantom DICOM with fake patient data + a clinical note "
                                     "with fake PHI"))


def register_cli(group) -> None:
    """``enclave medical phantom``: write a synthetic chest CT series with known nodules."""
    from plugins.medical.ct.cli import phantom_command
    group.add_command(phantom_command)
