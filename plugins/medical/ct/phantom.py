"""Synthetic chest CT phantoms with planted nodules of known size and position.

Why a phantom: no public chest CT with nodule truth can ship with the project, and the
detector must be measured (sensitivity, false positives per scan, diameter error)
against ground truth. The phantom has the structures that make nodule detection hard:
a branching vessel tree whose tubes and bifurcations look like blobs, ribs and spine
next to the lung wall, partial-volume edges (a Gaussian PSF) and quantum noise.

Nodules are drawn with fractional occupancy, so the truth volume is the integral of
the shape, not a voxel count; ``diameter_mm`` is the diameter of the sphere with that
volume (for irregular nodules too), which is what the detector reports.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
from scipy import ndimage

from plugins.medical.ct.models import PatientInfo
from plugins.medical.ct.volume import CtVolume

AIR_HU, FAT_HU, SOFT_HU, LUNG_HU, BONE_HU, VESSEL_HU = -1000.0, -100.0, 40.0, -860.0, 650.0, 40.0
REFERENCE_FOV_MM = 360.0


@dataclass
class NoduleTruth:
    """One planted nodule: where it is and how big (equivalent-sphere diameter)."""

    kind: str  # "spherical" | "irregular"
    position_mm: list[float]  # patient x, y, z of the centre
    diameter_mm: float  # equivalent-sphere diameter of the drawn shape
    nominal_diameter_mm: float
    volume_mm3: float
    mean_hu: float
    lung: str


@dataclass
class PhantomTruth:
    """Ground truth of a phantom."""

    seed: int
    nodules: list[NoduleTruth] = field(default_factory=list)
    left_lung_ml: float = 0.0
    right_lung_ml: float = 0.0

    def to_dict(self) -> dict:
        """Plain JSON-able dict (for bench files and reports)."""
        return asdict(self)


def _default_nodules(rng: np.random.Generator) -> list[dict]:
    count = int(rng.integers(3, 6))
    kinds = ["spherical", "irregular"]
    return [{"diameter_mm": float(rng.uniform(4.0, 16.0)), "kind": kinds[i % 2]}
            for i in range(count)]


def _lung_geometry(scale: float, z_extent_mm: float) -> list[dict]:
    """Two ellipsoidal lungs in mm around the image centre; the right one is larger."""
    height = min(0.45 * z_extent_mm, 130.0 * scale)
    return [
        {"name": "right", "cx": -72.0 * scale, "cy": 5.0 * scale, "ax": 58.0 * scale,
         "ay": 78.0 * scale, "az": height},
        {"name": "left", "cx": 74.0 * scale, "cy": 8.0 * scale, "ax": 52.0 * scale,
         "ay": 74.0 * scale, "az": height * 0.95},
    ]


def _occupancy(signed_distance_mm: np.ndarray, voxel_mm: float) -> np.ndarray:
    """Fraction of a voxel inside a shape, from the signed distance to its surface."""
    return np.clip(0.5 - signed_distance_mm / voxel_mm, 0.0, 1.0).astype(np.float32)


def _draw_tube(hu: np.ndarray, lung_occ: np.ndarray, coords, p0, p1, radius_mm, voxel_mm):
    """Blend a vessel segment (a capsule) into the lung parenchyma."""
    zs, ys, xs = coords
    lo = np.minimum(p0, p1) - radius_mm - 2 * voxel_mm
    hi = np.maximum(p0, p1) + radius_mm + 2 * voxel_mm
    sl = []
    for axis_coords, a, b in ((zs, lo[2], hi[2]), (ys, lo[1], hi[1]), (xs, lo[0], hi[0])):
        idx = np.nonzero((axis_coords >= a) & (axis_coords <= b))[0]
        if idx.size == 0:
            return
        sl.append(slice(idx[0], idx[-1] + 1))
    z, y, x = np.meshgrid(zs[sl[0]], ys[sl[1]], xs[sl[2]], indexing="ij")
    pts = np.stack([x, y, z], axis=-1)
    seg = p1 - p0
    t = np.clip(((pts - p0) @ seg) / max(float(seg @ seg), 1e-9), 0.0, 1.0)
    dist = np.linalg.norm(pts - (p0 + t[..., None] * seg), axis=-1)
    occ = _occupancy(dist - radius_mm, voxel_mm) * lung_occ[sl[0], sl[1], sl[2]]
    region = hu[sl[0], sl[1], sl[2]]
    region += occ * (VESSEL_HU - region)


def _grow_tree(rng, start, direction, radius_mm, lung, segments, depth=0):
    """A random branching vessel tree: each branch splits into two thinner ones."""
    if radius_mm < 0.6 or depth > 6:
        return
    length = rng.uniform(18.0, 34.0) * (0.85 ** depth)
    end = start + direction * length
    inside = (((end[0] - lung["cx"]) / lung["ax"]) ** 2 + ((end[1] - lung["cy"]) / lung["ay"]) ** 2
              + ((end[2] - lung["cz"]) / lung["az"]) ** 2)
    if inside > 1.05:
        return
    segments.append((start, end, radius_mm))
    for sign in (-1.0, 1.0):
        turn = rng.normal(0, 0.45, 3)
        child = direction + sign * 0.5 * np.cross(direction, turn) + 0.3 * turn
        child /= np.linalg.norm(child)
        _grow_tree(rng, end, child, radius_mm * rng.uniform(0.68, 0.8), lung, segments, depth + 1)


def make_chest_phantom(seed: int = 0, nodules: list[dict] | None = None,
                       shape: tuple[int, int, int] = (112, 256, 256),
                       spacing: tuple[float, float, float] = (1.4, 1.4, 2.0),
                       noise_hu: float = 18.0) -> tuple[CtVolume, PhantomTruth]:
    """Build a chest phantom ``hu[z, y, x]`` and its truth.

    ``nodules``: list of ``{"diameter_mm": 8, "kind": "spherical"|"irregular",
    "position_mm": [x, y, z] (optional, random inside a lung otherwise), "hu": 30}``;
    None draws 3-5 nodules of 4-16 mm. ``spacing`` is (x, y, z) in mm.
    """
    rng = np.random.default_rng(seed)
    nz, ny, nx = shape
    sx, sy, sz = (float(s) for s in spacing)
    voxel_mm = float(np.cbrt(sx * sy * sz))
    fov = min(nx * sx, ny * sy)
    scale = min(1.0, fov / REFERENCE_FOV_MM)
    xs = (np.arange(nx) - (nx - 1) / 2) * sx
    ys = (np.arange(ny) - (ny - 1) / 2) * sy
    zs = (np.arange(nz) - (nz - 1) / 2) * sz
    lungs = _lung_geometry(scale, nz * sz)
    for lung in lungs:
        lung["cz"] = float(rng.uniform(-0.05, 0.05) * nz * sz)

    hu = np.empty(shape, dtype=np.float32)
    lung_occ = np.zeros(shape, dtype=np.float32)
    yy, xx = np.meshgrid(ys, xs, indexing="ij")
    body_a, body_b = 165.0 * scale, 118.0 * scale
    body_r = np.sqrt((xx / body_a) ** 2 + ((yy - 10 * scale) / body_b) ** 2)
    body = _occupancy((body_r - 1.0) * body_b, sx)
    fat = _occupancy((body_r - 1.0) * body_b + 14.0 * scale, sx)
    ring_r = np.sqrt((xx / (body_a - 22 * scale)) ** 2
                     + ((yy - 10 * scale) / (body_b - 20 * scale)) ** 2)
    angle = np.arctan2(yy, xx)
    spine = _occupancy(np.hypot(xx, yy - 80 * scale) - 16 * scale, sx)
    for k, z in enumerate(zs):
        ribs = (np.abs(ring_r - 1.0) < 6 * scale / body_b) & (
            np.cos(angle * 9 + z / (14 * scale)) > 0.2)
        plane = AIR_HU + body * (FAT_HU - AIR_HU) + fat * (SOFT_HU - FAT_HU)
        plane = np.where(ribs, BONE_HU, plane) + spine * (BONE_HU - plane)
        occ = np.zeros_like(plane)
        for lung in lungs:
            rz = (z - lung["cz"]) / lung["az"]
            if abs(rz) >= 1:
                continue
            shrink = np.sqrt(1 - rz ** 2)
            r = np.sqrt(((xx - lung["cx"]) / lung["ax"]) ** 2 + ((yy - lung["cy"]) / lung["ay"]) ** 2)
            occ = np.maximum(occ, _occupancy((r - shrink) * lung["ax"], sx))
        hu[k] = plane + occ * (LUNG_HU - plane)
        lung_occ[k] = occ

    coords = (zs, ys, xs)
    segments: list = []
    for lung in lungs:
        hilum = np.array([lung["cx"] - np.sign(lung["cx"]) * lung["ax"] * 0.75, lung["cy"],
                          lung["cz"]])
        for _ in range(int(rng.integers(5, 8))):
            d = np.array([np.sign(lung["cx"]) * rng.uniform(0.4, 1.0), rng.normal(0, 0.6),
                          rng.normal(0, 0.8)])
            _grow_tree(rng, hilum, d / np.linalg.norm(d), rng.uniform(2.4, 3.6), lung, segments)
    for p0, p1, r in segments:
        _draw_tube(hu, lung_occ, coords, p0, p1, r, voxel_mm)

    truth = PhantomTruth(seed=seed)
    voxel_volume = sx * sy * sz
    for lung in lungs:
        ml = float(lung_occ[:, :, xs < 0].sum() if lung["name"] == "right"
                   else lung_occ[:, :, xs >= 0].sum()) * voxel_volume / 1000.0
        setattr(truth, f"{lung['name']}_lung_ml", round(ml, 2))
    for spec in (nodules if nodules is not None else _default_nodules(rng)):
        truth.nodules.append(_plant_nodule(hu, lung_occ, coords, lungs, spec, rng, voxel_mm,
                                           (sx, sy, sz), truth.nodules))

    hu = ndimage.gaussian_filter(hu, sigma=(0.7 / sz, 0.7 / sy, 0.7 / sx), output=np.float32)
    for k in range(nz):  # slice by slice: a float64 noise volume would double peak memory
        hu[k] += rng.standard_normal(size=(ny, nx), dtype=np.float32) * np.float32(noise_hu)
    origin = (float(-(nx - 1) / 2 * sx), float(-(ny - 1) / 2 * sy), float(-(nz - 1) / 2 * sz))
    volume = CtVolume(hu=np.clip(np.round(hu), -1024, 3071).astype(np.int16),
                      spacing_mm=(sx, sy, sz), origin_mm=origin,
                      series_uid="", study_uid="", series_description="synthetic chest phantom",
                      body_part_examined="CHEST",
                      patient=PatientInfo(patient_id=f"PHANTOM-{seed:04d}",
                                          name="PHANTOM^CHEST", sex="O"))
    return volume, truth


def _plant_nodule(hu, lung_occ, coords, lungs, spec, rng, voxel_mm, spacing, placed):
    zs, ys, xs = coords
    nominal = float(spec["diameter_mm"])
    radius = nominal / 2
    kind = spec.get("kind", "spherical")
    nodule_hu = float(spec.get("hu", rng.uniform(10.0, 60.0)))
    if "position_mm" in spec:
        centre = np.asarray(spec["position_mm"], dtype=np.float64)
    else:
        centre = _random_site(lungs, radius, rng, placed)
    lung = min(lungs, key=lambda lg: abs(centre[0] - lg["cx"]))
    reach = radius * 1.6 + 3 * voxel_mm
    sl = []
    for axis_coords, c in ((zs, centre[2]), (ys, centre[1]), (xs, centre[0])):
        idx = np.nonzero(np.abs(axis_coords - c) <= reach)[0]
        sl.append(slice(idx[0], idx[-1] + 1))
    z, y, x = np.meshgrid(zs[sl[0]], ys[sl[1]], xs[sl[2]], indexing="ij")
    rel = np.stack([x - centre[0], y - centre[1], z - centre[2]], axis=-1)
    dist = np.linalg.norm(rel, axis=-1)
    if kind == "irregular":
        unit = rel / np.maximum(dist[..., None], 1e-6)
        bumps = np.zeros_like(dist)
        for _ in range(5):
            w = rng.normal(0, 1, 3)
            w /= np.linalg.norm(w)
            bumps += rng.uniform(0.06, 0.14) * np.cos(rng.uniform(2.0, 4.0) * (unit @ w) * np.pi
                                                       + rng.uniform(0, 2 * np.pi))
        surface = radius * (1.0 + bumps)
        signed = dist - surface
    else:
        signed = dist - radius
    occ = _occupancy(signed, voxel_mm)
    region = hu[sl[0], sl[1], sl[2]]
    region += occ * (nodule_hu - region)
    lung_occ[sl[0], sl[1], sl[2]] = np.maximum(lung_occ[sl[0], sl[1], sl[2]], occ)
    volume = float(occ.sum()) * float(np.prod(spacing))
    return NoduleTruth(kind=kind, position_mm=[round(float(v), 2) for v in centre],
                       diameter_mm=round(float(np.cbrt(6 * volume / np.pi)), 3),
                       nominal_diameter_mm=nominal, volume_mm3=round(volume, 2),
                       mean_hu=round(nodule_hu, 1), lung=lung["name"])


def _random_site(lungs, radius, rng, placed) -> np.ndarray:
    """A centre well inside a lung (not touching the wall) and apart from other nodules."""
    for _ in range(500):
        lung = lungs[int(rng.integers(0, 2))]
        u = rng.uniform(-1, 1, 3)
        if np.linalg.norm(u) > 0.62:
            continue
        centre = np.array([lung["cx"] + u[0] * lung["ax"], lung["cy"] + u[1] * lung["ay"],
                           lung["cz"] + u[2] * lung["az"]])
        margin = (radius + 6.0) / min(lung["ax"], lung["ay"], lung["az"])
        if np.linalg.norm(u) + margin > 0.95:
            continue
        if all(np.linalg.norm(centre - np.asarray(p.position_mm)) > radius + p.diameter_mm / 2
               + 12.0 for p in placed):
            return centre
    raise ValueError("could not place the nodule inside a lung; enlarge the phantom")
