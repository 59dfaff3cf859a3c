"""Solve VRPLIB / Solomon benchmark instance files with PyVRP, reported in their own terms.

Benchmarks fix a rounding convention that decides what "the objective" is: Solomon
VRPTW results use DIMACS one-decimal truncation, the X CVRP set rounds each edge to
the nearest integer. ``rounding="auto"`` picks by problem type; stops are numbered as
in VRPLIB solution files (depot 0, clients 1..n in file order) so a result can be
checked against a ``.sol`` file directly.
"""

from __future__ import annotations

import re
import time
import warnings
from pathlib import Path

import numpy as np
import vrplib
from pyvrp import ProblemData, Route, Solution, solve
from pyvrp.exceptions import PenaltyBoundWarning, ScalingWarning
from pyvrp.read import ROUND_FUNCS, _InstanceParser, _ProblemDataBuilder
from pyvrp.stop import MaxRuntime

from core.errors import UserError
from plugins.logistics.routing.plan import repair
from plugins.logistics.routing.results import Kpis, RouteOut, RoutesResult, StopDetail, Unassigned

SCALE = {"dimacs": 10, "exact": 1000, "round": 1, "trunc": 1, "none": 1}


def is_instance_file(path: Path) -> bool:
    """True for VRPLIB (.vrp) or Solomon (.txt) benchmark files."""
    return path.suffix.lower() in (".vrp", ".txt")


def read_instance(path: Path, rounding: str = "auto") -> tuple[ProblemData, str, str]:
    """ProblemData, the rounding used and the instance name; UserError for unreadable files."""
    fmt = "solomon" if path.suffix.lower() == ".txt" else "vrplib"
    try:
        raw = vrplib.read_instance(path, instance_format=fmt)
    except Exception as exc:  # vrplib raises bare ValueErrors/IndexErrors on bad files
        raise UserError(f"{path}: not a readable {fmt.upper()} instance ({exc})") from exc
    if "node_coord" not in raw and "edge_weight" not in raw:
        raise UserError(f"{path}: the instance has no coordinates or edge weights")
    has_tw = "time_window" in raw or fmt == "solomon"
    if rounding == "auto":
        rounding = "dimacs" if has_tw else "round"
    if rounding not in ROUND_FUNCS:
        raise UserError(f"rounding must be auto or one of {sorted(ROUND_FUNCS)}")
    if fmt == "solomon":
        raw.setdefault("dimension", len(raw["node_coord"]))
        raw.setdefault("type", "VRPTW")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ScalingWarning)
            parser = _InstanceParser(raw, ROUND_FUNCS[rounding])
            data = _ProblemDataBuilder(parser).data()
    except (KeyError, ValueError, IndexError) as exc:
        raise UserError(f"{path}: instance fields are inconsistent ({exc})") from exc
    return data, rounding, str(raw.get("name") or path.stem).strip()


def find_bks(path: Path, name: str) -> float | None:
    """Best-known objective from a ``NAME.sol`` next to the instance or in ``bks/``."""
    for sol in (path.with_suffix(".sol"), path.parent / "bks" / f"{name}.sol"):
        if sol.is_file():
            match = re.search(r"^\s*cost\s*:?\s*([0-9.]+)", sol.read_text(errors="replace"),
                              re.IGNORECASE | re.MULTILINE)
            if match:
                return float(match.group(1))
    return None


class MaxCpuTime:
    """PyVRP stopping criterion on this process's CPU time instead of wall time.

    Benchmarks on a shared machine use it so that "15 s per instance" means 15 s of
    computation, however many other jobs compete for the cores.
    """

    def __init__(self, max_cpu_s: float) -> None:
        self.max_cpu_s = max_cpu_s
        self._start: float | None = None

    def __call__(self, best_cost: int) -> bool:
        if self._start is None:
            self._start = time.process_time()
        return time.process_time() - self._start > self.max_cpu_s


def solve_instance(path: Path, time_limit_s: float, seed: int = 0,
                   rounding: str = "auto", cpu_time: bool = False) -> RoutesResult:
    """Solve a benchmark file; distances and times in the instance's units after rounding.

    ``cpu_time`` counts the limit in CPU seconds of this process (benchmarks on shared cores).
    """
    data, rounding, name = read_instance(path, rounding)
    scale = SCALE[rounding]
    unassigned: list[Unassigned] = []
    n_total = data.num_clients
    max_cap = np.max([vt.capacity for vt in data.vehicle_types()], axis=0)
    keep = []
    for idx, client in enumerate(data.clients()):
        over = [d for d, q in enumerate(client.delivery) if q > max_cap[d]]
        if over:
            unassigned.append(Unassigned(order=client.location, reason="demand_over_capacity",
                                         detail=f"demand {client.delivery[over[0]]} exceeds "
                                                f"vehicle capacity {max_cap[over[0]]}"))
        else:
            keep.append(idx)
    if len(keep) < data.num_clients:
        if data.num_groups:
            raise UserError(f"{path}: clients exceed every vehicle's capacity in an instance "
                            "with client groups; fix the instance")
        data = data.replace(clients=[data.client(i) for i in keep])
    notes: list[str] = []
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PenaltyBoundWarning)
        stop = MaxCpuTime(time_limit_s) if cpu_time else MaxRuntime(time_limit_s)
        res = solve(data, stop=stop, seed=seed, collect_stats=False)
    runtime_s = time.perf_counter() - started
    best = res.best
    feasible = best.is_feasible()
    if not feasible:
        best, dropped = repair(data, best)
        notes.append(f"no feasible solution within {time_limit_s:g} s; dropped "
                     f"{len(dropped)} clients to report a feasible plan")
        for c in dropped:
            unassigned.append(Unassigned(order=data.client(c).location, reason="no_room_in_fleet",
                                         detail="the fleet could not serve it within the limit"))
    routes = [_route_out(data, r, k, scale) for k, r in enumerate(best.routes())]
    objective = (best.distance_cost() + best.duration_cost() + best.fixed_vehicle_cost()
                 + best.uncollected_prizes())
    distance = best.distance() / scale
    bks = find_bks(path, name)
    gap = None if bks in (None, 0) or not feasible else round(100 * (distance - bks) / bks, 3)
    utilisation = [r.utilisation for r in routes]
    return RoutesResult(
        routes=routes, cost=round(objective / scale, 3), distance=round(distance, 3),
        duration=round(best.duration() / scale, 3), unassigned=unassigned, feasible=feasible,
        kpis=Kpis(orders=n_total, served=best.num_clients(),
                  vehicles_used=len(routes), vehicles=data.num_vehicles,
                  distance_km=round(distance, 3), duration_h=0.0,
                  utilisation=round(float(np.mean(utilisation)) if utilisation else 0.0, 3)),
        distance_unit=f"instance ({rounding})", time_unit="instance", instance=name,
        runtime_s=round(runtime_s, 2), iterations=res.num_iterations, bks=bks, gap_pct=gap,
        notes=notes, depots=[{"id": str(k), "x": data.location(d.location).x,
                              "y": data.location(d.location).y}
                             for k, d in enumerate(data.depots())])


def _route_out(data: ProblemData, route: Route, k: int, scale: int) -> RouteOut:
    details = []
    loc = data.location
    depot = data.depot(route.start_depot()).location
    path = [[loc(depot).x, loc(depot).y]]
    onboard = list(route.delivery())
    stops: list[str | int] = []
    for act in route.schedule():
        if not act.is_client():
            continue
        client = data.client(act.idx)
        onboard = [a - b for a, b in zip(onboard, client.delivery, strict=False)]
        stops.append(client.location)
        path.append([loc(client.location).x, loc(client.location).y])
        details.append(StopDetail(order=client.location, arrival_s=act.start_time / scale,
                                  departure_s=act.end_time / scale,
                                  wait_s=act.wait_duration / scale,
                                  lateness_s=act.time_warp / scale, load=onboard))
    end = data.depot(route.end_depot()).location
    path.append([loc(end).x, loc(end).y])
    capacity = data.vehicle_type(route.vehicle_type()).capacity
    utilisation = max([q / c for q, c in zip(route.delivery(), capacity, strict=False) if c]
                      or [0.0])
    return RouteOut(vehicle=str(k + 1), stops=stops, distance=route.distance() / scale,
                    duration=route.duration() / scale, load=list(route.delivery()),
                    cost=(route.distance_cost() + route.duration_cost()
                          + route.fixed_vehicle_cost()) / scale,
                    lateness=route.time_warp() / scale, start_s=route.start_time() / scale,
                    end_s=route.end_time() / scale, path=path, details=details,
                    utilisation=round(utilisation, 3))


def solution_from_stops(data: ProblemData, routes: list[list[int]]) -> Solution:
    """A PyVRP Solution from VRPLIB-numbered routes (for checking a result independently)."""
    by_location = {c.location: i for i, c in enumerate(data.clients())}
    return Solution(data, [[by_location[s] for s in r] for r in routes])
