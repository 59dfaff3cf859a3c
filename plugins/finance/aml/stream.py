"""``finance.aml_stream``: transactions one by one from a Redis stream or a tailed file.

How it ends (whichever comes first): ``max_seconds`` elapsed, ``max_transactions``
processed, ``idle_seconds`` without input, or an end marker (a Redis entry with field
``end`` = ``1``; for a file without ``follow``, its end). Redis entries carry the
canonical fields (``timestamp``, ``source_account``, ``target_account``, ``amount``, and
optionally ``currency``, ``transaction_id``, ``source_bank``, ``target_bank``,
``source_country``, ``target_country``, ``sent_at`` = producer epoch seconds). Latency is
measured from the moment a transaction is read to the moment its alert is stored.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import numpy as np
import pandas as pd

from core.errors import TransientError, UserError
from core.tasks import TaskContext
from plugins.finance.aml.cases import ALERT_KIND
from plugins.finance.aml.events import Hit, Txn
from plugins.finance.aml.incremental import IncrementalDetector
from plugins.finance.aml.models import QuarantineRow, StreamAlert, StreamParams, StreamResult
from plugins.finance.aml.readers import (
    DATA,
    Quarantine,
    _normalise,
    iso,
    load_rates,
    open_layout,
    settle_decimal,
)
from plugins.finance.aml.scoring import MAX_EVIDENCE_EDGES, evidence_graph


class _Risk:
    """High-risk bank and country lists resolved once."""

    def __init__(self, p: StreamParams) -> None:
        default = json.loads((DATA / "high_risk.json").read_text())
        self.countries = set(p.high_risk_countries if p.high_risk_countries is not None
                             else default["countries"])
        self.banks = {str(b) for b in (p.high_risk_banks if p.high_risk_banks is not None
                                       else default["banks"])}

    def __call__(self, fields: dict) -> bool:
        return bool({str(fields.get("source_bank", "")), str(fields.get("target_bank", ""))}
                    & self.banks or {fields.get("source_country"), fields.get("target_country")}
                    & self.countries)


def _parse_ts(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        stamp = pd.Timestamp(value)
        if stamp.tzinfo is None:
            stamp = stamp.tz_localize("UTC")
        return stamp.timestamp()


def redis_source(p: StreamParams, rates: dict[str, float], risk: _Risk, q: Quarantine,
                 deadline: float) -> Iterator[tuple[Txn | None, float, float | None]]:
    """(txn, arrival perf_counter, producer sent_at) per entry; None txn = end marker."""
    import redis

    try:
        client = redis.Redis.from_url(p.redis_url, socket_timeout=5)
        client.ping()
    except redis.RedisError as exc:
        raise TransientError(f"Redis at {p.redis_url} is unreachable ({exc})") from exc
    last_id, row, idle_since = p.start_id, 0, time.monotonic()
    while time.monotonic() < deadline:
        block_ms = int(max(1, min(500, (deadline - time.monotonic()) * 1000)))
        batch = client.xread({p.stream_key: last_id}, count=500, block=block_ms)
        if not batch:
            if time.monotonic() - idle_since > p.idle_seconds:
                return
            continue
        idle_since = time.monotonic()
        for _, entries in batch:
            for entry_id, raw in entries:
                arrived = time.perf_counter()
                last_id = entry_id
                row += 1
                fields = {k.decode(): v.decode() for k, v in raw.items()}
                if fields.get("end") == "1":
                    yield None, arrived, None
                    return
                try:
                    cur = fields.get("currency", "USD")
                    amount = float(fields["amount"])
                    if amount < 0:
                        raise ValueError("negative amount")
                    if cur not in rates:
                        raise ValueError(f"unknown currency {cur}")
                    sb, tb = fields.get("source_bank"), fields.get("target_bank")
                    src, dst = fields["source_account"], fields["target_account"]
                    txn = Txn(txn_id=fields.get("transaction_id") or entry_id.decode(),
                              ts=_parse_ts(fields["timestamp"]),
                              src=f"{sb}:{src}" if sb else src, dst=f"{tb}:{dst}" if tb else dst,
                              amount=amount * rates[cur], amount_orig=amount,
                              high_risk=risk(fields))
                except (KeyError, ValueError) as exc:
                    q.add(np.array([row]), f"unusable entry ({exc})", pd.Series([entry_id]))
                    continue
                sent = fields.get("sent_at")
                yield txn, arrived, float(sent) if sent else None


def file_source(path: Path, p: StreamParams, rates: dict[str, float], risk: _Risk,
                q: Quarantine, deadline: float) -> Iterator[tuple[Txn | None, float, None]]:
    """Rows of a CSV as they are appended (``follow``) or until its end."""
    names, schema = open_layout(path, p.mapping_file)
    row0, idle_since = 0, time.monotonic()
    with path.open(newline="", encoding="utf-8-sig") as fh:
        fh.readline()
        pending = ""
        while time.monotonic() < deadline:
            chunk = fh.read(1 << 16)
            if not chunk:
                if not p.follow or time.monotonic() - idle_since > p.idle_seconds:
                    return
                time.sleep(0.02)
                continue
            idle_since = time.monotonic()
            arrived = time.perf_counter()
            text = pending + chunk
            cut = text.rfind("\n") + 1
            pending, text = text[cut:], text[:cut]
            if not text:
                continue
            raw = pd.read_csv(StringIO(text), header=None, names=names, dtype=str,
                              sep=schema.delimiter or ",")
            schema = settle_decimal(schema, raw)
            frame = _normalise(raw, schema, row0, rates, q)
            row0 += len(raw)
            src, dst = frame["src_key"].astype(str).tolist(), frame["dst_key"].astype(str).tolist()
            sb, tb = frame["source_bank"].astype(str).tolist(), frame["target_bank"].astype(
                str).tolist()
            sc, tc = frame["source_country"].astype(str).tolist(), frame[
                "target_country"].astype(str).tolist()
            for i, (tid, ts, amt, orig) in enumerate(zip(
                    frame["txn_id"].tolist(), frame["ts"].tolist(), frame["amount"].tolist(),
                    frame["amount_orig"].tolist(), strict=True)):
                yield Txn(str(tid), float(ts), src[i], dst[i], float(amt), float(orig),
                          risk({"source_bank": sb[i], "target_bank": tb[i],
                                "source_country": sc[i], "target_country": tc[i]})), arrived, None


def run_stream(ctx: TaskContext, inputs: list[Path], params: StreamParams) -> StreamResult:
    """Consume the stream until a stop condition; alerts are stored as they fire."""
    if not params.stream_key and not inputs:
        raise UserError("finance.aml_stream needs a file to tail or stream_key=<Redis stream>")
    base, rates = load_rates(params.rates_file)
    risk, q = _Risk(params), Quarantine()
    deadline = time.monotonic() + params.max_seconds
    if params.stream_key:
        source = redis_source(params, rates, risk, q, deadline)
        label = f"{params.redis_url} stream {params.stream_key}"
    else:
        source = file_source(inputs[0], params, rates, risk, q, deadline)
        label = str(inputs[0])
    det = IncrementalDetector(params)
    alerts: list[StreamAlert] = []
    latencies: list[float] = []
    n, why = 0, "max_seconds reached"
    for txn, arrived, _sent in source:
        if txn is None:
            why = "end marker received"
            break
        n += 1
        for hit in det.add(txn):
            alerts.append(_raise(ctx, hit, arrived, params.store_alerts, det, base))
            latencies.append(alerts[-1].latency_ms)
        if n % 1000 == 0:
            ctx.progress(n, params.max_transactions or n, f"{n:,} transactions, "
                         f"{len(alerts)} alerts")
        if params.max_transactions and n >= params.max_transactions:
            why = "max_transactions reached"
            break
    else:
        why = "max_seconds reached" if time.monotonic() >= deadline else "input ended or idle"
    lat = np.array(latencies) if latencies else None
    return StreamResult(
        source=label, transactions=n, alerts=alerts,
        quarantine=[QuarantineRow(**r) for r in q.rows], stopped_because=why,
        amount_scale=det.calibration.scale, notes=det.notes(),
        latency_ms_p50=round(float(np.percentile(lat, 50)), 3) if lat is not None else None,
        latency_ms_p95=round(float(np.percentile(lat, 95)), 3) if lat is not None else None,
        latency_ms_max=round(float(lat.max()), 3) if lat is not None else None)


def _raise(ctx: TaskContext, hit: Hit, arrived: float, store: bool, det: IncrementalDetector,
           currency: str) -> StreamAlert:
    """Store the alert as a record with the same facts a batch alert has (time span, total,
    evidence subgraph), so the UI draws it and a case and its SAR can cite it."""
    digest = hashlib.sha1(repr(hit.key).encode()).hexdigest()[:12]
    alert_id = f"AMLS-{ctx.job_id[:8]}-{digest}"
    txns = det.evidence(hit)
    start = iso(min(t.ts for t in txns)) if txns else ""
    end = iso(max(t.ts for t in txns)) if txns else ""
    total = round(sum(t.amount for t in txns), 2)
    if store:
        focus = hit.accounts[:1]
        edges = [{"transaction": t.txn_id, "source": t.src, "target": t.dst,
                  "amount": round(t.amount, 2), "timestamp": iso(t.ts)}
                 for t in txns[:MAX_EVIDENCE_EDGES]]
        ctx.store.put_record(ALERT_KIND, alert_id, {
            "id": alert_id, "typology": hit.typology, "typologies": [hit.typology],
            "accounts": hit.accounts, "focus_accounts": focus, "transactions": hit.transactions,
            "score": hit.score, "explanation": hit.detail,
            "components": [{"typology": hit.typology, "score": hit.score, "detail": hit.detail}],
            "start_time": start, "end_time": end, "total_amount": total, "currency": currency,
            "evidence": evidence_graph(edges, set(focus), len(txns) > MAX_EVIDENCE_EDGES),
            "source": "stream", "job_id": ctx.job_id},
            actor=ctx.actor, group_key=hit.typology, status="new", job_id=ctx.job_id)
    return StreamAlert(id=alert_id, typology=hit.typology, accounts=hit.accounts,
                       transactions=hit.transactions, score=hit.score, explanation=hit.detail,
                       start_time=start, end_time=end, total_amount=total,
                       latency_ms=round((time.perf_counter() - arrived) * 1000, 3))
