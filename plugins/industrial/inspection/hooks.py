"""Hooks of the inspection capability: fit/inspect tasks, CLI (versions, rollback, watch), samples."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import click

from core.hookspecs import SampleInput
from plugins.industrial.inspection import registry
from plugins.industrial.inspection.tasks import FIT_TASK, INSPECT_TASK

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def register_tasks(register) -> None:
    """Register ``industrial.fit`` and ``industrial.inspect``."""
    register(FIT_TASK)
    register(INSPECT_TASK)


def sample_inputs(register) -> None:
    """Generated part images: fit the demo line, then inspect a defective part."""
    register(SampleInput(task="industrial.fit", inputs=(SAMPLES / "parts_good",),
                         params={"line": "demo"},
                         description="24 generated good parts (brushed plate)"))
    register(SampleInput(task="industrial.inspect", inputs=(SAMPLES / "part_scratch.png",),
                         params={"line": "demo", "serial": "DEMO-0001", "station": "S1"},
                         description="a generated part with a scratch"))


def register_cli(group: click.Group) -> None:
    """``enclave industrial versions|rollback|watch``."""

    @group.command("versions")
    @click.option("--line", required=True, help="product line name")
    @click.option("--json", "as_json", is_flag=True, help="print JSON")
    def versions_cmd(line: str, as_json: bool) -> None:
        """List a line's model versions (the current one is marked *)."""
        rows = registry.versions(line)  # a UserError becomes a one-line message, exit 2
        if as_json:
            click.echo(json.dumps(rows, indent=1))
            return
        if not rows:
            click.echo(f"line {line!r} has no fitted model; enclave run industrial.fit GOOD_DIR "
                       f"--set line={line}")
            return
        for m in rows:
            mark = "*" if m["current"] else " "
            thr = m.get("threshold")
            thr_s = f"{thr:.4f}" if thr is not None else "-"
            cls = (m.get("classifier") or {}).get("classes") or []
            click.echo(f"{mark} v{m['version']:<4d} {m['created_at'][:19]}  threshold {thr_s}  "
                       f"good {m['good_images']}  defects {m['defect_images']}  "
                       f"classes {','.join(cls) or '-'}  by {m.get('created_by')}")

    @group.command("rollback")
    @click.option("--line", required=True)
    @click.option("--to", "to_version", type=int, default=None,
                  help="version to make current (default: the one before)")
    def rollback_cmd(line: str, to_version: int | None) -> None:
        """Make an older model version of a line current again."""
        from core.store import Store
        version = registry.rollback(line, actor="cli", to_version=to_version)
        Store().audit("cli", "industrial.model.rollback", "industrial.line", line, version=version)
        click.echo(f"line {line}: now using v{version}")

    @group.command("watch")
    @click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
    @click.option("--line", required=True)
    @click.option("--station", default=None)
    @click.option("--shift", default=None)
    @click.option("--machine", default=None, help="machine whose health joins each record")
    @click.option("--existing", is_flag=True, help="also inspect images already in the folder")
    def watch_cmd(folder: Path, line: str, station: str | None, shift: str | None,
                  machine: str | None, existing: bool) -> None:
        """Inspect every image that lands in FOLDER (Ctrl-C to stop)."""
        from plugins.industrial.inspection.watch import watch_folder
        registry.check_line(line)
        params = {"line": line, "station": station, "shift": shift, "machine": machine}
        params = {k: v for k, v in params.items() if v is not None}

        def show(path: Path, job, payload) -> None:
            if payload is None or isinstance(payload, Exception):
                reason = payload if isinstance(payload, Exception) else (job.error if job else "?")
                click.echo(f"{path.name}: ERROR {reason}")
            else:
                kind = f" ({payload['defect_type']})" if payload.get("defect_type") else ""
                click.echo(f"{path.name}: {payload['verdict'].upper()}{kind} "
                           f"score {payload['score']:.3f}/{payload['threshold']:.3f}")

        stop = threading.Event()
        click.echo(f"watching {folder} for line {line} (Ctrl-C to stop)")
        try:
            watch_folder(folder, params, show, stop, existing=existing)
        except KeyboardInterrupt:
            stop.set()
