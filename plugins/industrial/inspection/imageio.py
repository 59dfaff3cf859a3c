"""Loading line-camera images of any size and mode into the model's 256x256 RGB frame.

Cameras deliver 8- or 16-bit greyscale, RGB, RGBA, palette or CMYK images at whatever
resolution; the model sees one normalised frame. Images that cannot be trusted (corrupt,
too small, absurdly large, empty) are rejected with the reason, never guessed at.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from core.errors import UserError
from plugins.industrial.inspection.features import MODEL_SIDE_PX

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")
MIN_SIDE_PX = 32
MAX_PIXELS = 60_000_000


def list_images(folder: Path) -> list[Path]:
    """Image files directly in ``folder`` (sorted), skipping hidden files."""
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES and not p.name.startswith("."))


def load_image(path: Path, side_px: int = MODEL_SIDE_PX) -> tuple[np.ndarray, tuple[int, int]]:
    """(side x side x 3 float32 in [0, 1], (width, height) of the original) or a UserError."""
    if path.suffix.lower() not in IMAGE_SUFFIXES:
        raise UserError(f"{path}: unsupported image format {path.suffix or '(none)'}; "
                        f"use one of {', '.join(IMAGE_SUFFIXES)}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                im.load()
                frame = _to_rgb(im, path, side_px)
    except UserError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise UserError(f"{path}: not a readable image ({exc}); re-export it from the camera "
                        "as PNG or JPEG") from exc
    return frame


def _to_rgb(im: Image.Image, path: Path, side_px: int) -> tuple[np.ndarray, tuple[int, int]]:
    width, height = im.size
    if min(width, height) < MIN_SIDE_PX:
        raise UserError(f"{path}: image is {width}x{height} px; at least "
                        f"{MIN_SIDE_PX}x{MIN_SIDE_PX} px are needed")
    if width * height > MAX_PIXELS:
        raise UserError(f"{path}: image is {width}x{height} px, over the {MAX_PIXELS // 10**6} MP "
                        "limit; crop it to the part first")
    im = ImageOps.exif_transpose(im)
    if im.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        # 16-bit / float sensors: stretch the used range, not the nominal one.
        arr = np.asarray(im, dtype=np.float64)
        lo, hi = np.percentile(arr, (0.1, 99.9))
        if hi <= lo:
            raise UserError(f"{path}: image is blank (every pixel has the same value)")
        arr = np.clip((arr - lo) / (hi - lo), 0, 1)
        rgb = Image.fromarray((arr * 255).astype(np.uint8)).convert("RGB")
    elif im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        rgba = im.convert("RGBA")
        canvas = Image.new("RGBA", rgba.size, (0, 0, 0, 255))
        rgb = Image.alpha_composite(canvas, rgba).convert("RGB")
    else:
        rgb = im.convert("RGB")
    if rgb.size != (side_px, side_px):
        rgb = rgb.resize((side_px, side_px), Image.Resampling.BILINEAR)
    arr = np.asarray(rgb, dtype=np.float32) / 255.0
    if float(arr.std()) < 1e-3:
        raise UserError(f"{path}: image is blank (no contrast); check the camera and lighting")
    return arr, (width, height)


def load_grey(path: Path, side_px: int) -> np.ndarray:
    """Greyscale float image resampled to ``side_px`` (for the texture classifier)."""
    rgb, _ = load_image(path, side_px)
    return rgb @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
