"""logistics.routes through run_task: JSON/CSV orders, windows, capacities, reasons, bad input."""

from __future__ import annotations

import csv
import json

import pytest

from core.runner import run_task
from plugins.logistics.routing.problem import SpeedPeriod, parse_clock_s
from plugins.logistics.routing.travel import SpeedModel
from tests.logistics.conftest import planar_problem, write_json


def _stops(payload):
    return [s for r in payload["routes"] for s in r["stops"]]


def test_sample_day_plans_with_capacities_windows_and_reasons(enclave_home, logistics_host,
                                                              sample_day):
    job, payload = run_task("logistics.routes", [sample_day], {"time_limit": 1.5})
    assert job.status == "succeeded", job.error
    doc = json.loads(sample_day.read_text())
    capacity = doc["vehicles"][0]["capacity"]
    orders = {o["id"]: o for o in doc["orders"]}
    served = _stops(payload)
    assert len(served) == len(set(served))  # nobody visited twice
    reasons = {u["order"]: u["reason"] for u in payload["unassigned"]}
    assert reasons.get("O030") == "window_impossible"  # 05:30-06:15, before every shift
    assert set(served) | set(reasons) == set(orders)
    assert len(served) >= 27
    for route in payload["routes"]:
        for dim in range(2):
            assert sum(orders[s]["demand"][dim] for s in route["stops"]) <= capacity[dim]
            assert route["load"][dim] == sum(orders[s]["demand"][dim] for s in route["stops"])
        assert route["details"][-1]["load"] == [0, 0]  # everything delivered
        assert route["distance"] > 0 and route["duration"] > 0 and route["cost"] > 0
    assert payload["cost"] == pytest.approx(sum(r["cost"] for r in payload["routes"]), abs=0.05)
    assert payload["kpis"]["served"] == len(served)


def test_windows_multi_window_multi_dim_and_optional(enclave_home, logistics_host, tmp_path):
    doc = planar_problem()
    doc["orders"].append({"id": "HEAVY", "x": 1, "y": 1, "demand": [2, 9]})  # 9 pallets > 4
    path = write_json(tmp_path / "grid.json", doc)
    job, payload = run_task("logistics.routes", [path], {"time_limit": 1})
    assert job.status == "succeeded", job.error
    reasons = {u["order"]: u for u in payload["unassigned"]}
    assert reasons["HEAVY"]["reason"] == "demand_over_capacity"
    assert "dimension 2" in reasons["HEAVY"]["detail"]
    # E is optional with a penalty far below the cost of a 14 km detour at 1/km
    assert reasons["E"]["reason"] == "not_worth_serving"
    details = {s["order"]: s for r in payload["routes"] for s in r["details"]}
    assert set(details) == {"A", "B", "C", "D1"}
    assert details["C"]["window"] == ["13:00", "14:00"]  # the second window was chosen
    for oid, stop in details.items():
        window = next(o for o in doc["orders"] if o["id"] == oid).get("time_windows")
        if window:
            start = stop["arrival_s"] + stop["wait_s"]
            assert any(parse_clock_s(a, "") <= start <= parse_clock_s(b, "") for a, b in window)
        assert stop["lateness_s"] == 0
    # 5 km at 30 km/h = 10 min: the first leg to A or D1 is exact on a flat profile
    for route in payload["routes"]:
        first = route["details"][0]
        if first["order"] == "A" and first["wait_s"] == 0:
            assert first["arrival_s"] - route["start_s"] == pytest.approx(600, abs=1)


def test_csv_orders_fleet_and_depots(enclave_home, logistics_host, tmp_path):
    def write(name, rows):
        path = tmp_path / name
        with path.open("w", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
        return path

    orders = write("orders.csv", [
        {"id": f"C{k}", "lat": 52.37 + 0.01 * k, "lon": 4.89 + 0.005 * k, "demand": 2,
         "time_windows": "09:00-12:00;14:00-16:00", "service_min": 5} for k in range(8)])
    fleet = write("fleet.csv", [{"id": "V", "capacity": 10, "start_depot": "AMS", "count": 2,
                                 "shift_start": "08:00", "shift_end": "17:00",
                                 "cost_per_km": 0.5, "cost_per_hour": 20}])
    depots = write("depots.csv", [{"id": "AMS", "lat": 52.36, "lon": 4.88}])
    job, payload = run_task("logistics.routes", [orders, fleet, depots], {"time_limit": 1})
    assert job.status == "succeeded", job.error
    assert sorted(_stops(payload)) == sorted(f"C{k}" for k in range(8))
    assert {r["vehicle"] for r in payload["routes"]} <= {"V-1", "V-2"}
    assert all(sum(r["load"]) <= 10 for r in payload["routes"])


@pytest.mark.parametrize("mutate, expected", [
    (lambda d: d["orders"][0].pop("x"), "order 'A' is missing coordinates"),
    (lambda d: d["orders"].append(dict(d["orders"][1])), "duplicate order id(s): B"),
    (lambda d: d["orders"][1].update(time_windows=[["11:00", "09:00"]]),
     "ends (09:00) before it starts (11:00)"),
    (lambda d: d["vehicles"][0].update(start_depot="NOWHERE"), "unknown depot 'NOWHERE'"),
    (lambda d: d["orders"][2].update(demand=["lots"]), "non-numeric demand"),
])
def test_bad_input_names_file_and_problem(enclave_home, logistics_host, tmp_path, mutate,
                                          expected):
    doc = planar_problem()
    mutate(doc)
    path = write_json(tmp_path / "bad.json", doc)
    job, payload = run_task("logistics.routes", [path], {"time_limit": 0.5})
    assert payload is None and job.status == "failed"
    assert job.error_kind == "user"
    assert str(path) in job.error and expected in job.error


def test_unreachable_via_user_matrix(enclave_home, logistics_host, tmp_path):
    doc = planar_problem(orders=planar_problem()["orders"][:2])
    ids = ["D", "A", "B"]
    durations = [[0, 600, 900], [600, 0, None], [900, None, 0]]
    doc["travel"] = {"matrix": {"ids": ids, "durations_s": durations}}
    doc["orders"].append({"id": "ISLAND", "x": 50, "y": 50, "demand": [1, 1]})
    doc["travel"]["matrix"]["ids"].append("ISLAND")
    for row in durations:
        row.append(None)
    durations.append([None, None, None, 0])
    job, payload = run_task("logistics.routes", [write_json(tmp_path / "m.json", doc)],
                            {"time_limit": 0.5})
    assert job.status == "succeeded", job.error
    reasons = {u["order"]: u["reason"] for u in payload["unassigned"]}
    assert reasons == {"ISLAND": "unreachable"}
    # A and B cannot be chained (no road A<->B), so they ride separately or via the depot
    for route in payload["routes"]:
        assert route["stops"] in (["A"], ["B"])


def test_speed_profile_slows_rush_hour_legs():
    profile = SpeedModel([SpeedPeriod(8 * 3600, 9 * 3600, 0.5)])
    assert profile.arrive(7 * 3600, 600) == 7 * 3600 + 600
    assert profile.arrive(8 * 3600, 600) == 8 * 3600 + 1200
    # half an hour free flow starting 07:45: 15 min at full speed, then 30 min at half
    assert profile.arrive(7 * 3600 + 2700, 1800) == 8 * 3600 + 1800
    assert profile.mean_slowdown(8 * 3600, 9 * 3600) == pytest.approx(2.0, rel=0.01)
