"""Translate a Problem (plus re-planning state) into PyVRP ProblemData, and back.

Modelling choices, each because PyVRP has no direct field for it:
- several time windows per order -> one PyVRP client per window in a mutually exclusive
  client group (the solver picks exactly one window);
- "required" orders are optional clients with a prize far above any route cost (times the
  priority), so an over-full day yields dropped orders with reasons, never a failed solve;
- a vehicle already on the road -> its own vehicle type starting from an extra depot at its
  position, available from the time it finishes its current stop, with the capacity and
  duration it has left;
- moving a committed stop to another vehicle -> every vehicle gets its own routing profile
  whose distances *into* that stop carry a penalty, except the committed vehicle's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from pyvrp import Client, ClientGroup, Depot, Location, ProblemData, Route, Solution, VehicleType

from plugins.logistics.routing.problem import HORIZON_END_S, Order, Problem, Vehicle
from plugins.logistics.routing.travel import SpeedModel, TravelMatrix

COST_SCALE = 1_000_000  # solver cost units per currency unit (PyVRP needs integer costs)
UNREACHABLE = 10**9  # distance/duration standing in for "no road" (below PyVRP's MAX_VALUE)
MAX_PROFILES_CELLS = 60_000_000  # per-vehicle profiles only while their matrices stay small


@dataclass
class VehicleStart:
    """Where and when a vehicle that is already on the road can take new work."""

    location_id: str  # id in the travel matrix (a depot, an order, or "@<vehicle>")
    available_s: int
    used_capacity: list[int]
    elapsed_s: int = 0  # shift time already spent (counts against max duration)


@dataclass
class SolverIndex:
    """How PyVRP's indices map back to orders, windows and vehicles."""

    client_order: list[str] = field(default_factory=list)  # client idx -> order id
    client_window: list[int] = field(default_factory=list)  # client idx -> window idx
    order_clients: dict[str, list[int]] = field(default_factory=dict)
    type_vehicles: list[list[str]] = field(default_factory=list)  # type idx -> vehicle ids
    vehicle_type: dict[str, int] = field(default_factory=dict)
    matrix_pos: dict[str, int] = field(default_factory=dict)  # matrix id -> location idx
    depot_ids: list[str] = field(default_factory=list)  # pyvrp depot idx -> matrix id
    slowdown: float = 1.0


def unit_costs(vehicle: Vehicle) -> tuple[int, int, int]:
    """Integer solver costs per metre, per second and fixed (currency x COST_SCALE)."""
    per_m = max(1, round(vehicle.cost_per_km * COST_SCALE / 1000))
    per_s = round(vehicle.cost_per_hour * COST_SCALE / 3600)
    return per_m, per_s, round(vehicle.fixed_cost * COST_SCALE)


def solver_durations(matrix: TravelMatrix, speed: SpeedModel, start_s: float,
                     end_s: float) -> tuple[np.ndarray, float]:
    """Integer leg durations for the solver: free flow x mean slowdown / traffic multiplier."""
    slowdown = speed.mean_slowdown(start_s, end_s)
    dur = np.ceil(matrix.free_flow_s * slowdown / matrix.multiplier).astype(np.int64)
    return np.where(matrix.reachable, dur, UNREACHABLE), slowdown


def required_prize(problem: Problem, matrix: TravelMatrix, durations: np.ndarray) -> int:
    """A prize that dwarfs the cost of serving any single order (10 x worst round trip)."""
    pos = matrix.index()
    depots = [pos[d.id] for d in problem.depots]
    worst = 0
    rates = [unit_costs(v) for v in problem.vehicles]
    per_m = max(r[0] for r in rates)
    per_s = max(r[1] for r in rates)
    fixed = max(r[2] for r in rates)
    for order in problem.orders:
        i = pos[order.id]
        trips = [(matrix.distance_m[d, i] + matrix.distance_m[i, d],
                  durations[d, i] + durations[i, d]) for d in depots
                 if matrix.reachable[d, i] and matrix.reachable[i, d]]
        if trips:
            dist, dur = min(trips)
            worst = max(worst, int(dist) * per_m + (int(dur) + order.service_s) * per_s)
    return 10 * (worst + fixed) + COST_SCALE


def build_data(problem: Problem, matrix: TravelMatrix, speed: SpeedModel, *,
               orders: list[Order], vehicles: list[Vehicle],
               starts: dict[str, VehicleStart] | None = None,
               committed: dict[str, str] | None = None,
               reassign_penalty_m: int = 0,
               horizon: tuple[float, float] | None = None) -> tuple[ProblemData, SolverIndex]:
    """ProblemData for ``orders`` served by ``vehicles`` (see the module docstring)."""
    starts = starts or {}
    committed = committed or {}
    index = SolverIndex()
    pos = matrix.index()
    if horizon is None:
        horizon = (min(v.shift_start_s for v in vehicles), max(v.shift_end_s for v in vehicles))
    durations, index.slowdown = solver_durations(matrix, speed, *horizon)
    distances = np.where(matrix.reachable, matrix.distance_m, UNREACHABLE)

    # Locations: every depot and vehicle start first, then the orders being planned.
    loc_ids = [d.id for d in problem.depots]
    loc_ids += [s.location_id for s in starts.values() if s.location_id not in loc_ids]
    loc_ids += [o.id for o in orders if o.id not in loc_ids]
    sel = np.array([pos[i] for i in loc_ids])
    index.matrix_pos = {ident: k for k, ident in enumerate(loc_ids)}
    locations = [Location(x=matrix.points[pos[i]].a, y=matrix.points[pos[i]].b, name=i)
                 for i in loc_ids]

    depots: list[Depot] = []
    for d in problem.depots:
        depots.append(Depot(location=index.matrix_pos[d.id], tw_early=d.open_s,
                            tw_late=d.close_s, name=d.id))
        index.depot_ids.append(d.id)
    depot_idx = {d.id: k for k, d in enumerate(problem.depots)}

    dims = problem.num_dims
    prize = required_prize(problem, matrix, durations)
    clients: list[Client] = []
    groups: list[ClientGroup] = []
    for order in orders:
        demand = (order.demand + [0] * dims)[:dims]
        value = prize * order.priority if order.required else round((order.penalty or 0)
                                                                     * COST_SCALE)
        group_idx = None
        if len(order.windows_s) > 1:
            group_idx = len(groups)
            groups.append(ClientGroup(required=False, name=order.id))
        index.order_clients[order.id] = []
        for w, (early, late) in enumerate(order.windows_s):
            client_idx = len(clients)
            clients.append(Client(location=index.matrix_pos[order.id], delivery=demand,
                                  service_duration=order.service_s, tw_early=early,
                                  tw_late=late, prize=value, required=False, group=group_idx,
                                  name=order.id))
            if group_idx is not None:
                groups[group_idx].add_client(client_idx)
            index.client_order.append(order.id)
            index.client_window.append(w)
            index.order_clients[order.id].append(client_idx)

    per_vehicle = bool(starts or committed)
    n_loc = len(loc_ids)
    if per_vehicle and len(vehicles) * n_loc * n_loc * 2 > MAX_PROFILES_CELLS:
        per_vehicle_profiles = False  # too big: keep positions, drop the churn penalty
    else:
        per_vehicle_profiles = per_vehicle and reassign_penalty_m > 0 and bool(committed)
    base_dist = distances[np.ix_(sel, sel)]
    base_dur = durations[np.ix_(sel, sel)]
    dist_mats, dur_mats = [base_dist], [base_dur]
    vehicle_types: list[VehicleType] = []
    groups_of_vehicles = _vehicle_groups(vehicles, per_vehicle)
    for members in groups_of_vehicles:
        v = members[0]
        per_m, per_s, fixed = unit_costs(v)
        start_depot = depot_idx[v.start_depot]
        tw_early = max(v.shift_start_s, 0)
        capacity = (v.capacity + [0] * dims)[:dims]
        shift = v.max_duration_s if v.max_duration_s is not None else HORIZON_END_S
        start = starts.get(v.id)
        if start is not None:
            start_depot = len(depots)
            depots.append(Depot(location=index.matrix_pos[start.location_id],
                                tw_early=start.available_s, tw_late=HORIZON_END_S,
                                name=f"@{v.id}"))
            index.depot_ids.append(start.location_id)
            tw_early = max(start.available_s, v.shift_start_s)
            capacity = [max(0, c - u) for c, u in zip(capacity, (start.used_capacity + [0] * dims)
                                                      [:dims], strict=True)]
            shift = max(0, shift - start.elapsed_s)
        profile = 0
        if per_vehicle_profiles:
            profile = len(dist_mats)
            penalised = base_dist.copy()
            cols = [index.matrix_pos[o] for o, owner in committed.items()
                    if owner != v.id and o in index.matrix_pos]
            if cols:
                penalised[:, cols] = np.minimum(penalised[:, cols] + reassign_penalty_m,
                                                UNREACHABLE)
            np.fill_diagonal(penalised, 0)
            dist_mats.append(penalised)
            dur_mats.append(base_dur)
        vehicle_types.append(VehicleType(
            num_available=len(members), capacity=capacity, start_depot=start_depot,
            end_depot=depot_idx[v.end_depot], fixed_cost=fixed, tw_early=tw_early,
            tw_late=max(tw_early, v.shift_end_s), shift_duration=shift,
            unit_distance_cost=per_m, unit_duration_cost=per_s, profile=profile,
            name=",".join(m.id for m in members)))
        index.type_vehicles.append([m.id for m in members])
        for m in members:
            index.vehicle_type[m.id] = len(vehicle_types) - 1
    if not clients:
        raise ValueError("no orders left to plan")
    data = ProblemData(locations=locations, clients=clients, depots=depots,
                       vehicle_types=vehicle_types, distance_matrices=dist_mats,
                       duration_matrices=dur_mats, groups=groups)
    return data, index


def _vehicle_groups(vehicles: list[Vehicle], separate: bool) -> list[list[Vehicle]]:
    """Identical vehicles share one PyVRP vehicle type (fewer types = faster search)."""
    if separate:
        return [[v] for v in vehicles]
    groups: dict[tuple, list[Vehicle]] = {}
    for v in vehicles:
        key = (tuple(v.capacity), v.start_depot, v.end_depot, v.shift_start_s, v.shift_end_s,
               v.cost_per_km, v.cost_per_hour, v.fixed_cost, v.max_duration_s)
        groups.setdefault(key, []).append(v)
    return list(groups.values())


def warm_start(data: ProblemData, index: SolverIndex,
               routes: dict[str, list[tuple[str, int]]]) -> Solution | None:
    """A Solution from previous routes (vehicle -> [(order, window idx)]), or None if unusable."""
    solver_routes = []
    for vehicle, stops in routes.items():
        type_idx = index.vehicle_type.get(vehicle)
        if type_idx is None:
            continue
        visits = []
        for order_id, window in stops:
            clients = index.order_clients.get(order_id)
            if clients:
                visits.append(clients[min(window, len(clients) - 1)])
        if visits:
            solver_routes.append(Route(data, visits, type_idx))
    if not solver_routes:
        return None
    try:
        return Solution(data, solver_routes)
    except (ValueError, RuntimeError):
        return None
