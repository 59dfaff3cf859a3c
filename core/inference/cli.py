"""``enclave models``: the status of every model role (the lead mounts ``models_command``)."""

from __future__ import annotations

import json
import sys

import click

from core.inference.status import COLUMNS


def _fmt(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


@click.command("models")
@click.option("--json", "as_json", is_flag=True, help="Print the rows as JSON.")
@click.option("--load", "load_roles", multiple=True, metavar="ROLE",
              help="Load these roles first (warm-up; repeatable) and show their load time.")
def models_command(as_json: bool, load_roles: tuple[str, ...]) -> None:
    """List model roles: backend, source, loaded, precision, device, memory, latency, batching."""
    from rich.console import Console
    from rich.table import Table

    from core.inference import get_core

    core = get_core()
    for role in load_roles:
        seconds = core.load(role)
        if not as_json:
            click.echo(f"loaded {role} in {seconds:.2f} s")
    rows = core.status()
    if as_json:
        click.echo(json.dumps(rows, indent=2, default=str))
        return
    table = Table(title=f"Model roles (memory budget {core.registry.budget_mb:g} MB, "
                        f"resident {core.registry.resident_mb():.1f} MB)")
    for column in COLUMNS + ("note",):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(_fmt(row.get(c)) for c in COLUMNS + ("note",)))
    console = Console() if sys.stdout.isatty() else Console(width=200)  # no wrap in pipes
    console.print(table)
    click.echo("Configure roles under [models.<role>] in enclave.toml or with "
               "ENCLAVE_MODEL_<ROLE>_SOURCE / _BACKEND / _PRECISION.")
