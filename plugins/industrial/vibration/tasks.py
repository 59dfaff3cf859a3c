"""``industrial.vibration``: one recording -> velocity RMS, ISO zone, bearing diagnosis, trend."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from core.errors import UserError
from core.tasks import InputSpec, TaskContext, TaskSpec
from plugins.industrial.vibration.analysis import ISO_ZONE_MEANING
from plugins.industrial.vibration.bearings import BearingGeometry, find_bearing
from plugins.industrial.vibration.engine import analyse
from plugins.industrial.vibration.signals import SUPPORTED_SUFFIXES, read_recording

READING_KIND = "industrial.reading"


class VibrationParams(BaseModel):
    """What the file may not say: rate, speed, bearing, and where the reading belongs."""

    model_config = ConfigDict(coerce_numbers_to_str=True)  # --set bearing=6205 is a name

    sampling_rate_hz: float | None = Field(None, gt=0, description="needed unless the file carries it (WAV, CSV time column)")
    rpm: float | None = Field(None, gt=0, description="shaft speed; read from CWRU .mat files when present")
    bearing: str | None = Field(None, description="catalogue bearing, e.g. 6205 (SKF 6205-2RS)")
    ball_count: int | None = Field(None, gt=2)
    ball_diameter_mm: float | None = Field(None, gt=0)
    pitch_diameter_mm: float | None = Field(None, gt=0)
    contact_angle_deg: float = 0.0
    machine: str | None = Field(None, description="machine id the reading is stored under (default: file name)")
    machine_class: Literal["I", "II", "III", "IV"] = "I"
    channel: str | None = Field(None, description="column or .mat variable (default: drive end)")
    g_per_unit: float = Field(1.0, gt=0, description="scale from file units to g (WAV full scale)")
    resolution_hz: float = Field(1.0, gt=0, le=10)


class VibrationResult(BaseModel):
    """Condition of one machine from one recording."""

    machine: str
    velocity_rms_mm_s: float
    iso_zone: str
    iso_zone_meaning: str
    machine_class: str
    diagnosis: str
    confidence: float
    summary: str
    fault_frequencies_hz: dict[str, float]
    evidence: dict[str, Any]
    sampling_rate_hz: float
    rpm: float
    rpm_source: str
    bearing: str
    duration_s: float
    channel: str


def _geometry(params: VibrationParams) -> BearingGeometry:
    if params.ball_count and params.ball_diameter_mm and params.pitch_diameter_mm:
        return BearingGeometry("custom", params.ball_count, params.ball_diameter_mm,
                               params.pitch_diameter_mm, params.contact_angle_deg)
    if params.bearing:
        return find_bearing(params.bearing)
    raise UserError("industrial.vibration: say which bearing: --set bearing=6205 (catalogue) "
                    "or --set ball_count=9 --set ball_diameter_mm=7.94 --set pitch_diameter_mm=39.04")


def run_vibration(ctx: TaskContext, inputs: list[Path], params: VibrationParams) -> VibrationResult:
    """Analyse the recording, store the reading under its machine for the trend, return it."""
    path = inputs[0]
    geometry = _geometry(params)
    rec = read_recording(path, channel=params.channel, g_per_unit=params.g_per_unit)
    rate = params.sampling_rate_hz or rec.sampling_rate_hz
    if not rate:
        raise UserError(f"{path}: missing sampling rate: this file does not carry one; "
                        "pass --set sampling_rate_hz=12000 (the rate the recorder used)")
    if rec.rpm and not params.rpm:
        rpm, rpm_source = rec.rpm, "file"
    elif params.rpm:
        rpm, rpm_source = params.rpm, "request"
    else:
        raise UserError(f"{path}: missing shaft speed; pass --set rpm=1797")
    ctx.progress(1, 3, "analysing")
    report = analyse(rec.acceleration_g, rate, rpm, geometry, params.machine_class,
                     params.resolution_hz, source=str(path))
    best = report.evidence[0] if report.evidence else {}
    peak_hz = best.get("harmonics", [{}])[0].get("hz") if best.get("harmonics") else None
    evidence = {
        "peak_frequency_hz": peak_hz,
        "strongest_signature": best.get("frequency"),
        "kurtosis": report.statistics["kurtosis"],
        "crest_factor": report.statistics["crest_factor"],
        "rms_g": report.statistics["rms_g"],
        "peak_g": report.statistics["peak_g"],
        "demodulation_band_hz": list(report.demodulation_band_hz),
        "running_speed_mm_s": report.running_speed,
        "signatures": report.evidence,
    }
    machine = params.machine or path.stem
    result = VibrationResult(
        machine=machine, velocity_rms_mm_s=report.velocity_rms_mm_s, iso_zone=report.iso_zone,
        iso_zone_meaning=ISO_ZONE_MEANING[report.iso_zone], machine_class=params.machine_class,
        diagnosis=report.diagnosis, confidence=report.confidence, summary=report.summary,
        fault_frequencies_hz=report.fault_frequencies_hz, evidence=evidence,
        sampling_rate_hz=float(rate), rpm=float(rpm), rpm_source=rpm_source,
        bearing=geometry.name, duration_s=round(rec.acceleration_g.size / rate, 3),
        channel=rec.channel)
    _write_envelope_csv(ctx, report.envelope_freqs_hz, report.envelope_amplitude_g)
    ctx.progress(2, 3, "storing reading")
    ctx.store.put_record(READING_KIND, f"{machine}:{ctx.job_id}", {
        "machine": machine, "job_id": ctx.job_id, "source": path.name,
        "velocity_rms_mm_s": result.velocity_rms_mm_s, "iso_zone": result.iso_zone,
        "diagnosis": result.diagnosis, "confidence": result.confidence,
        "kurtosis": evidence["kurtosis"], "crest_factor": evidence["crest_factor"],
        "rpm": result.rpm}, actor=ctx.actor, group_key=machine, status=result.diagnosis,
        job_id=ctx.job_id)
    ctx.progress(3, 3, "done")
    return result


def _write_envelope_csv(ctx: TaskContext, freqs: np.ndarray, amplitude: np.ndarray) -> None:
    out = ctx.artifact("envelope_spectrum.csv", kind="table",
                       description="envelope spectrum (Hz, g) used for the diagnosis")
    np.savetxt(out, np.column_stack([freqs, amplitude]), delimiter=",",
               header="frequency_hz,amplitude_g", comments="", fmt="%.6g")


def machine_trend(store, machine: str, limit: int = 200) -> list[dict[str, Any]]:
    """Stored readings of one machine, oldest first (for the station's health panel)."""
    records = store.list_records(READING_KIND, group_key=machine, limit=limit)
    rows = [dict(r.payload, time=r.created_at.isoformat()) for r in records]
    return rows[::-1]


VIBRATION_TASK = TaskSpec(
    name="industrial.vibration", title="Vibration diagnosis (bearing / ISO 10816)",
    run=run_vibration, result_model=VibrationResult, params_model=VibrationParams,
    inputs=InputSpec(extensions=SUPPORTED_SUFFIXES, description="accelerometer recording in g"),
    description="Velocity RMS 10-1000 Hz with ISO 10816 zone, envelope spectrum, "
                "BPFO/BPFI/BSF/FTF and a diagnosis with evidence; stored per machine.")
