"""Account-level learning: an IsolationForest anomaly score and an optional supervised model.

The anomaly score catches accounts whose profile (volumes, amounts, counterparties,
pass-through ratio, round and near-threshold shares) is unlike the rest even when no
rule or typology fires. When the file carries labels, a gradient-boosted model can be
trained with a temporal split (train on the earlier 70% of time, test on the rest) so
its reported quality is not flattered by seeing the future.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from plugins.finance.aml.base import DAY_S, Cols
from plugins.finance.aml.models import DetectorSettings, SupervisedReport
from plugins.finance.aml.readers import iso

FEATURES = ("log_sent", "log_received", "n_sent", "n_received", "mean_sent", "mean_received",
            "payees", "payers", "pass_through_ratio", "round_share", "near_threshold_share",
            "active_days", "max_amount", "min_sent", "min_received")
READABLE = {
    "log_sent": "total sent", "log_received": "total received", "n_sent": "number of payments",
    "n_received": "number of receipts", "mean_sent": "typical payment size",
    "mean_received": "typical receipt size", "payees": "distinct payees",
    "payers": "distinct payers", "pass_through_ratio": "share of inflow paid out",
    "round_share": "share of round amounts", "near_threshold_share": "share just under the "
    "reporting threshold", "active_days": "days active", "max_amount": "largest transfer",
    "min_sent": "smallest payment", "min_received": "smallest receipt"}


def account_features(c: Cols, s: DetectorSettings) -> pd.DataFrame:
    """One row per account code: vectorised with bincount (no per-account Python)."""
    na = c.n_accounts
    amt = c.amount

    def bc(idx, w=None):
        return np.bincount(idx, weights=w, minlength=na).astype(np.float64)

    n_out, n_in = bc(c.src), bc(c.dst)
    sum_out, sum_in = bc(c.src, amt), bc(c.dst, amt)
    lo = s.reporting_threshold * (1 - s.structuring_margin)
    near = ((amt >= lo) & (amt < s.reporting_threshold)).astype(float)
    rnd = ((np.mod(c.amount_orig, s.round_unit) == 0) & (amt >= s.round_unit)).astype(float)
    code = pd.unique(c.src * na + c.dst)
    pairs = pd.DataFrame({"s": code // na, "d": code % na})
    first = np.full(na, np.inf)
    last = np.full(na, -np.inf)
    for key in (c.src, c.dst):
        np.minimum.at(first, key, c.ts)
        np.maximum.at(last, key, c.ts)
    mx = np.zeros(na)
    np.maximum.at(mx, c.src, amt)
    np.maximum.at(mx, c.dst, amt)
    mn_out = np.full(na, np.inf)
    mn_in = np.full(na, np.inf)
    np.minimum.at(mn_out, c.src, amt)
    np.minimum.at(mn_in, c.dst, amt)
    f = pd.DataFrame({
        "log_sent": np.log1p(sum_out), "log_received": np.log1p(sum_in),
        "n_sent": np.log1p(n_out), "n_received": np.log1p(n_in),
        "mean_sent": np.log1p(sum_out / np.maximum(n_out, 1)),
        "mean_received": np.log1p(sum_in / np.maximum(n_in, 1)),
        "payees": np.log1p(bc(pairs.s.to_numpy())), "payers": np.log1p(bc(pairs.d.to_numpy())),
        "pass_through_ratio": np.minimum(sum_out / np.maximum(sum_in, 1.0), 5.0),
        "round_share": bc(c.src, rnd) / np.maximum(n_out, 1),
        "near_threshold_share": bc(c.src, near) / np.maximum(n_out, 1),
        "active_days": np.log1p((last - first) / DAY_S),
        "max_amount": np.log1p(mx),
        "min_sent": np.log1p(np.where(np.isfinite(mn_out), mn_out, 0.0)),
        "min_received": np.log1p(np.where(np.isfinite(mn_in), mn_in, 0.0))})
    return f


def anomaly_scores(features: pd.DataFrame, seed: int = 0) -> tuple[np.ndarray, list[str]]:
    """IsolationForest score in 0..0.9 per account (0 = ordinary) and its two main reasons."""
    from sklearn.ensemble import IsolationForest

    x = features.to_numpy(np.float32)
    forest = IsolationForest(n_estimators=100, max_samples=min(512, len(x)), random_state=seed,
                             n_jobs=1).fit(x)
    raw = -forest.score_samples(x)  # ~0.35 ordinary .. ~0.8 very isolated
    # the less isolated half scores 0; above the median the score rises to 0.9 at the most
    # isolated account (being unusual alone is never certainty), so rankings stay
    # continuous where they matter
    mid = float(np.median(raw))
    score = 0.9 * np.clip((raw - mid) / max(float(raw.max()) - mid, 1e-9), 0.0, 1.0)
    med = np.median(x, axis=0)
    mad = np.median(np.abs(x - med), axis=0) + 1e-6
    z = np.abs(x - med) / mad
    top = np.argsort(-z, axis=1)[:, :2]
    cols = list(features.columns)
    reasons = [""] * len(x)
    for i in np.flatnonzero(score > 0):
        reasons[i] = " and ".join(READABLE[cols[j]] for j in top[i])
    return score, reasons


def supervised_scores(c: Cols, features: pd.DataFrame, s: DetectorSettings, seed: int = 0
                      ) -> tuple[np.ndarray | None, SupervisedReport]:
    """Per-account max predicted laundering probability, trained on the earlier 70% of time."""
    label = c.tx.frame["label"].to_numpy()
    known = label >= 0
    if known.sum() < 100 or label[known].sum() < 10:
        return None, SupervisedReport(trained=False,
                                      reason="fewer than 10 labelled laundering transactions")
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import average_precision_score, roc_auc_score

    f = c.tx.frame
    hour = (c.ts % int(DAY_S)) // 3600
    x = np.column_stack([
        np.log1p(c.amount), hour, f["payment_format"].cat.codes.to_numpy(),
        f["currency"].cat.codes.to_numpy(), (np.mod(c.amount_orig, s.round_unit) == 0),
        (f["source_bank"].to_numpy() != f["target_bank"].to_numpy()),
        features.to_numpy()[c.src], features.to_numpy()[c.dst]]).astype(np.float32)
    split_ts = np.quantile(c.ts[known], 0.7)
    train = known & (c.ts <= split_ts)
    test = known & (c.ts > split_ts)
    if label[train].sum() < 5 or len(np.unique(label[test])) < 2:
        return None, SupervisedReport(trained=False, reason="too few positives on one side of "
                                      "the temporal split")
    model = HistGradientBoostingClassifier(max_iter=150, learning_rate=0.1,
                                           random_state=seed).fit(x[train], label[train])
    prob = model.predict_proba(x)[:, 1]
    report = SupervisedReport(
        trained=True, train_until=iso(split_ts), test_rows=int(test.sum()),
        roc_auc=round(float(roc_auc_score(label[test], prob[test])), 4),
        average_precision=round(float(average_precision_score(label[test], prob[test])), 4))
    acct = np.zeros(c.n_accounts)
    np.maximum.at(acct, c.src, prob)
    np.maximum.at(acct, c.dst, prob)
    return acct, report
