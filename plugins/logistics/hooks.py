"""Logistics hooks: routing tasks, the dispatch board page, CLI, demo samples, beat job."""

from __future__ import annotations

from pathlib import Path

from core.hookspecs import PageSpec, SampleInput
from plugins.logistics.dispatch.sessions import periodic_jobs as _periodic_jobs

HERE = Path(__file__).resolve().parent
SAMPLE_DAY = HERE / "samples" / "depot_day.json"
SAMPLE_REPLAN = HERE / "samples" / "replan_state.json"


def register_tasks(register) -> None:
    """``logistics.routes`` and ``logistics.replan``."""
    from plugins.logistics.tasks import REPLAN, ROUTES

    register(ROUTES)
    register(REPLAN)


def register_pages(register) -> None:
    """The dispatch board."""
    register(PageSpec(domain="logistics", title="Dispatch board", script=HERE / "board.py",
                      roles=("dispatcher",), icon="🚚", order=10))


def register_cli(group) -> None:
    """``enclave logistics simulate|start|sessions|live``."""
    from plugins.logistics.cli import add_commands

    add_commands(group)


def sample_inputs(register) -> None:
    """A one-depot day with 30 orders and 4 vans, planned in 3 s, and its 11:30 re-plan."""
    register(SampleInput(task="logistics.routes", inputs=(SAMPLE_DAY,),
                         params={"time_limit": 3},
                         description="30 orders (kg + pallets, windows) around a Lyon depot"))
    register(SampleInput(task="logistics.replan", inputs=(SAMPLE_REPLAN,),
                         params={"time_limit": 1.2},
                         description="that day at 11:30: a new order, a cancellation, a "
                                     "slowed zone and a van breakdown"))


def periodic_jobs(register) -> None:
    """Re-plan live dispatch sessions every 15 s (configurable)."""
    _periodic_jobs(register)
