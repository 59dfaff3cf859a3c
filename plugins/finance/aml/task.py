"""The ``finance.aml`` task: a transaction file in, explained alerts and account risk out.

Besides the result (the contract the CLI prints), the task writes the full account list
and quarantine as CSV artefacts, and stores the top alerts as ``finance.aml_alert``
records so analysts can open cases from them in the UI or the CLI.
"""

from __future__ import annotations

import csv
from pathlib import Path

from core.errors import UserError
from core.tasks import TaskContext
from plugins.finance.aml.cases import ALERT_KIND
from plugins.finance.aml.detect import analyse
from plugins.finance.aml.models import AmlParams, AmlResult
from plugins.finance.aml.readers import read_transactions


def _resolve(path_text: str | None, inputs: list[Path], what: str) -> str | None:
    """Params name side files relative to the input's folder when not absolute."""
    if not path_text:
        return None
    path = Path(path_text).expanduser()
    if not path.is_absolute() and inputs:
        candidate = inputs[0].parent / path
        path = candidate if candidate.exists() else path.resolve()
    if not path.is_file():
        raise UserError(f"{path}: {what} not found")
    return str(path)


def run_aml(ctx: TaskContext, inputs: list[Path], params: AmlParams) -> AmlResult:
    """Read the file in chunks, run every detector, store alert records and artefacts."""
    path = inputs[0]
    params = params.model_copy(update={
        "mapping_file": _resolve(params.mapping_file, inputs, "column mapping file"),
        "rates_file": _resolve(params.rates_file, inputs, "currency rates file")})
    size = max(path.stat().st_size, 1)
    ctx.progress(0, 100, "reading transactions")
    tx = read_transactions(path, mapping_file=params.mapping_file, rates_file=params.rates_file,
                           chunk_rows=params.chunk_rows,
                           max_quarantine_rows=params.max_quarantine_rows,
                           progress=lambda rows: ctx.progress(
                               min(29, 30 * rows * 80 / size), 100, f"read {rows:,} rows"))
    ctx.log.info("read %d transactions, %d accounts, %d quarantined", len(tx.frame),
                 tx.n_accounts, tx.quarantine.total)
    result = analyse(tx, params, progress=lambda d, t, m: ctx.progress(30 + 65 * d / t, 100, m))
    _write_artefacts(ctx, result)
    _store_alerts(ctx, result, params.alert_records)
    ctx.progress(100, 100, f"{result.alerts_total} alerts")
    return result


def _write_artefacts(ctx: TaskContext, result: AmlResult) -> None:
    with ctx.artifact("account_risk.csv", "table", "risk score per account").open(
            "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["account", "risk_score", "alerts", "anomaly", "explanation"])
        for a in result.accounts:
            w.writerow([a.account, a.risk_score, a.components.get("alerts", 0),
                        a.components.get("anomaly", 0), a.explanation])
    if result.quarantine:
        with ctx.artifact("quarantine.csv", "table", "rows that could not be used").open(
                "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["row", "problem", "value"])
            for q in result.quarantine:
                w.writerow([q.row, q.problem, q.value])


def _store_alerts(ctx: TaskContext, result: AmlResult, limit: int) -> None:
    """Top alerts as records (status 'new'); an alert already worked keeps its status."""
    for alert in result.alerts[:limit]:
        existing = ctx.store.get_record(ALERT_KIND, alert.id)
        status = existing.status if existing is not None else "new"
        payload = alert.model_dump(mode="json")
        payload["job_id"] = ctx.job_id
        if existing is not None and existing.payload.get("case_id"):
            payload["case_id"] = existing.payload["case_id"]
        ctx.store.put_record(ALERT_KIND, alert.id, payload, actor=ctx.actor,
                             group_key=alert.typology, status=status, job_id=ctx.job_id)
