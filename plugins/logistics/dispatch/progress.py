"""Where each vehicle is in its day: done stops, the stop in service, position, what is left.

Telematics may report progress explicitly; when it does not, progress is inferred from
the last plan's ETAs and the clock (a stop whose departure ETA has passed counts as
done, one whose arrival has passed as in service, and a vehicle between stops sits on
the straight line between them). That is what lets the simulator and the 15-second
re-planner move a day forward with no live feed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from plugins.logistics.routing.model import VehicleStart
from plugins.logistics.routing.problem import Point, Problem


@dataclass
class VehicleProgress:
    """One vehicle's executed part of the day."""

    completed: list[str] = field(default_factory=list)
    in_service: str | None = None
    in_service_until_s: int | None = None
    position: Point | None = None
    available: bool = True
    note: str = ""
    started_s: float | None = None  # when the vehicle left its depot (counts for max duration)

    def fixed(self) -> list[str]:
        """Stops that can no longer change: done, then the one in service."""
        return self.completed + ([self.in_service] if self.in_service else [])

    def to_dict(self) -> dict[str, Any]:
        """JSON form (for sessions)."""
        return {"completed": list(self.completed), "in_service": self.in_service,
                "in_service_until_s": self.in_service_until_s,
                "position": self.position.as_dict() if self.position else None,
                "available": self.available, "note": self.note, "started_s": self.started_s}

    @classmethod
    def from_dict(cls, rec: dict[str, Any]) -> VehicleProgress:
        """Inverse of ``to_dict`` (also accepts the state-file spelling)."""
        pos = rec.get("position")
        point = None
        if isinstance(pos, dict):
            if "lat" in pos:
                point = Point(float(pos["lat"]), float(pos["lon"]), True)
            elif "x" in pos:
                point = Point(float(pos["x"]), float(pos["y"]), False)
        until = rec.get("in_service_until_s")
        return cls(completed=[str(c) for c in rec.get("completed") or []],
                   in_service=rec.get("in_service") or None,
                   in_service_until_s=int(until) if until is not None else None,
                   position=point, available=bool(rec.get("available", True)),
                   note=str(rec.get("note", "")),
                   started_s=float(rec["started_s"]) if rec.get("started_s") is not None
                   else None)


def infer_progress(plan: dict[str, Any], known: dict[str, VehicleProgress],
                   now_s: int, problem: Problem) -> dict[str, VehicleProgress]:
    """Advance every vehicle's progress to ``now_s`` along the last plan's ETAs."""
    by_id = problem.order_by_id()
    out: dict[str, VehicleProgress] = {}
    for route in plan.get("routes", []):
        vid = route["vehicle"]
        prog = known.get(vid) or VehicleProgress()
        prog = VehicleProgress(**{**prog.__dict__, "completed": list(prog.completed)})
        if prog.started_s is None and route.get("start_s", now_s + 1) <= now_s:
            prog.started_s = float(route["start_s"])
        if prog.in_service and (prog.in_service_until_s or 0) <= now_s:
            prog.completed.append(prog.in_service)
            prog.in_service, prog.in_service_until_s = None, None
        last_point, last_dep = None, route.get("start_s", 0.0)
        if prog.completed and prog.completed[-1] in by_id:
            last_point = by_id[prog.completed[-1]].point
        for stop in route.get("details", []):
            oid = str(stop["order"])
            if oid in prog.fixed():
                continue
            if prog.in_service:
                break
            if stop["departure_s"] <= now_s:
                prog.completed.append(oid)
                last_point, last_dep = by_id[oid].point if oid in by_id else None, \
                    stop["departure_s"]
            elif stop["arrival_s"] <= now_s:
                prog.in_service = oid
                prog.in_service_until_s = int(stop["departure_s"])
                break
            else:
                origin = last_point or _route_origin(route, problem)
                target = by_id[oid].point if oid in by_id else None
                if origin is not None and target is not None and now_s > last_dep:
                    span = max(1.0, stop["arrival_s"] - last_dep)
                    f = min(1.0, (now_s - last_dep) / span)
                    prog.position = Point(origin.a + f * (target.a - origin.a),
                                          origin.b + f * (target.b - origin.b),
                                          origin.geographic)
                break
        else:
            if not prog.in_service and now_s >= route.get("end_s", now_s + 1):
                path = route.get("path") or []
                if path:  # back at its end depot
                    prog.position = Point(path[-1][0], path[-1][1], problem.geographic)
        out[vid] = prog
    for vid, prog in known.items():
        out.setdefault(vid, prog)
    return out


def _route_origin(route: dict[str, Any], problem: Problem) -> Point | None:
    path = route.get("path") or []
    if not path:
        return None
    return Point(path[0][0], path[0][1], problem.geographic)


def vehicle_starts(problem: Problem, plan: dict[str, Any], progress: dict[str, VehicleProgress],
                   now_s: int) -> tuple[dict[str, VehicleStart], dict[str, Point]]:
    """Solver start states (position, availability, capacity used) for vehicles under way."""
    by_id = problem.order_by_id()
    starts: dict[str, VehicleStart] = {}
    positions: dict[str, Point] = {}
    matrix_mode = problem.travel.mode == "matrix"
    for v in problem.vehicles:
        prog = progress.get(v.id)
        dims = len(v.capacity)
        if prog is None or not (prog.fixed() or prog.position):
            if now_s > v.shift_start_s:  # not started yet: leaves its depot no earlier than now
                starts[v.id] = VehicleStart(location_id=v.start_depot, available_s=now_s,
                                            used_capacity=[0] * dims)
            continue
        used = [0] * dims
        for oid in prog.fixed():
            if oid in by_id:
                used = [u + q for u, q in zip(used, by_id[oid].demand, strict=False)]
        elapsed = int(max(0.0, now_s - (prog.started_s if prog.started_s is not None
                                        else now_s)))
        if prog.in_service:
            until = max(now_s, prog.in_service_until_s or now_s)
            starts[v.id] = VehicleStart(location_id=prog.in_service, available_s=until,
                                        used_capacity=used, elapsed_s=elapsed)
        elif prog.position is not None and not matrix_mode:
            key = f"@{v.id}"
            positions[key] = prog.position
            starts[v.id] = VehicleStart(location_id=key, available_s=now_s,
                                        used_capacity=used, elapsed_s=elapsed)
        else:
            last = prog.completed[-1] if prog.completed else v.start_depot
            starts[v.id] = VehicleStart(location_id=last, available_s=now_s,
                                        used_capacity=used, elapsed_s=elapsed)
    return starts, positions
