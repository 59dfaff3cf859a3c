"""What changed between two plans, in words a dispatcher can act on.

A stop "moved" when it changed vehicle; an ETA "changed" when it shifted by at least
``eta_threshold_s``. Each carries a reason derived from this round's events (a broken
down vehicle, a traffic update touching the route, stops added or removed earlier on
the route), so the board can say *why* a driver's list changed.
"""

from __future__ import annotations

from typing import Any

from plugins.logistics.routing.problem import format_clock
from plugins.logistics.routing.results import EtaChange, PlanDiff, StopMove


def _assignments(plan: dict[str, Any]) -> dict[str, tuple[str, float, list[str]]]:
    """order -> (vehicle, arrival_s, stops before it on that route)."""
    out = {}
    for route in plan.get("routes", []):
        before: list[str] = []
        for stop in route.get("details", []):
            oid = str(stop["order"])
            out[oid] = (route["vehicle"], float(stop["arrival_s"]), list(before))
            before.append(oid)
    return out


def plan_diff(old: dict[str, Any], new: dict[str, Any], *, events: list[str],
              new_orders: set[str], unavailable: set[str], slowed_orders: set[str],
              fixed: set[str], eta_threshold_s: float = 120.0) -> PlanDiff:
    """Stops moved, ETAs shifted (with magnitude), orders dropped or added, and why."""
    before = _assignments(old)
    after = _assignments(new)
    reasons = {str(u["order"]): u.get("reason", "") for u in new.get("unassigned", [])}
    diff = PlanDiff(events=list(events))
    cause = "; ".join(events) if events else "re-optimised"
    for oid, (veh, arr, prior) in after.items():
        if oid not in before:
            why = "new order" if oid in new_orders else f"assigned after: {cause}"
            diff.newly_assigned.append(oid)
            diff.moved.append(StopMove(order=oid, from_vehicle=None, to_vehicle=veh, why=why))
            continue
        old_veh, old_arr, old_prior = before[oid]
        if old_veh != veh:
            why = (f"vehicle {old_veh} is out of service" if old_veh in unavailable
                   else f"re-optimised after: {cause}")
            diff.moved.append(StopMove(order=oid, from_vehicle=old_veh, to_vehicle=veh, why=why))
        delta = arr - old_arr
        if abs(delta) >= eta_threshold_s:
            if old_veh != veh:
                why = f"moved from {old_veh} to {veh}"
            elif oid in slowed_orders or any(p in slowed_orders for p in prior):
                why = "traffic update on this route"
            elif [p for p in prior if p not in fixed] != [p for p in old_prior
                                                          if p not in fixed and p in after]:
                why = "stops added or removed earlier on the route"
            else:
                why = "vehicle progress differs from the previous plan"
            diff.eta_changes.append(EtaChange(
                order=oid, vehicle=veh, old_eta=format_clock(old_arr),
                new_eta=format_clock(arr), delta_min=round(delta / 60, 1), why=why))
    for oid in before:
        if oid not in after and oid not in fixed:
            if oid in reasons:
                diff.newly_unassigned.append(oid)
                diff.moved.append(StopMove(order=oid, from_vehicle=before[oid][0],
                                           to_vehicle=None, why=f"unassigned: {reasons[oid]}"))
    n_moved = sum(1 for m in diff.moved if m.from_vehicle and m.to_vehicle)
    diff.summary = (f"{n_moved} stops changed vehicle, {len(diff.eta_changes)} ETAs moved "
                    f">= {eta_threshold_s / 60:g} min, {len(diff.newly_assigned)} newly "
                    f"assigned, {len(diff.newly_unassigned)} newly unassigned")
    return diff
