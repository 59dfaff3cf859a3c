"""The batch pipeline: read -> every detector -> merge -> score -> result (``finance.aml``)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from plugins.finance.aml.anomaly import account_features, anomaly_scores, supervised_scores
from plugins.finance.aml.base import Cols, RawAlert
from plugins.finance.aml.flows import flow_typologies
from plugins.finance.aml.graph import graph_typologies
from plugins.finance.aml.models import AmlParams, AmlResult, DetectorSettings, QuarantineRow
from plugins.finance.aml.readers import Transactions, iso, read_transactions
from plugins.finance.aml.rules import RULES
from plugins.finance.aml.scale import effective_thresholds, scale_note, scaled
from plugins.finance.aml.scoring import account_risk, build_alert, merge_hits
from plugins.finance.aml.split_fans import split_fans

DETECTORS: tuple[Callable[[Cols, DetectorSettings], list[RawAlert]], ...] = (
    *RULES, graph_typologies, split_fans, flow_typologies)


def analyse(tx: Transactions, params: AmlParams,
            progress: Callable[[int, int, str], None] | None = None) -> AmlResult:
    """Run every detector on a loaded table and assemble the result model."""
    timings: dict[str, float] = {}
    c = Cols(tx)
    # amount thresholds follow the file's money scale (cents, thousands, unit-less)
    params, amount_scale = scaled(params, c.amount)
    if amount_scale != 1.0:
        c.notes.append(scale_note(amount_scale, params))
    hits: list[RawAlert] = []
    steps = len(DETECTORS) + 3
    for i, det in enumerate(DETECTORS):
        t = time.perf_counter()
        hits.extend(det(c, params))
        timings[det.__name__] = round(time.perf_counter() - t, 3)
        if progress:
            progress(i + 1, steps, f"{det.__name__}: {len(hits)} hits so far")
    t = time.perf_counter()
    alerts = [build_alert(c, g) for g in merge_hits(hits)]
    alerts = [a for a in alerts if a.score >= params.min_alert_score]
    alerts.sort(key=lambda a: (-a.score, a.start_time))
    timings["merge"] = round(time.perf_counter() - t, 3)
    t = time.perf_counter()
    features = account_features(c, params)
    anomaly, reasons = anomaly_scores(features)
    timings["anomaly"] = round(time.perf_counter() - t, 3)
    supervised, report = None, None
    if params.supervised:
        t = time.perf_counter()
        supervised, report = supervised_scores(c, features, params)
        timings["supervised"] = round(time.perf_counter() - t, 3)
    t = time.perf_counter()
    accounts = account_risk(c, alerts, anomaly, reasons, params.anomaly_weight, supervised)
    timings["account_risk"] = round(time.perf_counter() - t, 3)
    counts: dict[str, int] = {}
    for a in alerts:
        for typ in a.typologies:
            counts[typ] = counts.get(typ, 0) + 1
    q = tx.quarantine
    return AmlResult(
        schema_name=tx.schema_name, transactions=c.n, accounts_seen=c.n_accounts,
        time_start=iso(c.ts.min()), time_end=iso(c.ts.max()), currency=tx.base_currency,
        alerts=alerts[:params.max_alerts], alerts_total=len(alerts), accounts=accounts,
        quarantine=[QuarantineRow(**r) for r in q.rows], quarantine_total=q.total,
        quarantine_counts=dict(q.counts), typology_counts=counts, supervised=report,
        amount_scale=amount_scale, thresholds=effective_thresholds(params), notes=c.notes,
        timings_s=timings)


def analyse_file(path: Path, params: AmlParams,
                 progress: Callable[[int, int, str], None] | None = None) -> AmlResult:
    """Read ``path`` in chunks and analyse it."""
    t = time.perf_counter()
    tx = read_transactions(path, mapping_file=params.mapping_file, rates_file=params.rates_file,
                           chunk_rows=params.chunk_rows,
                           max_quarantine_rows=params.max_quarantine_rows)
    read_s = round(time.perf_counter() - t, 3)
    result = analyse(tx, params, progress)
    result.timings_s = {"read": read_s, **result.timings_s}
    return result
