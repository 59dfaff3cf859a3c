"""Regenerate ``depot_day.json``: a small, reproducible day of orders around one depot.

Run ``python -m plugins.logistics.samples.make_samples``. The files are committed so that
``enclave demo`` needs nothing but the package; the generator shows how they were made.
``replan_state.json`` is that day's morning plan plus what happened by 11:30 (a new order,
a cancellation, a slowed zone, a van breakdown) for ``logistics.replan``.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

DEPOT = (45.7578, 4.8320)  # a depot in Lyon (coordinates only; no map data is used)


def make_day(n_orders: int = 30, n_vehicles: int = 4, seed: int = 7) -> dict:
    """A day with two-dimensional demand (kg, pallets), windows, one optional order."""
    rng = random.Random(seed)
    orders = []
    for k in range(n_orders):
        lat = DEPOT[0] + rng.uniform(-0.06, 0.06)
        lon = DEPOT[1] + rng.uniform(-0.09, 0.09)
        start_h = rng.choice([8, 9, 10, 11, 13, 14, 15])
        order = {"id": f"O{k + 1:03d}", "lat": round(lat, 5), "lon": round(lon, 5),
                 "demand": [rng.randint(20, 250), rng.randint(1, 2)],
                 "time_windows": [[f"{start_h:02d}:00", f"{start_h + 2:02d}:00"]],
                 "service_min": rng.choice([5, 8, 10])}
        if k % 9 == 4:  # a customer who accepts a morning or an afternoon slot
            order["time_windows"] = [["08:30", "10:00"], ["15:00", "17:00"]]
        orders.append(order)
    orders[5]["priority"] = 3
    orders[11].update({"penalty": 15.0})  # optional: skip if it costs more than 15
    # A window before any shift starts: the plan reports it as unassigned, with the reason.
    orders[-1]["time_windows"] = [["05:30", "06:15"]]
    vehicles = [{"id": f"VAN{k + 1}", "capacity": [1500, 14], "start_depot": "LYON-1",
                 "shift_start": "07:30", "shift_end": "18:00", "cost_per_km": 0.45,
                 "cost_per_hour": 28.0, "max_duration_min": 600} for k in range(n_vehicles)]
    return {"name": "Lyon depot, one day", "depots": [
        {"id": "LYON-1", "lat": DEPOT[0], "lon": DEPOT[1], "open": "07:00", "close": "19:00"}],
        "vehicles": vehicles, "orders": orders,
        "travel": {"mode": "haversine", "road_factor": 1.35, "speed_kmh": 32}}


def make_replan_state(day: dict, time_limit_s: float = 5.0) -> dict:
    """A self-contained re-plan input: the day, its 07:30 plan, and the 11:30 changes."""
    from plugins.logistics.routing.loaders import problem_from_dict
    from plugins.logistics.routing.plan import PlanRequest, plan_problem

    plan = plan_problem(PlanRequest(problem=problem_from_dict(day, "depot_day.json"),
                                    time_limit_s=time_limit_s, seed=0))
    # The van that breaks down has its whole afternoon ahead, so its stops must move;
    # the cancelled order is the last stop of another afternoon route.
    afternoon = sorted((r for r in plan.routes if r.stops), key=lambda r: r.start_s)[-2:]
    broken, other = afternoon[-1], afternoon[0]
    return {"problem": day, "plan": plan.model_dump(mode="json"), "now": "11:30",
            "new_orders": [{"id": "N1", "lat": 45.7612, "lon": 4.8501, "demand": [60, 1],
                            "time_windows": [["12:00", "15:00"]], "service_min": 8}],
            "cancelled": [other.stops[-1]],
            "traffic": {"zones": [{"name": "Perrache works", "lat": 45.749, "lon": 4.826,
                                   "radius_km": 1.5, "speed_factor": 0.4}]},
            "vehicles": {broken.vehicle: {"available": False, "note": "breakdown"}}}


if __name__ == "__main__":
    here = Path(__file__).parent
    day = make_day()
    (here / "depot_day.json").write_text(json.dumps(day, indent=1) + "\n", encoding="utf-8")
    state = make_replan_state(day)
    (here / "replan_state.json").write_text(json.dumps(state, indent=1) + "\n",
                                            encoding="utf-8")
    print(here / "depot_day.json", here / "replan_state.json")
