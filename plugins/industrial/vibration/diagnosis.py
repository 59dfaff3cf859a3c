"""Rule-based bearing and running-speed diagnosis from the envelope and velocity spectra.

Each candidate fault is scored by how clearly its defect frequency and harmonics stand
above the local noise floor of the envelope spectrum (inner-race faults also by the
shaft-rate sidebands that the rotating load zone puts around BPFI). The rules are the
textbook ones (ISO 13373 style); thresholds were set on physics, then checked on CWRU.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from plugins.industrial.vibration.analysis import EnvelopeSpectrum

SLIP_TOLERANCE = 0.03  # real defect rates drift from kinematics by 1-2 % (slip, load)
PEAK_SNR_MIN = 3.0     # a harmonic counts when it stands 3x above the local median floor
FAULT_LABELS = {"BPFO": "outer_race", "BPFI": "inner_race", "BSF": "ball", "FTF": "cage"}


@dataclass
class FaultEvidence:
    """How one defect frequency shows in the envelope spectrum."""

    name: str
    expected_hz: float
    harmonics: list[dict[str, float]] = field(default_factory=list)
    sidebands: list[dict[str, float]] = field(default_factory=list)
    score: float = 0.0

    def as_dict(self) -> dict:
        """JSON-ready evidence for the result."""
        return {"fault": FAULT_LABELS[self.name], "frequency": self.name,
                "expected_hz": round(self.expected_hz, 2), "score": round(self.score, 2),
                "harmonics": self.harmonics, "sidebands": self.sidebands}


def score_fault(env: EnvelopeSpectrum, name: str, expected_hz: float, shaft_hz: float,
                harmonics: int = 4) -> FaultEvidence:
    """Harmonic ladder of one defect frequency: matched peaks, their SNR, and a score."""
    ev = FaultEvidence(name, expected_hz)
    base_hz, _, snr1 = env.peak_near(expected_hz, SLIP_TOLERANCE)
    # Track the measured fundamental so higher harmonics follow the real (slipped) rate.
    fundamental = base_hz if snr1 >= PEAK_SNR_MIN else expected_hz
    # A ball defect strikes both races each spin, so energy also sits at even multiples of BSF.
    orders = list(range(1, harmonics + 1))
    found = 0
    weighted = 0.0
    for k in orders:
        f, amp, snr = env.peak_near(k * fundamental, 0.01 if k > 1 else SLIP_TOLERANCE)
        if f >= env.freqs_hz[-1]:
            continue
        ev.harmonics.append({"order": k, "hz": round(f, 2), "amplitude_g": round(amp, 5),
                             "snr": round(snr, 2)})
        if snr >= PEAK_SNR_MIN:
            found += 1
            weighted += math.log(snr) / k ** 0.5
    if name == "BPFI" and shaft_hz > 0:
        for k in (1, 2):
            for sign in (-1, 1):
                target = fundamental + sign * k * shaft_hz
                f, amp, snr = env.peak_near(target, 0.01)
                ev.sidebands.append({"around": "BPFI", "offset_hz": round(f - fundamental, 2),
                                     "snr": round(snr, 2)})
                if snr >= PEAK_SNR_MIN:
                    weighted += 0.25 * math.log(snr)
    if name == "BSF":
        # Odd orders alone look like BSF coincidences; require an even order to carry weight.
        even = [h for h in ev.harmonics if h["order"] % 2 == 0 and h["snr"] >= PEAK_SNR_MIN]
        if not even:
            weighted *= 0.3
    if name == "FTF":
        weighted *= 0.6  # cage rates sit among shaft/line artefacts; demand more to call it
    ev.score = weighted * (1.0 if found >= 2 else 0.5)
    return ev


@dataclass
class Diagnosis:
    """The verdict with its confidence and the evidence behind it."""

    label: str
    confidence: float
    summary: str
    evidence: list[FaultEvidence]


def diagnose(env: EnvelopeSpectrum, fault_hz: dict[str, float], shaft_hz: float,
             stats: dict[str, float], running: dict[str, float],
             iso_zone_letter: str) -> Diagnosis:
    """Pick the label whose evidence is strongest; ``normal`` when nothing stands out."""
    evidence = [score_fault(env, name, hz, shaft_hz) for name, hz in fault_hz.items()]
    evidence.sort(key=lambda e: e.score, reverse=True)
    best = evidence[0]
    runner_up = evidence[1].score if len(evidence) > 1 else 0.0
    impulsive = stats["kurtosis"] > 4.0 or stats["crest_factor"] > 6.0
    strong = best.score >= 2.5
    if strong and (best.score > 1.3 * runner_up or best.name != "FTF"):
        margin = (best.score - runner_up) / (best.score + 1e-9)
        confidence = _squash(best.score, 2.5, 6.0) * (0.6 + 0.4 * margin)
        if impulsive:
            confidence = min(0.99, confidence + 0.1)
        label = FAULT_LABELS[best.name]
        peak = best.harmonics[0]["hz"] if best.harmonics else best.expected_hz
        summary = (f"{best.name} ladder at {peak:.1f} Hz (expected {best.expected_hz:.1f} Hz) "
                   f"stands above the envelope floor")
        return Diagnosis(label, round(float(confidence), 3), summary, evidence)
    # No bearing signature: look at running speed in the velocity spectrum.
    one_x, two_x = running.get("one_x_mm_s", 0.0), running.get("two_x_mm_s", 0.0)
    total = running.get("velocity_rms_mm_s", 0.0) + 1e-9
    if iso_zone_letter in ("C", "D") and (one_x + two_x) / total > 0.5:
        share = (one_x + two_x) / total
        which = "1x (unbalance)" if one_x >= two_x else "2x (misalignment)"
        return Diagnosis("unbalance_misalignment", round(min(0.95, share), 3),
                         f"velocity dominated by {which} running speed, zone {iso_zone_letter}",
                         evidence)
    if best.score >= 1.2 or (impulsive and stats["kurtosis"] > 6.0):
        return Diagnosis("unknown", round(0.5 + 0.1 * min(best.score, 3), 3),
                         "impulsive or partly periodic vibration without a clear defect ladder; "
                         "re-measure or inspect", evidence)
    confidence = 0.9 - 0.15 * best.score - (0.2 if impulsive else 0.0)
    return Diagnosis("normal", round(float(max(0.5, confidence)), 3),
                     "no bearing defect frequency above the envelope floor; kurtosis "
                     f"{stats['kurtosis']:.1f}", evidence)


def running_speed_components(freqs_hz: np.ndarray, velocity_mm_s: np.ndarray,
                             shaft_hz: float) -> dict[str, float]:
    """Velocity at 1x and 2x shaft speed (RMS mm/s summed over +/- 2 % of the order)."""
    out = {}
    for order, key in ((1, "one_x_mm_s"), (2, "two_x_mm_s")):
        target = order * shaft_hz
        sel = (freqs_hz >= target * 0.98) & (freqs_hz <= target * 1.02)
        out[key] = float(np.sqrt(np.sum(velocity_mm_s[sel] ** 2))) if np.any(sel) else 0.0
    return out


def _squash(x: float, lo: float, hi: float) -> float:
    """Map a score to 0.5..0.97 between ``lo`` and ``hi`` (a readable confidence)."""
    t = min(1.0, max(0.0, (x - lo) / (hi - lo)))
    return 0.5 + 0.47 * t
