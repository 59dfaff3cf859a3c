"""Travel distances and times between stops: haversine x road factor, a user matrix or OSRM.

Free-flow times come from one of three sources; a time-of-day speed profile and traffic
updates (per-zone or per-edge speed multipliers) then scale them. PyVRP itself takes one
static duration matrix, so the solver sees the mean slowdown over the planning horizon,
while ETAs are evaluated afterwards with the time-dependent speeds (``SpeedModel.arrive``).
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from core.errors import TransientError, UserError
from plugins.logistics.routing.problem import Point, SpeedPeriod, TravelSettings

EARTH_RADIUS_M = 6_371_000.0
# Typical urban rush hours; used for lat/lon problems when no profile is given.
DEFAULT_RUSH_HOURS = [SpeedPeriod(7 * 3600, 9 * 3600 + 1800, 0.7),
                      SpeedPeriod(16 * 3600, 18 * 3600 + 1800, 0.75)]
OSRM_MAX_TABLE = 100  # OSRM's default --max-table-size


@dataclass
class SpeedModel:
    """Time-of-day speed factors (1.0 = free flow) outside listed periods."""

    periods: list[SpeedPeriod] = field(default_factory=list)

    def factor(self, t_s: float) -> float:
        """Speed factor at time ``t_s`` (seconds since midnight)."""
        for p in self.periods:
            if p.start_s <= t_s < p.end_s:
                return p.factor
        return 1.0

    def _next_change(self, t_s: float) -> float:
        if not self.periods:
            return math.inf
        edges = sorted({b for p in self.periods for b in (p.start_s, p.end_s)})
        k = bisect.bisect_right(edges, t_s)
        return edges[k] if k < len(edges) else math.inf

    def arrive(self, depart_s: float, free_flow_s: float, multiplier: float = 1.0) -> float:
        """Arrival time leaving at ``depart_s`` on a leg of ``free_flow_s`` free-flow seconds."""
        remaining, t = float(free_flow_s), float(depart_s)
        while remaining > 1e-9:
            speed = self.factor(t) * multiplier
            boundary = self._next_change(t)
            if math.isinf(boundary) or (boundary - t) * speed >= remaining:
                return t + remaining / speed
            remaining -= (boundary - t) * speed
            t = boundary
        return t

    def mean_slowdown(self, start_s: float, end_s: float) -> float:
        """Mean of 1/factor over ``[start_s, end_s]``: how much longer trips take on average."""
        if end_s <= start_s or not self.periods:
            return 1.0 / self.factor(start_s)
        grid = np.linspace(start_s, end_s, 241)
        return float(np.mean([1.0 / self.factor(t) for t in grid]))


def speed_model(settings: TravelSettings, geographic: bool) -> SpeedModel:
    """The speed profile to use: the configured one, else rush hours for real maps."""
    if settings.speed_profile is not None:
        return SpeedModel(list(settings.speed_profile))
    if geographic and settings.mode in ("auto", "haversine"):
        return SpeedModel(list(DEFAULT_RUSH_HOURS))
    return SpeedModel([])


@dataclass
class TravelMatrix:
    """Distances (m) and free-flow times (s) between ``ids``; ``reachable`` marks known legs."""

    ids: list[str]
    points: list[Point]
    distance_m: np.ndarray
    free_flow_s: np.ndarray
    reachable: np.ndarray
    multiplier: np.ndarray  # traffic speed multipliers per leg (1.0 = no update)

    def index(self) -> dict[str, int]:
        """Position of each id."""
        return {ident: i for i, ident in enumerate(self.ids)}


def haversine_m(points: list[Point]) -> np.ndarray:
    """Great-circle distances in metres between all pairs of lat/lon points."""
    lat = np.radians([p.a for p in points])
    lon = np.radians([p.b for p in points])
    dlat = lat[:, None] - lat[None, :]
    dlon = lon[:, None] - lon[None, :]
    h = np.sin(dlat / 2) ** 2 + np.cos(lat[:, None]) * np.cos(lat[None, :]) * np.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def build_matrix(ids: list[str], points: list[Point], settings: TravelSettings,
                 source: str = "input") -> TravelMatrix:
    """Distances and free-flow times for ``ids`` by the configured travel mode."""
    geographic = bool(points) and points[0].geographic
    mode = settings.mode
    if mode == "auto":
        mode = "haversine" if geographic else "euclidean"
    n = len(ids)
    reachable = np.ones((n, n), dtype=bool)
    speed_ms = settings.speed_kmh / 3.6
    if mode == "haversine":
        if not geographic:
            raise UserError(f"{source}: travel mode haversine needs lat/lon coordinates")
        dist = haversine_m(points) * settings.road_factor
        dur = dist / speed_ms
    elif mode == "euclidean":
        xy = np.array([[p.a, p.b] for p in points], dtype=float)
        dist = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1))
        dist = dist * settings.coordinate_unit_m
        dur = dist / speed_ms
    elif mode == "matrix":
        dist, dur, reachable = _user_matrix(ids, settings.matrix or {}, source)
    elif mode == "osrm":
        if not geographic:
            raise UserError(f"{source}: OSRM needs lat/lon coordinates")
        if not settings.osrm_url:
            raise UserError(f"{source}: travel mode osrm needs travel.osrm_url")
        dist, dur, reachable = osrm_table(settings.osrm_url, points)
    else:  # pragma: no cover - loader validated it
        raise UserError(f"{source}: unknown travel mode {mode!r}")
    np.fill_diagonal(reachable, True)
    return TravelMatrix(ids=list(ids), points=list(points),
                        distance_m=np.where(reachable, dist, 0).round().astype(np.int64),
                        free_flow_s=np.where(reachable, dur, 0).astype(float),
                        reachable=reachable, multiplier=np.ones((n, n)))


def _user_matrix(ids: list[str], matrix: dict[str, Any], source: str):
    names = [str(i) for i in matrix.get("ids", [])]
    where = {name: k for k, name in enumerate(names)}
    missing = [i for i in ids if i not in where]
    if missing:
        raise UserError(f"{source}: travel.matrix has no row for {missing[:5]}; list every depot "
                        "and order id in travel.matrix.ids")
    try:
        durations = np.array([[math.nan if v is None else float(v) for v in row]
                              for row in matrix["durations_s"]], dtype=float)
        distances = (np.array([[math.nan if v is None else float(v) for v in row]
                               for row in matrix["distances_m"]], dtype=float)
                     if matrix.get("distances_m") is not None else durations.copy())
    except (KeyError, TypeError, ValueError) as exc:
        raise UserError(f"{source}: travel.matrix needs numeric 'durations_s' (and optional "
                        f"'distances_m') square tables ({exc})") from exc
    k = len(names)
    if durations.shape != (k, k) or distances.shape != (k, k):
        raise UserError(f"{source}: travel.matrix tables must be {k} x {k} like travel.matrix.ids")
    sel = np.array([where[i] for i in ids])
    dur = durations[np.ix_(sel, sel)]
    dist = distances[np.ix_(sel, sel)]
    reachable = ~(np.isnan(dur) | np.isnan(dist))
    return np.nan_to_num(dist), np.nan_to_num(dur), reachable


def osrm_table(base_url: str, points: list[Point], timeout_s: float = 30.0):
    """Distances and durations from an OSRM server's ``/table`` service (chunked)."""
    import httpx

    n = len(points)
    dist = np.zeros((n, n))
    dur = np.zeros((n, n))
    reachable = np.ones((n, n), dtype=bool)
    coords = ";".join(f"{p.b:.6f},{p.a:.6f}" for p in points)  # OSRM wants lon,lat
    url = f"{base_url.rstrip('/')}/table/v1/driving/{coords}"
    blocks = [list(range(s, min(s + OSRM_MAX_TABLE, n))) for s in range(0, n, OSRM_MAX_TABLE)]
    with httpx.Client(timeout=timeout_s) as client:
        for src in blocks:
            for dst in blocks:
                # OSRM separates indices with raw ';' (not %3B), so build the query by hand.
                query = (f"annotations=duration,distance&sources={';'.join(map(str, src))}"
                         f"&destinations={';'.join(map(str, dst))}")
                try:
                    resp = client.get(f"{url}?{query}")
                except httpx.HTTPError as exc:
                    raise TransientError(f"OSRM server {base_url} unreachable: {exc}") from exc
                if resp.status_code >= 500:
                    raise TransientError(f"OSRM server {base_url} answered {resp.status_code}")
                try:
                    body = resp.json()
                except ValueError as exc:
                    raise UserError(f"OSRM server {base_url} did not answer JSON") from exc
                if body.get("code") != "Ok":
                    raise UserError(f"OSRM server {base_url} refused the table request: "
                                    f"{body.get('code')} {body.get('message', '')}")
                for name, target in (("durations", dur), ("distances", dist)):
                    table = body.get(name)
                    if table is None:
                        if name == "distances":  # older OSRM: durations only
                            continue
                        raise UserError(f"OSRM server {base_url} returned no durations")
                    for a, row in zip(src, table, strict=True):
                        for b, value in zip(dst, row, strict=True):
                            if value is None:
                                reachable[a, b] = False
                            else:
                                target[a, b] = float(value)
    if not dist.any():
        dist = dur * 11.0  # durations only: assume ~40 km/h for distance costs
    return dist, dur, reachable


def apply_traffic(matrix: TravelMatrix, traffic: dict[str, Any] | None,
                  settings: TravelSettings) -> list[str]:
    """Scale leg speeds by zone/edge updates in place; returns one line per applied update.

    A zone ``{"name", "lat"/"lon" or "x"/"y", "radius_km", "speed_factor"}`` slows every leg
    that starts or ends inside the circle; an edge ``{"from", "to", "speed_factor"}`` one leg
    (both directions unless ``"both": false``).
    """
    notes: list[str] = []
    if not traffic:
        return notes
    matrix.multiplier[:] = 1.0
    pos = matrix.index()
    geographic = bool(matrix.points) and matrix.points[0].geographic
    for zone in traffic.get("zones") or []:
        factor = float(zone.get("speed_factor", 1.0))
        radius_m = float(zone.get("radius_km", 1.0)) * 1000.0
        if geographic:
            centre = Point(float(zone["lat"]), float(zone["lon"]), True)
            d = haversine_m([centre, *matrix.points])[0, 1:]
        else:
            cx, cy = float(zone["x"]), float(zone["y"])
            d = np.hypot([p.a - cx for p in matrix.points], [p.b - cy for p in matrix.points])
            d = d * settings.coordinate_unit_m
        inside = d <= radius_m
        touched = inside[:, None] | inside[None, :]
        matrix.multiplier[touched] = np.minimum(matrix.multiplier[touched], factor)
        notes.append(f"zone {zone.get('name', '?')}: speed x{factor:g} on "
                     f"{int(inside.sum())} stops")
    for edge in traffic.get("edges") or []:
        a, b = pos.get(str(edge.get("from"))), pos.get(str(edge.get("to")))
        if a is None or b is None:
            continue
        factor = float(edge.get("speed_factor", 1.0))
        matrix.multiplier[a, b] = factor
        if edge.get("both", True):
            matrix.multiplier[b, a] = factor
        notes.append(f"edge {edge.get('from')}->{edge.get('to')}: speed x{factor:g}")
    return notes


def stops_in_zones(points: dict[str, Point], traffic: dict[str, Any] | None,
                   settings: TravelSettings) -> set[str]:
    """Ids of the points inside any traffic zone (for explaining ETA changes)."""
    inside: set[str] = set()
    if not traffic or not points:
        return inside
    ids = list(points)
    pts = [points[i] for i in ids]
    for zone in traffic.get("zones") or []:
        radius_m = float(zone.get("radius_km", 1.0)) * 1000.0
        if pts[0].geographic:
            d = haversine_m([Point(float(zone["lat"]), float(zone["lon"]), True), *pts])[0, 1:]
        else:
            d = np.hypot([p.a - float(zone["x"]) for p in pts],
                         [p.b - float(zone["y"]) for p in pts]) * settings.coordinate_unit_m
        inside.update(i for i, dist in zip(ids, d, strict=True) if dist <= radius_m)
    for edge in traffic.get("edges") or []:
        inside.update({str(edge.get("from")), str(edge.get("to"))})
    return inside
