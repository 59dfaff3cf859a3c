"""Incremental detectors for streaming: each arriving transaction is checked only against
the recent neighbourhood of its two accounts, so an alert fires milliseconds after the
transaction that completes a pattern.

State is per account: recent incoming and outgoing transfers inside the window, the
pairs seen before (for "new counterparty"), activity per day (velocity baseline) and
the last time the account was seen (dormancy). The batch detectors' definitions are
kept; bipartite patterns are matched from the arriving transfer's target outwards (two hops),
and fans spread over any time span (split fans) live in ``stream_fans.py``.
"""

from __future__ import annotations

from collections import OrderedDict, defaultdict, deque
from dataclasses import dataclass, field, replace

from plugins.finance.aml.base import DAY_S, HOUR_S
from plugins.finance.aml.events import Hit, Txn
from plugins.finance.aml.models import DetectorSettings
from plugins.finance.aml.rules import pass_through_off
from plugins.finance.aml.scale import StreamCalibration, scale_note
from plugins.finance.aml.stream_fans import SplitFans

RECENT = 200_000  # transactions remembered for alert evidence (split fans span months)


@dataclass
class _Account:
    out: deque = field(default_factory=deque)  # Txn, oldest first, within the window
    inc: deque = field(default_factory=deque)
    days: dict = field(default_factory=lambda: defaultdict(int))  # day -> outgoing count
    first_ts: float | None = None
    last_ts: float | None = None
    seen: int = 0
    amounts: deque = field(default_factory=lambda: deque(maxlen=50))
    history: deque = field(default_factory=lambda: deque(maxlen=200))  # (ts, amount)
    volume: float = 0.0  # all money moved, both sides
    weekly_in: dict = field(default_factory=lambda: defaultdict(set))  # window -> payers
    weekly_out: dict = field(default_factory=lambda: defaultdict(set))  # window -> payees
    waking: tuple | None = None  # (woke_at, gap_days, usual_amount) after dormancy


class IncrementalDetector:
    """Feed transactions in time order with :meth:`add`; it returns new hits."""

    def __init__(self, s: DetectorSettings) -> None:
        self.s = s
        self.window = s.window_days * DAY_S
        self.acc: dict[str, _Account] = defaultdict(_Account)
        self.pairs: set[tuple[str, str]] = set()
        self.fired: set[tuple] = set()
        self.start_ts: float | None = None
        self.warmup_s = getattr(s, "warmup_days", 7.0) * DAY_S
        # amount thresholds follow the stream's money scale, learnt from its first
        # transactions (the amount rules wait until then); split fans span any time
        self.calibration = StreamCalibration(s)
        self.split_fans = SplitFans(s, self._warm)
        self.recent: OrderedDict[str, Txn] = OrderedDict()  # evidence of alerts

    def evidence(self, hit: Hit) -> list[Txn]:
        """The transactions of a hit that are still remembered (the last RECENT ones)."""
        return [self.recent[i] for i in hit.transactions if i in self.recent]

    def notes(self) -> list[str]:
        """How the stream was analysed: its money scale, rules its clock ruled out."""
        cal, out = self.calibration, []
        if cal.settings is not None and cal.scale != 1.0:
            out.append(scale_note(cal.scale, cal.settings))
        if cal.tick_s is not None and cal.tick_s > self.s.pass_through_hours * HOUR_S:
            out.append(pass_through_off(cal.tick_s, self.s))
        return out

    def _warm(self, now: float) -> bool:
        """Baseline-based typologies stay silent while the stream's first days teach
        everyone's usual behaviour (a merchant's first week looks like a fan-in)."""
        return now - (self.start_ts if self.start_ts is not None else now) >= self.warmup_s

    # -- helpers --------------------------------------------------------------------
    def _prune(self, a: _Account, now: float) -> None:
        for q in (a.out, a.inc):
            while q and q[0].ts < now - self.window:
                q.popleft()

    def _quiet_out(self, acct: str) -> bool:
        return len({t.dst for t in self.acc[acct].out}) <= self.s.middle_max_degree

    def _quiet_in(self, acct: str) -> bool:
        return len({t.src for t in self.acc[acct].inc}) <= self.s.middle_max_degree

    def _emit(self, hits: list[Hit], hit: Hit) -> None:
        if hit.key not in self.fired:
            self.fired.add(hit.key)
            hits.append(hit)

    # -- the entry point ------------------------------------------------------------
    def add(self, t: Txn) -> list[Hit]:
        """Update state with ``t`` and return the patterns it completes."""
        hits: list[Hit] = []
        self.calibration.add(t.amount, t.ts)
        amounts_known = self.calibration.settings is not None
        if amounts_known:
            self.s = self.calibration.settings
        s = self.s
        self.start_ts = t.ts if self.start_ts is None else self.start_ts
        src, dst = self.acc[t.src], self.acc[t.dst]
        new_pair = (t.src, t.dst) not in self.pairs
        t = replace(t, new_pair=new_pair)
        for a in (src, dst):
            self._prune(a, t.ts)
        self.recent[t.txn_id] = t
        if len(self.recent) > RECENT:
            self.recent.popitem(last=False)
        self._dormancy(t, src, hits if amounts_known else [])
        src.out.append(t)
        dst.inc.append(t)
        src.days[int(t.ts // DAY_S)] += 1
        # usual number of quiet counterparties per window (shops are not counted, so a
        # shopper's week does not hide a distribution to quiet accounts)
        week = int(t.ts // self.window)
        if self._quiet_in(t.dst):
            src.weekly_out[week].add(t.dst)
        if self._quiet_out(t.src):
            dst.weekly_in[week].add(t.src)
        for a in (src, dst):
            a.first_ts = t.ts if a.first_ts is None else a.first_ts
            a.last_ts = t.ts
            a.seen += 1
        for a in (src, dst):
            a.amounts.append(t.amount)
            a.history.append((t.ts, t.amount))
            a.volume += t.amount
        self.pairs.add((t.src, t.dst))
        tick = self.calibration.tick_s
        if amounts_known:
            self._structuring(t, src, dst, hits)
            self._round(t, src, hits)
            if tick is not None and tick <= s.pass_through_hours * HOUR_S:
                self._pass_through(t, src, hits)
        self._velocity(t, src, hits)
        if amounts_known and t.high_risk and t.amount >= s.high_risk_min_amount:
            self._emit(hits, Hit("high_risk", ("high_risk", t.txn_id), [t.src, t.dst],
                                 [t.txn_id], t.amount / (10 * max(s.high_risk_min_amount, 1)),
                                 f"{t.src} → {t.dst}: {t.amount:,.2f} with a high-risk "
                                 "bank/jurisdiction."))
        if new_pair and self._warm(t.ts):
            self._fan(t, dst, "in", hits)
            self._fan(t, src, "out", hits)
            self._gather_scatter(t, src, hits)
            if amounts_known:
                self._bipartite(t, hits)
        self._scatter_gather(t, hits)
        self._flows(t, hits)
        for hit in self.split_fans.add(t):
            self._emit(hits, hit)
        return hits

    # -- rules ----------------------------------------------------------------------
    def _structuring(self, t: Txn, src: _Account, dst: _Account, hits: list[Hit]) -> None:
        s = self.s
        lo = s.reporting_threshold * (1 - s.structuring_margin)
        if not lo <= t.amount < s.reporting_threshold:
            return
        horizon = t.ts - s.structuring_window_days * DAY_S
        for acct, q in ((t.src, src.out), (t.dst, dst.inc)):
            near = [x for x in q if x.ts >= horizon and lo <= x.amount < s.reporting_threshold]
            if len(near) >= s.structuring_min_count:
                self._emit(hits, Hit("structuring", ("structuring", acct, near[0].txn_id),
                                     [acct], [x.txn_id for x in near], len(near) / 4,
                                     f"{acct}: {len(near)} amounts just under "
                                     f"{s.reporting_threshold:,.0f} within "
                                     f"{(t.ts - near[0].ts) / HOUR_S:.1f} h."))

    def _pass_through(self, t: Txn, src: _Account, hits: list[Hit]) -> None:
        s = self.s
        h = s.pass_through_hours * HOUR_S
        recent_in = [x for x in src.inc if t.ts - h <= x.ts <= t.ts]
        if len(recent_in) > 2 or sum(1 for x in src.out if x.ts >= t.ts - h) > 2:
            return
        for x in recent_in:
            if x.amount >= s.pass_through_min_amount and \
                    s.pass_through_min_ratio <= t.amount / x.amount <= 1.0:
                self._emit(hits, Hit("pass_through", ("pass_through", x.txn_id, t.txn_id),
                                     [t.src, x.src, t.dst], [x.txn_id, t.txn_id], 1 - (t.ts - x.ts) / h,
                                     f"{t.src} received {x.amount:,.2f} and passed "
                                     f"{t.amount / x.amount:.0%} on to {t.dst} "
                                     f"{(t.ts - x.ts) / HOUR_S:.1f} h later."))
                return

    def _round(self, t: Txn, src: _Account, hits: list[Hit]) -> None:
        s = self.s
        def is_round(x: Txn) -> bool:
            return x.amount >= s.round_min_amount and x.amount_orig % s.round_unit == 0
        if not is_round(t):
            return
        rnd = [x for x in src.out if is_round(x)]
        if len(rnd) >= s.round_min_count:
            self._emit(hits, Hit("round_amounts", ("round", t.src, rnd[0].txn_id), [t.src],
                                 [x.txn_id for x in rnd], len(rnd) / 4,
                                 f"{t.src} sent {len(rnd)} large round amounts in the window."))

    def _velocity(self, t: Txn, src: _Account, hits: list[Hit]) -> None:
        s = self.s
        last24 = [x for x in src.out if x.ts >= t.ts - DAY_S]
        if len(last24) < s.velocity_min_count or src.first_ts is None:
            return
        if t.ts - src.first_ts < s.velocity_min_history_days * DAY_S:
            return
        today = int(t.ts // DAY_S)
        other = [n for d, n in src.days.items() if d not in (today, today - 1)]
        if not other:
            return
        base = sum(other) / len(other)
        if len(last24) >= s.velocity_factor * base:
            self._emit(hits, Hit("velocity_spike", ("velocity", t.src, today), [t.src],
                                 [x.txn_id for x in last24], len(last24) / (10 * max(base, 1)),
                                 f"{t.src} sent {len(last24)} transactions in 24 h against a "
                                 f"usual {base:.1f} per active day."))

    def _dormancy(self, t: Txn, src: _Account, hits: list[Hit]) -> None:
        s = self.s
        # silent for long by the account's own rhythm too (as in the batch rule)
        usual_gap = ((src.last_ts - src.first_ts) / max(src.seen - 1, 1)
                     if src.last_ts is not None and src.first_ts is not None else 0.0)
        if src.last_ts is not None and src.seen >= s.dormant_min_history and \
                t.ts - src.last_ts >= max(s.dormant_days * DAY_S,
                                          s.dormant_gap_factor * usual_gap):
            usual = sorted(src.amounts)[len(src.amounts) // 2] if src.amounts else 0.0
            src.waking = (t.ts, (t.ts - src.last_ts) / DAY_S, usual)
        if src.waking is None:
            return
        woke, gap, usual = src.waking
        if t.ts - woke > s.window_days * DAY_S:
            src.waking = None
            return
        moved = [x for x in [*src.out, t] if x.ts >= woke and x.src == t.src]
        total = sum(x.amount for x in moved)
        if total >= s.dormant_min_amount and total >= s.dormant_amount_factor * usual:
            self._emit(hits, Hit("dormant", ("dormant", t.src, woke), [t.src],
                                 [x.txn_id for x in moved], total / (4 * s.dormant_min_amount),
                                 f"{t.src} was silent for {gap:.0f} days, then sent "
                                 f"{total:,.2f} (earlier median {usual:,.2f})."))

    # -- graph typologies -----------------------------------------------------------
    def _legs(self, a: _Account, side: str) -> list[Txn]:
        """New-relationship transfers with quiet counterparties, the largest group of
        similar size (parts of one sum), as in the batch fan detectors."""
        q = a.inc if side == "in" else a.out
        learned = (self.start_ts or 0.0) + self.warmup_s  # legs during warm-up only teach
        legs = [x for x in q if x.new_pair and x.ts >= learned and
                (self._quiet_out(x.src) if side == "in" else self._quiet_in(x.dst))]
        legs.sort(key=lambda x: x.amount)
        best: list[Txn] = []
        j = 0
        for i in range(len(legs)):
            while legs[i].amount > legs[j].amount * self.s.fan_amount_band:
                j += 1
            if i - j + 1 > len(best):
                best = legs[j:i + 1]
        return best

    def _unusual(self, a: _Account, legs: list[Txn]) -> bool:
        """Leg size or total volume unlike the account's life before the first leg."""
        s = self.s
        start = min(x.ts for x in legs)
        before = [amt for ts, amt in a.history if ts < start]
        if len(before) <= 3:
            return True  # no life of its own: a new or dormant account
        before.sort()
        usual = before[len(before) // 2]
        leg = sorted(x.amount for x in legs)[len(legs) // 2]
        size = max(leg / max(usual, 1e-9), usual / max(leg, 1e-9)) >= s.fan_amount_contrast
        weeks = max(1.0, (start - (a.first_ts or start)) / self.window)
        volume_before = sum(before) / weeks
        return size or sum(x.amount for x in legs) >= s.fan_baseline_factor * volume_before

    def _fan(self, t: Txn, a: _Account, side: str, hits: list[Hit]) -> None:
        s = self.s
        q = a.inc if side == "in" else a.out
        if len(q) < s.fan_min_degree:
            return
        best = self._legs(a, side)
        parties = {x.src if side == "in" else x.dst for x in best}
        acct = t.dst if side == "in" else t.src
        if len(parties) < s.fan_min_degree or not self._unusual(a, best):
            return
        if len(best) * 2 < len(q):
            return  # the similar legs are a minority of this account's traffic: business
        # the usual before the fan began (a fan across a window boundary must not count
        # its own first legs as the account's habit)
        first_week = int(min(x.ts for x in best) // self.window)
        past = [len(v) for w, v in (a.weekly_in if side == "in" else a.weekly_out).items()
                if w < first_week]
        if past and len(parties) < s.fan_baseline_factor * sum(past) / len(past):
            return  # this account meets this many counterparties every week
        self._emit(hits, Hit(f"fan_{side}", (f"fan_{side}", acct, int(t.ts // self.window)),
                             [acct, *sorted(parties)], [x.txn_id for x in best],
                             (len(parties) - s.fan_min_degree + 1) / s.fan_min_degree,
                             f"{acct} {'received from' if side == 'in' else 'sent to'} "
                             f"{len(parties)} new, otherwise quiet accounts, similar amounts "
                             f"({sum(x.amount for x in best):,.2f} in total) in the window."))

    def _gather_scatter(self, t: Txn, hub: _Account, hits: list[Hit]) -> None:
        s = self.s
        outs = self._legs(hub, "out")
        if len({x.dst for x in outs}) < s.hub_min_degree:
            return
        first_out = min(x.ts for x in outs)
        ins = [x for x in self._legs(hub, "in") if x.ts <= first_out]
        if len({x.src for x in ins}) < s.hub_min_degree:
            return
        a_in, a_out = sum(x.amount for x in ins), sum(x.amount for x in outs)
        if not 0.5 <= a_out / max(a_in, 1e-9) <= 1.2:
            return
        self._emit(hits, Hit("gather_scatter", ("gather_scatter", t.src,
                                                int(t.ts // self.window)),
                             [t.src, *sorted({x.src for x in ins} | {x.dst for x in outs})],
                             [x.txn_id for x in ins + outs],
                             (min(len(ins), len(outs)) - s.hub_min_degree + 1) / s.hub_min_degree,
                             f"{t.src} collected {a_in:,.2f} from {len(ins)} accounts and paid "
                             f"{a_out / a_in:.0%} of it out to {len(outs)} accounts."))

    def _bipartite(self, t: Txn, hits: list[Hit]) -> None:
        """Sources that each paid the same targets (new pairs, sizeable amounts)."""
        s = self.s
        if t.amount < s.bipartite_min_amount:
            return

        def targets(acct: str) -> set[str]:
            out = self.acc[acct].out
            if len(out) > s.middle_max_degree * 2:
                return set()
            return {x.dst for x in out if x.new_pair and x.amount >= s.bipartite_min_amount}

        sources = {x.src for x in self.acc[t.dst].inc
                   if x.new_pair and x.amount >= s.bipartite_min_amount}
        if len(sources) < s.bipartite_min_side or len(sources) > s.middle_max_degree:
            return
        tsets = {src: targets(src) for src in sources}
        counts: dict[str, int] = defaultdict(int)
        for ts_ in tsets.values():
            for d in ts_:
                counts[d] += 1
        shared = {d for d, n in counts.items() if n >= 2}
        side_s = {src for src, ts_ in tsets.items() if len(ts_ & shared) >= 2}
        if len(side_s) < s.bipartite_min_side or len(shared) < s.bipartite_min_side:
            return
        edges = sum(len(tsets[src] & shared) for src in side_s)
        density = edges / (len(side_s) * len(shared))
        if density < s.bipartite_min_density or t.src not in side_s:
            return
        txns = [x.txn_id for src in side_s for x in self.acc[src].out if x.dst in shared]
        self._emit(hits, Hit("bipartite", ("bipartite", *sorted(side_s),
                                           int(t.ts // self.window)),
                             sorted(side_s | shared), txns, density,
                             f"{len(side_s)} accounts each paid the same {len(shared)} "
                             f"accounts ({density:.0%} of all pairs)."))

    def _scatter_gather(self, t: Txn, hits: list[Hit]) -> None:
        """t is M -> T: count S with S -> M' -> T through several quiet M'."""
        s = self.s
        target = self.acc[t.dst]
        by_source: dict[str, set[str]] = defaultdict(set)
        legs: dict[str, list[str]] = defaultdict(list)
        for x in target.inc:  # x: M' -> T
            mid = self.acc[x.src]
            if len(mid.inc) > s.middle_max_degree or len(mid.out) > s.middle_max_degree:
                continue
            for y in mid.inc:  # y: S -> M'
                if y.ts <= x.ts and y.src != t.dst and \
                        s.scatter_min_ratio <= x.amount / max(y.amount, 1e-9) <= 1.05:
                    by_source[y.src].add(x.src)
                    legs[y.src] += [y.txn_id, x.txn_id]
        for source, mids in by_source.items():
            if len(mids) >= s.scatter_min_middles and t.src in mids:
                self._emit(hits, Hit("scatter_gather", ("scatter_gather", source, t.dst,
                                                        int(t.ts // self.window)),
                                     [source, t.dst, *sorted(mids)],
                                     list(dict.fromkeys(legs[source])), len(mids) / 6,
                                     f"{source} reached {t.dst} through {len(mids)} "
                                     "intermediaries."))

    def _flows(self, t: Txn, hits: list[Hit]) -> None:
        """Walk backwards from t along amount-preserving, time-ordered hops: cycles, chains."""
        s = self.s
        max_hops = max(s.cycle_max_length, s.stack_min_hops + 3)
        stack = [(t, [t])]
        longest: list[Txn] = []
        while stack:
            head, path = stack.pop()
            if len(path) > len(longest):
                longest = path
            if len(path) >= max_hops:
                continue
            budget = s.flow_max_branch
            for x in reversed(self.acc[head.src].inc):
                if budget == 0:
                    break
                budget -= 1
                if not (head.ts - s.flow_hop_hours * HOUR_S <= x.ts <= head.ts):
                    continue
                if not s.flow_min_ratio <= head.amount / max(x.amount, 1e-9) <= s.flow_max_ratio:
                    continue
                if t.ts - x.ts > self.window:
                    continue
                nodes = {p.dst for p in path}
                if x.src == t.dst and len(path) + 1 >= 2:
                    cyc = [x, *path]
                    self._emit(hits, Hit("cycle", ("cycle", *sorted(c.txn_id for c in cyc)),
                                         [c.src for c in cyc], [c.txn_id for c in cyc],
                                         0.5 + 0.1 * len(cyc),
                                         "Money went around a cycle of "
                                         f"{len(cyc)} accounts: "
                                         + " → ".join([c.src for c in cyc] + [cyc[0].src])))
                    continue
                if x.src in nodes or x.src == t.src:
                    continue
                stack.append((x, [x, *path]))
        if len(longest) >= s.stack_min_hops:
            self._emit(hits, Hit("stack", ("stack", longest[0].txn_id),
                                 [x.src for x in longest] + [t.dst],
                                 [x.txn_id for x in longest], len(longest) / 6,
                                 f"Layering chain of {len(longest)} hops ending "
                                 f"{t.src} → {t.dst}."))
