"""Hooks of the station capability: the operator page and the feedback CLI."""

from __future__ import annotations

from pathlib import Path

import click

from core.hookspecs import PageSpec

HERE = Path(__file__).resolve().parent


def register_pages(register) -> None:
    """The touchscreen inspection station for line operators."""
    register(PageSpec(domain="industrial", title="Inspection station", script=HERE / "page.py",
                      roles=("operator",), icon="🏭", order=30))


def register_cli(group: click.Group) -> None:
    """``enclave industrial feedback SERIAL confirm|override --reason ...`` and ``counters``."""

    @group.command("feedback")
    @click.argument("serial")
    @click.argument("decision", type=click.Choice(["confirm", "override"]))
    @click.option("--reason", default="", help="why (required for an override)")
    @click.option("--actor", default="cli")
    def feedback_cmd(serial: str, decision: str, reason: str, actor: str) -> None:
        """Confirm or override a part's verdict (stored for the next re-fit)."""
        from core.store import Store
        from plugins.industrial.station.records import record_feedback
        payload = record_feedback(Store(), serial, decision, actor, reason)
        click.echo(f"{serial}: {payload['feedback']['final_verdict']} ({decision})")

    @group.command("counters")
    @click.option("--line", default=None)
    @click.option("--shift", default=None)
    def counters_cmd(line: str | None, shift: str | None) -> None:
        """Parts, rejects, reject rate and throughput (all time, or one line/shift)."""
        import json

        from core.store import Store
        from plugins.industrial.station.records import shift_counters
        click.echo(json.dumps(shift_counters(Store(), line=line, shift=shift), indent=1))
