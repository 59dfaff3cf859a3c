"""Fixtures for the CT tests: the CT capability registered alone, and phantom series."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.domain import DomainPlugin


@pytest.fixture
def ct_host(register_plugin):
    """A host with only the CT capability (so a half-built sibling cannot break these tests)."""
    from plugins.medical.ct import hooks
    return register_plugin(DomainPlugin("medical", (hooks,), cli_help="medical"), only=[])


@pytest.fixture(scope="session")
def phantom_series(tmp_path_factory) -> tuple[Path, object]:
    """A small phantom chest CT written as DICOM (slices numbered in scrambled order)."""
    from plugins.medical.ct.api import make_chest_phantom, write_dicom_series
    volume, truth = make_chest_phantom(
        seed=11, shape=(40, 128, 128), spacing=(2.6, 2.6, 3.0),
        nodules=[{"diameter_mm": 14.0, "kind": "spherical"},
                 {"diameter_mm": 12.0, "kind": "irregular"}])
    folder = tmp_path_factory.mktemp("phantom") / "series"
    write_dicom_series(volume, folder, patient_name="DOE^JANE", patient_id="MRN-0042",
                       patient_birth_date="19580312", institution_name="St Example Hospital",
                       shuffle_seed=5)
    return folder, truth


@pytest.fixture
def ge_head(shared_data) -> Path:
    """The real GE head series with 18.5 deg gantry tilt and uneven gaps."""
    path = shared_data / "ct" / "dcm_qa_ct_GE_tilted_head"
    if not path.is_dir():
        pytest.skip("GE tilted head series not present")
    return path


@pytest.fixture(scope="session")
def ge_volume(shared_data):
    """The GE head loaded once per session (loading it takes seconds on a shared CPU)."""
    from plugins.medical.ct.api import load_study
    path = shared_data / "ct" / "dcm_qa_ct_GE_tilted_head"
    if not path.is_dir():
        pytest.skip("GE tilted head series not present")
    return load_study(path)
