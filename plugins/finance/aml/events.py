"""What the streaming detectors exchange: one arriving transaction, one pattern hit."""

from __future__ import annotations

from dataclasses import dataclass

from plugins.finance.aml.base import TYPOLOGY_WEIGHT


@dataclass(frozen=True)
class Txn:
    """One canonical transaction as the stream sees it."""

    txn_id: str
    ts: float  # epoch seconds
    src: str
    dst: str
    amount: float  # base currency
    amount_orig: float
    high_risk: bool = False
    new_pair: bool = False  # set on arrival: first transfer between these two accounts


@dataclass
class Hit:
    typology: str
    key: tuple
    accounts: list[str]
    transactions: list[str]
    strength: float
    detail: str

    @property
    def score(self) -> float:
        return round(TYPOLOGY_WEIGHT[self.typology] * (0.6 + 0.4 * min(1.0, self.strength)), 4)
