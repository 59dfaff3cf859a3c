"""Detectors on generated data with known injected patterns, and on the real AMLSim sample."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from plugins.finance.aml.detect import analyse_file
from plugins.finance.aml.generator import TYPOLOGIES
from plugins.finance.aml.models import AmlParams


@pytest.fixture(scope="module")
def analysed(generated):
    path, doc = generated
    return doc, analyse_file(path, AmlParams(high_risk_banks=doc["high_risk_banks"],
                                             supervised=True))


def found(pattern: dict, alerts) -> bool:
    """An alert naming the pattern's typology covers at least half of its transactions."""
    rows = set(pattern["transactions"])
    return any(pattern["typology"] in a.typologies and len(rows & set(a.transactions)) * 2
               >= len(rows) for a in alerts)


def test_every_typology_recalled_with_precise_alerts(analysed):
    doc, res = analysed
    recall = {t: [] for t in TYPOLOGIES}
    for p in doc["patterns"]:
        recall[p["typology"]].append(found(p, res.alerts))
    per_typology = {t: sum(v) / len(v) for t, v in recall.items()}
    assert min(per_typology.values()) >= 0.75, per_typology
    assert sum(sum(v) for v in recall.values()) / len(doc["patterns"]) >= 0.9
    laundering = {t for p in doc["patterns"] for t in p["transactions"]}
    correct = [sum(t in laundering for t in a.transactions) * 2 >= len(a.transactions)
               for a in res.alerts]
    assert np.mean(correct) >= 0.7, f"alert precision {np.mean(correct):.2f}"


def test_result_contract_merging_and_account_risk(analysed):
    _, res = analysed
    payload = res.model_dump(mode="json")
    assert {"alerts", "accounts", "quarantine"} <= set(payload)
    alert = payload["alerts"][0]
    assert {"id", "typology", "accounts", "transactions", "score", "explanation"} <= set(alert)
    assert alert["start_time"] <= alert["end_time"] and alert["total_amount"] > 0
    assert alert["evidence"]["edges"] and alert["evidence"]["nodes"]
    # merged: no transaction belongs to two alerts
    seen: set[str] = set()
    for a in res.alerts:
        assert not seen & set(a.transactions)
        seen |= set(a.transactions)
        assert 0 < a.score <= 1 and a.explanation
        assert a.typology == a.components[0].typology
    risks = [a.risk_score for a in res.accounts]
    assert risks == sorted(risks, reverse=True) and min(risks) > 0
    top = res.accounts[0]
    assert top.alert_ids and top.components["alerts"] > 0 and top.explanation


def test_supervised_model_uses_a_temporal_split(analysed):
    _, res = analysed
    rep = res.supervised
    assert rep is not None and rep.trained and rep.test_rows > 0
    assert rep.train_until < res.time_end and rep.roc_auc > 0.6
    assert "supervised" in res.accounts[0].components


def test_dense_ledger_coincidences_are_not_alerted(tmp_path):
    """40 transactions per account: merchants handing on a supplier payment within hours,
    or two businesses paying the same two suppliers in one week, happen by coincidence.
    Before the collection-account and lifetime-quiet checks this data gave 11 pass-through,
    6 stack and 47 bipartite alerts for 4 patterns each."""
    from plugins.finance.aml.generator import GeneratorConfig, generate

    typologies = ("pass_through", "stack", "bipartite", "gather_scatter")
    out = tmp_path / "dense.csv"
    doc = generate(GeneratorConfig(n_transactions=100_000, n_accounts=2_500, seed=31,
                                   patterns={t: 4 for t in typologies}), out)
    res = analyse_file(out, AmlParams(high_risk_banks=doc["high_risk_banks"]))
    assert all(found(p, res.alerts) for p in doc["patterns"])
    laundering = {t for p in doc["patterns"] for t in p["transactions"]}
    for typ in typologies:
        alerts = [a for a in res.alerts if a.typology == typ]
        correct = sum(2 * sum(t in laundering for t in a.transactions) >= len(a.transactions)
                      for a in alerts)
        assert correct >= 0.8 * len(alerts), (typ, correct, len(alerts))


@pytest.fixture(scope="module")
def amlsim(shared_data):
    """The real AMLSim 20K_fanin200 sample analysed once, with its node labels."""
    folder = shared_data / "amlsim" / "20K_fanin200"
    res = analyse_file(folder / "transactions.csv", AmlParams())
    nodes = pd.read_csv(folder / "nodes.csv")
    return res, nodes


def _component(res, nodes, comp: str) -> np.ndarray:
    by_account = {a.account: (a.risk_score if comp == "risk" else a.components.get(comp, 0.0))
                  for a in res.accounts}
    return nodes.nodeid.astype(str).map(by_account).fillna(0.0).to_numpy()


def test_real_amlsim_sample_ranks_fraud_accounts(amlsim):
    from sklearn.metrics import roc_auc_score

    res, nodes = amlsim
    assert res.schema_name == "amlsim_old" and res.transactions == 118_250
    # AMLSim's values (100-600) are an order of magnitude below a bank's currency amounts:
    # the thresholds follow (a 500 bipartite floor would hide nearly every transfer), and
    # with day steps for time stamps pass-through within 12 h cannot be checked: said so
    assert res.amount_scale == pytest.approx(0.1)
    assert res.thresholds["bipartite_min_amount"] == pytest.approx(50.0)
    assert any(n.startswith("pass_through not run") for n in res.notes)
    auc = {c: roc_auc_score(nodes.isFraud, _component(res, nodes, c))
           for c in ("risk", "alerts", "anomaly")}
    assert auc["risk"] > 0.8, auc  # measured 0.85; chance is 0.5
    # the blend is at least as good as its best component
    assert auc["risk"] >= max(auc["alerts"], auc["anomaly"]), auc


def test_real_amlsim_fan_in_patterns_are_alerted(amlsim):
    """AMLSim sends a fan-in's parts from a few payers weeks apart (one per interval), far
    below what each payer usually sends: the split-fan detector must see them, and its
    alerts must centre on accounts the simulator labelled fraud."""
    res, nodes = amlsim
    fraud = set(nodes.nodeid[nodes.isFraud == 1].astype(str))
    fan_in = [a for a in res.alerts if "fan_in" in a.typologies]
    on_fraud = [a for a in fan_in if set(a.focus_accounts) & fraud]
    assert len(on_fraud) >= 120, len(on_fraud)  # measured 153 of the 200 patterns
    assert len(on_fraud) >= 0.8 * len(fan_in), (len(on_fraud), len(fan_in))
    spread = [a for a in on_fraud if "distinct accounts over" in a.explanation]
    assert spread and max(
        pd.Timestamp(a.end_time) - pd.Timestamp(a.start_time) for a in spread
    ) > pd.Timedelta(days=30)  # the parts lie weeks apart, beyond any 7-day window
    y = nodes.isFraud.to_numpy()
    top = np.argsort(-_component(res, nodes, "alerts"), kind="stable")[:1000]
    assert y[top].sum() / y.sum() >= 0.5  # measured 0.61 (was 0.07 before split fans)


def test_young_account_fan_in_is_not_taken_for_luck(generated, tmp_path):
    """An 8-day-old account (two small payments so far) receiving similar wires from seven
    strangers within 31 hours: the shape of the fan the unseen generator seed 1003 hid
    (there one busy week made the young account's usual rate 2 payers per window, and seven
    then passed as Poisson luck; see the rate test below for that mechanism)."""
    path, _ = generated
    head = path.read_text().splitlines()
    mule = "7514,FA11CE0001"
    # the seed-1003 pattern's own times and amounts (the file starts 2022/09/01 as that one)
    legs = [("2022/09/16 10:32", 126.98, "21292,0A0000001"),
            ("2022/09/17 22:53", 177.65, "23900,0A0000002"),
            ("2022/09/24 09:21", 3700.01, "18688,0B0000001"),
            ("2022/09/24 11:51", 4058.45, "19782,0B0000002"),
            ("2022/09/24 12:19", 3468.84, "13620,0B0000003"),
            ("2022/09/24 16:21", 2823.64, "8479,0B0000004"),
            ("2022/09/24 21:01", 2731.05, "11337,0B0000005"),
            ("2022/09/25 07:26", 2734.95, "38816,0B0000006"),
            ("2022/09/25 16:14", 3453.81, "11872,0B0000007"),
            ("2022/09/28 09:33", 1369.98, "26423,0A0000003"),
            ("2022/10/28 10:37", 1369.98, "26423,0A0000003")]
    rows = [f"{stamp},{payer},{mule},{amount:.2f},US Dollar,{amount:.2f},US Dollar,Wire,0"
            for stamp, amount, payer in legs]
    out = tmp_path / "with_mule.csv"
    out.write_text("\n".join(head + rows) + "\n")
    # seed 1003's file had amounts varied enough that x4.5 an account's median was not
    # unusual (learnt size contrast above that): only the count could raise this fan
    res = analyse_file(out, AmlParams(fan_amount_contrast=5.0))
    fans = [a for a in res.alerts if "fan_in" in a.typologies
            and any(acc.endswith("FA11CE0001") for acc in a.accounts)]
    assert fans, "young account's fan-in not alerted"
    assert len(fans[0].transactions) >= 5


def test_a_young_accounts_rate_leans_on_the_typical_rate():
    """One busy week is not a young account's usual; twenty weeks of history are."""
    from scipy.stats import poisson

    from plugins.finance.aml.graph import shrunk_rate

    young, old = shrunk_rate(np.array([2.0, 2.0]), np.array([1, 20]), typical=0.5)
    assert young < 1.1 and old > 1.8
    # seven strangers in a window: luck at the young account's raw rate 2 (p 0.0045 >
    # fan_max_chance 1e-3), not at its shrunk rate
    assert poisson.sf(6, 2.0) > 1e-3 > poisson.sf(6, young)
