"""Fan-in / fan-out whose legs are similar parts of one sum, spread over any time span.

The window fans (``graph.py``) need many new counterparties within days. Schemes such as
AMLSim's fan-in send the parts from a few payers weeks apart (one payer per interval),
so no 7-day window ever holds more than one leg. Spread out, a fan is only visible by
what its legs have in common: each leg is far off its counterparty's own usual amount
(a payer that normally sends ~110 sends ~4), the legs are of similar size (parts of one
sum, within ``fan_amount_band``), and the hub gets nothing else of that size (its other
transfers are a separate population). How far is "far off" is learnt from the file: a
leg must deviate from its counterparty's usual by more than ``fan_contrast_quantile``
of all legs do, and at least ``fan_amount_contrast`` times, so in a population whose
payers vary their amounts a lot (shoppers) the bar rises by itself, while in one where
payers are regular a ×2 departure already stands out.

Units: a leg is one (payer, payee, day) with its median log amount; standing orders (the
same pair at a similar amount on two or more days) are known relationships, not parts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from plugins.finance.aml.base import DAY_S, Cols, RawAlert, member, span_text
from plugins.finance.aml.models import DetectorSettings

_SPAN = 1_000.0  # key = account * _SPAN + log amount; log amounts lie well within ±100


def _count_within(keys_sorted: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    return np.searchsorted(keys_sorted, hi, "right") - np.searchsorted(keys_sorted, lo, "left")


def _legs(c: Cols, hub: np.ndarray, other: np.ndarray) -> pd.DataFrame:
    """One row per (counterparty, hub, day): median log amount."""
    pair = other.astype(np.int64) * c.n_accounts + hub
    day = c.ts // int(DAY_S)
    log_amount = np.log(np.maximum(c.amount, 0.01))
    legs = (pd.DataFrame({"pair": pair, "day": day, "log_amount": log_amount})
            .groupby(["pair", "day"], sort=False)["log_amount"].median().reset_index())
    legs["other"] = legs["pair"].to_numpy() // c.n_accounts
    legs["hub"] = legs["pair"].to_numpy() % c.n_accounts
    return legs


def _standing(pair: np.ndarray, log_amount: np.ndarray, log_band: float) -> np.ndarray:
    """Per leg: the same pair has a leg of similar size on another day."""
    order = np.lexsort((log_amount, pair))
    p = pair[order]
    rank = np.cumsum(np.r_[True, p[1:] != p[:-1]]) - 1
    key = rank * _SPAN + log_amount[order]
    out = np.empty(len(pair), dtype=bool)
    out[order] = _count_within(key, key - log_band, key + log_band) > 1
    return out


def _unusual_for_counterparty(legs: pd.DataFrame, s: DetectorSettings
                              ) -> tuple[np.ndarray, np.ndarray, float]:
    """Per leg: far off the counterparty's usual (log-mean of its legs with other hubs);
    also that usual (log amount) and the contrast bar used (a factor)."""
    la = legs["log_amount"].to_numpy()
    by_other = pd.Series(la).groupby(legs["other"].to_numpy())
    by_pair = pd.Series(la).groupby(legs["pair"].to_numpy())
    n_rest = by_other.transform("size").to_numpy() - by_pair.transform("size").to_numpy()
    rest_sum = by_other.transform("sum").to_numpy() - by_pair.transform("sum").to_numpy()
    usual = np.where(n_rest > 0, rest_sum / np.maximum(n_rest, 1), np.nan)
    deviation = np.abs(la - usual)
    known = ~np.isnan(deviation)
    bar = np.log(s.fan_amount_contrast)
    if known.any():
        bar = max(bar, float(np.quantile(deviation[known], s.fan_contrast_quantile)))
    return known & (deviation >= bar), usual, float(np.exp(bar))


def _side(c: Cols, s: DetectorSettings, side: str) -> list[RawAlert]:
    hub_col, other_col = (c.dst, c.src) if side == "in" else (c.src, c.dst)
    legs = _legs(c, hub_col, other_col)
    log_band = np.log(s.fan_amount_band)
    la = legs["log_amount"].to_numpy()
    hub = legs["hub"].to_numpy()
    unusual, usual, contrast = _unusual_for_counterparty(legs, s)
    unusual &= ~_standing(legs["pair"].to_numpy(), la, log_band)
    if not unusual.any():
        return []
    # one candidate leg per pair (its median), so counts are distinct counterparties
    cand = (legs[unusual].assign(usual=usual[unusual]).groupby("pair", sort=False)
            .agg(hub=("hub", "first"), log_amount=("log_amount", "median"),
                 usual=("usual", "median")).reset_index())
    cand = cand.sort_values(["hub", "log_amount"], kind="stable")
    ch, cl = cand["hub"].to_numpy(), cand["log_amount"].to_numpy()
    key = ch * _SPAN + cl
    reach = np.searchsorted(key, key + log_band, "right")
    size = reach - np.arange(len(key))
    best = pd.Series(size).groupby(ch).idxmax().to_numpy()  # densest band per hub
    best = best[size[best] >= s.fan_split_min_degree]
    if len(best) == 0:
        return []
    hubs = ch[best]
    lo, hi = cl[best], cl[reach[best] - 1]
    # isolation: none of the hub's other legs lie within a factor `contrast` of the band,
    # and the hub has other legs at all (a history the fan stands apart from)
    all_key = np.sort(hub * _SPAN + la)
    c_log = np.log(contrast)
    in_band = _count_within(all_key, hubs * _SPAN + lo, hubs * _SPAN + hi)
    near = _count_within(all_key, hubs * _SPAN + lo - c_log, hubs * _SPAN + hi + c_log)
    total = _count_within(all_key, hubs * _SPAN - _SPAN / 2, hubs * _SPAN + _SPAN / 2)
    keep = (near == in_band) & (total > in_band)
    best, hubs, lo, hi = best[keep], hubs[keep], lo[keep], hi[keep]
    if len(best) == 0:
        return []
    # the transfers of every kept fan in one pass: rows of its pairs near its band
    set_of_cand = np.full(len(cand), -1)
    for i, b in enumerate(best):
        set_of_cand[b:reach[b]] = i
    chosen = set_of_cand >= 0
    set_of_pair = pd.Series(set_of_cand[chosen], index=cand["pair"].to_numpy()[chosen])
    row_pair = other_col.astype(np.int64) * c.n_accounts + hub_col
    rows = np.flatnonzero(member(row_pair, set_of_pair.index.to_numpy()))
    row_set = set_of_pair.reindex(row_pair[rows]).to_numpy()
    row_log = np.log(np.maximum(c.amount[rows], 0.01))
    near_band = (row_log >= lo[row_set] - log_band) & (row_log <= hi[row_set] + log_band)
    rows, row_set = rows[near_band], row_set[near_band]
    order = np.argsort(row_set, kind="stable")
    cuts = np.flatnonzero(np.diff(row_set[order])) + 1
    parts = np.split(rows[order], cuts)
    part_set = row_set[order][np.r_[0, cuts]] if len(rows) else []
    cand_usual = cand["usual"].to_numpy()
    verb, prep = ("received", "from") if side == "in" else ("sent", "to")
    their = "sends" if side == "in" else "receives"
    alerts: list[RawAlert] = []
    for i, pos in zip(part_set, parts, strict=True):
        b, h = best[i], int(hubs[i])
        n = int(reach[b] - b)
        usual_amount = float(np.exp(np.median(cand_usual[b:reach[b]])))
        alerts.append(RawAlert(
            f"fan_{side}", np.sort(pos), [h],
            min(1.0, (n - s.fan_split_min_degree + 1) / s.fan_split_min_degree),
            f"{c.name(h)} {verb} {len(pos)} transfers of similar size "
            f"({c.money(float(np.exp(lo[i])))} to {c.money(float(np.exp(hi[i])))}, total "
            f"{c.money(c.amount[pos].sum())}) {prep} {n} distinct accounts over "
            f"{span_text(c.ts[pos].max() - c.ts[pos].min())}; each is at least "
            f"{contrast:.1f}x off what that account usually {their} (typically "
            f"{c.money(usual_amount)}), and nothing else {c.name(h)} {verb} is within "
            f"{contrast:.1f}x of them."))
    return alerts


def split_fans(c: Cols, s: DetectorSettings) -> list[RawAlert]:
    """Fan-in and fan-out made of similar, individually unusual parts over the whole file."""
    return _side(c, s, "in") + _side(c, s, "out")
