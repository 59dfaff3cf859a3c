"""VRPLIB and Solomon instances from ../shared/data: numbering, objective convention, gap."""

from __future__ import annotations

import csv

import pytest
from pyvrp import read

from core.runner import run_task
from plugins.logistics.routing.vrplib_io import solution_from_stops


def test_solomon_r101_near_best_known(enclave_home, logistics_host, shared_data):
    path = shared_data / "vrp" / "solomon" / "R101.vrp"
    bks = {r["instance"]: float(r["bks_from_filename"])
           for r in csv.DictReader((path.parent / "bks.csv").open())}["R101"]
    job, payload = run_task("logistics.routes", [path], {"time_limit": 2, "seed": 1})
    assert job.status == "succeeded", job.error
    stops = [s for r in payload["routes"] for s in r["stops"]]
    assert sorted(stops) == list(range(1, 101))  # VRPLIB numbering: clients 1..n
    assert payload["bks"] == bks
    assert payload["distance"] <= bks * 1.05  # within a few % after 2 s on a shared CPU
    # the objective follows DIMACS one-decimal truncation: recompute it independently
    data = read(path, round_func="dimacs")
    sol = solution_from_stops(data, [r["stops"] for r in payload["routes"]])
    assert sol.is_feasible()
    assert payload["distance"] == pytest.approx(sol.distance() / 10, abs=1e-9)
    assert len(payload["routes"]) <= 20  # the file's VEHICLES limit


def test_x_instance_uses_rounded_distances_and_solution_numbering(enclave_home, logistics_host,
                                                                   shared_data):
    path = shared_data / "vrp" / "cvrplib_x" / "X-n101-k25.vrp"
    job, payload = run_task("logistics.routes", [path], {"time_limit": 1})
    assert job.status == "succeeded", job.error
    data = read(path, round_func="round")
    sol = solution_from_stops(data, [r["stops"] for r in payload["routes"]])
    assert sol.is_feasible() and sol.distance() == payload["distance"]
    assert payload["gap_pct"] is not None and payload["gap_pct"] < 6
    for route in payload["routes"]:
        assert route["load"][0] <= 206


def test_solomon_text_format(enclave_home, logistics_host, shared_data, tmp_path):
    """The original Solomon .txt layout, written from the VRPLIB copy of R201."""
    import vrplib

    inst = vrplib.read_instance(shared_data / "vrp" / "solomon" / "R201.vrp")
    lines = ["R201", "", "VEHICLE", "NUMBER     CAPACITY",
             f"  {inst['vehicles']}         {inst['capacity']}", "", "CUSTOMER",
             "CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME", ""]
    for k, ((x, y), q, (a, b)) in enumerate(zip(inst["node_coord"], inst["demand"],
                                                 inst["time_window"], strict=True)):
        service = 0 if k == 0 else inst["service_time"]
        lines.append(f"{k:5d} {x:9.0f} {y:9.0f} {q:9.0f} {a:9.0f} {b:9.0f} {service:9.0f}")
    path = tmp_path / "c101.txt"
    path.write_text("\n".join(lines) + "\n")
    job, payload = run_task("logistics.routes", [path], {"time_limit": 1})
    assert job.status == "succeeded", job.error
    assert sorted(s for r in payload["routes"] for s in r["stops"]) == list(range(1, 101))
    assert payload["distance_unit"] == "instance (dimacs)"


def test_corrupt_instance_is_a_user_error(enclave_home, logistics_host, tmp_path):
    path = tmp_path / "broken.vrp"
    path.write_text("NAME : broken\nTYPE : CVRP\nDIMENSION : 3\nNODE_COORD_SECTION\n1 0\n")
    job, payload = run_task("logistics.routes", [path], {"time_limit": 0.5})
    assert payload is None and job.status == "failed" and job.error_kind == "user"
    assert str(path) in job.error
