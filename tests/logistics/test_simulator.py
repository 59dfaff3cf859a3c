"""The day simulator: new orders, a jam, a breakdown and a cancellation, re-planned each step."""

from __future__ import annotations

import json

from click.testing import CliRunner

from plugins.logistics.dispatch.simulator import simulate_day
from plugins.logistics.routing.loaders import load_problem


def test_simulated_day_never_moves_executed_stops(sample_day):
    problem = load_problem([sample_day])
    report = simulate_day(problem, step_s=3600, time_limit_s=0.4, initial_time_limit_s=1.0)
    timeline = report.timeline
    assert timeline[0]["now"] == "07:30" and timeline[-1]["now"] == "17:30"
    events = [e for row in timeline for e in row["events"]]
    assert any(e.startswith("3 orders phoned in") for e in events)
    broken = [e for e in events if e.startswith("a vehicle breaks down: ")][0].split(": ")[1]
    assert "traffic jam in the centre" in events and "jam cleared" in events
    assert report.totals["fixed_stops_moved"] == 0
    done = [row["done"] for row in timeline]
    assert done == sorted(done)  # progress only moves forward
    session = report.session
    assert session["progress"][broken]["available"] is False
    assert broken not in {r["vehicle"] for r in session["plan"]["routes"]}
    # by the end of the day almost every order is done or explained
    n_orders = len(session["problem"]["orders"])
    assert report.totals["done"] + report.totals["unassigned_end"] == n_orders
    assert report.totals["done"] >= n_orders - 6
    assert {o["id"] for o in session["problem"]["orders"]} >= {"NEW-1", "NEW-2", "NEW-3"}


def test_simulate_cli(enclave_home, logistics_host, sample_day):
    from core.plugins import get_host

    group = __import__("click").Group()
    get_host().pm.hook.enclave_register_cli(group=group)
    result = CliRunner().invoke(group, ["logistics", "simulate", str(sample_day), "--step-min",
                                        "120", "--time-limit", "0.3", "--json", "--save", "sim1"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["totals"]["fixed_stops_moved"] == 0 and len(doc["timeline"]) >= 5
    from core.store import Store
    from plugins.logistics.dispatch.sessions import load_session

    assert load_session(Store(), "sim1")["id"] == "sim1"
