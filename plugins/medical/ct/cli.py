"""``enclave medical phantom``: synthetic chest CT series with known nodules, for tests,
benchmarks and demonstrations without patient data."""

from __future__ import annotations

import json
from pathlib import Path

import click


def _parse_nodules(spec: str) -> list[dict] | None:
    """"8:spherical,12:irregular" -> nodule dicts; empty -> None (random 3-5 nodules)."""
    if not spec:
        return None
    out = []
    for part in spec.split(","):
        size, _, kind = part.partition(":")
        try:
            out.append({"diameter_mm": float(size), "kind": kind or "spherical"})
        except ValueError as exc:
            raise click.BadParameter(f"{part!r}: expected SIZE_MM[:spherical|irregular]") from exc
        if out[-1]["kind"] not in ("spherical", "irregular"):
            raise click.BadParameter(f"{part!r}: kind must be spherical or irregular")
    return out


@click.command("phantom")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--seed", default=0, show_default=True, help="random seed (anatomy, nodules, noise)")
@click.option("--slices", default=80, show_default=True)
@click.option("--size", default=192, show_default=True, help="rows = columns")
@click.option("--spacing", default="1.8,1.8,3.0", show_default=True, help="x,y,z in mm")
@click.option("--nodules", default="", help='e.g. "8:spherical,12:irregular" (default: random)')
@click.option("--patient-name", default="PHANTOM^CHEST", show_default=True)
def phantom_command(folder: Path, seed: int, slices: int, size: int, spacing: str, nodules: str,
                    patient_name: str) -> None:
    """Write a synthetic chest CT series (CT Image Storage) and truth.json into FOLDER."""
    from plugins.medical.ct.dicom_writer import write_series
    from plugins.medical.ct.phantom import make_chest_phantom

    try:
        sx, sy, sz = (float(v) for v in spacing.split(","))
    except ValueError as exc:
        raise click.BadParameter("--spacing must be three numbers: x,y,z") from exc
    volume, truth = make_chest_phantom(seed=seed, nodules=_parse_nodules(nodules),
                                       shape=(slices, size, size), spacing=(sx, sy, sz))
    write_series(volume, folder, patient_name=patient_name, patient_id=f"PHANTOM-{seed:04d}")
    (folder / "truth.json").write_text(json.dumps(truth.to_dict(), indent=2))
    click.echo(f"wrote {slices} slices to {folder}; {len(truth.nodules)} nodule(s): " + ", ".join(
        f"{n.kind} {n.diameter_mm:.1f} mm at {n.position_mm}" for n in truth.nodules))
