"""The two logistics tasks: plan routes (``logistics.routes``) and re-plan (``logistics.replan``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from core.errors import UserError
from core.tasks import InputSpec, TaskContext, TaskSpec
from plugins.logistics.dispatch.replan import apply_changes, new_session, replan_session
from plugins.logistics.dispatch.sessions import SESSION_KIND, load_session, save_session
from plugins.logistics.routing.loaders import load_problem, problem_from_dict
from plugins.logistics.routing.plan import PlanRequest, plan_problem
from plugins.logistics.routing.results import ReplanResult, RoutesResult
from plugins.logistics.routing.vrplib_io import is_instance_file, solve_instance


class RoutesParams(BaseModel):
    """Parameters of ``logistics.routes``."""

    time_limit: float = Field(5.0, gt=0, le=3600, description="solver time in seconds")
    seed: int = 0
    rounding: str = Field("auto", description="VRPLIB files: auto, dimacs, round, exact, none")
    osrm_url: str | None = Field(None, description="OSRM server for road travel times")
    session: str | None = Field(None, description="also open a dispatch session with this id")


class ReplanParams(BaseModel):
    """Parameters of ``logistics.replan``."""

    session: str | None = Field(None, description="stored dispatch session to re-plan")
    time_limit: float = Field(1.2, gt=0, le=600, description="solver seconds (the whole "
                              "re-plan takes ~0.3 s more on an idle core)")
    seed: int = 0
    reassign_penalty_km: float = Field(
        20.0, ge=0, description="moving a committed stop costs as much as this many km")
    now: str | None = Field(None, description="clock time to re-plan at (HH:MM)")


def run_routes(ctx: TaskContext, inputs: list[Path], params: RoutesParams) -> RoutesResult:
    """Plan routes for an orders+fleet file set or a VRPLIB/Solomon instance."""
    instances = [p for p in inputs if is_instance_file(p)]
    ctx.progress(0, 1, "reading input")
    if instances:
        if len(inputs) > 1:
            raise UserError(f"{instances[0]}: pass a VRPLIB/Solomon instance on its own")
        result = solve_instance(instances[0], params.time_limit, params.seed, params.rounding)
    else:
        problem = load_problem(inputs)
        if params.osrm_url:
            problem.travel.mode, problem.travel.osrm_url = "osrm", params.osrm_url
        result = plan_problem(PlanRequest(problem=problem, time_limit_s=params.time_limit,
                                          seed=params.seed),
                              progress=lambda m: ctx.progress(0.1, 1, m))
        if params.session:
            session = new_session(problem, result, session_id=params.session)
            save_session(ctx.store, session, actor=ctx.actor, job_id=ctx.job_id)
            result.notes.append(f"dispatch session {params.session} opened")
    ctx.progress(1, 1, "planned")
    return result


def run_replan(ctx: TaskContext, inputs: list[Path], params: ReplanParams) -> ReplanResult:
    """Re-plan a stored session (optionally with a changes file) or a self-contained state file."""
    doc: dict[str, Any] = {}
    if inputs:
        try:
            doc = json.loads(inputs[0].read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise UserError(f"{inputs[0]}: not valid JSON ({exc})") from exc
        if not isinstance(doc, dict):
            raise UserError(f"{inputs[0]}: expected a JSON object (state or changes)")
    source = str(inputs[0]) if inputs else f"session {params.session}"
    session_id = params.session or doc.get("session")
    stored = load_session(ctx.store, session_id) if session_id and "problem" not in doc else None
    if session_id and "problem" not in doc and stored is None:
        raise UserError(f"no dispatch session {session_id!r}; start one with logistics.routes "
                        "--set session=ID or pass a state file with 'problem' and 'plan'")
    if stored is not None:
        session = stored
    elif "problem" in doc:
        problem = problem_from_dict(doc["problem"], source)
        if doc.get("plan") is None:
            raise UserError(f"{source}: a state file needs the current 'plan' (a "
                            "logistics.routes result) next to 'problem'")
        try:
            plan = RoutesResult.model_validate(doc["plan"])
        except ValueError as exc:
            raise UserError(f"{source}: 'plan' is not a logistics.routes result ({exc})") from exc
        session = new_session(problem, plan, session_id=session_id)
        session["id"] = session_id  # None: a one-off re-plan that is not stored
        session["progress"] = doc.get("progress") or {}
        session["traffic"] = doc.get("current_traffic") or {}
    else:
        raise UserError(f"{source}: give a session (--set session=ID) or a state file with "
                        "'problem' and 'plan'")
    apply_changes(session, doc, source)
    if params.now:
        apply_changes(session, {"now": params.now}, "params")
    ctx.progress(0, 1, "re-planning")
    result = replan_session(session, time_limit_s=params.time_limit, seed=params.seed,
                            reassign_penalty_km=params.reassign_penalty_km, source=source)
    if session_id:
        save_session(ctx.store, session, actor=ctx.actor, job_id=ctx.job_id)
    ctx.progress(1, 1, result.diff.summary)
    return result


ROUTES = TaskSpec(
    name="logistics.routes", title="Plan vehicle routes", run=run_routes,
    result_model=RoutesResult, params_model=RoutesParams,
    inputs=InputSpec(extensions=(".json", ".csv", ".vrp", ".txt"), min_count=1, max_count=3,
                     description="orders+fleet JSON/CSV, or one VRPLIB/Solomon instance"),
    description="Vehicle routing with capacities, time windows and shifts (PyVRP).",
    export_row=lambda r: {"cost": r.cost, "distance": r.distance, "vehicles": len(r.routes),
                          "unassigned": len(r.unassigned), "gap_pct": r.gap_pct})
REPLAN = TaskSpec(
    name="logistics.replan", title="Re-plan a dispatch session", run=run_replan,
    result_model=ReplanResult, params_model=ReplanParams,
    inputs=InputSpec(extensions=(".json",), min_count=0, max_count=1,
                     description="changes or a full state (problem, plan, progress)"),
    description="Re-optimise the unexecuted part of a plan after changes; returns a diff.")

__all__ = ["ROUTES", "REPLAN", "SESSION_KIND"]
