"""One analysis pass over a recording: the numbers the task reports and stores."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from core.errors import UserError
from plugins.industrial.vibration import analysis
from plugins.industrial.vibration.bearings import BearingGeometry
from plugins.industrial.vibration.diagnosis import diagnose, running_speed_components


@dataclass
class VibrationReport:
    """Everything one analysis found (converted to the task's result model by the task)."""

    velocity_rms_mm_s: float
    iso_zone: str
    diagnosis: str
    confidence: float
    summary: str
    fault_frequencies_hz: dict[str, float]
    statistics: dict[str, float]
    running_speed: dict[str, float]
    demodulation_band_hz: tuple[float, float]
    evidence: list[dict[str, Any]]
    envelope_freqs_hz: np.ndarray
    envelope_amplitude_g: np.ndarray


def analyse(acceleration_g: np.ndarray, sampling_rate_hz: float, rpm: float,
            bearing: BearingGeometry, machine_class: str = "I",
            resolution_hz: float = 1.0, source: str = "signal") -> VibrationReport:
    """Velocity RMS, ISO zone, envelope spectrum and diagnosis of one acceleration record."""
    if sampling_rate_hz <= 0:
        raise UserError(f"{source}: sampling rate must be positive, got {sampling_rate_hz}")
    if rpm <= 0:
        raise UserError(f"{source}: shaft speed must be positive, got {rpm} rpm")
    duration_s = acceleration_g.size / sampling_rate_hz
    needed_s = 2.0 / resolution_hz  # two Welch segments at least
    if duration_s < needed_s:
        raise UserError(f"{source}: signal too short: {duration_s:.2f} s recorded but "
                        f"{needed_s:.2f} s are needed for {resolution_hz} Hz resolution; "
                        "record longer or pass a coarser --set resolution_hz=...")
    shaft_hz = rpm / 60.0
    fault_hz = bearing.fault_frequencies_hz(shaft_hz)
    if sampling_rate_hz < 4 * max(fault_hz.values()) * 4:
        raise UserError(f"{source}: sampling rate {sampling_rate_hz:g} Hz is too low to "
                        f"demodulate bearing impacts (need at least "
                        f"{16 * max(fault_hz.values()):.0f} Hz)")
    stats = analysis.time_statistics(acceleration_g)
    velocity, freqs, velocity_spectrum = analysis.velocity_rms_mm_s(acceleration_g, sampling_rate_hz)
    zone = analysis.iso_zone(velocity, machine_class)
    running = running_speed_components(freqs, velocity_spectrum, shaft_hz)
    running["velocity_rms_mm_s"] = velocity
    band, _sk = analysis.select_band(acceleration_g, sampling_rate_hz)
    max_hz = min(sampling_rate_hz / 2, 5.5 * fault_hz["BPFI"] + 3 * shaft_hz)
    env = analysis.envelope_spectrum(acceleration_g, sampling_rate_hz, band, max_hz,
                                     resolution_hz=resolution_hz)
    verdict = diagnose(env, fault_hz, shaft_hz, stats, running, zone)
    return VibrationReport(
        velocity_rms_mm_s=round(velocity, 4), iso_zone=zone, diagnosis=verdict.label,
        confidence=verdict.confidence, summary=verdict.summary,
        fault_frequencies_hz={k: round(v, 2) for k, v in fault_hz.items()},
        statistics={k: round(v, 4) for k, v in stats.items()},
        running_speed={k: round(v, 4) for k, v in running.items()},
        demodulation_band_hz=(round(band[0], 1), round(band[1], 1)),
        evidence=[e.as_dict() for e in verdict.evidence],
        envelope_freqs_hz=env.freqs_hz, envelope_amplitude_g=env.amplitude_g)
