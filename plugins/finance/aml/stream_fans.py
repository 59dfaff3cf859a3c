"""Split fans in the stream: fan-in / fan-out made of similar parts spread over any span.

The streaming counterpart of ``split_fans.py`` (read its docstring for the typology). A
leg is a transfer between a counterparty and a hub; it is a part when its amount is far
off what that counterparty usually sends (fan-in) or receives (fan-out) with other
accounts, beyond the ``fan_contrast_quantile`` of all such departures seen so far (and at
least ``fan_amount_contrast`` times), and it is not a standing order (the same pair at a
similar amount on another day). A fan is at least ``fan_split_min_degree`` counterparties
whose parts lie within ``fan_amount_band`` of each other, with nothing else the hub moves
within the contrast factor of them.

What completes such a pattern is not always a leg: AMLSim's payers often send their part
before the ordinary transfers that show what they usually send. So each arriving
transfer re-examines the legs whose counterparty's usual it changes (its sender's recent
payees, its receiver's recent payers), and an alert is raised as soon as the evidence is
complete, whichever transaction completes it (a later ordinary transfer of the hub gives
the parts something to stand apart from). One alert per hub and side: later parts of
a fan already raised add nothing an analyst needs to be woken for.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right, insort
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from plugins.finance.aml.events import Hit, Txn
from plugins.finance.aml.models import DetectorSettings

RECENT_COUNTERPARTIES = 20  # legs re-examined when an account's usual amount moves ...
SETTLED = 16  # ... until it has made this many transfers on that side
PAIR_LEGS = 50  # legs remembered per (payer, payee) pair
MIN_DEPARTURES = 500  # departures seen before the contrast bar is trusted
_BIN = 0.01  # histogram bin of |log departure|
_BINS = 2_000


@dataclass
class _Pair:
    log_sum: float = 0.0
    n: int = 0
    legs: list = field(default_factory=list)  # [day, log amount, txn id, amount, standing]

    def add(self, day: int, log_amount: float, txn_id: str, amount: float,
            log_band: float) -> None:
        """A leg; legs of similar size on different days are standing orders (rent)."""
        leg = [day, log_amount, txn_id, amount, False]
        for other in self.legs:
            if other[0] != day and abs(other[1] - log_amount) <= log_band:
                other[4] = leg[4] = True
        self.legs.append(leg)
        self.log_sum += log_amount
        self.n += 1
        del self.legs[:-PAIR_LEGS]


@dataclass
class _Side:
    """State of one side: fan-in (hub = payee) or fan-out (hub = payer)."""

    name: str
    departures: np.ndarray = field(default_factory=lambda: np.zeros(_BINS, dtype=np.int64))
    bar: float = 0.0
    count: int = 0
    since_bar: int = 0
    hub_logs: dict = field(default_factory=lambda: defaultdict(list))  # hub -> sorted logs
    parts: dict = field(default_factory=dict)  # hub -> counterparty -> its parts (logs)


class SplitFans:
    """Feed every transaction with :meth:`add`; it returns the split fans it completes."""

    def __init__(self, s: DetectorSettings, ready: Callable[[float], bool]) -> None:
        self.s = s
        self.ready = ready
        self.log_band = math.log(s.fan_amount_band)
        self.min_bar = math.log(s.fan_amount_contrast)
        self.sides = {"in": _Side("in"), "out": _Side("out")}
        self.pairs: dict[tuple[str, str], _Pair] = defaultdict(_Pair)
        self.sent: dict[str, list[float]] = defaultdict(lambda: [0.0, 0])  # log sum, count
        self.got: dict[str, list[float]] = defaultdict(lambda: [0.0, 0])
        self.recent_out: dict[str, dict] = defaultdict(dict)  # payer -> recent payees
        self.recent_in: dict[str, dict] = defaultdict(dict)  # payee -> recent payers
        self.fired: set[tuple] = set()

    # -- state ------------------------------------------------------------------------
    def _usual(self, side: str, payer: str, payee: str) -> float | None:
        """Mean log amount the counterparty moves with accounts other than the hub."""
        other_stats = self.sent[payer] if side == "in" else self.got[payee]
        pair = self.pairs[(payer, payee)]
        n = other_stats[1] - pair.n
        return (other_stats[0] - pair.log_sum) / n if n > 0 else None

    def _record_departure(self, side: _Side, departure: float) -> None:
        side.departures[min(int(departure / _BIN), _BINS - 1)] += 1
        side.count += 1
        side.since_bar += 1
        if side.since_bar >= 256 or side.bar == 0.0:
            side.since_bar = 0
            cut = np.searchsorted(np.cumsum(side.departures),
                                  self.s.fan_contrast_quantile * side.count)
            side.bar = max(self.min_bar, (cut + 1) * _BIN)

    @staticmethod
    def _remember(recent: dict, key: str) -> None:
        recent.pop(key, None)
        recent[key] = None
        if len(recent) > RECENT_COUNTERPARTIES:
            del recent[next(iter(recent))]

    # -- the entry point ----------------------------------------------------------------
    def add(self, t: Txn) -> list[Hit]:
        """Update state with ``t`` and return the split fans completed by it."""
        if t.src == t.dst:
            return []
        log_amount = math.log(max(t.amount, 0.01))
        for side_name in ("in", "out"):
            usual = self._usual(side_name, t.src, t.dst)
            if usual is not None:
                self._record_departure(self.sides[side_name], abs(log_amount - usual))
        self.pairs[(t.src, t.dst)].add(int(t.ts // 86_400), log_amount, t.txn_id, t.amount,
                                       self.log_band)
        for stats in (self.sent[t.src], self.got[t.dst]):
            stats[0] += log_amount
            stats[1] += 1
        insort(self.sides["in"].hub_logs[t.dst], log_amount)
        insort(self.sides["out"].hub_logs[t.src], log_amount)
        self._remember(self.recent_out[t.src], t.dst)
        self._remember(self.recent_in[t.dst], t.src)
        if not self.ready(t.ts):
            return []
        hits: list[Hit] = []
        # the sender's usual payment moved: its legs to every recent payee are re-read as
        # possible fan-in parts; the receiver's usual receipt moved: fan-out parts
        # (while that usual is still settling: after SETTLED transfers one more moves it
        # too little to matter, and busy accounts would be re-read on every payment)
        payees = self.recent_out[t.src] if self.sent[t.src][1] <= SETTLED else (t.dst,)
        for payee in list(payees):
            self._examine("in", t.src, payee, hits)
        payers = self.recent_in[t.dst] if self.got[t.dst][1] <= SETTLED else (t.src,)
        for payer in list(payers):
            self._examine("out", payer, t.dst, hits)
        # the hubs' own traffic grew: parts that had nothing to stand apart from may now
        for side_name, hub in (("in", t.dst), ("out", t.src)):
            if len(self.sides[side_name].parts.get(hub, ())) >= self.s.fan_split_min_degree:
                self._check(side_name, hub, hits)
        return hits

    def _examine(self, side_name: str, payer: str, payee: str, hits: list[Hit]) -> None:
        """Re-read the legs of one pair as possible parts; check the hub when they change."""
        side = self.sides[side_name]
        pair = self.pairs.get((payer, payee))
        if pair is None or side.count < MIN_DEPARTURES:
            return
        hub, other = (payee, payer) if side_name == "in" else (payer, payee)
        known = side.parts.get(hub)
        was = known.get(other) if known else None
        stats = self.sent[payer] if side_name == "in" else self.got[payee]
        n = stats[1] - pair.n
        parts = []
        if n > 0:
            usual, bar = (stats[0] - pair.log_sum) / n, side.bar
            parts = [la for _, la, _, _, standing in pair.legs
                     if not standing and abs(la - usual) >= bar]
        if not parts:
            if was is not None:
                del known[other]
            return
        parts.sort()
        now = (parts[len(parts) // 2], parts[0], parts[-1])  # median, smallest, largest
        if now == was:
            return
        if known is None:
            known = side.parts[hub] = {}
        known[other] = now
        self._check(side_name, hub, hits)

    def _check(self, side_name: str, hub: str, hits: list[Hit]) -> None:
        s, side = self.s, self.sides[side_name]
        typology = f"fan_{side_name}"
        key = (typology, "split", hub)
        if key in self.fired:
            return
        known = side.parts[hub]
        values = sorted(v[0] for v in known.values())
        best, best_i = 0, 0
        for i, v in enumerate(values):
            reach = bisect_right(values, v + self.log_band) - i
            if reach > best:
                best, best_i = reach, i
        if best < s.fan_split_min_degree:
            return
        lo, hi = values[best_i], values[best_i + best - 1]
        others = [o for o, v in known.items() if lo <= v[0] <= hi]
        # isolation over the parts themselves (a payer may send its part in several
        # transfers the same day): nothing else the hub moves lies near them
        lo = min(known[o][1] for o in others)
        hi = max(known[o][2] for o in others)
        logs = side.hub_logs[hub]
        in_band = bisect_right(logs, hi) - bisect_left(logs, lo)
        near = bisect_right(logs, hi + side.bar) - bisect_left(logs, lo - side.bar)
        if near != in_band or len(logs) <= in_band:
            return  # the hub moves other amounts of that size: the parts are not apart
        txns, total = [], 0.0
        for o in others:
            pair = self.pairs[(o, hub) if side_name == "in" else (hub, o)]
            for _, la, txn_id, amount, _ in pair.legs:
                if lo - self.log_band <= la <= hi + self.log_band:
                    txns.append(txn_id)
                    total += amount
        self.fired.add(key)
        contrast = math.exp(side.bar)
        verb, prep = ("received", "from") if side_name == "in" else ("sent", "to")
        their = "sends" if side_name == "in" else "receives"
        hits.append(Hit(
            typology, key, [hub, *sorted(others)], txns,
            min(1.0, (len(others) - s.fan_split_min_degree + 1) / s.fan_split_min_degree),
            f"{hub} {verb} {len(txns)} transfers of similar size ({math.exp(lo):,.2f} to "
            f"{math.exp(hi):,.2f}, total {total:,.2f}) {prep} {len(others)} distinct accounts; "
            f"each is at least {contrast:.1f}x off what that account usually {their}, and "
            f"nothing else {hub} {verb} is within {contrast:.1f}x of them (split fan)."))
