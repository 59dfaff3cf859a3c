"""Synthetic machined parts on varied textures, good and with defects (tests, bench, demo).

Real line images are never shipped, so the inspection model is exercised on generated
parts whose defects are known to the pixel: scratches, spots, cracks and missing pieces
on brushed, cast, knurled and turned surfaces, with the small shifts, rotations and
illumination drift a fixtured camera still sees.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

TEXTURES = ("brushed", "cast", "knurled", "turned")
DEFECTS = ("scratch", "spot", "crack", "missing")


@dataclass
class SyntheticPart:
    """A generated part image (uint8 RGB) and its defect mask (True where defective)."""

    image: np.ndarray
    mask: np.ndarray
    defect: str | None


def _texture(rng: np.random.Generator, kind: str, size: int, seed_pattern: int) -> np.ndarray:
    """Surface texture in roughly [-1, 1]; ``seed_pattern`` fixes the family's look per line."""
    pattern = np.random.default_rng(seed_pattern)
    noise = rng.standard_normal((size, size))
    if kind == "brushed":
        angle = pattern.uniform(0, 180)
        t = ndimage.gaussian_filter(noise, sigma=(0.6, 9.0))
        t = ndimage.rotate(t, angle, reshape=False, mode="reflect")
        return t / (t.std() + 1e-9) * 0.5
    if kind == "cast":
        t = ndimage.gaussian_filter(noise, 1.2) + 0.6 * ndimage.gaussian_filter(
            rng.standard_normal((size, size)), 4.0) * 3
        return t / (t.std() + 1e-9) * 0.45
    y, x = np.mgrid[0:size, 0:size].astype(np.float64)
    if kind == "knurled":
        period = pattern.uniform(7, 11)
        phase = rng.uniform(0, 2 * np.pi, 2)
        t = (np.sin(2 * np.pi * (x + y) / period + phase[0])
             + np.sin(2 * np.pi * (x - y) / period + phase[1]))
        return 0.35 * t + 0.25 * ndimage.gaussian_filter(noise, 0.8)
    # turned: concentric tool marks around the part centre
    r = np.hypot(x - size / 2, y - size / 2)
    period = pattern.uniform(3.5, 6.0)
    t = np.sin(2 * np.pi * r / period + rng.uniform(0, 2 * np.pi))
    return 0.4 * t + 0.3 * ndimage.gaussian_filter(noise, 0.7)


def _part_mask(size: int, shift: tuple[float, float], angle_deg: float, shape: str) -> np.ndarray:
    """Where the part is: a rounded plate with a bore, or a flange disc, with pose jitter."""
    y, x = np.mgrid[0:size, 0:size].astype(np.float64)
    cx, cy = size / 2 + shift[0], size / 2 + shift[1]
    a = np.deg2rad(angle_deg)
    xr = (x - cx) * np.cos(a) + (y - cy) * np.sin(a)
    yr = -(x - cx) * np.sin(a) + (y - cy) * np.cos(a)
    if shape == "disc":
        r = np.hypot(xr, yr)
        return (r < 0.40 * size) & (r > 0.12 * size)
    half = 0.36 * size
    corner = 0.08 * size
    dx = np.maximum(np.abs(xr) - (half - corner), 0)
    dy = np.maximum(np.abs(yr) - (half * 0.75 - corner), 0)
    plate = np.hypot(dx, dy) < corner
    bore = np.hypot(xr - 0.15 * size, yr) < 0.07 * size
    return plate & ~bore


def _defect_mask(rng: np.random.Generator, kind: str, part: np.ndarray) -> np.ndarray:
    """A defect footprint inside the part (missing pieces bite into the part's edge)."""
    size = part.shape[0]
    ys, xs = np.nonzero(ndimage.binary_erosion(part, iterations=12))
    i = rng.integers(len(ys))
    cy, cx = ys[i], xs[i]
    mask = np.zeros_like(part)
    if kind == "scratch":
        length = rng.uniform(35, 90)
        angle = rng.uniform(0, np.pi)
        bend = rng.uniform(-0.004, 0.004)
        t = np.linspace(-length / 2, length / 2, 400)
        px = cx + t * np.cos(angle) + bend * t ** 2 * np.sin(angle)
        py = cy + t * np.sin(angle) - bend * t ** 2 * np.cos(angle)
        ok = (px >= 0) & (px < size) & (py >= 0) & (py < size)
        mask[py[ok].astype(int), px[ok].astype(int)] = True
        mask = ndimage.binary_dilation(mask, iterations=int(rng.integers(1, 3)))
    elif kind == "spot":
        y, x = np.mgrid[0:size, 0:size]
        ry, rx = rng.uniform(3.5, 9, 2)
        mask = ((y - cy) / ry) ** 2 + ((x - cx) / rx) ** 2 < 1
    elif kind == "crack":
        steps = int(rng.uniform(40, 90))
        angle = rng.uniform(0, 2 * np.pi)
        py, px = float(cy), float(cx)
        for _ in range(steps):
            angle += rng.normal(0, 0.35)
            py += np.sin(angle)
            px += np.cos(angle)
            if 0 <= py < size and 0 <= px < size:
                mask[int(py), int(px)] = True
        mask = ndimage.binary_dilation(mask, iterations=1)
    else:  # missing: a chunk bitten out of the part edge
        edge = part & ~ndimage.binary_erosion(part, iterations=2)
        ys, xs = np.nonzero(edge)
        j = rng.integers(len(ys))
        y, x = np.mgrid[0:size, 0:size]
        radius = rng.uniform(10, 20)
        mask = (np.hypot(y - ys[j], x - xs[j]) < radius) & part
    return mask & part


def make_part(rng: np.random.Generator, texture: str = "brushed", defect: str | None = None,
              size: int = 256, line_seed: int = 0, shape: str = "plate") -> SyntheticPart:
    """One part image; parts of one line share ``texture``, ``shape`` and ``line_seed``."""
    line = np.random.default_rng(line_seed)
    base_rgb = line.uniform(0.45, 0.7) * np.array([1.0, line.uniform(0.95, 1.02),
                                                    line.uniform(0.9, 1.05)])
    shift = tuple(rng.uniform(-3, 3, 2))
    angle = rng.uniform(-1.5, 1.5)
    part = _part_mask(size, shift, angle, shape)
    surface = _texture(rng, texture, size, line_seed + 17)
    y, x = np.mgrid[0:size, 0:size] / size
    light = 1.0 + rng.uniform(-0.06, 0.06) + rng.uniform(-0.08, 0.08) * (x - 0.5) + rng.uniform(
        -0.08, 0.08) * (y - 0.5)
    grey = base_rgb.mean() * (1 + 0.22 * surface) * light
    mask = np.zeros((size, size), bool)
    if defect is not None:
        mask = _defect_mask(rng, defect, part)
        if defect == "scratch":
            grey = np.where(mask, grey * rng.choice([0.55, 1.45]), grey)
        elif defect == "spot":
            soft = ndimage.gaussian_filter(mask.astype(float), 1.5)
            grey = grey * (1 - soft * rng.uniform(0.35, 0.6))
        elif defect == "crack":
            grey = np.where(mask, grey * 0.35, grey)
        else:
            part = part & ~mask
    background = 0.12 + 0.03 * ndimage.gaussian_filter(rng.standard_normal((size, size)), 2)
    rgb = np.where(part[..., None], grey[..., None] * base_rgb / base_rgb.mean(),
                   background[..., None] * np.ones(3))
    edge_soft = ndimage.gaussian_filter(part.astype(float), 0.7)[..., None]
    rgb = edge_soft * rgb + (1 - edge_soft) * background[..., None]
    rgb += rng.normal(0, 0.012, rgb.shape)  # sensor noise
    return SyntheticPart((np.clip(rgb, 0, 1) * 255).astype(np.uint8), mask, defect)


def make_line(seed: int, texture: str, n_good: int, n_defect_each: int, size: int = 256,
              shape: str = "plate") -> tuple[list[SyntheticPart], list[SyntheticPart]]:
    """Good parts and defective parts (each defect kind ``n_defect_each`` times) of one line."""
    rng = np.random.default_rng(seed)
    good = [make_part(rng, texture, None, size, seed, shape) for _ in range(n_good)]
    bad = [make_part(rng, texture, kind, size, seed, shape)
           for kind in DEFECTS for _ in range(n_defect_each)]
    return good, bad
