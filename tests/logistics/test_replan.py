"""Re-planning: executed stops stay fixed, churn stays low, sessions live in the Store."""

from __future__ import annotations

import json

from core.plugins import get_host
from core.runner import run_task
from core.store import Store
from plugins.logistics.dispatch.replan import apply_changes, new_session, replan_session
from plugins.logistics.dispatch.sessions import SESSION_KIND, load_session, replan_due_sessions
from plugins.logistics.routing.loaders import load_problem
from plugins.logistics.routing.plan import PlanRequest, plan_problem
from tests.logistics.conftest import write_json


def _session(sample_day, time_limit=1.0):
    problem = load_problem([sample_day])
    plan = plan_problem(PlanRequest(problem=problem, time_limit_s=time_limit, seed=3))
    return new_session(problem, plan, session_id="day-1"), plan


def _vehicle_of(result):
    return {str(s): r.vehicle for r in result.routes for s in r.stops}


def test_replan_keeps_executed_stops_fixed_and_explains_changes(sample_day):
    session, plan = _session(sample_day)
    first_stop = {r.vehicle: r.details[0] for r in plan.routes}
    apply_changes(session, {
        "now": "11:00",
        "new_orders": [{"id": "RUSH", "lat": 45.76, "lon": 4.85, "demand": [50, 1],
                        "time_windows": [["12:00", "15:00"]], "service_min": 5}],
        "cancelled": ["O027"],
        "traffic": {"zones": [{"name": "centre", "lat": 45.76, "lon": 4.84, "radius_km": 2,
                               "speed_factor": 0.4}]},
        "vehicles": {"VAN1": {"available": False, "note": "flat tyre"}}})
    result = replan_session(session, time_limit_s=1.0)
    planned = _vehicle_of(result)
    fixed = {oid for stops in result.fixed.values() for oid in stops}
    # every stop whose departure ETA was before 11:00 is done and never planned again
    done_before = {str(s.order) for r in plan.routes for s in r.details if s.departure_s <= 39600}
    assert done_before <= fixed
    assert not fixed & set(planned)
    for vid, first in first_stop.items():
        if first.departure_s <= 39600:
            assert result.fixed[vid][0] == first.order  # still on its own vehicle
    assert "VAN1" not in {r.vehicle for r in result.routes}
    assert result.unavailable_vehicles == ["VAN1"]
    assert "O027" not in planned and "RUSH" in planned
    assert any(m.order == "RUSH" and m.why == "new order" for m in result.diff.moved)
    van1_left = [str(s) for r in plan.routes if r.vehicle == "VAN1" for s in r.stops
                 if str(s) not in fixed]
    for move in result.diff.moved:
        if move.order in van1_left and move.to_vehicle:
            assert move.why == "vehicle VAN1 is out of service"
    assert {"1 new order(s): RUSH", "vehicle VAN1 out of service (flat tyre)"} <= set(
        result.diff.events)
    assert all(abs(e.delta_min) >= 2 for e in result.diff.eta_changes)
    for r in result.routes:  # nobody is asked to start before now
        assert r.start_s >= 39600 - 1
    assert session["version"] == 1 and session["pending"] == {}


def test_replan_without_changes_barely_moves_stops(sample_day):
    session, plan = _session(sample_day)
    before = _vehicle_of(plan)
    apply_changes(session, {"now": "09:00"})
    result = replan_session(session, time_limit_s=1.0)
    after = _vehicle_of(result)
    common = set(before) & set(after)
    moved = [o for o in common if before[o] != after[o]]
    assert len(common) >= 15
    assert len(moved) <= 0.1 * len(common)


def test_routes_session_then_replan_task_with_changes(enclave_home, logistics_host, sample_day,
                                                      tmp_path):
    job, payload = run_task("logistics.routes", [sample_day],
                            {"time_limit": 1, "session": "depot-7"})
    assert job.status == "succeeded", job.error
    store = Store()
    assert load_session(store, "depot-7")["plan"]["cost"] == payload["cost"]
    changes = write_json(tmp_path / "changes.json", {
        "now": "12:00", "cancelled": ["O001"],
        "new_orders": [{"id": "LATE-1", "lat": 45.75, "lon": 4.82, "demand": [10, 1],
                        "time_windows": [["13:00", "17:00"]]}]})
    job, result = run_task("logistics.replan", [changes], {"session": "depot-7",
                                                          "time_limit": 1})
    assert job.status == "succeeded", job.error
    assert result["session"] == "depot-7" and result["now"] == "12:00"
    assert "LATE-1" in {s for r in result["routes"] for s in r["stops"]}
    rec = store.get_record(SESSION_KIND, "depot-7")
    assert rec.payload["version"] == 1 and rec.status == "active"
    assert [e.action for e in store.audit_events(action="record.update")]
    # a bad change is a user error naming the file
    bad = write_json(tmp_path / "bad.json", {"new_orders": [{"id": "O002", "x": 1, "y": 2}]})
    job, result = run_task("logistics.replan", [bad], {"session": "depot-7"})
    assert job.status == "failed" and job.error_kind == "user"
    assert "bad.json" in job.error
    job, _ = run_task("logistics.replan", [], {"session": "nope"})
    assert job.status == "failed" and "no dispatch session 'nope'" in job.error


def test_stateless_replan_from_state_file(enclave_home, logistics_host, sample_day, tmp_path):
    problem = json.loads(sample_day.read_text())
    _, plan = run_task("logistics.routes", [sample_day], {"time_limit": 1})
    state = write_json(tmp_path / "state.json", {
        "problem": problem, "plan": plan, "now": "10:15",
        "vehicles": {"VAN2": {"position": {"lat": 45.75, "lon": 4.85}}}})
    job, result = run_task("logistics.replan", [state], {"time_limit": 1})
    assert job.status == "succeeded", job.error
    assert result["session"] is None and result["now"] == "10:15"
    assert result["routes"]


def test_periodic_job_replans_live_sessions(enclave_home, logistics_host, sample_day):
    jobs = {j.name: j for j in get_host().periodic_jobs()}
    job = jobs["logistics.replan_sessions"]
    assert job.queue == "logistics" and job.every_s == 15
    from plugins.logistics.dispatch.sessions import save_session

    store = Store()
    session, plan = _session(sample_day, time_limit=0.5)
    last = max((s for r in plan.routes for s in r.details), key=lambda s: s.arrival_s).order
    session.update({"live": True, "time_limit_s": 0.5})
    save_session(store, session, actor="test")
    assert job.run()["replanned"] == 0  # nothing pending on a simulated clock: no work
    apply_changes(session, {"now": "10:00", "cancelled": [last]})
    save_session(store, session, actor="test")
    outcome = job.run()
    assert outcome == {"replanned": 1, "skipped": 0, "errors": {}}
    stored = load_session(store, "day-1")
    assert stored["version"] == 1 and stored["now_s"] == 36000
    assert last not in {o["id"] for o in stored["problem"]["orders"]}
    assert replan_due_sessions(store)["replanned"] == 0


def test_shift_time_used_is_counted_from_the_first_departure(sample_day):
    session, plan = _session(sample_day)
    first_start = {r.vehicle: r.start_s for r in plan.routes}
    for now in ("10:00", "12:00"):
        apply_changes(session, {"now": now})
        replan_session(session, time_limit_s=0.3)
    for vid, prog in session["progress"].items():
        if first_start.get(vid, 1e9) <= 36000:  # left the depot before the first re-plan
            assert prog["started_s"] == first_start[vid]
