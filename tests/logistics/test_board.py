"""The dispatch board: pure view builders and the Streamlit page itself (AppTest)."""

from __future__ import annotations

import bcrypt
from streamlit.testing.v1 import AppTest

from plugins.logistics.board_view import diff_rows, route_map, vehicles_table
from plugins.logistics.dispatch.replan import apply_changes, new_session, replan_session
from plugins.logistics.dispatch.sessions import load_session, save_session
from plugins.logistics.hooks import HERE
from plugins.logistics.routing.loaders import load_problem
from plugins.logistics.routing.plan import PlanRequest, plan_problem
from tests.ui.seeding import add_user


def _replanned_session(sample_day):
    problem = load_problem([sample_day])
    plan = plan_problem(PlanRequest(problem=problem, time_limit_s=0.5))
    session = new_session(problem, plan, session_id="board-1")
    # break down the van with the most work left after 11:00, so stops must move
    victim = max(plan.routes, key=lambda r: sum(s.arrival_s > 39600 for s in r.details))
    apply_changes(session, {"now": "11:00", "vehicles": {victim.vehicle: {"available": False}}})
    replan_session(session, time_limit_s=0.5)
    return session


def test_view_builders_show_routes_done_stops_and_diff(sample_day):
    session = _replanned_session(sample_day)
    plan, diff = session["plan"], session["last_diff"]
    fixed = {v: p["completed"] + ([p["in_service"]] if p["in_service"] else [])
             for v, p in session["progress"].items()}
    fig = route_map(plan, diff=diff, fixed=fixed, orders=session["problem"]["orders"])
    names = [t.name for t in fig.data]
    assert sum(1 for n in names if n.startswith("VAN")) == len(plan["routes"])
    assert "done" in names and "depot" in names
    assert "changed in last re-plan" in names  # VAN2's stops went to other vans
    assert all(t.type == "scatter" for t in fig.data)  # no tile map unless configured
    tiled = route_map(plan, orders=session["problem"]["orders"],
                      tile_url="http://tiles.local/{z}/{x}/{y}.png")
    assert tiled.data[0].type == "scattermap"
    assert tiled.layout.map.layers[0].source == ("http://tiles.local/{z}/{x}/{y}.png",)
    victim = [v for v, p in session["progress"].items() if not p["available"]]
    rows = vehicles_table(plan, fixed, victim, session["problem"]["vehicles"])
    assert [r["vehicle"] for r in rows] == ["VAN1", "VAN2", "VAN3", "VAN4"]
    assert [r["status"] for r in rows if r["vehicle"] == victim[0]] == ["out of service"]
    moved, etas = diff_rows(diff)
    assert any(m["from"] == victim[0] for m in moved)
    assert [abs(e["Δ min"]) for e in etas] == sorted((abs(e["Δ min"]) for e in etas),
                                                     reverse=True)


def test_board_page_renders_and_toggles_live(enclave_home, logistics_host, store, sample_day):
    add_user(store, "dina", "dispatcher",
             bcrypt.hashpw(b"pw-dispatch-1", bcrypt.gensalt(rounds=4)).decode())
    save_session(store, _replanned_session(sample_day), actor="test")
    at = AppTest.from_file(str(HERE / "board.py"), default_timeout=60)
    at.session_state["enclave_user"] = "dina"
    at.run()
    assert not at.exception, at.exception
    assert [m.label for m in at.metric][:3] == ["Clock", "Stops done", "Stops planned"]
    assert at.metric[0].value == "11:00"
    assert len(at.dataframe) >= 2
    at.toggle[0].set_value(True).run()
    assert not at.exception
    assert load_session(store, "board-1")["live"] is True


def test_board_refuses_other_roles(enclave_home, logistics_host, store):
    add_user(store, "ana", "analyst",
             bcrypt.hashpw(b"pw-analyst-1", bcrypt.gensalt(rounds=4)).decode())
    at = AppTest.from_file(str(HERE / "board.py"), default_timeout=30)
    at.session_state["enclave_user"] = "ana"
    at.run()
    assert any("Access denied" in str(e.value) for e in at.error)
