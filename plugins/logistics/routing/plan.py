"""Plan routes for a Problem with PyVRP and report them in the dispatcher's terms.

``plan_problem`` is the engine behind both ``logistics.routes`` and ``logistics.replan``:
it screens out orders no vehicle could ever serve (with the reason), solves the rest
with PyVRP within the time limit (optionally warm-started), repairs the rare infeasible
incumbent by dropping stops, and evaluates ETAs with the time-of-day speed profile.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from pyvrp import PenaltyParams, Route, Solution, SolveParams, solve
from pyvrp.exceptions import PenaltyBoundWarning
from pyvrp.stop import MaxRuntime

from plugins.logistics.routing.model import (
    SolverIndex,
    VehicleStart,
    build_data,
    solver_durations,
    unit_costs,
    warm_start,
)
from plugins.logistics.routing.problem import Order, Point, Problem, Vehicle, format_clock
from plugins.logistics.routing.results import (
    Kpis,
    RouteOut,
    RoutesResult,
    StopDetail,
    Unassigned,
)
from plugins.logistics.routing.travel import (
    SpeedModel,
    TravelMatrix,
    apply_traffic,
    build_matrix,
    speed_model,
)

# Why an order is left out, from "no vehicle can even get there" to "no room in this plan".
SCREEN_STAGES = ("unreachable", "demand_over_capacity", "window_impossible", "outside_shift",
                 "exceeds_max_duration")


@dataclass
class PlanRequest:
    """One solve: which orders and vehicles, and what re-planning state constrains them."""

    problem: Problem
    time_limit_s: float = 5.0
    seed: int = 0
    orders: list[Order] | None = None  # default: all orders of the problem
    vehicles: list[Vehicle] | None = None  # default: the whole fleet
    starts: dict[str, VehicleStart] = field(default_factory=dict)
    positions: dict[str, Point] = field(default_factory=dict)  # extra matrix ids ("@v1")
    committed: dict[str, str] = field(default_factory=dict)  # order -> vehicle
    previous: dict[str, list[tuple[str, int]]] = field(default_factory=dict)  # warm start
    traffic: dict[str, Any] | None = None
    now_s: int | None = None
    reassign_penalty_km: float = 20.0


def plan_problem(req: PlanRequest,
                 progress: Callable[[str], None] | None = None) -> RoutesResult:
    """Solve ``req`` and return the plan (never raises for infeasible orders)."""
    problem = req.problem
    orders = req.orders if req.orders is not None else list(problem.orders)
    vehicles = req.vehicles if req.vehicles is not None else list(problem.vehicles)
    ids = [d.id for d in problem.depots] + list(req.positions) + [o.id for o in problem.orders]
    points = ([d.point for d in problem.depots] + list(req.positions.values())
              + [o.point for o in problem.orders])
    matrix = build_matrix(ids, points, problem.travel, problem.source or problem.name)
    notes = apply_traffic(matrix, req.traffic, problem.travel)
    speed = speed_model(problem.travel, problem.geographic)
    start_h = req.now_s if req.now_s is not None else min(
        [v.shift_start_s for v in vehicles] or [0])
    end_h = max([v.shift_end_s for v in vehicles] or [start_h + 1])
    end_h = min(end_h, start_h + 16 * 3600)  # a working day, not a 48 h "open" shift
    durations, _ = solver_durations(matrix, speed, start_h, max(end_h, start_h + 1))

    unassigned: list[Unassigned] = []
    plannable = orders
    if vehicles:
        plannable, unassigned = screen_orders(problem, orders, vehicles, req.starts, matrix,
                                              durations, req.now_s)
    else:
        unassigned = [Unassigned(order=o.id, reason="no_vehicle_available",
                                 detail="no vehicle is available to serve it") for o in orders]
        plannable = []
    result_routes: list[RouteOut] = []
    runtime_s, iterations, feasible = 0.0, 0, True
    if plannable:
        data, index = build_data(problem, matrix, speed, orders=plannable, vehicles=vehicles,
                                 starts=req.starts, committed=req.committed,
                                 reassign_penalty_m=int(req.reassign_penalty_km * 1000),
                                 horizon=(start_h, max(end_h, start_h + 1)))
        init = warm_start(data, index, req.previous) if req.previous else None
        if progress:
            progress(f"solving {len(plannable)} orders, {len(vehicles)} vehicles")
        started = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PenaltyBoundWarning)  # over-full days are expected
            res = solve(data, stop=MaxRuntime(req.time_limit_s), seed=req.seed,
                        collect_stats=False, display=False, initial_solution=init,
                        params=solve_params(vehicles))
        runtime_s = time.perf_counter() - started
        iterations = res.num_iterations
        best = res.best
        if not best.is_feasible():
            best, dropped = repair(data, best)
            feasible = False
            notes.append(f"solver incumbent infeasible after {req.time_limit_s:g} s; "
                         f"dropped {len(dropped)} stops to repair it")
        result_routes, served = decode_routes(problem, data, index, best, matrix, speed,
                                              vehicles, req.starts)
        for order in plannable:
            if order.id in served:
                continue
            if order.required:
                unassigned.append(Unassigned(
                    order=order.id, reason="no_room_in_fleet",
                    detail=f"no vehicle had capacity or time left for it in the best plan "
                           f"found within {req.time_limit_s:g} s"))
            else:
                unassigned.append(Unassigned(
                    order=order.id, reason="not_worth_serving",
                    detail=f"serving it costs more than its penalty {order.penalty:g}"))
    total_cost = sum(r.cost for r in result_routes)
    dist_km = sum(r.distance for r in result_routes)
    result = RoutesResult(
        routes=result_routes, cost=round(total_cost, 2), distance=round(dist_km, 3),
        duration=round(sum(r.duration for r in result_routes), 1), unassigned=unassigned,
        feasible=feasible, instance=problem.name or problem.source, runtime_s=round(runtime_s, 2),
        iterations=iterations, notes=notes,
        depots=[{"id": d.id, **d.point.as_dict()} for d in problem.depots])
    result.kpis = kpis(result, len(orders), len(vehicles))
    return result


def solve_params(vehicles: list[Vehicle]) -> SolveParams:
    """PyVRP's penalty bounds, scaled to our cost units (it assumes ~1 cost unit per metre).

    Without this, a unit of excess load or time warp would cost less than dropping an
    order, and over-full days would end with an infeasible incumbent.
    """
    scale = max(unit_costs(v)[0] for v in vehicles)
    defaults = PenaltyParams()
    return SolveParams(penalty=PenaltyParams(min_penalty=defaults.min_penalty * scale,
                                             max_penalty=defaults.max_penalty * scale))


def screen_orders(problem: Problem, orders: list[Order], vehicles: list[Vehicle],
                  starts: dict[str, VehicleStart], matrix: TravelMatrix, durations: np.ndarray,
                  now_s: int | None) -> tuple[list[Order], list[Unassigned]]:
    """Split orders into those some vehicle could serve alone and those none can (with why)."""
    pos = matrix.index()
    ok: list[Order] = []
    out: list[Unassigned] = []
    for order in orders:
        o = pos[order.id]
        worst_stage, detail = -1, ""
        for v in vehicles:
            stage, why = _screen_one(problem, order, o, v, starts.get(v.id), pos, matrix,
                                     durations)
            if stage is None:
                break
            if stage > worst_stage:
                worst_stage, detail = stage, why
        else:
            reason = SCREEN_STAGES[worst_stage]
            if (reason == "window_impossible" and now_s is not None
                    and max(w[1] for w in order.windows_s) < now_s):
                reason, detail = "window_passed", "every time window of this order has passed"
            out.append(Unassigned(order=order.id, reason=reason, detail=detail))
            continue
        ok.append(order)
    return ok, out


def _screen_one(problem: Problem, order: Order, o: int, v: Vehicle, start: VehicleStart | None,
                pos: dict[str, int], matrix: TravelMatrix, durations: np.ndarray):
    """(None, "") if ``v`` could serve ``order`` on its own, else (stage index, explanation)."""
    end_depot = problem.depot(v.end_depot)
    if start is not None:
        s, t0, used = pos[start.location_id], start.available_s, start.used_capacity
        budget = (v.max_duration_s - start.elapsed_s) if v.max_duration_s is not None else None
    else:
        depot = problem.depot(v.start_depot)
        s, t0, used = pos[depot.id], max(v.shift_start_s, depot.open_s), [0] * len(v.capacity)
        budget = v.max_duration_s
    e = pos[end_depot.id]
    if not (matrix.reachable[s, o] and matrix.reachable[o, e]):
        return 0, "no road connects it with the vehicle's depot"
    for dim, (need, cap, u) in enumerate(zip(order.demand, v.capacity, used, strict=False)):
        if need > cap - u:
            return 1, (f"demand {need} (dimension {dim + 1}) exceeds the largest capacity "
                       f"left on any vehicle ({cap - u})")
    t_in, t_out = int(durations[s, o]), int(durations[o, e])
    closes = min(v.shift_end_s, end_depot.close_s)
    best_stage, why = 2, ""
    for early, late in order.windows_s:
        arrive = t0 + t_in
        if arrive > late:
            if best_stage == 2:
                why = (f"window {format_clock(early)}-{format_clock(late)} closes before any "
                       f"vehicle can arrive (earliest {format_clock(arrive)})")
            continue
        back = max(arrive, early) + order.service_s + t_out
        if back > closes:
            best_stage = max(best_stage, 3)
            if best_stage == 3:
                why = (f"serving it in window {format_clock(early)}-{format_clock(late)} brings "
                       f"the vehicle back at {format_clock(back)}, after its shift ends "
                       f"({format_clock(closes)})")
            continue
        if budget is not None and t_in + order.service_s + t_out > budget:
            best_stage = 4
            why = (f"the round trip takes {(t_in + order.service_s + t_out) / 60:.0f} min, "
                   f"more than the maximum route duration ({budget / 60:.0f} min)")
            continue
        return None, ""
    return best_stage, why


def repair(data, solution: Solution) -> tuple[Solution, list[int]]:
    """Drop stops from infeasible routes (worst first) until every route is feasible."""
    routes, dropped = [], []
    for route in solution.routes():
        visits = [a.idx for a in route.schedule() if a.is_client()]
        vtype = route.vehicle_type()
        current = Route(data, visits, vtype)
        while visits and not current.is_feasible():
            best_k, best_score = 0, None
            for k in range(len(visits)):
                trial = Route(data, visits[:k] + visits[k + 1:], vtype)
                score = trial.time_warp() + sum(trial.excess_load()) + trial.excess_distance()
                if best_score is None or score < best_score:
                    best_k, best_score = k, score
            dropped.append(visits.pop(best_k))
            current = Route(data, visits, vtype)
        if visits:
            routes.append(current)
    return Solution(data, routes), dropped


def decode_routes(problem: Problem, data, index: SolverIndex, solution: Solution,
                  matrix: TravelMatrix, speed: SpeedModel, vehicles: list[Vehicle],
                  starts: dict[str, VehicleStart]) -> tuple[list[RouteOut], set[str]]:
    """Routes in dispatcher terms, with ETAs re-evaluated under the time-of-day speeds."""
    by_id = problem.order_by_id()
    vehicle_by_id = {v.id: v for v in vehicles}
    free = [list(ids) for ids in index.type_vehicles]
    out: list[RouteOut] = []
    served: set[str] = set()
    for route in solution.routes():
        vehicle = vehicle_by_id[free[route.vehicle_type()].pop(0)]
        clients = [a.idx for a in route.schedule() if a.is_client()]
        start = starts.get(vehicle.id)
        origin = start.location_id if start else vehicle.start_depot
        stops = [(index.client_order[c], index.client_window[c]) for c in clients]
        out.append(evaluate_route(problem, vehicle, origin, stops, route.start_time(), matrix,
                                  speed, start))
        served.update(by_id[o].id for o, _ in stops)
    order_of = {v.id: k for k, v in enumerate(vehicles)}
    out.sort(key=lambda r: order_of[r.vehicle])
    return out, served


def evaluate_route(problem: Problem, vehicle: Vehicle, origin: str,
                   stops: list[tuple[str, int]], depart_s: float, matrix: TravelMatrix,
                   speed: SpeedModel, start: VehicleStart | None = None) -> RouteOut:
    """Drive a route through the time-dependent speeds: ETAs, loads, lateness, cost."""
    pos = matrix.index()
    by_id = problem.order_by_id()
    dims = problem.num_dims
    onboard = [sum((by_id[o].demand + [0] * dims)[d] for o, _ in stops) for d in range(dims)]
    total = list(onboard)
    t = float(depart_s)
    here = pos[origin]
    dist_m = 0.0
    details: list[StopDetail] = []
    path = [[matrix.points[here].a, matrix.points[here].b]]
    lateness = 0.0
    for order_id, window in stops:
        order = by_id[order_id]
        nxt = pos[order_id]
        arrive = speed.arrive(t, matrix.free_flow_s[here, nxt], matrix.multiplier[here, nxt])
        dist_m += matrix.distance_m[here, nxt]
        early, late = order.windows_s[min(window, len(order.windows_s) - 1)]
        if arrive > late:  # running late for this window: a later one may still fit
            later = [w for w in order.windows_s if w[1] >= arrive]
            if later:
                early, late = later[0]
        begin = max(arrive, early)
        late_s = max(0.0, begin - late)
        lateness += late_s
        onboard = [a - b for a, b in zip(onboard, (order.demand + [0] * dims)[:dims],
                                         strict=True)]
        details.append(StopDetail(
            order=order_id, arrival=format_clock(arrive), departure=format_clock(
                begin + order.service_s), arrival_s=round(arrive, 1),
            departure_s=round(begin + order.service_s, 1), wait_s=round(begin - arrive, 1),
            lateness_s=round(late_s, 1), window=[format_clock(early), format_clock(late)],
            load=onboard))
        path.append([order.point.a, order.point.b])
        t = begin + order.service_s
        here = nxt
    end = pos[vehicle.end_depot]
    finish = speed.arrive(t, matrix.free_flow_s[here, end], matrix.multiplier[here, end])
    dist_m += matrix.distance_m[here, end]
    path.append([matrix.points[end].a, matrix.points[end].b])
    duration_s = finish - depart_s
    cost = (dist_m / 1000 * vehicle.cost_per_km + duration_s / 3600 * vehicle.cost_per_hour
            + vehicle.fixed_cost)
    used = start.used_capacity if start else [0] * dims
    util = max([(t_ + u) / c for t_, u, c in zip(total, used, vehicle.capacity, strict=False)
                if c > 0] or [0.0])
    return RouteOut(
        vehicle=vehicle.id, stops=[o for o, _ in stops], distance=round(dist_m / 1000, 3),
        duration=round(duration_s / 60, 1), load=total, cost=round(cost, 2),
        lateness=round(lateness / 60, 1), start=format_clock(depart_s), end=format_clock(finish),
        start_s=round(depart_s, 1), end_s=round(finish, 1), utilisation=round(util, 3),
        path=path, details=details)


def kpis(result: RoutesResult, n_orders: int, n_vehicles: int) -> Kpis:
    """Board figures: served orders, km, hours, lateness, mean utilisation."""
    used = [r for r in result.routes if r.stops]
    return Kpis(
        orders=n_orders, served=sum(len(r.stops) for r in used), vehicles_used=len(used),
        vehicles=n_vehicles, distance_km=round(sum(r.distance for r in used), 2),
        duration_h=round(sum(r.duration for r in used) / 60, 2),
        lateness_min=round(sum(r.lateness for r in used), 1),
        late_stops=sum(1 for r in used for s in r.details if s.lateness_s > 0),
        utilisation=round(float(np.mean([r.utilisation for r in used])) if used else 0.0, 3))
