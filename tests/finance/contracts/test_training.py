"""`enclave finance train-clauses` reproduces a detector from CUAD (small run) and it loads."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from plugins.finance.contracts.categories import CUAD_CATEGORIES
from plugins.finance.contracts.cli import train_clauses
from plugins.finance.contracts.detector import load_detector
from plugins.finance.contracts.training import load_cuad


def test_cuad_spans_are_located_in_the_texts(shared_data) -> None:
    contracts = load_cuad(shared_data / "cuad", limit=15)
    assert len(contracts) == 15
    for c in contracts:
        # every contract names its parties; the highlighted text must be found in a unit
        j = CUAD_CATEGORIES.index("Parties")
        assert c.doc_labels[j] and c.unit_labels[:, j].any(), c.key


def test_train_clauses_command_writes_a_working_detector(shared_data, tmp_path: Path) -> None:
    out = tmp_path / "detector.joblib"
    result = CliRunner().invoke(train_clauses, [
        "--cuad-dir", str(shared_data / "cuad"), "--out", str(out), "--limit", "12",
        "--folds", "2"])
    assert result.exit_code == 0, result.output
    assert "macro-F1" in result.output and "Governing Law" in result.output
    detector = load_detector(out)
    assert detector.categories == list(CUAD_CATEGORIES)
    scores = detector.score(["This Agreement shall be governed by the laws of the State of "
                             "New York.", "The parties shall meet monthly."])
    law = CUAD_CATEGORIES.index("Governing Law")
    assert scores[0, law] > scores[1, law]
