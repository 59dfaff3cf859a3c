"""Rule detectors: structuring, pass-through, round amounts, velocity, dormancy, high risk.

Each rule is a vectorised pass over the whole table (sort, group, compare), so a million
transactions take seconds, not minutes. Thresholds come from ``DetectorSettings``.
"""

from __future__ import annotations

import itertools
import json

import numpy as np
import pandas as pd

from plugins.finance.aml.base import (
    DAY_S,
    HOUR_S,
    Cols,
    RawAlert,
    gap_clusters,
    member,
    span_text,
)
from plugins.finance.aml.flows import extend_paths
from plugins.finance.aml.models import DetectorSettings
from plugins.finance.aml.readers import DATA


def _bursts(c: Cols, mask: np.ndarray, key: np.ndarray, gap_s: float, min_count: int
            ) -> list[tuple[int, np.ndarray]]:
    """(account, positions) for every burst of >= min_count masked rows of one account."""
    pos = np.flatnonzero(mask)
    if len(pos) < min_count:
        return []
    order = np.lexsort((c.ts[pos], key[pos]))
    pos = pos[order]
    cl = gap_clusters(key[pos], c.ts[pos], gap_s)
    sizes = np.bincount(cl)
    keep = sizes[cl] >= min_count
    out = []
    if keep.any():
        kept, kcl = pos[keep], cl[keep]
        cuts = np.flatnonzero(np.diff(kcl)) + 1
        for part in np.split(kept, cuts):
            out.append((int(key[part[0]]), part))
    return out


def structuring(c: Cols, s: DetectorSettings) -> list[RawAlert]:
    """Several amounts just under the reporting threshold from (or into) one account."""
    lo = s.reporting_threshold * (1 - s.structuring_margin)
    near = (c.amount >= lo) & (c.amount < s.reporting_threshold)
    alerts = []
    for side, key in (("sent", c.src), ("received", c.dst)):
        for acct, pos in _bursts(c, near, key, s.structuring_window_days * DAY_S,
                                 s.structuring_min_count):
            span = c.ts[pos[-1]] - c.ts[pos[0]]
            alerts.append(RawAlert(
                "structuring", pos, [acct], (len(pos) - s.structuring_min_count + 1) / 4,
                f"{c.name(acct)} {side} {len(pos)} amounts between {c.money(lo)} and the "
                f"{c.money(s.reporting_threshold)} reporting threshold within {span_text(span)} "
                f"(total {c.money(c.amount[pos].sum())})."))
    return alerts


def pass_through_off(tick_s: int, s: DetectorSettings) -> str:
    """Why pass-through cannot run on time stamps this coarse (a note for the result)."""
    return (f"pass_through not run: the time stamps are {span_text(tick_s)} apart at the "
            f"finest, so money in and out within {s.pass_through_hours:g} h cannot be told "
            "from a same-day coincidence; set pass_through_hours to at least "
            f"{tick_s / HOUR_S:g} to check same-{'day' if tick_s >= DAY_S else 'hour'} "
            "hand-overs.")


def pass_through(c: Cols, s: DetectorSettings) -> list[RawAlert]:
    """Money in and out of one account within hours at a near-equal amount."""
    tick = c.resolution_s()
    if tick > s.pass_through_hours * HOUR_S:
        c.notes.append(pass_through_off(tick, s))
        return []
    start = np.flatnonzero(c.amount >= max(s.pass_through_min_amount, 1e-9))
    paths = extend_paths(c, start[:, None], max_delay_s=s.pass_through_hours * HOUR_S,
                         min_ratio=s.pass_through_min_ratio, max_ratio=1.0,
                         window_s=s.pass_through_hours * HOUR_S, max_branch=s.flow_max_branch)
    if len(paths) == 0:
        return []
    # the middle account must be quiet around the hand-over: one payment in, one out,
    # so a landlord collecting many rents is not "passing through" a tenant's payment
    e1, e2 = paths[:, 0], paths[:, 1]
    mid = c.dst[e1]
    h = int(s.pass_through_hours * HOUR_S)
    n_in = c.by_receiver().count(mid, c.ts[e1] - h, c.ts[e2])
    n_out = c.by_sender().count(mid, c.ts[e1], c.ts[e2] + h)
    known = c.recurring()
    busy = c.busy(s.busy_payers_quantile)[mid]
    paths = paths[(n_in <= 2) & (n_out <= 2) & ~(known[e1] & known[e2]) & ~busy]
    alerts = []
    # on a coarse clock the true delay is unknown within the tick: count half a tick, so
    # a same-day hand-over on a date-only file is weak evidence, never the strongest
    for e1, e2 in paths.tolist():
        mid = int(c.dst[e1])
        delay = c.ts[e2] - c.ts[e1]
        keep = c.amount[e2] / c.amount[e1]
        when = (f"{span_text(delay)} later" if tick < HOUR_S else
                f"{span_text(delay)} later by the file's "
                f"{'day' if tick >= DAY_S else 'hour'}-level time stamps")
        alerts.append(RawAlert(
            "pass_through", np.array([e1, e2]), [mid],
            max(0.0, 1 - (delay + tick / 2) / (s.pass_through_hours * HOUR_S)),
            f"{c.name(mid)} received {c.money(c.amount[e1])} from {c.name(int(c.src[e1]))} and "
            f"sent {keep:.0%} of it on to {c.name(int(c.dst[e2]))} {when}."))
    return alerts


def round_amounts(c: Cols, s: DetectorSettings) -> list[RawAlert]:
    """Repeated large round amounts (in the payer's own currency) from one account."""
    mask = (c.amount >= s.round_min_amount) & (np.mod(c.amount_orig, s.round_unit) == 0)
    alerts = []
    for acct, pos in _bursts(c, mask, c.src, s.window_days * DAY_S, s.round_min_count):
        alerts.append(RawAlert(
            "round_amounts", pos, [acct], (len(pos) - s.round_min_count + 1) / 4,
            f"{c.name(acct)} sent {len(pos)} round amounts (multiples of {s.round_unit:,.0f}) of "
            f"at least {c.money(s.round_min_amount)} within "
            f"{span_text(c.ts[pos[-1]] - c.ts[pos[0]])}, total {c.money(c.amount[pos].sum())}."))
    return alerts


def velocity_spikes(c: Cols, s: DetectorSettings) -> list[RawAlert]:
    """A day with many more transactions than the account's own usual active day."""
    alerts = []
    # two day tilings, midnight and noon, so a burst across midnight is still one day
    for (side, key), shift in itertools.product((("sent", c.src), ("received", c.dst)),
                                                (0, int(DAY_S) // 2)):
        day = ((c.ts + shift) // int(DAY_S)).astype(np.int64)
        df = pd.DataFrame({"acct": key, "day": day})
        per_day = df.groupby(["acct", "day"], sort=False).size().rename("n").reset_index()
        g = per_day.groupby("acct")
        per_day["tot"] = g["n"].transform("sum")
        per_day["days"] = g["n"].transform("size")
        per_day["first"] = g["day"].transform("min")
        other = (per_day["days"] - 1).clip(lower=1)
        per_day["base"] = (per_day["tot"] - per_day["n"]) / other
        hit = per_day[(per_day["n"] >= s.velocity_min_count)
                      & (per_day["days"] >= 2)
                      & (per_day["day"] - per_day["first"] >= s.velocity_min_history_days)
                      & (per_day["n"] >= s.velocity_factor * per_day["base"])]
        if hit.empty:
            continue
        code = key * 10_000_000 + day
        sel = np.flatnonzero(member(code, (hit["acct"] * 10_000_000 + hit["day"]).to_numpy()))
        groups = pd.Series(sel).groupby([key[sel], day[sel]])
        base = dict(zip(zip(hit["acct"], hit["day"], strict=True), hit["base"], strict=True))
        for (acct, d), idx in groups:
            pos = idx.to_numpy()
            b = base[(acct, d)]
            alerts.append(RawAlert(
                "velocity_spike", pos, [int(acct)], len(pos) / (s.velocity_factor * 2 * max(b, 1)),
                f"{c.name(int(acct))} {side} {len(pos)} transactions on "
                f"the 24 h from {pd.Timestamp(int(d) * int(DAY_S) - shift, unit='s')} "
                "against a usual "
                f"{b:.1f} per active day ({c.money(c.amount[pos].sum())})."))
    return alerts


def dormant_reactivation(c: Cols, s: DetectorSettings) -> list[RawAlert]:
    """An account silent for weeks that suddenly moves large sums."""
    acct = np.concatenate([c.src, c.dst])
    ts = np.concatenate([c.ts, c.ts])
    pos = np.concatenate([np.arange(c.n), np.arange(c.n)])
    order = np.lexsort((ts, acct))
    acct, ts, pos = acct[order], ts[order], pos[order]
    first = np.ones(len(acct), dtype=bool)
    first[1:] = acct[1:] != acct[:-1]
    rank = np.arange(len(acct)) - np.maximum.accumulate(np.where(first, np.arange(len(acct)), 0))
    gap = np.zeros(len(acct), dtype=np.int64)
    gap[1:] = np.diff(ts)
    cand = np.flatnonzero(~first & (gap >= s.dormant_days * DAY_S)
                          & (rank >= s.dormant_min_history))
    alerts = []
    for i in cand:
        a, t_r = int(acct[i]), int(ts[i])
        start = i - rank[i]
        # silent for long by the account's own rhythm: an account that transacts every
        # three weeks anyway (most of a sparse ledger) has not woken from anything
        usual_gap = (ts[i - 1] - ts[start]) / max(int(rank[i]) - 1, 1)
        if gap[i] < s.dormant_gap_factor * usual_gap:
            continue
        prior = c.amount[pos[start:i]]
        j = i
        while j < len(acct) and acct[j] == a and ts[j] <= t_r + s.window_days * DAY_S:
            j += 1
        after = np.unique(pos[i:j])
        out = after[c.src[after] == a]
        moved = c.amount[out].sum()
        usual = float(np.median(prior)) if len(prior) else 0.0
        if moved < s.dormant_min_amount or moved < s.dormant_amount_factor * usual:
            continue
        alerts.append(RawAlert(
            "dormant", out, [a], moved / (4 * max(s.dormant_min_amount, 1.0)),
            f"{c.name(a)} was silent for {gap[i] / DAY_S:.0f} days (its usual gap between "
            f"transactions was {usual_gap / DAY_S:.1f} days), then sent "
            f"{c.money(moved)} in {len(out)} transaction(s) within {s.window_days:g} days "
            f"(its earlier median was {c.money(usual)})."))
    return alerts


def high_risk(c: Cols, s: DetectorSettings) -> list[RawAlert]:
    """Payments above a floor to or from listed high-risk countries or banks."""
    default = json.loads((DATA / "high_risk.json").read_text())
    countries = set(s.high_risk_countries if s.high_risk_countries is not None
                    else default["countries"])
    banks = {str(b) for b in (s.high_risk_banks if s.high_risk_banks is not None
                              else default["banks"])}
    f = c.tx.frame
    risky_src = (f["source_bank"].isin(banks) | f["source_country"].isin(countries)).to_numpy()
    risky_dst = (f["target_bank"].isin(banks) | f["target_country"].isin(countries)).to_numpy()
    mask = (risky_src | risky_dst) & (c.amount >= s.high_risk_min_amount)
    if not mask.any():
        return []
    party = np.where(risky_dst & ~risky_src, c.src, c.dst)
    alerts = []
    for acct, pos in _bursts(c, mask, party, s.window_days * DAY_S, 1):
        others = sorted({c.name(int(x)) for x in np.r_[c.src[pos], c.dst[pos]] if x != acct})
        alerts.append(RawAlert(
            "high_risk", pos, [acct], c.amount[pos].sum() / (10 * max(s.high_risk_min_amount, 1)),
            f"{c.name(acct)} exchanged {c.money(c.amount[pos].sum())} in {len(pos)} "
            f"transaction(s) with high-risk bank/jurisdiction accounts "
            f"{', '.join(others[:5])}{' …' if len(others) > 5 else ''}."))
    return alerts


RULES = (structuring, pass_through, round_amounts, velocity_spikes, dormant_reactivation,
         high_risk)
