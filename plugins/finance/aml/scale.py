"""The file's money scale: so amount thresholds mean the same in any unit.

Every amount threshold in ``DetectorSettings`` (the reporting threshold, the floors of
pass-through, bipartite, dormancy and high-risk, the round-amount unit and minimum) is
stated for a ledger whose transfers have a 95th percentile near
``amount_scale_reference`` (3,000 in the base currency: card spending, transfers between
people, rent, salaries, supplier payments). A file whose money is on another scale (a
ledger in cents, in thousands, a simulator's unit-less values such as AMLSim's 100-600)
would otherwise have whole typologies silently hidden (every transfer below a floor) or
flooded (every transfer above it). So the thresholds are multiplied by the file's money
scale: the power of ten nearest to the file's 95th percentile / the reference. Powers
of ten keep the round-amount unit round and keep every threshold exactly where it was
for any ledger within a factor ~3 of the reference; ``amount_scale=1`` takes the stated
values literally (a site whose files are known to be in currency, and whose reporting
threshold is the law's).
"""

from __future__ import annotations

import math

import numpy as np

from plugins.finance.aml.base import clock_tick_s
from plugins.finance.aml.models import DetectorSettings

#: settings that are amounts and follow the file's money scale
AMOUNT_FIELDS = ("reporting_threshold", "pass_through_min_amount", "round_unit",
                 "round_min_amount", "dormant_min_amount", "high_risk_min_amount",
                 "bipartite_min_amount", "flow_min_amount")
SCALE_QUANTILE = 0.95


def learnt_scale(amounts: np.ndarray, reference: float) -> float:
    """The power of ten nearest to the amounts' 95th percentile / ``reference`` (1 when
    there are no positive amounts to learn from)."""
    positive = amounts[np.isfinite(amounts) & (amounts > 0)]
    if len(positive) == 0 or reference <= 0:
        return 1.0
    top = float(np.quantile(positive, SCALE_QUANTILE))
    return float(10.0 ** round(math.log10(top / reference)))


def scaled(s: DetectorSettings, amounts: np.ndarray) -> tuple[DetectorSettings, float]:
    """``s`` with every amount threshold multiplied by the money scale (the pinned
    ``amount_scale``, else the one learnt from ``amounts``), and that scale."""
    k = s.amount_scale if s.amount_scale is not None else learnt_scale(
        amounts, s.amount_scale_reference)
    if k == 1.0:
        return s, k
    return s.model_copy(update={f: getattr(s, f) * k for f in AMOUNT_FIELDS}), k


def scale_note(k: float, s: DetectorSettings) -> str:
    """Plain words for the result: which scale, why, and the thresholds it gave."""
    how = ("pinned by amount_scale" if s.amount_scale is not None else
           f"learnt: the file's 95th-percentile amount is about {k:g} x the "
           f"{s.amount_scale_reference:,.0f} the stated thresholds assume")
    return (f"amount thresholds multiplied by {k:g} ({how}): reporting threshold "
            f"{s.reporting_threshold:,.2f}, pass-through floor {s.pass_through_min_amount:,.2f}, "
            f"bipartite floor {s.bipartite_min_amount:,.2f}, round amounts multiples of "
            f"{s.round_unit:,.2f} from {s.round_min_amount:,.2f}; pin amount_scale=1 to use "
            "the stated amounts literally.")


def effective_thresholds(s: DetectorSettings) -> dict[str, float]:
    """The amount thresholds in force (for the result, so nothing is hidden silently)."""
    return {f: round(float(getattr(s, f)), 6) for f in AMOUNT_FIELDS}


class StreamCalibration:
    """A stream's money scale and clock, learnt from its first transactions (a stream has
    no whole file to look at first): estimated after ``first`` transactions and again
    at each doubling up to ``last``, then kept. Until the first estimate the amount rules
    wait (no wait when ``amount_scale`` is pinned), and so does pass-through, which needs
    to know whether the clock tells hours apart."""

    def __init__(self, s: DetectorSettings, first: int = 200, last: int = 3_200) -> None:
        self.stated = s
        self.next_at, self.last = first, last
        self.amounts: list[float] = []
        self.stamps: list[float] = []
        self.settings: DetectorSettings | None = None
        self.scale = 1.0
        if s.amount_scale is not None:
            self.settings, self.scale = scaled(s, np.zeros(0))
        self.tick_s: int | None = None

    def add(self, amount: float, ts: float) -> bool:
        """Take one transaction; True when the estimate has just changed."""
        if not self.amounts and self.tick_s is not None:
            return False  # done
        self.amounts.append(amount)
        self.stamps.append(ts)
        if len(self.amounts) < self.next_at:
            return False
        before = (self.scale, self.tick_s)
        if self.stated.amount_scale is None:
            self.settings, self.scale = scaled(self.stated, np.asarray(self.amounts))
        self.tick_s = clock_tick_s(np.asarray(self.stamps))
        self.next_at *= 2
        if self.next_at > self.last:
            self.amounts, self.stamps = [], []
        return (self.scale, self.tick_s) != before
