"""Regenerate the demo inputs shipped in this folder (run: python -m plugins.industrial.samples.make_samples).

Good parts and one scratched part from the synthetic generator (line "demo"), and
2.2 s of 12 kHz drive-end acceleration of a 6205 bearing with an outer-race defect:
impacts at BPFO ringing a 3.2 kHz structural resonance, plus 1x shaft vibration and noise.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from plugins.industrial.inspection.synth import make_part
from plugins.industrial.vibration.bearings import CATALOGUE

HERE = Path(__file__).resolve().parent
DEMO_LINE_SEED = 7


def make_images() -> None:
    """24 good parts + one with a scratch, JPEG/PNG at 256x256."""
    rng = np.random.default_rng(DEMO_LINE_SEED)
    folder = HERE / "parts_good"
    folder.mkdir(exist_ok=True)
    for i in range(24):
        part = make_part(rng, "brushed", None, 256, DEMO_LINE_SEED)
        Image.fromarray(part.image).save(folder / f"good_{i:02d}.jpg", quality=92)
    bad = make_part(rng, "brushed", "scratch", 256, DEMO_LINE_SEED)
    Image.fromarray(bad.image).save(HERE / "part_scratch.png", optimize=True)


def make_vibration(seconds: float = 2.2, rate_hz: int = 12_000, rpm: float = 1797.0) -> None:
    """Outer-race fault recording as CSV (time_s, accel_g)."""
    rng = np.random.default_rng(3)
    t = np.arange(int(seconds * rate_hz)) / rate_hz
    shaft_hz = rpm / 60
    bpfo_hz = CATALOGUE["6205"].fault_frequencies_hz(shaft_hz)["BPFO"] * 1.01  # a little slip
    signal = 0.02 * np.sin(2 * np.pi * shaft_hz * t) + 0.03 * rng.standard_normal(t.size)
    ring = np.arange(int(0.004 * rate_hz)) / rate_hz
    burst = np.exp(-ring * 900) * np.sin(2 * np.pi * 3200 * ring)
    for impact_s in np.arange(0.01, seconds - 0.01, 1 / bpfo_hz):
        i = int(impact_s * rate_hz + rng.normal(0, 2))
        amp = 0.35 * (1 + 0.2 * rng.standard_normal())
        signal[i:i + burst.size] += amp * burst[: max(0, min(burst.size, t.size - i))]
    np.savetxt(HERE / "pump7_vibration.csv", np.column_stack([t, signal]), delimiter=",",
               header="time_s,accel_g", comments="", fmt=("%.6f", "%.5f"))


if __name__ == "__main__":
    make_images()
    make_vibration()
