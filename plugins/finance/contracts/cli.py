"""``enclave finance train-clauses``: retrain the clause detectors on CUAD and report CV figures."""

from __future__ import annotations

import os
from pathlib import Path

import click

from plugins.finance.contracts.detector import ARTEFACT
from plugins.finance.contracts.segments import CONTEXT_CHARS


def _default_cuad() -> Path:
    shared = os.environ.get("ENCLAVE_SHARED_DATA")
    if shared:
        return Path(shared) / "cuad"
    return Path(__file__).resolve().parents[3].parent / "shared" / "data" / "cuad"


@click.command("train-clauses")
@click.option("--cuad-dir", type=click.Path(path_type=Path), default=_default_cuad,
              show_default="../shared/data/cuad", help="folder with labels.csv and txt/")
@click.option("--out", type=click.Path(path_type=Path), default=ARTEFACT, show_default=True,
              help="where to write the detector (a site copy goes to ENCLAVE_HOME/models/finance/)")
@click.option("--folds", default=5, show_default=True, help="cross-validation folds")
@click.option("--limit", type=int, default=None, help="use only the first N contracts")
@click.option("--negative-fraction", default=1.0, show_default=True,
              help="share of all-negative units kept for training")
@click.option("--char-ngrams/--no-char-ngrams", default=False, show_default=True,
              help="add character 4-5-gram features (slower, larger artefact)")
@click.option("--context-chars", default=CONTEXT_CHARS, show_default=True,
              help="characters of each neighbouring unit used as features (0: the unit alone)")
def train_clauses(cuad_dir: Path, out: Path, folds: int, limit: int | None,
                  negative_fraction: float, char_ngrams: bool, context_chars: int) -> None:
    """Train the 41 CUAD clause detectors (CUAD v1, The Atticus Project, CC BY 4.0)."""
    from plugins.finance.contracts.training import train

    if not (cuad_dir / "labels.csv").is_file():
        raise click.UsageError(f"{cuad_dir}: no labels.csv here; pass --cuad-dir")
    metrics = train(cuad_dir, out, folds=folds, limit=limit, char_ngrams=char_ngrams,
                    negative_fraction=negative_fraction, context_chars=context_chars,
                    log=click.echo)
    click.echo(f"{'category':40s} {'F1':>6s} {'P':>6s} {'R':>6s} {'docs':>5s}")
    for cat, m in metrics["per_category"].items():
        click.echo(f"{cat:40s} {m['f1']:6.3f} {m['precision']:6.3f} {m['recall']:6.3f} "
                   f"{m['support']:5d}")
    click.echo(f"document-level {folds}-fold CV: macro-F1 {metrics['macro_f1']:.3f}, "
               f"micro-F1 {metrics['micro_f1']:.3f} (nested threshold tuning)")
