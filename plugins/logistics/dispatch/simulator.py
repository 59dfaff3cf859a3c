"""Play a day of operations against the re-planner: orders arrive, a jam builds, a van breaks.

The clock advances in fixed steps; vehicles execute the current plan (their progress is
read off the plan's ETAs), scripted events are queued at their time, and the session is
re-planned at every step exactly as the live beat job would. The timeline it returns is
what a demo shows and what the tests check (fixed stops never move, churn stays low).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from plugins.logistics.dispatch.replan import apply_changes, new_session, replan_session
from plugins.logistics.routing.plan import PlanRequest, plan_problem
from plugins.logistics.routing.problem import Problem, format_clock


@dataclass
class SimEvent:
    """A change that happens at ``at_s`` (seconds since midnight)."""

    at_s: int
    changes: dict[str, Any]
    label: str


@dataclass
class SimReport:
    """The simulated day: one timeline row per step, the final session and totals."""

    timeline: list[dict[str, Any]] = field(default_factory=list)
    session: dict[str, Any] = field(default_factory=dict)
    totals: dict[str, Any] = field(default_factory=dict)


def default_scenario(problem: Problem, seed: int = 0) -> list[SimEvent]:
    """New orders at 10:00, a jam 11:00-14:30, a breakdown at 12:30, a cancellation at 13:00."""
    rng = random.Random(seed)
    pts = np.array([[o.point.a, o.point.b] for o in problem.orders])
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    centre = pts.mean(axis=0)
    geo = problem.geographic
    dims = problem.num_dims
    new_orders = []
    for k in range(3):
        a, b = rng.uniform(lo[0], hi[0]), rng.uniform(lo[1], hi[1])
        start_h = 11 + k
        new_orders.append({"id": f"NEW-{k + 1}", **({"lat": a, "lon": b} if geo else
                                                    {"x": a, "y": b}),
                           "demand": [1] * dims, "service_min": 5,
                           "time_windows": [[f"{start_h:02d}:00", f"{start_h + 3:02d}:00"]]})
    spread_km = (float(np.linalg.norm(hi - lo)) * (111.0 if geo else
                 problem.travel.coordinate_unit_m / 1000.0))
    jam = {"zones": [{"name": "city-centre jam", **({"lat": centre[0], "lon": centre[1]} if geo
                                                    else {"x": centre[0], "y": centre[1]}),
                      "radius_km": max(0.5, spread_km / 5), "speed_factor": 0.4}]}
    late_orders = sorted(problem.orders, key=lambda o: -o.windows_s[0][0])
    return [
        SimEvent(10 * 3600, {"new_orders": new_orders}, "3 orders phoned in"),
        SimEvent(11 * 3600, {"traffic": jam}, "traffic jam in the centre"),
        SimEvent(12 * 3600 + 1800, {"breakdown": True}, "a vehicle breaks down"),
        SimEvent(13 * 3600, {"cancelled": [late_orders[0].id]}, "a customer cancels"),
        SimEvent(14 * 3600 + 1800, {"traffic": {}}, "jam cleared"),
    ]


def simulate_day(problem: Problem, *, seed: int = 0, step_s: int = 900,
                 time_limit_s: float = 1.0, initial_time_limit_s: float = 3.0,
                 events: list[SimEvent] | None = None, end_s: int | None = None,
                 on_step=None) -> SimReport:
    """Run the day from the first shift start to ``end_s`` (default: last shift end)."""
    plan = plan_problem(PlanRequest(problem=problem, time_limit_s=initial_time_limit_s,
                                    seed=seed))
    start = min(v.shift_start_s for v in problem.vehicles)
    end = end_s or max(v.shift_end_s for v in problem.vehicles)
    session = new_session(problem, plan, name=f"simulation {problem.name}".strip(),
                          now_s=start, time_limit_s=time_limit_s)
    queue = sorted(events if events is not None else default_scenario(problem, seed),
                   key=lambda e: e.at_s)
    report = SimReport()
    fixed_seen: dict[str, str] = {}
    moved_fixed = 0
    now = start
    while now <= end:
        labels = []
        while queue and queue[0].at_s <= now:
            event = queue.pop(0)
            changes = dict(event.changes)
            if changes.pop("breakdown", False):
                victim = _busiest_vehicle(session)
                if victim:
                    changes["vehicles"] = {victim: {"available": False, "note": "breakdown"}}
                    labels.append(f"{event.label}: {victim}")
            else:
                labels.append(event.label)
            apply_changes(session, changes, "simulator")
        apply_changes(session, {"now_s": now})
        result = replan_session(session, time_limit_s=time_limit_s, seed=seed)
        for vid, stops in result.fixed.items():
            for oid in stops:
                if fixed_seen.setdefault(oid, vid) != vid:
                    moved_fixed += 1
        planned_on = {str(s): r.vehicle for r in result.routes for s in r.stops}
        moved_fixed += sum(1 for oid, vid in fixed_seen.items()
                           if oid in planned_on)  # a done stop must never be planned again
        row = {"now": format_clock(now), "events": labels,
               "done": sum(len(v) for v in result.fixed.values()),
               "planned": sum(len(r.stops) for r in result.routes),
               "unassigned": len(result.unassigned),
               "moved": sum(1 for m in result.diff.moved if m.from_vehicle and m.to_vehicle),
               "eta_changes": len(result.diff.eta_changes),
               "late_stops": result.kpis.late_stops,
               "distance_km": result.kpis.distance_km, "summary": result.diff.summary}
        report.timeline.append(row)
        if on_step:
            on_step(row)
        now += step_s
    report.session = session
    report.totals = {
        "orders": len(session["problem"]["orders"]),
        "done": report.timeline[-1]["done"] if report.timeline else 0,
        "unassigned_end": report.timeline[-1]["unassigned"] if report.timeline else 0,
        "replans": len(report.timeline), "fixed_stops_moved": moved_fixed,
        "stops_moved_total": sum(r["moved"] for r in report.timeline),
    }
    return report


def _busiest_vehicle(session: dict[str, Any]) -> str | None:
    """The vehicle with the most stops still ahead (the breakdown that hurts most)."""
    routes = session.get("plan", {}).get("routes", [])
    return max(routes, key=lambda r: len(r["stops"]))["vehicle"] if routes else None
