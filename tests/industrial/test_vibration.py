"""Vibration diagnosis through run_task: CWRU files, the shipped sample, physics checks, bad input."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from core.runner import run_task
from plugins.industrial.vibration.analysis import iso_zone, velocity_rms_mm_s
from plugins.industrial.vibration.bearings import find_bearing
from plugins.industrial.vibration.tasks import machine_trend

SAMPLE = "plugins/industrial/samples/pump7_vibration.csv"

CWRU = [  # (file, sampling rate Hz, expected diagnosis)
    ("12k_Drive_End_IR007_0_105.mat", 12000, "inner_race"),
    ("12k_Drive_End_IR021_0_209.mat", 12000, "inner_race"),
    ("12k_Drive_End_OR007@6_0_130.mat", 12000, "outer_race"),
    ("12k_Drive_End_OR021@6_0_234.mat", 12000, "outer_race"),
    ("48k_Drive_End_OR007@3_0_148.mat", 48000, "outer_race"),
    ("normal_0_97.mat", 48000, "normal"),
]


def test_cwru_races_and_normal_are_diagnosed(industrial, shared_data, store):
    for name, rate, expected in CWRU:
        job, out = run_task("industrial.vibration", [shared_data / "cwru" / name],
                            {"sampling_rate_hz": rate, "bearing": "SKF 6205-2RS", "machine": "cwru"})
        assert job.status == "succeeded", job.error
        assert out["diagnosis"] == expected, (name, out["summary"], out["evidence"]["signatures"][:2])
        assert out["rpm_source"] == "file" and 1795 <= out["rpm"] <= 1798
        assert 0.5 <= out["confidence"] <= 1.0
        assert out["iso_zone"] in "ABCD" and out["velocity_rms_mm_s"] > 0
        assert out["evidence"]["kurtosis"] > 0 and out["evidence"]["crest_factor"] > 1
    assert len(machine_trend(store, "cwru")) == len(CWRU)


def test_ball_fault_is_reported_with_its_evidence(industrial, shared_data):
    # Ball faults are hard on CWRU; whatever the verdict, the evidence must be there.
    job, out = run_task("industrial.vibration",
                        [shared_data / "cwru" / "12k_Drive_End_B021_0_222.mat"],
                        {"sampling_rate_hz": 12000, "bearing": "6205"})
    assert job.status == "succeeded"
    assert out["diagnosis"] in {"ball", "inner_race", "outer_race", "unknown", "normal", "cage"}
    bsf = [s for s in out["evidence"]["signatures"] if s["frequency"] == "BSF"][0]
    assert bsf["expected_hz"] == pytest.approx(141.1 / 2, rel=0.01)


def test_fault_frequencies_match_the_cwru_bearing_table():
    hz = find_bearing("6205").fault_frequencies_hz(1797 / 60)
    shaft = 1797 / 60
    # CWRU's published multiples of shaft speed for the 6205-2RS drive-end bearing
    assert hz["BPFI"] / shaft == pytest.approx(5.4152, rel=2e-3)
    assert hz["BPFO"] / shaft == pytest.approx(3.5848, rel=2e-3)
    assert 2 * hz["BSF"] / shaft == pytest.approx(4.7135, rel=2e-3)
    assert hz["FTF"] / shaft == pytest.approx(0.39828, rel=2e-3)


def test_velocity_integration_and_iso_zones():
    rate = 10000
    t = np.arange(rate * 4) / rate
    velocity_peak_mm_s = 5.0
    f = 50.0
    accel_g = velocity_peak_mm_s / 1000 * 2 * np.pi * f * np.cos(2 * np.pi * f * t) / 9.80665
    rms, _, _ = velocity_rms_mm_s(accel_g, rate)
    assert rms == pytest.approx(velocity_peak_mm_s / np.sqrt(2), rel=0.01)
    # 2 kHz is outside the 10-1000 Hz band: it must not count
    rms_hf, _, _ = velocity_rms_mm_s(accel_g + np.sin(2 * np.pi * 2000 * t), rate)
    assert rms_hf == pytest.approx(rms, rel=0.01)
    assert [iso_zone(v, "I") for v in (0.5, 1.0, 3.0, 5.0)] == ["A", "B", "C", "D"]
    assert iso_zone(3.0, "III") == "B"


def test_sample_csv_wav_and_trend(industrial, store, tmp_path):
    params = {"sampling_rate_hz": 12000, "rpm": 1797, "bearing": "6205", "machine": "pump-7"}
    job, out = run_task("industrial.vibration", [SAMPLE], params)
    assert job.status == "succeeded", job.error
    assert out["diagnosis"] == "outer_race"
    assert out["fault_frequencies_hz"]["BPFO"] == pytest.approx(107.36, abs=0.1)
    # the CSV's time column gives the rate when none is passed
    job, out2 = run_task("industrial.vibration", [SAMPLE], {"rpm": 1797, "bearing": "6205",
                                                            "machine": "pump-7"})
    assert out2["sampling_rate_hz"] == pytest.approx(12000, rel=1e-3)
    data = np.loadtxt(SAMPLE, delimiter=",", skiprows=1)[:, 1]
    wav = tmp_path / "pump.wav"
    sf.write(wav, (data / 2).astype(np.float32), 12000, subtype="FLOAT")
    job, out3 = run_task("industrial.vibration", [wav], {"rpm": 1797, "bearing": "6205",
                                                         "g_per_unit": 2.0, "machine": "pump-7"})
    assert job.status == "succeeded", job.error
    assert out3["diagnosis"] == "outer_race"
    assert out3["velocity_rms_mm_s"] == pytest.approx(out["velocity_rms_mm_s"], rel=0.01)
    trend = machine_trend(store, "pump-7")
    assert len(trend) == 3 and all(r["diagnosis"] == "outer_race" for r in trend)
    assert any(a.name == "envelope_spectrum.csv" for a in store.artifacts(job.id))


def test_bad_vibration_inputs(industrial, shared_data, tmp_path, store):
    job, _ = run_task("industrial.vibration", [shared_data / "cwru" / "normal_0_97.mat"],
                      {"bearing": "6205"})
    assert job.status == "failed" and "missing sampling rate" in job.error
    assert "sampling_rate_hz" in job.error
    short = tmp_path / "short.csv"
    np.savetxt(short, np.random.default_rng(0).normal(size=6000), delimiter=",")
    job, _ = run_task("industrial.vibration", [short],
                      {"sampling_rate_hz": 12000, "rpm": 1797, "bearing": "6205"})
    assert job.status == "failed" and "too short" in job.error and "resolution_hz" in job.error
    job, _ = run_task("industrial.vibration", [short],
                      {"sampling_rate_hz": 12000, "rpm": 1797, "bearing": "6299"})
    assert job.status == "failed" and "not in the catalogue" in job.error
    job, _ = run_task("industrial.vibration", [short], {"sampling_rate_hz": 12000, "rpm": 1797})
    assert job.status == "failed" and "bearing" in job.error
    bad = tmp_path / "bad.mat"
    bad.write_bytes(b"not a matlab file at all" * 10)
    job, _ = run_task("industrial.vibration", [bad],
                      {"sampling_rate_hz": 12000, "rpm": 1797, "bearing": "6205"})
    assert job.status == "failed" and "not a readable MATLAB" in job.error
    text = tmp_path / "words.csv"
    text.write_text("accel\n0.1\nabc\n")
    job, _ = run_task("industrial.vibration", [text],
                      {"sampling_rate_hz": 12000, "rpm": 1797, "bearing": "6205"})
    assert job.status == "failed" and "non-numeric" in job.error
    assert store.list_records("industrial.reading") == []  # nothing half-stored
