"""Time-ordered money-flow paths: the engine behind cycles, layering chains and pass-through.

A path is a sequence of transactions where each one leaves the account the previous one
entered, no earlier than it and within ``max_delay_s``, keeping a share of the amount
in ``[min_ratio, max_ratio]``. Paths grow one hop at a time for all starting
transactions at once (searchsorted on a (sender, time) index plus ``np.repeat``), so a
million-row table is explored without a Python loop per transaction.
"""

from __future__ import annotations

import numpy as np

from plugins.finance.aml.base import DAY_S, HOUR_S, Cols, RawAlert, span_text
from plugins.finance.aml.models import DetectorSettings


def extend_paths(c: Cols, paths: np.ndarray, *, max_delay_s: float, min_ratio: float,
                 max_ratio: float, window_s: float, max_branch: int,
                 closing: bool = False) -> np.ndarray:
    """All one-hop extensions of ``paths`` (rows of transaction positions).

    The new hop may not revisit an account already on the path, except the first
    sender when ``closing`` is set (then only closing hops are returned: cycles).
    """
    if len(paths) == 0:
        return np.zeros((0, paths.shape[1] + 1), dtype=np.int64)
    idx = c.by_sender()
    last = paths[:, -1]
    end, t_last, a_last = c.dst[last], c.ts[last], c.amount[last]
    base = end << 32
    lo = np.searchsorted(idx.key, base + (t_last - idx.t0), side="left")
    hi = np.searchsorted(idx.key, base + (t_last - idx.t0 + int(max_delay_s)), side="right")
    cnt = np.minimum(hi - lo, max_branch)
    total = int(cnt.sum())
    if total == 0:
        return np.zeros((0, paths.shape[1] + 1), dtype=np.int64)
    rep = np.repeat(np.arange(len(paths)), cnt)
    offs = np.arange(total) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    nxt = idx.order[lo[rep] + offs]
    ratio = c.amount[nxt] / np.maximum(a_last[rep], 1e-9)
    ok = (ratio >= min_ratio) & (ratio <= max_ratio)
    ok &= c.ts[nxt] - c.ts[paths[rep, 0]] <= window_s
    nxt_dst = c.dst[nxt]
    start = c.src[paths[rep, 0]]
    closes = nxt_dst == start
    for h in range(paths.shape[1]):  # no account twice (the start only when closing)
        ok &= nxt_dst != c.dst[paths[rep, h]]
    ok &= closes if closing else ~closes
    rep, nxt = rep[ok], nxt[ok]
    return np.column_stack([paths[rep], nxt])


def flow_typologies(c: Cols, s: DetectorSettings) -> list[RawAlert]:
    """Time-ordered cycles (2..cycle_max_length hops) and layering chains (stack)."""
    window_s = s.window_days * DAY_S
    kw = dict(max_delay_s=s.flow_hop_hours * HOUR_S, min_ratio=s.flow_min_ratio,
              max_ratio=s.flow_max_ratio, window_s=window_s, max_branch=s.flow_max_branch)
    paths = np.flatnonzero((c.amount >= s.flow_min_amount) & (c.src != c.dst))[:, None]
    alerts: list[RawAlert] = []
    chains: list[np.ndarray] = []
    for hops in range(2, max(s.cycle_max_length, s.stack_min_hops) + 1):
        if hops <= s.cycle_max_length:
            for row in extend_paths(c, paths, closing=True, **kw):
                alerts.append(_cycle_alert(c, row))
        paths = extend_paths(c, paths, **kw)
        if len(paths) == 0:
            break
        if hops >= s.stack_min_hops:
            chains.append(paths)
    alerts.extend(_chain_alerts(c, chains, s))
    return alerts


def _cycle_alert(c: Cols, row: np.ndarray) -> RawAlert:
    nodes = [int(c.src[e]) for e in row]
    kept = c.amount[row[-1]] / c.amount[row[0]]
    span = c.ts[row[-1]] - c.ts[row[0]]
    route = " → ".join(c.name(n) for n in [*nodes, nodes[0]])
    return RawAlert("cycle", row.copy(), nodes, 0.5 + 0.1 * len(row),
                    f"Money went around a cycle of {len(row)} accounts ({route}) in "
                    f"{span_text(span)}, {kept:.0%} of {c.money(c.amount[row[0]])} "
                    "came back to where it started.")


def _unusual_for_middles(c: Cols, paths: np.ndarray, contrast: float) -> np.ndarray:
    """Per chain: most intermediaries either have no life of their own (a handful of
    transactions) or see an amount unlike their usual one. Ordinary customers paying on
    ordinary-sized sums form chains by coincidence in any large ledger."""
    n_txn, median = c.account_profile()
    mids = c.dst[paths[:, :-1]]
    amount = c.amount[paths[:, :-1]]
    med = np.maximum(median[mids], 1e-9)
    ratio = np.maximum(amount / med, med / np.maximum(amount, 1e-9))
    ok = (n_txn[mids] <= 4) | (ratio >= contrast)
    return ok.sum(axis=1) * 2 > mids.shape[1]


def _chain_alerts(c: Cols, chains: list[np.ndarray], s: DetectorSettings) -> list[RawAlert]:
    """Keep maximal chains only: drop a path that is a prefix or suffix of a longer one."""
    longer_prefix: set[tuple[int, ...]] = set()
    longer_suffix: set[tuple[int, ...]] = set()
    alerts = []
    known = c.recurring()
    for paths in reversed(chains):
        rows = [tuple(r) for r in paths.tolist()]
        # a chain made mostly of standing payments (rent paid on by a landlord) is life
        fresh = (~known[paths]).sum(axis=1) * 2 > paths.shape[1]
        fresh &= _unusual_for_middles(c, paths, s.fan_amount_contrast)
        # no intermediary is a collection account (see Cols.busy)
        fresh &= ~c.busy(s.busy_payers_quantile)[c.dst[paths[:, :-1]]].any(axis=1)
        for r, ok in zip(rows, fresh.tolist(), strict=True):
            if not ok or r in longer_prefix or r in longer_suffix:
                continue
            row = np.array(r)
            nodes = [int(c.src[e]) for e in row] + [int(c.dst[row[-1]])]
            kept = c.amount[row[-1]] / c.amount[row[0]]
            route = " → ".join(c.name(n) for n in nodes)
            alerts.append(RawAlert(
                "stack", row, nodes[1:-1], (len(row) - s.stack_min_hops + 1) / 3,
                f"Layering chain of {len(row)} hops ({route}) in "
                f"{span_text(c.ts[row[-1]] - c.ts[row[0]])}; each hop passed on the money "
                f"quickly and {kept:.0%} of {c.money(c.amount[row[0]])} reached the end."))
        longer_prefix.update(r[:-1] for r in rows)
        longer_suffix.update(r[1:] for r in rows)
    return alerts
