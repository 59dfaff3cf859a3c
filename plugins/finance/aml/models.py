"""Params and result models of ``finance.aml`` and ``finance.aml_stream``.

The result model is the contract the CLI prints, the store keeps and the UI renders:
``alerts`` (each with ``id``, ``typology``, ``accounts``, ``transactions``, ``score``,
``explanation``), ``accounts`` (``account``, ``risk_score``; every account above zero,
riskiest first) and ``quarantine`` (row problems).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class DetectorSettings(BaseModel):
    """Thresholds of every detector. Amounts are in the base currency (USD by default) for
    a ledger at the reference scale and follow the file's money scale (``scale.py``)."""

    amount_scale: float | None = Field(
        None, gt=0, description="multiply every amount threshold by this; None = learnt "
        "from the file (the power of ten nearest its 95th-percentile amount / "
        "amount_scale_reference); 1 = take the amounts below literally")
    amount_scale_reference: float = Field(
        3_000.0, gt=0, description="95th percentile of transfer amounts of the ledger the "
        "stated amount thresholds are meant for")
    window_days: float = Field(7.0, gt=0, description="sliding window of the graph typologies")
    # structuring
    reporting_threshold: float = Field(10_000.0, gt=0)
    structuring_margin: float = Field(0.10, gt=0, lt=1,
                                      description="'just under' = within this fraction below")
    structuring_min_count: int = Field(3, ge=2)
    structuring_window_days: float = Field(7.0, gt=0)
    # rapid pass-through
    pass_through_hours: float = Field(12.0, gt=0)
    pass_through_min_ratio: float = Field(0.95, gt=0, le=1)
    pass_through_min_amount: float = Field(1_000.0, ge=0)
    # round amounts
    round_unit: float = Field(1_000.0, gt=0, description="in the transaction's own currency")
    round_min_amount: float = Field(5_000.0, ge=0)
    round_min_count: int = Field(3, ge=2)
    # velocity against the account's own baseline
    velocity_factor: float = Field(5.0, gt=1)
    velocity_min_count: int = Field(8, ge=2)
    velocity_min_history_days: float = Field(14.0, ge=1)
    # dormant reactivation
    dormant_days: float = Field(30.0, gt=0)
    dormant_min_history: int = Field(2, ge=1)
    dormant_gap_factor: float = Field(4.0, ge=1, description="the silence must also be this "
                                      "many times the account's own mean gap between "
                                      "transactions before it")
    dormant_min_amount: float = Field(5_000.0, ge=0)
    dormant_amount_factor: float = Field(5.0, ge=1)
    # high-risk jurisdictions and banks (None = the shipped default list)
    high_risk_countries: list[str] | None = None
    high_risk_banks: list[str] | None = None
    high_risk_min_amount: float = Field(1_000.0, ge=0)
    # graph typologies
    fan_min_degree: int = Field(5, ge=2, description="distinct counterparties for fan-in/out")
    fan_baseline_factor: float = Field(3.0, ge=1,
                                       description="degree must exceed this x own baseline")
    fan_max_chance: float = Field(1e-3, gt=0, le=1, description="window fans of ordinary-"
                                  "size legs: the degree must be this unlikely under the "
                                  "account's own usual rate (Poisson tail), so busy accounts "
                                  "need far more than 3x their mean")
    fan_amount_contrast: float = Field(2.0, ge=1, description="fan amounts must differ this "
                                       "many times (up or down) from the account's usual")
    fan_amount_band: float = Field(2.0, gt=1, description="fan legs are parts of one sum: "
                                   "largest/smallest leg amount at most this")
    fan_split_min_degree: int = Field(2, ge=2, description="fans spread over any time: "
                                      "distinct counterparties whose legs are similar parts "
                                      "far off their own usual amounts")
    fan_contrast_quantile: float = Field(
        0.95, gt=0, lt=1, description="'unusual size' for fans is learnt from the file: a "
        "leg must depart from the usual amount more than this share of all transfers do "
        "(and at least fan_amount_contrast times)")
    hub_min_degree: int = Field(4, ge=2, description="gather-scatter: in and out each")
    scatter_min_middles: int = Field(3, ge=2)
    bipartite_min_side: int = Field(2, ge=2)
    bipartite_min_amount: float = Field(500.0, ge=0)
    bipartite_min_density: float = Field(0.75, gt=0, le=1)
    scatter_min_ratio: float = Field(0.5, gt=0, le=1,
                                     description="share an intermediary passes on")
    flow_min_ratio: float = Field(0.85, gt=0, le=1,
                                  description="cycles/chains: next hop keeps >= this share")
    flow_max_ratio: float = Field(1.0, ge=1)
    flow_hop_hours: float = Field(48.0, gt=0, description="max delay between chained hops")
    flow_min_amount: float = Field(0.0, ge=0)
    flow_max_branch: int = Field(40, ge=1, description="successors examined per path end")
    cycle_max_length: int = Field(6, ge=2, le=8)
    stack_min_hops: int = Field(3, ge=2)
    busy_payers_quantile: float = Field(0.95, gt=0, le=1, description="pass-through and "
                                        "layering intermediaries may not be paid by more "
                                        "distinct accounts over the file than this share "
                                        "of accounts are (merchants, payroll)")
    middle_max_degree: int = Field(6, ge=1,
                                   description="intermediaries busier than this are not mules")
    # account anomaly score
    anomaly_weight: float = Field(1.0, ge=0, le=1, description="share of the account anomaly "
                                  "score (0..0.9, top half of accounts only) in account risk")


class AmlParams(DetectorSettings):
    """Parameters of ``finance.aml``: input interpretation plus detector thresholds."""

    mapping_file: str | None = Field(None, description="YAML/JSON column mapping for other CSVs")
    rates_file: str | None = Field(None, description="JSON currency rates overriding the default")
    chunk_rows: int = Field(250_000, ge=1_000, description="rows read per chunk")
    supervised: bool = Field(False, description="train a model on labels (temporal split)")
    max_alerts: int = Field(5_000, ge=1)
    min_alert_score: float = Field(0.0, ge=0, le=1)
    max_quarantine_rows: int = Field(1_000, ge=0)
    alert_records: int = Field(300, ge=0, description="top alerts stored as finance.aml_alert")


class EvidenceEdge(BaseModel):
    transaction: str
    source: str
    target: str
    amount: float
    timestamp: str


class AlertComponent(BaseModel):
    typology: str
    score: float
    detail: str


class Alert(BaseModel):
    id: str
    typology: str
    typologies: list[str]
    accounts: list[str]
    focus_accounts: list[str] = Field(default_factory=list,
                                      description="accounts the pattern centres on")
    transactions: list[str]
    score: float
    explanation: str
    components: list[AlertComponent]
    start_time: str
    end_time: str
    total_amount: float
    currency: str
    evidence: dict[str, Any] = Field(default_factory=dict,
                                     description="nodes and edges of the evidence subgraph")


class AccountRisk(BaseModel):
    account: str
    risk_score: float
    components: dict[str, float]
    alert_ids: list[str] = Field(default_factory=list)
    explanation: str = ""


class QuarantineRow(BaseModel):
    row: int = Field(description="1-based data row (the header is not counted)")
    problem: str
    value: str = ""


class SupervisedReport(BaseModel):
    trained: bool
    reason: str = ""
    train_until: str = ""
    test_rows: int = 0
    roc_auc: float | None = None
    average_precision: float | None = None


class AmlResult(BaseModel):
    schema_name: str
    transactions: int
    accounts_seen: int
    time_start: str
    time_end: str
    currency: str
    alerts: list[Alert]
    alerts_total: int
    accounts: list[AccountRisk]
    quarantine: list[QuarantineRow]
    quarantine_total: int
    quarantine_counts: dict[str, int]
    typology_counts: dict[str, int]
    supervised: SupervisedReport | None = None
    amount_scale: float = Field(1.0, description="money scale the amount thresholds were "
                                "multiplied by (learnt from the file unless pinned)")
    thresholds: dict[str, float] = Field(default_factory=dict,
                                         description="amount thresholds in force")
    notes: list[str] = Field(default_factory=list, description="how this file was analysed: "
                             "the money scale, detectors that could not run on it and why")
    timings_s: dict[str, float] = Field(default_factory=dict)


class StreamParams(DetectorSettings):
    """Parameters of ``finance.aml_stream``: where transactions come from and when to stop."""

    redis_url: str = "redis://127.0.0.1:6379/0"
    stream_key: str | None = Field(None, description="Redis stream to read; None = tail the file")
    start_id: str = Field("0", description="Redis id to start after ('$' = only new entries)")
    follow: bool = Field(False, description="file: keep waiting for appended lines")
    max_seconds: float = Field(60.0, gt=0, description="stop after this long")
    max_transactions: int | None = Field(None, ge=1)
    idle_seconds: float = Field(10.0, gt=0, description="stop after this long with no input")
    mapping_file: str | None = None
    rates_file: str | None = None
    store_alerts: bool = True
    warmup_days: float = Field(7.0, ge=0, description="stream time during which fan, "
                               "gather-scatter and bipartite only learn baselines")


class StreamAlert(BaseModel):
    id: str
    typology: str
    accounts: list[str]
    transactions: list[str]
    score: float
    explanation: str
    start_time: str = ""
    end_time: str = ""
    total_amount: float = 0.0
    latency_ms: float


class StreamResult(BaseModel):
    source: str
    transactions: int
    alerts: list[StreamAlert]
    quarantine: list[QuarantineRow]
    stopped_because: str
    amount_scale: float = Field(1.0, description="money scale the amount thresholds were "
                                "multiplied by (learnt from the first transactions)")
    notes: list[str] = Field(default_factory=list, description="how the stream was analysed")
    latency_ms_p50: float | None
    latency_ms_p95: float | None
    latency_ms_max: float | None
