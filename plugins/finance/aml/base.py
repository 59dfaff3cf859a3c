"""What every detector shares: the raw alert record and the column arrays it reads."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from plugins.finance.aml.readers import Transactions

DAY_S = 86_400.0
HOUR_S = 3_600.0

#: Prior severity of each typology: how strongly a clean hit alone suggests laundering.
TYPOLOGY_WEIGHT = {
    "cycle": 0.90, "scatter_gather": 0.85, "gather_scatter": 0.85, "structuring": 0.85,
    "stack": 0.80, "fan_in": 0.70, "fan_out": 0.70, "bipartite": 0.70, "pass_through": 0.70,
    "dormant": 0.70, "high_risk": 0.60, "velocity_spike": 0.60, "round_amounts": 0.50,
}


@dataclass
class RawAlert:
    """One detector hit before merging: which rows, which accounts stand out, why."""

    typology: str
    positions: np.ndarray  # row positions in Transactions.frame
    focus: list[int]  # account codes the pattern centres on
    strength: float  # 0..1, how far past the threshold
    detail: str  # plain-words reason

    @property
    def score(self) -> float:
        return round(TYPOLOGY_WEIGHT[self.typology] * (0.6 + 0.4 * min(1.0, self.strength)), 4)


class Cols:
    """Plain numpy views of the canonical frame (detectors index these, not pandas)."""

    def __init__(self, tx: Transactions) -> None:
        f = tx.frame
        self.tx = tx
        self.n = len(f)
        self.ts = f["ts"].to_numpy(np.int64)
        self.src = f["src"].to_numpy(np.int64)
        self.dst = f["dst"].to_numpy(np.int64)
        self.amount = f["amount"].to_numpy(np.float64)
        self.amount_orig = f["amount_orig"].to_numpy(np.float64)
        self.n_accounts = tx.n_accounts
        self.txn_id = f["txn_id"].to_numpy()
        self.currency = tx.base_currency
        #: what the analyst must know about how this file was analysed (a detector that
        #: could not run on it, the money scale thresholds were adapted to)
        self.notes: list[str] = []

    def resolution_s(self) -> int:
        """The coarsest clock the file's time stamps are on (see ``clock_tick_s``)."""
        if not hasattr(self, "_resolution"):
            self._resolution = clock_tick_s(self.ts)
        return self._resolution

    def by_sender(self) -> AccountTimeIndex:
        """Rows sorted by (sender, time); built once and shared by the detectors."""
        if not hasattr(self, "_by_sender"):
            self._by_sender = AccountTimeIndex(self.src, self.ts)
        return self._by_sender

    def by_receiver(self) -> AccountTimeIndex:
        """Rows sorted by (receiver, time)."""
        if not hasattr(self, "_by_receiver"):
            self._by_receiver = AccountTimeIndex(self.dst, self.ts)
        return self._by_receiver

    def _pairs(self) -> None:
        codes, uniques = pd.factorize(self.src * self.n_accounts + self.dst)
        count = np.bincount(codes, minlength=len(uniques))
        first = np.empty(len(uniques), dtype=np.int64)
        first[codes[::-1]] = np.arange(len(codes) - 1, -1, -1)  # last write = first row
        self._pair_first = self.ts[first[codes]]
        self._pair_count = count[codes]

    def pair_first_ts(self) -> np.ndarray:
        """Per row: when its (payer, payee) pair first appeared (rows are time-sorted)."""
        if not hasattr(self, "_pair_first"):
            self._pairs()
        return self._pair_first

    def recurring(self) -> np.ndarray:
        """Per row: the same payer paid the same payee more than once in the file
        (standing orders such as rent: a known relationship, not a layering hop)."""
        if not hasattr(self, "_pair_count"):
            self._pairs()
        return self._pair_count > 1

    def account_profile(self) -> tuple[np.ndarray, np.ndarray]:
        """Per account code: number of transactions (either side) and median amount."""
        if not hasattr(self, "_profile"):
            acct = np.concatenate([self.src, self.dst])
            amt = np.concatenate([self.amount, self.amount])
            med = pd.Series(amt).groupby(acct).median()
            median = np.zeros(self.n_accounts)
            median[med.index.to_numpy()] = med.to_numpy()
            self._profile = (np.bincount(acct, minlength=self.n_accounts), median)
        return self._profile

    def busy(self, quantile: float) -> np.ndarray:
        """Per account code: paid by more distinct payers over the file than ``quantile``
        of the accounts that were paid at all (collection accounts: merchants, payroll).
        Such accounts see near-equal money in and out within hours by coincidence."""
        if not hasattr(self, "_payers"):
            pairs = pd.unique(self.dst.astype(np.int64) * self.n_accounts + self.src)
            self._payers = np.bincount(pairs // self.n_accounts, minlength=self.n_accounts)
        paid = self._payers[self._payers > 0]
        bar = float(np.quantile(paid, quantile)) if len(paid) else 0.0
        return self._payers > bar

    def name(self, code: int) -> str:
        return str(self.tx.accounts[code])

    def money(self, value: float) -> str:
        return f"{value:,.2f} {self.currency}"


def clock_tick_s(ts: np.ndarray) -> int:
    """The coarsest clock time stamps are on (1 s, a minute, an hour or a day): a file of
    booking dates (AMLSim's day steps) cannot tell whether money left an account an hour
    or twenty hours after it came in, or even which came first."""
    for unit in (86_400, 3_600, 60):
        if len(ts) and not np.any(np.asarray(ts, dtype=np.int64) % unit):
            return unit
    return 1


def unique(a: np.ndarray) -> np.ndarray:
    """Sorted unique values. np.unique on large int arrays is ~20x slower than a hash
    (numpy 2.4), so hash with pandas and sort only the uniques."""
    return np.sort(pd.unique(a))


def member(a: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Boolean mask: a[i] in values (hash based; np.isin sorts)."""
    return pd.Series(a).isin(values).to_numpy()


def gap_clusters(keys: np.ndarray, ts: np.ndarray, gap_s: float) -> np.ndarray:
    """Cluster id per event: same key and within ``gap_s`` of the previous event.

    ``keys``/``ts`` must be sorted by (key, ts). Chained clusters may span more than
    ``gap_s``; that is intended for bursts like structuring deposits.
    """
    if len(keys) == 0:
        return np.zeros(0, dtype=np.int64)
    new = np.ones(len(keys), dtype=bool)
    new[1:] = (keys[1:] != keys[:-1]) | (np.diff(ts) > gap_s)
    return np.cumsum(new) - 1


def split_groups(group: np.ndarray, values: np.ndarray) -> list[np.ndarray]:
    """``values`` split by ``group`` id (ids 0..k-1, any order)."""
    if len(group) == 0:
        return []
    order = np.argsort(group, kind="stable")
    g = group[order]
    cuts = np.flatnonzero(np.diff(g)) + 1
    return np.split(values[order], cuts)


def span_text(seconds: float) -> str:
    """'5.2 h' or '2.1 days' for explanations."""
    return f"{seconds / HOUR_S:.1f} h" if seconds < 2 * DAY_S else f"{seconds / DAY_S:.1f} days"


class AccountTimeIndex:
    """Rows sorted by (account, time) for one side, to count an account's rows in a period."""

    def __init__(self, account: np.ndarray, ts: np.ndarray) -> None:
        self.order = np.lexsort((ts, account))
        self.t0 = int(ts.min()) if len(ts) else 0
        self.key = (account[self.order] << 32) + (ts[self.order] - self.t0)

    def count(self, account: np.ndarray, t_from: np.ndarray, t_to: np.ndarray) -> np.ndarray:
        """Rows of each ``account`` with t_from <= ts <= t_to (vectorised)."""
        base = account << 32
        lo = np.searchsorted(self.key, base + (t_from - self.t0), side="left")
        hi = np.searchsorted(self.key, base + (t_to - self.t0), side="right")
        return hi - lo
