"""``enclave logistics ...``: simulate a day, open dispatch sessions, switch live re-planning."""

from __future__ import annotations

import json
from pathlib import Path

import click

from core.errors import UserError


def _problem(path: Path | None):
    from plugins.logistics.hooks import SAMPLE_DAY
    from plugins.logistics.routing.loaders import load_problem

    return load_problem([path or SAMPLE_DAY])


def add_commands(group: click.Group) -> None:
    """Attach the logistics sub-commands to ``group``."""

    @group.command("simulate")
    @click.argument("orders", required=False, type=click.Path(exists=True, path_type=Path))
    @click.option("--step-min", default=15, show_default=True, help="Simulated minutes per step.")
    @click.option("--time-limit", default=1.0, show_default=True, help="Seconds per re-plan.")
    @click.option("--seed", default=0, show_default=True)
    @click.option("--save", "session_id", default=None, help="Store the session under this id.")
    @click.option("--json", "as_json", is_flag=True, help="Print the timeline as JSON.")
    def simulate(orders, step_min, time_limit, seed, session_id, as_json):
        """Play a day (new orders, a traffic jam, a breakdown) through the re-planner."""
        from plugins.logistics.dispatch.simulator import simulate_day

        try:
            problem = _problem(orders)
        except UserError as exc:
            raise click.ClickException(str(exc)) from exc

        def show(row):
            if not as_json:
                events = ("  <- " + "; ".join(row["events"])) if row["events"] else ""
                click.echo(f"{row['now']}  done {row['done']:3d}  planned {row['planned']:3d}  "
                           f"unassigned {row['unassigned']:2d}  moved {row['moved']:2d}  "
                           f"late {row['late_stops']:2d}  {row['distance_km']:7.1f} km{events}")

        report = simulate_day(problem, seed=seed, step_s=int(step_min * 60),
                              time_limit_s=time_limit, on_step=show)
        if session_id:
            from core.store import Store
            from plugins.logistics.dispatch.sessions import save_session

            report.session["id"] = session_id
            save_session(Store(), report.session, actor="cli")
        if as_json:
            click.echo(json.dumps({"timeline": report.timeline, "totals": report.totals},
                                  indent=1))
        else:
            click.echo(json.dumps(report.totals))

    @group.command("start")
    @click.argument("orders", nargs=-1, type=click.Path(exists=True, path_type=Path))
    @click.option("--id", "session_id", required=True, help="Session id.")
    @click.option("--time-limit", default=5.0, show_default=True)
    @click.option("--every-s", default=15.0, show_default=True, help="Live re-plan interval.")
    @click.option("--wall-clock/--simulated-clock", default=True, show_default=True)
    def start(orders, session_id, time_limit, every_s, wall_clock):
        """Plan ORDERS (JSON/CSV) and open a live dispatch session."""
        from core.store import Store
        from plugins.logistics.dispatch.replan import new_session
        from plugins.logistics.dispatch.sessions import save_session, wall_clock_s
        from plugins.logistics.routing.loaders import load_problem
        from plugins.logistics.routing.plan import PlanRequest, plan_problem

        try:
            problem = load_problem(list(orders)) if orders else _problem(None)
        except UserError as exc:
            raise click.ClickException(str(exc)) from exc
        plan = plan_problem(PlanRequest(problem=problem, time_limit_s=time_limit))
        session = new_session(problem, plan, session_id=session_id, every_s=every_s)
        session.update({"live": True, "clock": "wall" if wall_clock else "simulated"})
        if wall_clock:
            session["now_s"] = wall_clock_s()
        save_session(Store(), session, actor="cli")
        click.echo(f"session {session_id}: {len(plan.routes)} routes, cost {plan.cost}, "
                   f"{len(plan.unassigned)} unassigned; live re-planning every {every_s:g} s")

    @group.command("sessions")
    @click.option("--all", "show_all", is_flag=True, help="Include closed sessions.")
    def sessions(show_all):
        """List dispatch sessions."""
        from core.store import Store
        from plugins.logistics.dispatch.sessions import list_sessions

        for s in list_sessions(Store(), None if show_all else "active"):
            click.echo(f"{s['id']}  {s.get('status')}  live={s.get('live')}  "
                       f"now={s.get('now_s', 0) // 3600:02d}:{s.get('now_s', 0) % 3600 // 60:02d}"
                       f"  v{s.get('version', 0)}  {s.get('name', '')}")

    @group.command("live")
    @click.argument("session_id")
    @click.option("--on/--off", default=True)
    @click.option("--close", is_flag=True, help="Close the session.")
    def live(session_id, on, close):
        """Switch a session's live re-planning on or off, or close it."""
        from core.store import Store
        from plugins.logistics.dispatch.sessions import load_session, save_session

        store = Store()
        session = load_session(store, session_id)
        if session is None:
            raise click.ClickException(f"no dispatch session {session_id!r}")
        session["live"] = on and not close
        save_session(store, session, actor="cli", status="closed" if close else "active")
        click.echo(f"session {session_id}: live={session['live']}"
                   + (" (closed)" if close else ""))
