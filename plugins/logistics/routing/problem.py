"""The planning problem in the dispatcher's terms: depots, orders, vehicles, travel settings.

Everything is normalised here to integers in SI-ish units (seconds since midnight of the
planning day, metres), so the solver model, the ETA evaluation and re-planning all read
one representation whatever the input file looked like.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

DAY_S = 24 * 3600
HORIZON_END_S = 2 * DAY_S  # windows may run past midnight (night shifts)

_CLOCK = re.compile(r"^\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*$")


def parse_clock_s(value: Any, what: str) -> int:
    """Seconds since midnight from ``"HH:MM[:SS]"`` or a number of minutes since midnight."""
    if isinstance(value, bool) or value is None:
        raise ValueError(f"{what}: expected a time like '08:30' or minutes since midnight")
    if isinstance(value, int | float):
        return int(round(float(value) * 60))
    match = _CLOCK.match(str(value))
    if not match:
        try:
            return int(round(float(str(value)) * 60))
        except ValueError:
            raise ValueError(f"{what}: {value!r} is not a time like '08:30'") from None
    hours, minutes, seconds = (int(g or 0) for g in match.groups())
    if minutes > 59 or seconds > 59:
        raise ValueError(f"{what}: {value!r} is not a valid clock time")
    return hours * 3600 + minutes * 60 + seconds


def format_clock(seconds: float | None) -> str | None:
    """``HH:MM`` for a time in seconds since midnight (hours past 24 count on: ``25:10``)."""
    if seconds is None:
        return None
    total_min = int(round(seconds / 60))
    return f"{total_min // 60:02d}:{total_min % 60:02d}"


@dataclass
class Point:
    """A coordinate pair: geographic (``lat``/``lon`` degrees) or planar (``x``/``y``)."""

    a: float  # lat or x
    b: float  # lon or y
    geographic: bool

    def as_dict(self) -> dict[str, float]:
        """The coordinate in the same keys the input used."""
        return {"lat": self.a, "lon": self.b} if self.geographic else {"x": self.a, "y": self.b}


@dataclass
class Depot:
    """A place vehicles start from or return to, open within ``[open_s, close_s]``."""

    id: str
    point: Point
    open_s: int = 0
    close_s: int = HORIZON_END_S


@dataclass
class Order:
    """A stop to serve: demand per dimension, alternative time windows, service time."""

    id: str
    point: Point
    demand: list[int]
    windows_s: list[tuple[int, int]]
    service_s: int = 0
    priority: int = 1  # higher = more important when the fleet cannot serve everything
    penalty: float | None = None  # set: optional order, skipping it costs this much
    required: bool = True


@dataclass
class Vehicle:
    """One vehicle of the fleet with its capacity, depots, shift and costs."""

    id: str
    capacity: list[int]
    start_depot: str
    end_depot: str
    shift_start_s: int = 0
    shift_end_s: int = HORIZON_END_S
    cost_per_km: float = 1.0
    cost_per_hour: float = 0.0
    fixed_cost: float = 0.0
    max_duration_s: int | None = None


@dataclass
class SpeedPeriod:
    """Between ``start_s`` and ``end_s`` vehicles drive at ``factor`` x free-flow speed."""

    start_s: int
    end_s: int
    factor: float


@dataclass
class TravelSettings:
    """How travel distances and times are obtained (see ``travel.py``)."""

    mode: str = "auto"  # auto | haversine | euclidean | matrix | osrm
    road_factor: float = 1.3  # road distance / great-circle distance
    speed_kmh: float = 40.0  # free-flow average speed
    coordinate_unit_m: float = 1000.0  # planar x/y units in metres
    speed_profile: list[SpeedPeriod] | None = None  # None = default rush hours (lat/lon only)
    osrm_url: str | None = None
    matrix: dict[str, Any] | None = None  # {"ids": [...], "durations_s": [[..]], "distances_m": [[..]]}


@dataclass
class Problem:
    """A whole planning problem, with the file it came from for error messages."""

    depots: list[Depot]
    orders: list[Order]
    vehicles: list[Vehicle]
    travel: TravelSettings = field(default_factory=TravelSettings)
    source: str = ""
    name: str = ""

    @property
    def geographic(self) -> bool:
        """True when coordinates are lat/lon."""
        points = [d.point for d in self.depots] + [o.point for o in self.orders]
        return bool(points) and points[0].geographic

    @property
    def num_dims(self) -> int:
        """Number of demand/capacity dimensions (weight, volume, pallets, ...)."""
        dims = [len(o.demand) for o in self.orders] + [len(v.capacity) for v in self.vehicles]
        return max(dims or [1])

    def depot(self, depot_id: str) -> Depot:
        """The depot called ``depot_id`` (KeyError when unknown)."""
        for depot in self.depots:
            if depot.id == depot_id:
                return depot
        raise KeyError(depot_id)

    def order_by_id(self) -> dict[str, Order]:
        """Orders keyed by id."""
        return {o.id: o for o in self.orders}
