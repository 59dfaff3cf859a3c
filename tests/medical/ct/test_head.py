"""Head CT hyperdensity candidates on a synthetic skull with and without a planted bleed."""

from __future__ import annotations

import numpy as np
import pytest

from plugins.medical.ct.api import analyse
from plugins.medical.ct.volume import CtVolume


def _head(bleed_mm: float | None, seed: int = 0) -> CtVolume:
    rng = np.random.default_rng(seed)
    nz, ny, nx = 36, 128, 128
    spacing = (1.8, 1.8, 4.0)
    z, y, x = np.meshgrid((np.arange(nz) - nz / 2) * spacing[2],
                          (np.arange(ny) - ny / 2) * spacing[1],
                          (np.arange(nx) - nx / 2) * spacing[0], indexing="ij")
    r = np.sqrt((x / 75) ** 2 + (y / 92) ** 2 + (z / 70) ** 2)
    hu = np.full((nz, ny, nx), -1000.0)
    hu[r < 1.08] = 900.0  # skull
    hu[r < 1.0] = 32.0  # brain
    if bleed_mm:
        blob = np.sqrt((x - 30) ** 2 + (y + 10) ** 2 + (z - 8) ** 2) < bleed_mm / 2
        hu[blob] = 72.0
    hu += rng.normal(0, 6, hu.shape)
    return CtVolume(hu=hu.astype(np.float32), spacing_mm=spacing,
                    origin_mm=(-nx / 2 * spacing[0], -ny / 2 * spacing[1], -nz / 2 * spacing[2]))


def test_planted_hyperdensity_is_a_candidate():
    result = analyse(_head(bleed_mm=20.0))
    assert result.body_part == "head"
    assert result.lungs.left_ml == 0 and result.lungs.right_ml == 0
    hyper = [f for f in result.findings if f.kind == "hyperdense_region_candidate"]
    assert len(hyper) == 1
    assert hyper[0].position_mm == pytest.approx([30, -10, 8], abs=4.0)
    assert 60 <= hyper[0].mean_hu <= 85
    assert hyper[0].laterality == "left"  # +x is the patient's left


def test_no_candidate_without_bleed():
    result = analyse(_head(bleed_mm=None, seed=1))
    assert result.body_part == "head" and result.findings == []
