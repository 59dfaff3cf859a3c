"""Result models of ``logistics.routes`` and ``logistics.replan`` (what the CLI prints).

Field names ``routes[].vehicle/stops/distance/duration/load``, ``cost``, ``distance`` and
``unassigned[].order/reason`` are the issue's contract; everything else is extra detail
for dispatchers (ETAs, loads after each stop, lateness) and for the dispatch board.
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class StopDetail(BaseModel):
    """One visit: when the vehicle gets there, leaves, and what it still carries."""

    order: str | int
    arrival: str | None = None  # "HH:MM" (orders/fleet inputs); None for VRPLIB instances
    departure: str | None = None
    arrival_s: float  # seconds since midnight (orders/fleet) or instance time units (VRPLIB)
    departure_s: float
    wait_s: float = 0.0
    lateness_s: float = 0.0  # service starts this long after the window closed
    window: list[str] | None = None  # the time window the plan uses ["08:00", "10:00"]
    load: list[int] = Field(default_factory=list)  # still on board after this stop


class RouteOut(BaseModel):
    """One vehicle's route."""

    vehicle: str
    stops: list[str | int]
    distance: float  # km (orders/fleet) or instance units (VRPLIB)
    duration: float  # minutes (orders/fleet) or instance time units (VRPLIB)
    load: list[int]  # total demand served, per dimension
    cost: float = 0.0
    lateness: float = 0.0  # minutes (orders/fleet) or instance units, summed over stops
    start: str | None = None
    end: str | None = None
    start_s: float = 0.0
    end_s: float = 0.0
    utilisation: float = 0.0  # max over dimensions of load / capacity
    path: list[list[float]] = Field(default_factory=list)  # coordinates, depot to depot
    details: list[StopDetail] = Field(default_factory=list)


class Unassigned(BaseModel):
    """An order left out of the plan and why."""

    order: str | int
    reason: str  # window_impossible, demand_over_capacity, unreachable, ...
    detail: str = ""


class Kpis(BaseModel):
    """Headline figures for the dispatch board."""

    orders: int = 0
    served: int = 0
    vehicles_used: int = 0
    vehicles: int = 0
    distance_km: float = 0.0
    duration_h: float = 0.0
    lateness_min: float = 0.0
    late_stops: int = 0
    utilisation: float = 0.0  # mean over used vehicles


class RoutesResult(BaseModel):
    """A plan: routes, totals in the instance's own units, and unassigned orders."""

    routes: list[RouteOut]
    cost: float
    distance: float
    duration: float = 0.0
    unassigned: list[Unassigned] = Field(default_factory=list)
    feasible: bool = True
    kpis: Kpis = Field(default_factory=Kpis)
    distance_unit: str = "km"
    time_unit: str = "min"
    instance: str = ""
    runtime_s: float = 0.0
    iterations: int = 0
    bks: float | None = None  # best-known objective when the instance ships one
    gap_pct: float | None = None
    notes: list[str] = Field(default_factory=list)
    depots: list[dict] = Field(default_factory=list)  # id + coordinates, for maps


class StopMove(BaseModel):
    """A stop that changed vehicle between two plans."""

    order: str
    from_vehicle: str | None
    to_vehicle: str | None
    why: str


class EtaChange(BaseModel):
    """A stop whose ETA moved by at least the reporting threshold."""

    order: str
    vehicle: str
    old_eta: str | None
    new_eta: str | None
    delta_min: float
    why: str


class PlanDiff(BaseModel):
    """What re-planning changed, and why."""

    moved: list[StopMove] = Field(default_factory=list)
    eta_changes: list[EtaChange] = Field(default_factory=list)
    newly_unassigned: list[str] = Field(default_factory=list)
    newly_assigned: list[str] = Field(default_factory=list)
    events: list[str] = Field(default_factory=list)
    summary: str = ""


class ReplanResult(RoutesResult):
    """A re-plan: the new plan, the diff to the previous one, and the dispatch state."""

    diff: PlanDiff = Field(default_factory=PlanDiff)
    session: str | None = None
    now_s: int = 0
    now: str | None = None
    fixed: dict[str, list[str]] = Field(default_factory=dict)  # vehicle -> done/in-service stops
    unavailable_vehicles: list[str] = Field(default_factory=list)
