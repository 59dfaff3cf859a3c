"""Viewing helpers: window presets, orthogonal reformats and key images with overlays.

The study review page and the PDF report need the same pictures the radiologist would
set up by hand: a preset window, the slice through a finding, a ring around it. They
are rendered here once, as PNG artefacts, so pages stay thin.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from plugins.medical.ct.volume import CtVolume

# (window width, window level) in HU, as the issue and common PACS defaults define them.
WINDOW_PRESETS: dict[str, tuple[float, float]] = {
    "lung": (1500.0, -600.0),
    "soft_tissue": (400.0, 40.0),
    "bone": (2500.0, 480.0),
    "brain": (80.0, 40.0),
    "liver": (150.0, 90.0),
}
PLANES = ("axial", "coronal", "sagittal")


def apply_window(hu: np.ndarray, preset: str | tuple[float, float] = "soft_tissue") -> np.ndarray:
    """HU -> uint8 grey levels with a named preset or an explicit (width, level)."""
    if isinstance(preset, str):
        if preset not in WINDOW_PRESETS:
            raise ValueError(f"unknown window preset {preset!r}; choose {sorted(WINDOW_PRESETS)}")
        width, level = WINDOW_PRESETS[preset]
    else:
        width, level = preset
    low = level - width / 2.0
    scaled = (np.asarray(hu, dtype=np.float32) - low) * (255.0 / max(width, 1e-6))
    return np.clip(scaled, 0, 255).astype(np.uint8)


def reformat(volume: CtVolume, plane: str, index: int) -> tuple[np.ndarray, tuple[float, float]]:
    """One slice of the volume and its (row, column) pixel spacing in mm.

    axial = hu[index] (rows y, columns x); coronal = hu[:, index] and sagittal =
    hu[:, :, index], flipped so the patient's head is at the top of the picture.
    """
    sx, sy, sz = volume.spacing_mm
    if plane == "axial":
        return volume.hu[int(np.clip(index, 0, volume.shape[0] - 1))], (sy, sx)
    if plane == "coronal":
        return volume.hu[::-1, int(np.clip(index, 0, volume.shape[1] - 1)), :], (sz, sx)
    if plane == "sagittal":
        return volume.hu[::-1, :, int(np.clip(index, 0, volume.shape[2] - 1))], (sz, sy)
    raise ValueError(f"unknown plane {plane!r}; choose {PLANES}")


@dataclass
class Overlay:
    """A ring drawn around a finding: centre (z, y, x) voxel, radius in mm, a label."""

    centre_zyx: Sequence[float]
    radius_mm: float
    label: str
    colour: tuple[int, int, int] = (255, 64, 64)


def render(volume: CtVolume, plane: str, index: int, preset: str = "lung",
           overlays: Sequence[Overlay] = (), mask: np.ndarray | None = None,
           max_side_px: int = 512) -> Image.Image:
    """A windowed slice resampled to square pixels, with rings (and an optional mask tint)."""
    pixels, (row_mm, col_mm) = reformat(volume, plane, index)
    grey = apply_window(pixels, preset)
    rgb = np.repeat(grey[..., None], 3, axis=2)
    if mask is not None:
        tint = mask.astype(bool)
        rgb[tint] = (0.6 * rgb[tint] + 0.4 * np.array([40, 160, 255])).astype(np.uint8)
    image = Image.fromarray(rgb)
    height_mm, width_mm = pixels.shape[0] * row_mm, pixels.shape[1] * col_mm
    scale = max_side_px / max(height_mm, width_mm)
    size = (max(1, round(width_mm * scale)), max(1, round(height_mm * scale)))
    image = image.resize(size, Image.Resampling.BILINEAR)
    draw = ImageDraw.Draw(image)
    nz = volume.shape[0]
    for ov in overlays:
        z, y, x = (float(v) for v in ov.centre_zyx)
        if plane == "axial":
            cy, cx = y * row_mm, x * col_mm
        elif plane == "coronal":
            cy, cx = (nz - 1 - z) * row_mm, x * col_mm
        else:
            cy, cx = (nz - 1 - z) * row_mm, y * col_mm
        r = (ov.radius_mm + 3.0) * scale
        cy, cx = cy * scale + scale * row_mm / 2, cx * scale + scale * col_mm / 2
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], outline=ov.colour, width=2)
        draw.text((cx + r + 2, cy - r), ov.label, fill=ov.colour)
    draw.text((4, 4), f"{plane} {index}  {preset}  DRAFT - for physician review",
              fill=(255, 255, 0))
    return image
