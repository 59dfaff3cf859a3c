"""Re-plan a dispatch session: fix what is done, warm-start from the last plan, explain the diff.

A session is a JSON document (stored as a ``logistics.session`` record) holding the
problem, the current plan, each vehicle's progress, the current traffic picture and
the changes that arrived since the last re-plan (``pending``). ``replan_session``
folds the pending changes in, re-solves what is not yet executed, and records the diff.
"""

from __future__ import annotations

import uuid
from typing import Any

from core.errors import UserError
from plugins.logistics.dispatch.diff import plan_diff
from plugins.logistics.dispatch.progress import VehicleProgress, infer_progress, vehicle_starts
from plugins.logistics.routing.loaders import problem_from_dict, problem_to_dict
from plugins.logistics.routing.plan import PlanRequest, plan_problem
from plugins.logistics.routing.problem import Problem, format_clock, parse_clock_s
from plugins.logistics.routing.results import ReplanResult, RoutesResult
from plugins.logistics.routing.travel import stops_in_zones

HISTORY_KEEP = 200


def new_session(problem: Problem, plan: RoutesResult, *, name: str = "", now_s: int | None = None,
                every_s: float = 15.0, time_limit_s: float = 1.2,
                session_id: str | None = None) -> dict[str, Any]:
    """A fresh session document around an initial plan."""
    start = now_s if now_s is not None else min(v.shift_start_s for v in problem.vehicles)
    return {
        "id": session_id or uuid.uuid4().hex[:12], "name": name or problem.name,
        "problem": problem_to_dict(problem), "plan": plan.model_dump(mode="json"),
        "now_s": int(start), "clock": "simulated", "progress": {}, "traffic": {},
        "pending": {}, "live": False, "every_s": every_s, "time_limit_s": time_limit_s,
        "last_diff": None, "history": [], "version": 0,
    }


def apply_changes(session: dict[str, Any], changes: dict[str, Any], source: str = "changes") -> None:
    """Queue changes (new/cancelled orders, traffic, vehicle updates, clock) for the next re-plan."""
    pending = session.setdefault("pending", {})
    if changes.get("new_orders"):
        pending.setdefault("new_orders", []).extend(changes["new_orders"])
    if changes.get("cancelled"):
        pending.setdefault("cancelled", []).extend(str(c) for c in changes["cancelled"])
    if changes.get("traffic") is not None:
        pending["traffic"] = changes["traffic"]
    for vid, update in (changes.get("vehicles") or {}).items():
        pending.setdefault("vehicles", {}).setdefault(str(vid), {}).update(update)
    if changes.get("now") is not None:
        try:
            pending["now_s"] = parse_clock_s(changes["now"], "now")
        except ValueError as exc:
            raise UserError(f"{source}: {exc}") from exc
    elif changes.get("now_s") is not None:
        pending["now_s"] = int(changes["now_s"])
    for line in changes.get("events") or []:
        pending.setdefault("events", []).append(str(line))


def replan_session(session: dict[str, Any], *, time_limit_s: float | None = None, seed: int = 0,
                   reassign_penalty_km: float = 20.0, now_s: int | None = None,
                   source: str = "session") -> ReplanResult:
    """Fold pending changes in, re-solve the unexecuted part, update ``session`` in place."""
    pending = session.get("pending") or {}
    doc = session["problem"]
    events = list(pending.get("events", []))
    known_ids = {str(o["id"]) for o in doc["orders"]}
    new_orders = [dict(o) for o in pending.get("new_orders", [])]
    new_ids = {str(o.get("id")) for o in new_orders}
    if new_orders:
        events.append(f"{len(new_orders)} new order(s): {', '.join(sorted(new_ids)[:8])}")
    doc = {**doc, "orders": list(doc["orders"]) + new_orders}
    problem = problem_from_dict(doc, source)  # validates new orders (duplicates, windows, ...)

    progress = {vid: VehicleProgress.from_dict(p)
                for vid, p in (session.get("progress") or {}).items()}
    for vid, update in (pending.get("vehicles") or {}).items():
        if vid not in {v.id for v in problem.vehicles}:
            raise UserError(f"{source}: update for unknown vehicle {vid!r}")
        base = progress.get(vid, VehicleProgress()).to_dict()
        progress[vid] = VehicleProgress.from_dict({**base, **update})
        if update.get("available") is False:
            events.append(f"vehicle {vid} out of service"
                          + (f" ({update['note']})" if update.get("note") else ""))
    now = pending.get("now_s", session.get("now_s", 0)) if now_s is None else now_s
    plan = session.get("plan") or {"routes": []}
    progress = infer_progress(plan, progress, int(now), problem)
    fixed = {oid for p in progress.values() for oid in p.fixed()}

    cancelled = [c for c in pending.get("cancelled", []) if c not in fixed]
    unknown = [c for c in cancelled if c not in known_ids | new_ids]
    if cancelled:
        events.append(f"{len(cancelled)} cancelled: {', '.join(cancelled[:8])}"
                      + (f" (unknown: {', '.join(unknown)})" if unknown else ""))
    problem.orders = [o for o in problem.orders if o.id not in set(cancelled)]
    traffic = session.get("traffic") or {}
    if "traffic" in pending:
        traffic = pending["traffic"] or {}
        names = [z.get("name", "zone") for z in traffic.get("zones", [])]
        events.append("traffic update: " + (", ".join(names) if names else "cleared")
                      + (f" + {len(traffic.get('edges', []))} edge(s)"
                         if traffic.get("edges") else ""))

    available = [v for v in problem.vehicles if progress.get(v.id, VehicleProgress()).available]
    unavailable = {v.id for v in problem.vehicles} - {v.id for v in available}
    starts, positions = vehicle_starts(problem, plan, progress, int(now))
    starts = {vid: s for vid, s in starts.items() if vid not in unavailable}
    by_id = problem.order_by_id()
    committed: dict[str, str] = {}
    previous: dict[str, list[tuple[str, int]]] = {}
    for route in plan.get("routes", []):
        vid = route["vehicle"]
        if vid in unavailable:
            continue
        for stop in route.get("details", []):
            oid = str(stop["order"])
            if oid in fixed or oid not in by_id:
                continue
            committed[oid] = vid
            previous.setdefault(vid, []).append((oid, _window_index(by_id[oid], stop)))
    to_plan = [o for o in problem.orders if o.id not in fixed]
    request = PlanRequest(
        problem=problem, orders=to_plan, vehicles=available, starts=starts, positions=positions,
        committed=committed, previous=previous, traffic=traffic, now_s=int(now),
        time_limit_s=time_limit_s if time_limit_s is not None else session.get("time_limit_s", 1.2),
        seed=seed, reassign_penalty_km=reassign_penalty_km)
    planned = plan_problem(request) if to_plan else RoutesResult(routes=[], cost=0, distance=0)
    new_plan = planned.model_dump(mode="json")
    slowed = stops_in_zones({o.id: o.point for o in problem.orders}, traffic, problem.travel)
    diff = plan_diff(plan, new_plan, events=events, new_orders=new_ids,
                     unavailable=unavailable, slowed_orders=slowed, fixed=fixed)
    result = ReplanResult(**planned.model_dump(), diff=diff, session=session.get("id"),
                          now_s=int(now), now=format_clock(now),
                          fixed={vid: p.fixed() for vid, p in progress.items() if p.fixed()},
                          unavailable_vehicles=sorted(unavailable))
    session.update({
        "problem": problem_to_dict(problem), "plan": new_plan, "now_s": int(now),
        "progress": {vid: p.to_dict() for vid, p in progress.items()}, "traffic": traffic,
        "pending": {}, "last_diff": diff.model_dump(mode="json"),
        "version": int(session.get("version", 0)) + 1,
    })
    history = session.setdefault("history", [])
    history.append({"now": format_clock(now), "summary": diff.summary, "events": events,
                    "kpis": planned.kpis.model_dump(), "cost": planned.cost})
    del history[:-HISTORY_KEEP]
    return result


def _window_index(order, stop: dict[str, Any]) -> int:
    """Which of the order's windows the previous plan used (0 if unknown)."""
    window = stop.get("window")
    if len(order.windows_s) == 1:
        return 0
    for k, (early, late) in enumerate(order.windows_s):
        if window and window == [format_clock(early), format_clock(late)]:
            return k
    return 0
