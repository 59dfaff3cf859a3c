"""Hand-crafted texture descriptors for defect-type classification (no downloaded weights).

Surface defects on rolled steel and similar parts differ mostly in texture statistics:
crazing and rolled-in scale in local binary patterns, scratches in orientation energy,
patches and inclusions in grey-level co-occurrence. A multi-scale mix of LBP, GLCM,
Gabor energy, gradient-orientation and intensity statistics is strong enough for a
linear classifier trained on a few hundred labelled images.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage, signal, stats
from skimage.feature import graycomatrix, graycoprops, local_binary_pattern

CLASSIFIER_SIDE_PX = 200  # texture images are resampled to this side before description

_LBP_SCALES = ((8, 1.0), (16, 2.0), (24, 3.0))
_GLCM_DISTANCES = (1, 2, 4, 8)
_GLCM_ANGLES = (0.0, np.pi / 4, np.pi / 2, 3 * np.pi / 4)
_GLCM_PROPS = ("contrast", "dissimilarity", "homogeneity", "energy", "correlation")


def _gabor_bank() -> list[np.ndarray]:
    """Real Gabor kernels at 6 orientations x 3 wavelengths (built once)."""
    kernels = []
    for wavelength_px in (4.0, 8.0, 16.0):
        sigma = 0.56 * wavelength_px
        half = int(np.ceil(2.5 * sigma))
        y, x = np.mgrid[-half:half + 1, -half:half + 1].astype(np.float32)
        for k in range(6):
            theta = k * np.pi / 6
            xr = x * np.cos(theta) + y * np.sin(theta)
            yr = -x * np.sin(theta) + y * np.cos(theta)
            g = np.exp(-(xr ** 2 + yr ** 2) / (2 * sigma ** 2)) * np.cos(2 * np.pi * xr / wavelength_px)
            g -= g.mean()
            kernels.append((g / np.abs(g).sum()).astype(np.float32))
    return kernels


_GABOR = _gabor_bank()


def texture_features(gray: np.ndarray) -> np.ndarray:
    """Descriptor vector of one grey image (float in [0, 1], any size ~200 px)."""
    g = np.asarray(gray, dtype=np.float32)
    # Per-image contrast normalisation: illumination varies between strips and cameras.
    g = (g - g.mean()) / (g.std() + 1e-6)
    u8 = np.clip(g * 40 + 128, 0, 255).astype(np.uint8)
    feats: list[np.ndarray] = []
    for points, radius in _LBP_SCALES:
        codes = local_binary_pattern(u8, points, radius, method="uniform")
        hist, _ = np.histogram(codes, bins=points + 2, range=(0, points + 2), density=True)
        feats.append(np.sqrt(hist))  # Hellinger map: linear models like it better
    q = (u8 // 8).astype(np.uint8)  # 32 grey levels keeps GLCM well populated
    glcm = graycomatrix(q, _GLCM_DISTANCES, _GLCM_ANGLES, levels=32, symmetric=True, normed=True)
    for prop in _GLCM_PROPS:
        values = graycoprops(glcm, prop)  # (distances, angles)
        feats.append(values.mean(axis=1))
        feats.append(values.max(axis=1) - values.min(axis=1))  # anisotropy (scratches)
    energies = []
    for kernel in _GABOR:
        response = np.abs(signal.fftconvolve(g, kernel, mode="valid"))
        energies.append((response.mean(), response.std()))
    gabor = np.asarray(energies, dtype=np.float32).reshape(3, 6, 2)
    feats.append(gabor.reshape(-1))
    # Orientation-invariant summaries of the Gabor bank: sorted energies per wavelength.
    feats.append(np.sort(gabor[:, :, 0], axis=1).reshape(-1))
    gy, gx = ndimage.sobel(g, axis=0), ndimage.sobel(g, axis=1)
    magnitude = np.hypot(gx, gy)
    angle = np.mod(np.arctan2(gy, gx), np.pi)
    orient, _ = np.histogram(angle, bins=12, range=(0, np.pi), weights=magnitude)
    orient = orient / (orient.sum() + 1e-9)
    feats.append(np.sort(orient))  # how concentrated the orientations are, not which
    feats.append(np.array([magnitude.mean(), magnitude.std(), stats.kurtosis(magnitude.ravel())]))
    raw = np.asarray(gray, dtype=np.float32).ravel()
    feats.append(np.array([raw.mean(), raw.std(), stats.skew(raw), stats.kurtosis(raw),
                           *np.percentile(raw, (1, 5, 25, 50, 75, 95, 99))]))
    # Coarse blob statistics: inclusions and pits are small dark/bright blobs.
    smooth = ndimage.gaussian_filter(g, 2.0)
    for level in (-1.5, 1.5):
        mask = smooth < level if level < 0 else smooth > level
        labels, count = ndimage.label(mask)
        area = mask.mean()
        feats.append(np.array([area, np.log1p(count)]))
    return np.concatenate([np.asarray(f, dtype=np.float32).ravel() for f in feats])
