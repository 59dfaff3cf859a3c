"""`enclave finance train-clauses` reproduces a detector from CUAD (small run) and it loads."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from plugins.finance.contracts.categories import CUAD_CATEGORIES
from plugins.finance.contracts.cli import train_clauses
from plugins.finance.contracts.detector import load_detector
from plugins.finance.contracts.segments import split_segments, unit_contexts
from plugins.finance.contracts.training import f1_table, load_cuad, nested_predictions


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
    assert detector.context_vectorizer is not None  # neighbours are features by default
    text = ("This Agreement shall be governed by the laws of the State of New York. "
            "The parties shall meet monthly to review the plan.")
    units = split_segments(text)
    scores = detector.score([text[s:e] for s, e in units], unit_contexts(text, units))
    law = CUAD_CATEGORIES.index("Governing Law")
    assert scores[0, law] > scores[1, law]
    with pytest.raises(ValueError, match="contexts"):
        detector.score([text])
    # out-of-fold scores stay beside the artefact: CV figures come back without retraining
    cv = np.load(out.with_name("detector.cv.npz"))
    assert cv["top_scores"].shape == (12, 3, len(CUAD_CATEGORIES))
    assert (cv["top_scores"][:, 0] >= cv["top_scores"][:, 1]).all()
    nested = nested_predictions(cv["oof"], cv["truth"], cv["fold_of"])
    assert f1_table(nested, cv["truth"])["macro_f1"] == pytest.approx(
        detector.metrics["macro_f1"])


def test_unit_contexts_are_the_neighbouring_units() -> None:
    text = ("Neither party may assign this Agreement without the prior written consent of the "
            "other party. Any attempt to assign it without that consent is null and void. "
            "Notices under this Agreement must be in writing and delivered by hand or courier.")
    units = split_segments(text)
    contexts = unit_contexts(text, units, chars=20)
    assert len(contexts) == len(units) >= 3
    assert contexts == ["Any attempt to assig", "of the other party. Notices under this A",
                        "nt is null and void."]
