"""Graph typologies over a sliding time window: fan-in/out, gather-scatter, scatter-gather,
bipartite.

The window slides in half steps: two tilings of the time axis offset by half a window,
so any pattern no longer than half a window lies whole inside one window of one
tiling. Per window, degrees come from de-duplicated (window, account, counterparty)
keys in numpy/pandas; only the small candidate sets are grouped in Python. Fan-in and
fan-out must also exceed the account's own usual degree, so merchants and payroll
accounts, which fan in/out every window, do not alert for doing business.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from plugins.finance.aml.base import DAY_S, Cols, RawAlert, member, span_text, unique
from plugins.finance.aml.models import DetectorSettings

RATE_PRIOR_WINDOWS = 2.0  # weight of the file's typical rate in a young account's rate


class _Window:
    """One tiling: window id per row and per-(window, account) degrees."""

    def __init__(self, c: Cols, s: DetectorSettings, window_s: int, offset_s: int) -> None:
        self.c = c
        self.b = (c.ts + offset_s) // window_s
        na = c.n_accounts
        self.k_in = self.b * na + c.dst
        self.k_out = self.b * na + c.src
        self.deg_in = self._distinct(self.k_in, c.src, na)
        self.deg_out = self._distinct(self.k_out, c.dst, na)
        # counterparties that are quiet in this window (not merchants, not payroll):
        # a fan-out to shops is shopping, a fan-out to quiet accounts is a distribution
        quiet_max = s.middle_max_degree
        # ... and to new relationships: paying the same friends again is not a fan-out
        new = (c.pair_first_ts() + offset_s) // window_s == self.b
        payee_quiet = self.deg_in.reindex(self.k_in).to_numpy() <= quiet_max
        payer_quiet = self.deg_out.reindex(self.k_out).to_numpy() <= quiet_max
        self.quiet_payee = new & payee_quiet
        self.quiet_payer = new & payer_quiet
        self.fan_in = self._distinct(self.k_in[self.quiet_payer], c.src[self.quiet_payer], na)
        self.fan_out = self._distinct(self.k_out[self.quiet_payee], c.dst[self.quiet_payee], na)
        # the usual: quiet counterparties old or new, so payroll (employees are quiet
        # payees every month) sets its own high bar while a shopper's merchants do not
        self.base_in = self.baseline(self._distinct(self.k_in[payer_quiet], c.src[payer_quiet],
                                                    na))
        self.base_out = self.baseline(self._distinct(self.k_out[payee_quiet],
                                                     c.dst[payee_quiet], na))
        # the same per window of the account's own active span (quiet windows count as 0):
        # the Poisson rate of the chance test, which the mean over active windows overstates
        self.rate_in = self._rate(self.base_in)
        self.rate_out = self._rate(self.base_out)
        # usual money volume per active window, each side
        self.volume_in = self.baseline(pd.Series(c.amount).groupby(self.k_in).sum())
        self.volume_out = self.baseline(pd.Series(c.amount).groupby(self.k_out).sum())

    @staticmethod
    def _distinct(key: np.ndarray, other: np.ndarray, n_accounts: int) -> pd.Series:
        """Distinct ``other`` per ``key`` (one int64 sort instead of a pandas dedupe)."""
        pairs = pd.unique(key * n_accounts + other)
        return pd.Series(pairs // n_accounts).value_counts(sort=False).sort_index()

    def _rate(self, base: pd.Series) -> pd.Series:
        """``base`` spread over every window from the account's first to its last active
        one, not just the active ones (the other-window total / other windows spanned),
        shrunk towards the file's typical rate by ``RATE_PRIOR_WINDOWS`` windows.

        A young account's rate rests on one or two windows: a week with two payers made
        an 8-day-old account's "usual" 2 per window, and seven strangers wiring it similar
        sums in a day then passed as Poisson luck (seed 1003). The prior counts as that
        many windows at the median rate of all accounts, so long histories keep their own
        rate and short ones lean on what accounts usually see.
        """
        keys = base.index.to_numpy()
        acct, win = keys % self.c.n_accounts, keys // self.c.n_accounts
        g = pd.Series(win).groupby(acct)
        active = g.transform("size").to_numpy() - 1
        spanned = np.maximum((g.transform("max") - g.transform("min")).to_numpy(), 1)
        own = base.to_numpy() * active / spanned
        typical = float(np.median(own[active > 0])) if (active > 0).any() else 0.0
        return pd.Series(shrunk_rate(own, spanned, typical), index=base.index)

    def baseline(self, deg: pd.Series) -> pd.Series:
        """Mean degree of the same account in its other active windows (0 if none)."""
        acct = deg.index.to_numpy() % self.c.n_accounts
        tot = deg.groupby(acct).transform("sum").to_numpy()
        cnt = deg.groupby(acct).transform("size").to_numpy()
        base = np.where(cnt > 1, (tot - deg.to_numpy()) / np.maximum(cnt - 1, 1), 0.0)
        return pd.Series(base, index=deg.index)

    def rows_of(self, key: np.ndarray, wanted: np.ndarray) -> dict[int, np.ndarray]:
        sel = np.flatnonzero(member(key, wanted))
        if len(sel) == 0:
            return {}
        order = np.argsort(key[sel], kind="stable")
        sel = sel[order]
        cuts = np.flatnonzero(np.diff(key[sel])) + 1
        return {int(key[p[0]]): p for p in np.split(sel, cuts)}


def shrunk_rate(own: np.ndarray, spanned: np.ndarray, typical: float,
                prior_windows: float = RATE_PRIOR_WINDOWS) -> np.ndarray:
    """Per-window rates over ``spanned`` windows, pulled towards ``typical`` as if it had
    been seen for ``prior_windows`` more windows (a gamma-Poisson posterior mean)."""
    return (own * spanned + prior_windows * typical) / (spanned + prior_windows)


def _fan(w: _Window, s: DetectorSettings, side: str) -> list[RawAlert]:
    c = w.c
    deg = w.fan_in if side == "in" else w.fan_out
    base = (w.base_in if side == "in" else w.base_out).reindex(deg.index)
    rate = (w.rate_in if side == "in" else w.rate_out).reindex(deg.index)
    fired = deg[(deg >= s.fan_min_degree) & (deg >= s.fan_baseline_factor * base)]
    key = w.k_in if side == "in" else w.k_out
    quiet = w.quiet_payer if side == "in" else w.quiet_payee
    rows = w.rows_of(np.where(quiet, key, -1), fired.index.to_numpy())
    index = c.by_receiver() if side == "in" else c.by_sender()
    alerts = []
    for k, pos in rows.items():
        acct = k % c.n_accounts
        other = c.src if side == "in" else c.dst
        pos = _similar_legs(pos, c.amount, s.fan_amount_band)
        n = len(np.unique(other[pos]))
        if n < s.fan_min_degree:
            continue  # a mix of unrelated payments, not one sum split into similar parts
        usual = _usual_amount(index, acct, pos, c.amount)
        fan_amount = float(np.median(c.amount[pos]))
        volume = float((w.volume_in if side == "in" else w.volume_out).get(k, 0.0))
        contrast = w.contrast_in if side == "in" else w.contrast_out
        ordinary_size = usual is not None and max(fan_amount, 1e-9) / max(usual, 1e-9) < \
            contrast and max(usual, 1e-9) / max(fan_amount, 1e-9) < contrast
        ordinary_volume = c.amount[pos].sum() < s.fan_baseline_factor * volume
        by_luck = _chance(n, float(rate.get(k, 0.0))) > s.fan_max_chance
        if ordinary_size and (ordinary_volume or by_luck):
            continue  # ordinary amounts, and a count or volume a busy week explains
        verb = "received money from" if side == "in" else "sent money to"
        usual_text = ("it has no other history" if usual is None
                      else f"its other transfers have a median of {c.money(usual)}")
        alerts.append(RawAlert(
            f"fan_{side}", pos, [acct], (n - s.fan_min_degree + 1) / s.fan_min_degree,
            f"{c.name(acct)} {verb} {n} distinct accounts it had not dealt with before, within "
            f"{span_text(c.ts[pos[-1]] - c.ts[pos[0]])} ({c.money(c.amount[pos].sum())}, median "
            f"{c.money(fan_amount)}, similar sizes; {usual_text}); its usual is {base[k]:.1f} quiet "
            f"counterparties per {s.window_days:g}-day window."))
    return alerts


def _chance(degree: int, rate: float) -> float:
    """Chance of at least ``degree`` quiet counterparties in one window if the account kept
    its usual ``rate`` per window (Poisson): a busy account reaching 3x its mean of 1.6 by
    luck is common over many windows; a quiet one reaching 6 is not."""
    from scipy.stats import poisson

    rate = rate if np.isfinite(rate) else 0.0
    return float(poisson.sf(degree - 1, max(rate, 0.05)))


def _similar_legs(pos: np.ndarray, amount: np.ndarray, band: float) -> np.ndarray:
    """The largest set of legs whose amounts lie within a factor ``band`` of each other."""
    logs = np.log(np.maximum(amount[pos], 0.01))
    order = np.argsort(logs)
    sorted_logs = logs[order]
    reach = np.searchsorted(sorted_logs, sorted_logs + np.log(band), side="right")
    best = int(np.argmax(reach - np.arange(len(pos))))
    return np.sort(pos[order[best:reach[best]]])


def size_contrast(c: Cols, account: np.ndarray, s: DetectorSettings) -> float:
    """How many times off an account's median a transfer must be to count as unusual in
    size here: the ``fan_contrast_quantile`` of all transfers' departures from their
    account's median on that side, and at least ``fan_amount_contrast``. Where accounts
    receive amounts of every size (AMLSim pays 100-600 at random) x2 is ordinary."""
    if c.n == 0:
        return s.fan_amount_contrast
    log_amount = np.log(np.maximum(c.amount, 0.01))
    median = pd.Series(log_amount).groupby(account).transform("median").to_numpy()
    departure = float(np.quantile(np.abs(log_amount - median), s.fan_contrast_quantile))
    return max(s.fan_amount_contrast, float(np.exp(departure)))


def _same_band(legs: np.ndarray, candidates: np.ndarray, amount: np.ndarray,
               band: float) -> np.ndarray:
    """``candidates`` whose amount lies within ``band`` of every leg in ``legs``."""
    lo, hi = amount[legs].max() / band, amount[legs].min() * band
    return np.sort(candidates[(amount[candidates] >= lo) & (amount[candidates] <= hi)])


def _usual_amount(index, acct: int, exclude: np.ndarray, amount: np.ndarray) -> float | None:
    """Median amount of the account's other rows on the same side (None: no other rows)."""
    lo = np.searchsorted(index.key, acct << 32, side="left")
    hi = np.searchsorted(index.key, (acct + 1) << 32, side="left")
    rows = np.setdiff1d(index.order[lo:hi], exclude)
    return float(np.median(amount[rows])) if len(rows) else None


def _gather_scatter(w: _Window, s: DetectorSettings) -> list[RawAlert]:
    c = w.c
    both = pd.concat([w.fan_in.rename("i"), w.fan_out.rename("o"), w.deg_in.rename("di"),
                      w.deg_out.rename("do")], axis=1, join="inner")
    # the degree bar counts every counterparty: in dense data one of the payers may already
    # know the hub or be busy; the parts themselves are checked below
    both = both[(both.di >= s.hub_min_degree) & (both.do >= s.hub_min_degree)]
    if both.empty:
        return []
    base_in = w.base_in.reindex(both.index).fillna(0)
    base_out = w.base_out.reindex(both.index).fillna(0)
    unusual = (both.i >= s.fan_baseline_factor * base_in) | (both.o >= s.fan_baseline_factor
                                                               * base_out)
    keys = both.index[unusual.to_numpy()].to_numpy()
    ins = w.rows_of(np.where(w.quiet_payer, w.k_in, -1), keys)
    outs = w.rows_of(np.where(w.quiet_payee, w.k_out, -1), keys)
    all_ins, all_outs = w.rows_of(w.k_in, keys), w.rows_of(w.k_out, keys)
    alerts = []
    for k in keys:
        pin, pout = ins.get(int(k)), outs.get(int(k))
        if pin is None or pout is None:
            continue
        # the gathered parts and the scattered parts are each of similar size; the hub's
        # everyday payments to new friends in the same week are not part of the scheme,
        # while parts from payers that are busy or known to the hub still count toward
        # the money balance (in dense data a mule often knows one of the other mules)
        pin = _same_band(_similar_legs(pin, c.amount, s.fan_amount_band), all_ins[int(k)],
                         c.amount, s.fan_amount_band)
        pout = _same_band(_similar_legs(pout, c.amount, s.fan_amount_band),
                          all_outs[int(k)], c.amount, s.fan_amount_band)
        n_in, n_out = len(np.unique(c.src[pin])), len(np.unique(c.dst[pout]))
        if min(n_in, n_out) < s.hub_min_degree:
            continue
        a_in, a_out = c.amount[pin].sum(), c.amount[pout].sum()
        if not (0.5 <= a_out / max(a_in, 1e-9) <= 1.2) or c.ts[pin].mean() >= c.ts[pout].mean():
            continue
        acct = int(k % c.n_accounts)
        alerts.append(RawAlert(
            "gather_scatter", np.concatenate([pin, pout]), [acct],
            (min(n_in, n_out) - s.hub_min_degree + 1) / s.hub_min_degree,
            f"{c.name(acct)} collected {c.money(a_in)} from {n_in} accounts and then "
            f"paid {a_out / a_in:.0%} of it out to {n_out} accounts within "
            f"{span_text(c.ts[pout].max() - c.ts[pin].min())}."))
    return alerts


def _scatter_gather(w: _Window, s: DetectorSettings) -> list[RawAlert]:
    c = w.c
    n_in = pd.Series(w.k_in).value_counts()
    n_out = pd.Series(w.k_out).value_counts()
    quiet = n_in[n_in <= s.middle_max_degree].index.intersection(
        n_out[n_out <= s.middle_max_degree].index).to_numpy()
    p1 = np.flatnonzero(member(w.k_in, quiet))  # S -> M
    p2 = np.flatnonzero(member(w.k_out, quiet))  # M -> T
    if len(p1) == 0 or len(p2) == 0:
        return []
    e1 = pd.DataFrame({"k": w.k_in[p1], "p1": p1})
    e2 = pd.DataFrame({"k": w.k_out[p2], "p2": p2})
    j = e1.merge(e2, on="k")
    a1, a2 = j.p1.to_numpy(), j.p2.to_numpy()
    ratio = c.amount[a2] / np.maximum(c.amount[a1], 1e-9)
    ok = ((c.ts[a2] >= c.ts[a1]) & (c.src[a1] != c.dst[a2]) & (ratio >= s.scatter_min_ratio)
          & (ratio <= 1.05))
    j = j[ok]
    if j.empty:
        return []
    j = j.assign(first=c.src[j.p1.to_numpy()], last=c.dst[j.p2.to_numpy()], mid=j.k % c.n_accounts,
                 b=j.k // c.n_accounts)
    mids = j.groupby(["b", "first", "last"])["mid"].nunique()
    hit = mids[mids >= s.scatter_min_middles]
    alerts = []
    for (_b, src, dst), n in hit.items():
        sub = j[(j["first"] == src) & (j["last"] == dst) & (j["b"] == _b)]
        pos = np.unique(np.r_[sub.p1.to_numpy(), sub.p2.to_numpy()])
        sent = c.amount[np.unique(sub.p1.to_numpy())].sum()
        got = c.amount[np.unique(sub.p2.to_numpy())].sum()
        alerts.append(RawAlert(
            "scatter_gather", pos, [int(src), int(dst)],
            (n - s.scatter_min_middles + 1) / s.scatter_min_middles,
            f"{c.name(int(src))} split {c.money(sent)} across {n} intermediary accounts, which "
            f"passed {got / max(sent, 1e-9):.0%} of it on to {c.name(int(dst))} within "
            f"{span_text(c.ts[pos].max() - c.ts[pos].min())}."))
    return alerts


def _bipartite(w: _Window, s: DetectorSettings) -> list[RawAlert]:
    c = w.c
    big = np.flatnonzero((c.amount >= s.bipartite_min_amount) & (c.src != c.dst))
    na = c.n_accounts
    # unique (window, payer, payee) as one int64: window * na^2 + payer * na + payee
    code = unique((w.b[big] * na + c.src[big]) * na + c.dst[big])
    e = pd.DataFrame({"b": code // (na * na), "s": (code // na) % na, "d": code % na})
    e = e[e.groupby(["b", "d"]).s.transform("size") <= s.middle_max_degree]
    e = e[e.groupby(["b", "s"]).d.transform("size") <= s.middle_max_degree]
    # payees must be quiet over the whole file too: in dense data two businesses paying
    # the same two busy suppliers in one week is a coincidence, not a bipartite scheme
    lifetime = pd.Series(unique(c.src[big] * na + c.dst[big]) % na).value_counts()
    e = e[lifetime.reindex(e.d.to_numpy()).to_numpy() <= s.middle_max_degree]
    pairs = e.merge(e, on=["b", "d"])
    pairs = pairs[pairs.s_x < pairs.s_y]
    shared = pairs.groupby(["b", "s_x", "s_y"]).size()
    shared = shared[shared >= s.bipartite_min_side].reset_index()
    if shared.empty:
        return []
    na = c.n_accounts
    u = shared.b.to_numpy() * na + shared.s_x.to_numpy()
    v = shared.b.to_numpy() * na + shared.s_y.to_numpy()
    inv, nodes = pd.factorize(np.r_[u, v])
    m = len(shared)
    graph = coo_matrix((np.ones(m), (inv[:m], inv[m:])), shape=(len(nodes), len(nodes)))
    _, comp = connected_components(graph, directed=False)
    alerts = []
    for _, members in pd.Series(nodes).groupby(comp):
        keys = members.to_numpy()
        b = int(keys[0] // na)
        srcs = set((keys % na).tolist())
        sub = e[(e.b == b) & e.s.isin(srcs)]
        per_d = sub.groupby("d").s.nunique()
        dsts = set(per_d[per_d >= 2].index.tolist())
        n_edges = int(sub.d.isin(dsts).sum())
        if len(srcs) < s.bipartite_min_side or len(dsts) < s.bipartite_min_side:
            continue
        density = n_edges / (len(srcs) * len(dsts))
        if density < s.bipartite_min_density:
            continue
        pos = np.flatnonzero((w.b == b) & member(c.src, list(srcs)) & member(c.dst, list(dsts))
                             & (c.amount >= s.bipartite_min_amount))
        alerts.append(RawAlert(
            "bipartite", pos, sorted(srcs | dsts), density * min(1.0, len(pos) / 8),
            f"{len(srcs)} accounts each paid the same {len(dsts)} accounts "
            f"({density:.0%} of all pairs, {len(pos)} transfers, "
            f"{c.money(c.amount[pos].sum())}) within "
            f"{span_text(c.ts[pos].max() - c.ts[pos].min())}."))
    return alerts


def graph_typologies(c: Cols, s: DetectorSettings) -> list[RawAlert]:
    """All window-based typologies over both half-offset tilings."""
    window_s = int(s.window_days * DAY_S)
    alerts: list[RawAlert] = []
    contrast_in = size_contrast(c, c.dst, s)
    contrast_out = size_contrast(c, c.src, s)
    for offset in (0, window_s // 2):
        w = _Window(c, s, window_s, offset)
        w.contrast_in, w.contrast_out = contrast_in, contrast_out
        alerts += _fan(w, s, "in") + _fan(w, s, "out")
        alerts += _gather_scatter(w, s) + _scatter_gather(w, s) + _bipartite(w, s)
    return alerts
