"""Loading real and synthetic DICOM: series choice, order, spacing, tilt, multi-frame, zips."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.uid import JPEG2000Lossless

from core.errors import UserError
from plugins.medical.ct.api import load_study


def test_ge_tilted_head_order_spacing_tilt_uneven(ge_volume):
    volume = ge_volume
    assert volume.slice_count == 28
    assert volume.tilt_deg == pytest.approx(18.5, abs=0.1)
    assert volume.gantry_tilt_tag_deg == pytest.approx(18.5)
    assert volume.uneven_spacing and volume.resampled
    gaps = np.asarray(volume.acquired_slice_gaps_mm)
    # 13 gaps of 4 mm, one 1.08 mm overlap where the protocol changes, 13 gaps of 7 mm.
    assert np.sum(np.isclose(gaps, 4.0, atol=0.01)) == 13
    assert np.sum(np.isclose(gaps, 7.0, atol=0.01)) == 13
    assert gaps.min() == pytest.approx(1.08, abs=0.01)
    assert volume.spacing_mm[2] == pytest.approx(4.0, abs=0.01)
    assert volume.spacing_mm[0] == pytest.approx(0.4882812)
    # Regular grid covering the acquired extent along the true normal (total 143.1 mm).
    assert (volume.shape[0] - 1) * volume.spacing_mm[2] == pytest.approx(gaps.sum(), abs=4.0)
    # The first slice is the most inferior along the normal: IPP of 01.dcm.
    assert volume.origin_mm == pytest.approx((-125.0, -123.5404569, 5.8360586))
    assert any("gantry tilt" in w for w in volume.warnings)


def test_order_does_not_depend_on_file_names(ge_head, ge_volume, tmp_path):
    shuffled = tmp_path / "shuffled"
    shuffled.mkdir()
    files = sorted(ge_head.glob("*.dcm"))
    rng = np.random.default_rng(0)
    for i, src in enumerate(rng.permutation(files)):
        shutil.copy(src, shuffled / f"IMG{i:03d}")
    a, b = ge_volume, load_study(shuffled)
    assert np.array_equal(a.hu, b.hu)
    assert a.origin_mm == b.origin_mm


def test_localizer_only_and_secondary_captures_are_excluded(shared_data):
    survey = shared_data / "ct" / "dcm_qa_ct_Philips_S1000"
    with pytest.raises(UserError, match="LOCALIZER") as err:
        load_study(survey)
    assert "I10" in str(err.value)
    captures = shared_data / "ct" / "dcm_qa_ct_Philips_S4010_secondary_capture"
    with pytest.raises(UserError, match="secondary capture"):
        load_study(captures)
    with pytest.raises(UserError, match="secondary capture"):  # through the DICOMDIR
        load_study(captures / "DIRFILE")


def test_mixed_study_picks_axial_series_and_skips_corrupt_files(ge_head, shared_data, tmp_path):
    mixed = tmp_path / "study"
    shutil.copytree(ge_head, mixed / "head")
    shutil.copytree(shared_data / "ct" / "dcm_qa_ct_Philips_S4010_secondary_capture",
                    mixed / "sc")
    shutil.copy(shared_data / "ct" / "dcm_qa_ct_Philips_S1000" / "I10", mixed / "scout")
    (mixed / "notes.txt").write_text("not an image")
    raw = (ge_head / "05.dcm").read_bytes()
    (mixed / "truncated.dcm").write_bytes(raw[: len(raw) // 3])
    no_pixels = pydicom.dcmread(ge_head / "06.dcm")
    del no_pixels.PixelData
    no_pixels.SOPInstanceUID = pydicom.uid.generate_uid()
    no_pixels.save_as(mixed / "header_only.dcm")
    volume = load_study(mixed)
    assert volume.slice_count == 28
    assert volume.tilt_deg == pytest.approx(18.5, abs=0.1)
    text = " ".join(volume.warnings + volume.excluded_series)
    assert "notes.txt: not a DICOM file" in text
    assert "truncated.dcm" in text
    assert "header_only.dcm: instance without pixel data" in text
    assert "LOCALIZER" in text and "secondary capture" in text


def test_zip_input(ge_head, ge_volume, tmp_path):
    archive = tmp_path / "head.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for f in ge_head.glob("*.dcm"):
            zf.write(f, f"export/{f.name}")
    assert np.array_equal(load_study(archive).hu, ge_volume.hu)


def test_enhanced_multiframe_ct(shared_data):
    volume = load_study(shared_data / "ct" / "eCT_Supplemental.dcm")
    assert volume.enhanced_multiframe
    assert volume.slice_count == 2 and volume.shape == (2, 512, 512)
    assert volume.spacing_mm == pytest.approx((0.388672, 0.388672, 10.0))
    # Frames are sorted along the normal (-z for this orientation): frame 2 (z=-149) first.
    assert volume.origin_mm == pytest.approx((99.5, -301.5, -149.0))
    assert volume.rescale_type == "US"  # perfusion map, not HU: reported, not thresholded


def test_phantom_round_trip_and_compressed_syntax(tmp_path):
    from plugins.medical.ct.api import make_chest_phantom, write_dicom_series
    volume, _ = make_chest_phantom(seed=3, shape=(12, 64, 64), spacing=(5.0, 5.0, 5.0),
                                   nodules=[])
    folder = write_dicom_series(volume, tmp_path / "plain", shuffle_seed=1)
    for path in sorted(folder.glob("*.dcm"))[:6]:  # half the series JPEG 2000 lossless
        ds = pydicom.dcmread(path)
        ds.compress(JPEG2000Lossless)
        ds.save_as(path)
    loaded = load_study(folder)
    assert np.array_equal(loaded.hu.astype(np.int16), volume.hu)
    assert loaded.origin_mm == pytest.approx(volume.origin_mm)
    assert loaded.spacing_mm == pytest.approx(volume.spacing_mm)
    assert not loaded.uneven_spacing and loaded.tilt_deg == pytest.approx(0.0, abs=1e-6)


def test_bad_inputs_name_the_file(tmp_path, phantom_series):
    folder, _ = phantom_series
    one = tmp_path / "one"
    one.mkdir()
    shutil.copy(sorted(folder.glob("*.dcm"))[0], one / "only.dcm")
    with pytest.raises(UserError, match="single slice"):
        load_study(one)
    mr = tmp_path / "mr"
    mr.mkdir()
    for path in sorted(folder.glob("*.dcm"))[:5]:
        ds = pydicom.dcmread(path)
        ds.Modality = "MR"
        ds.save_as(mr / path.name)
    with pytest.raises(UserError, match="modality MR is not CT") as err:
        load_study(mr)
    assert "CT0001.dcm" in str(err.value) or "mr" in str(err.value)
    missing = tmp_path / "missing"
    missing.mkdir()
    for path in sorted(folder.glob("*.dcm"))[:5]:
        ds = pydicom.dcmread(path)
        del ds.PixelSpacing
        ds.save_as(missing / path.name)
    with pytest.raises(UserError, match="no PixelSpacing") as err:
        load_study(missing)
    assert str(missing) in str(err.value)
    junk = tmp_path / "junk"
    junk.mkdir()
    (junk / "a.dcm").write_bytes(b"\x00" * 300)
    with pytest.raises(UserError, match="a.dcm: not a DICOM file"):
        load_study(junk)


def test_single_file_path_is_named(tmp_path: Path):
    path = tmp_path / "broken.dcm"
    path.write_bytes(b"DICM" * 10)
    with pytest.raises(UserError, match="broken.dcm"):
        load_study(path)
