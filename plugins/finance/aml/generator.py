"""Synthetic bank transactions: realistic background plus injected, labelled typologies.

Background: individuals buy from merchants (Zipf popularity), pay friends, pay monthly
rent; employers pay monthly salaries; merchants pay suppliers; employers get paid by
client merchants. Laundering patterns of every typology the detectors know are injected
on top, partly through ordinary background accounts (mules), with their rows flagged
``Is Laundering`` and listed in a labels file (pattern id, typology, accounts, rows).
The CSV uses the IBM AMLworld layout, so the same reader handles generated and real data.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from plugins.finance.aml.readers import AMLWORLD_COLUMNS, load_rates

TYPOLOGIES = ("fan_in", "fan_out", "cycle", "scatter_gather", "gather_scatter", "stack",
              "bipartite", "structuring", "pass_through", "round_amounts", "velocity_spike",
              "dormant", "high_risk")
START = pd.Timestamp("2022-09-01")
DAY = 86_400.0
HOUR = 3_600.0


@dataclass
class GeneratorConfig:
    """Size, seed and typology mix of a generated data set."""

    n_transactions: int = 50_000
    n_accounts: int | None = None  # default: one account per 20 transactions
    days: int = 90
    seed: int = 7
    patterns: dict[str, int] = field(default_factory=lambda: {t: 5 for t in TYPOLOGIES})
    n_banks: int = 25
    foreign_share: float = 0.1  # accounts holding a non-USD currency
    #: every amount (background and patterns, structuring's reporting threshold included)
    #: is multiplied by this: 0.01 or 100 make files whose money is on another scale
    #: than the detectors' currency defaults (a ledger in cents, in thousands, AMLSim's
    #: unit-less values), to check that the detectors adapt to the file
    amount_scale: float = 1.0


@dataclass
class _Tx:
    rows: list[tuple] = field(default_factory=list)  # (ts, src, dst, amount, fmt, pattern)

    def add(self, ts, src, dst, amount, fmt, pattern=-1):
        self.rows.append((float(ts), int(src), int(dst), float(amount), fmt, pattern))


class _World:
    """Accounts (banks, ids, currencies, roles) and helpers to create new ones."""

    def __init__(self, cfg: GeneratorConfig, rng: np.random.Generator) -> None:
        self.rng = rng
        n = cfg.n_accounts or max(200, cfg.n_transactions // 20)
        self.bank_ids = rng.choice(np.arange(10, 40_000), size=cfg.n_banks, replace=False)
        self.high_risk_banks = [int(b) for b in rng.choice(np.arange(90_000, 99_999), 2,
                                                           replace=False)]
        self.bank = list(rng.choice(self.bank_ids, size=n))
        _, rates = load_rates()
        foreign = ["Euro", "UK Pound", "Yen", "Yuan", "Canadian Dollar", "Swiss Franc"]
        cur = np.where(rng.random(n) < cfg.foreign_share, rng.choice(foreign, n), "US Dollar")
        self.currency = list(cur)
        self.rates = rates
        self.ids = [f"{x:09X}" for x in rng.choice(16 ** 9, size=n, replace=False)]
        roles = rng.random(n)
        self.merchants = np.flatnonzero(roles < 0.05)
        self.employers = np.flatnonzero((roles >= 0.05) & (roles < 0.07))
        self.individuals = np.flatnonzero(roles >= 0.07)

    def new_account(self, bank: int | None = None) -> int:
        self.bank.append(int(bank) if bank is not None else int(self.rng.choice(self.bank_ids)))
        self.currency.append("US Dollar")
        self.ids.append(f"{int(self.rng.integers(16 ** 9)):09X}")
        return len(self.ids) - 1

    def mule(self) -> int:
        """A fresh account half of the time, an ordinary customer otherwise."""
        if self.rng.random() < 0.5:
            return self.new_account()
        return int(self.rng.choice(self.individuals))


def _background(cfg: GeneratorConfig, w: _World, rng: np.random.Generator) -> pd.DataFrame:
    span = cfg.days * DAY
    months = max(1, int(np.ceil(cfg.days / 30)))
    ind = w.individuals
    # salaries (monthly, ~70% employed) and rent (monthly, ~40%)
    employed = ind[rng.random(len(ind)) < 0.7]
    employer = rng.choice(w.employers, size=len(employed))
    salary = np.round(rng.lognormal(np.log(2_500), 0.4, len(employed)), 2)
    renters = ind[rng.random(len(ind)) < 0.4]
    landlord = rng.choice(ind, size=len(renters))
    rent = np.round(rng.lognormal(np.log(1_200), 0.35, len(renters)) / 50) * 50
    parts = []
    for m in range(months):
        pay_t = (m * 30 + 27) * DAY + 9 * HOUR + rng.uniform(0, 2 * HOUR, len(employed))
        parts.append(pd.DataFrame({"ts": pay_t, "src": employer, "dst": employed,
                                   "amount": salary, "fmt": "ACH"}))
        rent_t = (m * 30 + rng.uniform(0, 3, len(renters))) * DAY + 10 * HOUR
        parts.append(pd.DataFrame({"ts": rent_t, "src": renters, "dst": landlord,
                                   "amount": rent, "fmt": "Cheque"}))
    fixed = pd.concat(parts, ignore_index=True)
    fixed = fixed[fixed.ts < span]
    # business flows: merchants pay suppliers, clients pay employers (weekly-ish)
    n_biz = max(1, int(0.03 * cfg.n_transactions))
    biz_src = rng.choice(w.merchants, n_biz)
    to_emp = rng.random(n_biz) < 0.5
    biz_dst = np.where(to_emp, rng.choice(w.employers, n_biz), rng.choice(w.merchants, n_biz))
    biz = pd.DataFrame({"ts": rng.uniform(0, span, n_biz), "src": biz_src, "dst": biz_dst,
                        "amount": np.round(rng.lognormal(np.log(4_000), 0.7, n_biz), 2),
                        "fmt": "Wire"})
    # everyday spending: purchases (Zipf merchants) and payments to a few friends
    n_day = max(0, cfg.n_transactions - len(fixed) - n_biz)
    activity = rng.lognormal(0, 0.8, len(ind))
    payer = rng.choice(ind, size=n_day, p=activity / activity.sum())
    zipf = 1.0 / np.arange(1, len(w.merchants) + 1) ** 1.1
    merchant = rng.choice(w.merchants, size=n_day, p=zipf / zipf.sum())
    friend_seed = rng.integers(0, 6, n_day)
    friend = ind[(np.searchsorted(ind, payer) * 7919 + friend_seed * 104729) % len(ind)]
    is_p2p = rng.random(n_day) < 0.2
    hours = np.clip(rng.normal(14, 4, n_day), 0, 23.98)
    day = rng.integers(0, cfg.days, n_day)
    daily = pd.DataFrame({
        "ts": day * DAY + hours * HOUR,
        "src": payer, "dst": np.where(is_p2p, friend, merchant),
        "amount": np.round(np.where(is_p2p, rng.lognormal(np.log(80), 1.0, n_day),
                                    rng.lognormal(np.log(45), 0.9, n_day)), 2),
        "fmt": np.where(is_p2p, "ACH", "Credit Card")})
    bg = pd.concat([fixed, biz, daily], ignore_index=True)
    bg = bg[bg.src != bg.dst]
    bg["pattern"] = -1
    return bg


class _Injector:
    """Adds one labelled pattern per call; every method returns the pattern's accounts."""

    def __init__(self, w: _World, rng: np.random.Generator, days: int, bg: pd.DataFrame):
        self.w, self.rng, self.days, self.bg = w, rng, days, bg
        self.tx = _Tx()
        self.pid = 0

    def _t0(self, margin_days: float = 8.0) -> float:
        return float(self.rng.uniform(3, self.days - margin_days)) * DAY

    def _amount(self) -> float:
        return float(np.clip(self.rng.lognormal(np.log(6_000), 0.6), 800, 60_000))

    def _add(self, ts, src, dst, amount, fmt="Wire"):
        self.tx.add(ts, src, dst, round(amount, 2), fmt, self.pid)

    def fan_in(self):
        dst, t0, base = self.w.mule(), self._t0(), self._amount()
        srcs = [self.w.mule() for _ in range(self.rng.integers(6, 13))]
        for s in srcs:
            self._add(t0 + self.rng.uniform(0, 2 * DAY), s, dst, base * self.rng.uniform(.8, 1.2))
        return [dst, *srcs]

    def fan_out(self):
        src, t0, base = self.w.mule(), self._t0(), self._amount()
        dsts = [self.w.mule() for _ in range(self.rng.integers(6, 13))]
        for d in dsts:
            self._add(t0 + self.rng.uniform(0, 2 * DAY), src, d, base * self.rng.uniform(.8, 1.2))
        return [src, *dsts]

    def _chain(self, nodes, t, amount):
        for a, b in zip(nodes[:-1], nodes[1:], strict=True):
            self._add(t, a, b, amount)
            t += self.rng.uniform(1 * HOUR, 20 * HOUR)
            amount *= self.rng.uniform(0.96, 0.995)

    def cycle(self):
        nodes = [self.w.mule() for _ in range(self.rng.integers(2, 7))]
        self._chain([*nodes, nodes[0]], self._t0(), self._amount())
        return nodes

    def stack(self):
        nodes = [self.w.mule() for _ in range(self.rng.integers(5, 8))]
        self._chain(nodes, self._t0(), self._amount())
        return nodes

    def scatter_gather(self):
        s, d, t0, base = self.w.mule(), self.w.mule(), self._t0(), self._amount()
        mids = [self.w.new_account() for _ in range(self.rng.integers(4, 8))]
        for m in mids:
            t1, a = t0 + self.rng.uniform(0, DAY), base * self.rng.uniform(.8, 1.2)
            self._add(t1, s, m, a)
            self._add(t1 + self.rng.uniform(2 * HOUR, DAY), m, d, a * self.rng.uniform(.95, .99))
        return [s, d, *mids]

    def gather_scatter(self):
        hub, t0, base = self.w.mule(), self._t0(), self._amount()
        srcs = [self.w.mule() for _ in range(self.rng.integers(4, 8))]
        dsts = [self.w.mule() for _ in range(self.rng.integers(4, 8))]
        total, t_last = 0.0, t0
        for s in srcs:
            a, t = base * self.rng.uniform(.8, 1.2), t0 + self.rng.uniform(0, DAY)
            self._add(t, s, hub, a)
            total, t_last = total + a, max(t_last, t)
        for d in dsts:
            self._add(t_last + self.rng.uniform(HOUR, DAY), hub, d,
                      total * 0.97 / len(dsts) * self.rng.uniform(.9, 1.1))
        return [hub, *srcs, *dsts]

    def bipartite(self):
        srcs = [self.w.mule() for _ in range(self.rng.integers(2, 5))]
        dsts = [self.w.new_account() for _ in range(self.rng.integers(2, 5))]
        t0, base = self._t0(), self._amount()
        for s in srcs:
            for d in dsts:
                self._add(t0 + self.rng.uniform(0, 2 * DAY), s, d,
                          base * self.rng.uniform(.8, 1.2))
        return srcs + dsts

    def structuring(self):
        src = int(self.rng.choice(self.w.individuals))
        dsts = [self.w.new_account() for _ in range(self.rng.integers(1, 3))]
        t0 = self._t0()
        for _ in range(self.rng.integers(4, 8)):
            self._add(t0 + self.rng.uniform(0, 5 * DAY), src, self.rng.choice(dsts),
                      self.rng.uniform(9_000, 9_950), "Cash")
        return [src, *dsts]

    def pass_through(self):
        a, p, b = self.w.mule(), self.w.new_account(), self.w.mule()
        t0, amount = self._t0(), max(2_000.0, self._amount())
        self._add(t0, a, p, amount)
        self._add(t0 + self.rng.uniform(0.5 * HOUR, 10 * HOUR), p, b,
                  amount * self.rng.uniform(0.955, 0.995))
        return [a, p, b]

    def round_amounts(self):
        src = int(self.rng.choice(self.w.individuals))
        dsts = [self.w.mule() for _ in range(self.rng.integers(1, 4))]
        t0 = self._t0()
        for _ in range(self.rng.integers(3, 6)):
            amount = float(self.rng.choice([5_000, 10_000, 15_000, 20_000, 25_000, 50_000]))
            self._add(t0 + self.rng.uniform(0, 3 * DAY), src, self.rng.choice(dsts), amount)
        return [src, *dsts]

    def velocity_spike(self):
        src = int(self.rng.choice(self.w.individuals))
        dsts = [self.w.new_account() for _ in range(self.rng.integers(2, 4))]
        t0 = float(self.rng.uniform(30, self.days - 3)) * DAY
        for _ in range(self.rng.integers(12, 26)):
            self._add(t0 + self.rng.uniform(0, 0.8 * DAY), src, self.rng.choice(dsts),
                      self.rng.lognormal(np.log(900), 0.5), "ACH")
        return [src, *dsts]

    def dormant(self):
        acct = self.w.new_account()
        friends = self.rng.choice(self.w.individuals, 3)
        for _ in range(self.rng.integers(3, 6)):  # ordinary early life, not laundering
            self.tx.add(self.rng.uniform(0, 15) * DAY, acct, self.rng.choice(friends),
                        round(self.rng.lognormal(np.log(100), 0.5), 2), "ACH", -1)
        dsts = [self.w.mule() for _ in range(self.rng.integers(1, 3))]
        t0 = float(self.rng.uniform(max(60, self.days - 25), self.days - 2)) * DAY
        for _ in range(self.rng.integers(2, 4)):
            self._add(t0 + self.rng.uniform(0, DAY), acct, self.rng.choice(dsts),
                      self.rng.uniform(8_000, 40_000))
        return [acct, *dsts]

    def high_risk(self):
        src = int(self.rng.choice(self.w.individuals))
        dsts = [self.w.new_account(bank=self.rng.choice(self.w.high_risk_banks))
                for _ in range(self.rng.integers(1, 3))]
        t0 = self._t0()
        for _ in range(self.rng.integers(2, 5)):
            self._add(t0 + self.rng.uniform(0, 3 * DAY), src, self.rng.choice(dsts),
                      self.rng.uniform(2_000, 20_000))
        return [src, *dsts]


def generate(cfg: GeneratorConfig, out_csv: Path, labels_path: Path | None = None) -> dict:
    """Write an AMLworld-layout CSV and a labels JSON; return the labels document."""
    if cfg.days < 75 and cfg.patterns.get("dormant"):
        raise ValueError("the dormant typology needs days >= 75 (30+ days of silence)")
    unknown = sorted(set(cfg.patterns) - set(TYPOLOGIES))
    if unknown:
        raise ValueError(f"unknown typologies {unknown}; known: {', '.join(TYPOLOGIES)}")
    if not cfg.amount_scale > 0:
        raise ValueError("amount_scale must be positive")
    rng = np.random.default_rng(cfg.seed)
    world = _World(cfg, rng)
    bg = _background(cfg, world, rng)
    inj = _Injector(world, rng, cfg.days, bg)
    meta = []
    for typ in TYPOLOGIES:
        for _ in range(cfg.patterns.get(typ, 0)):
            accounts = getattr(inj, typ)()
            meta.append({"id": inj.pid, "typology": typ, "accounts": accounts})
            inj.pid += 1
    extra = pd.DataFrame(inj.tx.rows, columns=["ts", "src", "dst", "amount", "fmt", "pattern"])
    df = pd.concat([bg, extra], ignore_index=True).sort_values("ts", kind="stable")
    df = df[df.ts < cfg.days * DAY].reset_index(drop=True)
    # scaled, every amount still carries cents (as a bank file would)
    df["amount"] = np.round(df.amount * cfg.amount_scale, 2) if cfg.amount_scale != 1 \
        else df.amount
    bank = np.asarray(world.bank)
    cur = np.asarray(world.currency)
    ids = np.asarray(world.ids)
    src, dst = df.src.to_numpy(), df.dst.to_numpy()
    rate = pd.Series(cur).map(world.rates).to_numpy()
    paid_cur, recv_cur = cur[src], cur[dst]
    # amounts are drawn in USD; each side sees them in its own currency
    paid = np.round(df.amount.to_numpy() / rate[src], 2)
    received = np.round(df.amount.to_numpy() / rate[dst], 2)
    laundering = df.pattern.to_numpy() >= 0
    # patterns keep their designed (often round) amounts in the payer's currency
    paid = np.where(laundering, df.amount.to_numpy(), paid)
    paid_cur = np.where(laundering, "US Dollar", paid_cur)
    received = np.where(laundering & (recv_cur == "US Dollar"), df.amount.to_numpy(), received)
    stamps = (START + pd.to_timedelta(df.ts.to_numpy(), unit="s")).strftime("%Y/%m/%d %H:%M")
    out = pd.DataFrame({
        "Timestamp": stamps, "From Bank": bank[src], "Account": ids[src],
        "To Bank": bank[dst], "Account.1": ids[dst], "Amount Received": received,
        "Receiving Currency": recv_cur, "Amount Paid": paid, "Payment Currency": paid_cur,
        "Payment Format": df.fmt.to_numpy(), "Is Laundering": laundering.astype(int)})
    out.columns = AMLWORLD_COLUMNS
    out_csv.parent.mkdir(parents=True, exist_ok=True)
    out.to_csv(out_csv, index=False)
    rows_by_pattern = pd.Series(np.arange(1, len(df) + 1)).groupby(df.pattern.to_numpy()).apply(
        list).to_dict()
    key = np.char.add(np.char.add(bank.astype(str), ":"), ids)
    doc = {"transactions": len(out), "accounts": int(len(ids)), "amount_scale": cfg.amount_scale,
           "high_risk_banks": [str(b) for b in world.high_risk_banks],
           "seed": cfg.seed, "days": cfg.days,
           "patterns": [{**m, "accounts": [str(key[a]) for a in dict.fromkeys(m["accounts"])],
                         "transactions": [str(r) for r in rows_by_pattern.get(m["id"], [])]}
                        for m in meta]}
    if labels_path is not None:
        labels_path.write_text(json.dumps(doc, indent=1))
    return doc


def parse_mix(text: str, default_count: int) -> dict[str, int]:
    """'fan_in=10,cycle=3' (others keep ``default_count``); 'only:cycle=5' keeps just those."""
    only = text.startswith("only:")
    mix = {} if only else {t: default_count for t in TYPOLOGIES}
    for part in filter(None, (p.strip() for p in text.removeprefix("only:").split(","))):
        name, _, count = part.partition("=")
        if name.strip() not in TYPOLOGIES:
            raise ValueError(f"unknown typology {name!r}; known: {', '.join(TYPOLOGIES)}")
        mix[name.strip()] = int(count or default_count)
    return mix
