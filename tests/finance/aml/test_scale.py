"""Amount thresholds follow the file's money scale: a ledger in cents or in thousands
finds the same patterns as one in currency, and the scale is reported, never silent."""

from __future__ import annotations

import numpy as np
import pytest

from plugins.finance.aml.detect import analyse_file
from plugins.finance.aml.generator import TYPOLOGIES, GeneratorConfig, generate
from plugins.finance.aml.models import AmlParams
from plugins.finance.aml.scale import learnt_scale
from tests.finance.aml.test_detection import found


def test_learnt_scale_is_the_nearest_power_of_ten():
    rng = np.random.default_rng(0)
    ledger = rng.lognormal(np.log(80), 1.6, 20_000)  # 95th percentile ~1,100
    assert learnt_scale(ledger, 3_000) == 1.0
    assert learnt_scale(ledger * 0.01, 3_000) == pytest.approx(0.01)
    assert learnt_scale(ledger * 100, 3_000) == pytest.approx(100.0)
    assert learnt_scale(np.zeros(5), 3_000) == 1.0


def _recalled(path, doc, **params):
    res = analyse_file(path, AmlParams(high_risk_banks=doc["high_risk_banks"], **params))
    hit = {p["id"] for p in doc["patterns"] if found(p, res.alerts)}
    laundering = {t for p in doc["patterns"] for t in p["transactions"]}
    correct = sum(2 * sum(t in laundering for t in a.transactions) >= len(a.transactions)
                  for a in res.alerts)
    return res, hit, correct / max(1, len(res.alerts))


@pytest.mark.parametrize("factor", [0.01, 100.0])
def test_scaled_ledger_finds_the_same_patterns(tmp_path, factor):
    cfg = dict(n_transactions=40_000, seed=23, patterns={t: 3 for t in TYPOLOGIES})
    base = tmp_path / "x1.csv"
    doc = generate(GeneratorConfig(**cfg), base)
    scaled_csv = tmp_path / f"x{factor:g}.csv"
    scaled_doc = generate(GeneratorConfig(**cfg, amount_scale=factor), scaled_csv)
    _, hit_1, precision_1 = _recalled(base, doc)
    res, hit_k, precision_k = _recalled(scaled_csv, scaled_doc)
    assert len(hit_1) >= 0.9 * len(doc["patterns"])
    assert hit_k == hit_1 and precision_k == pytest.approx(precision_1, abs=0.05)
    assert res.amount_scale == pytest.approx(factor)
    assert res.thresholds["reporting_threshold"] == pytest.approx(10_000 * factor)
    assert any("multiplied by" in n for n in res.notes)
    # pinned to the literal currency amounts, the same file hides (x0.01) or floods (x100)
    _, hit_pinned, precision_pinned = _recalled(scaled_csv, scaled_doc, amount_scale=1.0)
    assert hit_pinned < hit_k or precision_pinned < precision_k - 0.2
