"""Heatmap overlay PNG: the part image with anomaly colour and defect boxes drawn on it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

MAX_SIDE_PX = 768


def write_overlay(path: Path, rgb: np.ndarray, anomaly_map: np.ndarray, threshold: float,
                  regions: list[dict], original_size: tuple[int, int]) -> None:
    """Save ``rgb`` (model frame) with a red-yellow heat layer and region boxes."""
    width, height = original_size
    scale = min(1.0, MAX_SIDE_PX / max(width, height))
    out_w, out_h = max(1, int(width * scale)), max(1, int(height * scale))
    base = Image.fromarray((np.clip(rgb, 0, 1) * 255).astype(np.uint8)).resize((out_w, out_h))
    heat = Image.fromarray(anomaly_map.astype(np.float32), mode="F").resize(
        (out_w, out_h), Image.Resampling.BILINEAR)
    level = np.asarray(heat) / max(threshold, 1e-9)
    alpha = np.clip((level - 0.6) / 0.6, 0, 1)[..., None] * 0.65  # visible from 60 % of threshold
    hot = np.stack([np.ones_like(level), np.clip(level - 1.0, 0, 1), np.zeros_like(level)], -1)
    blended = np.asarray(base, dtype=np.float32) / 255 * (1 - alpha) + hot * alpha
    img = Image.fromarray((blended * 255).astype(np.uint8))
    draw = ImageDraw.Draw(img)
    for region in regions:
        x0, y0 = region["x"] * scale, region["y"] * scale
        x1, y1 = x0 + region["width"] * scale, y0 + region["height"] * scale
        draw.rectangle([x0, y0, x1, y1], outline=(0, 255, 255), width=max(2, out_w // 200))
    img.save(path, format="PNG")
