"""``enclave finance aml-generate`` and ``enclave finance aml-case ...``."""

from __future__ import annotations

import getpass
import json
from pathlib import Path

import click

from core.errors import UserError


def _actor(actor: str | None) -> str:
    return actor or getpass.getuser() or "cli"


@click.command("aml-generate")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--labels", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="labels JSON (default: OUT with .labels.json)")
@click.option("--transactions", "n_transactions", default=50_000, show_default=True,
              help="approximate number of background transactions")
@click.option("--accounts", "n_accounts", type=int, default=None,
              help="number of background accounts (default: transactions / 20)")
@click.option("--days", default=90, show_default=True)
@click.option("--seed", default=7, show_default=True)
@click.option("--per-typology", default=5, show_default=True,
              help="injected patterns of each typology")
@click.option("--mix", default="", help="per-typology counts, e.g. 'fan_in=10,cycle=3'; "
              "'only:cycle=5,stack=5' injects just those")
@click.option("--amount-scale", default=1.0, show_default=True, type=float,
              help="multiply every amount (e.g. 0.01 or 100: money on another scale than "
                   "the detectors' currency defaults)")
def aml_generate(out: Path, labels: Path | None, n_transactions: int, n_accounts: int | None,
                 days: int, seed: int, per_typology: int, mix: str,
                 amount_scale: float) -> None:
    """Write synthetic transactions (AMLworld CSV layout) with labelled laundering patterns."""
    from plugins.finance.aml.generator import GeneratorConfig, generate, parse_mix

    try:
        patterns = parse_mix(mix, per_typology)
        labels = labels or out.with_suffix(".labels.json")
        doc = generate(GeneratorConfig(n_transactions=n_transactions, n_accounts=n_accounts,
                                       days=days, seed=seed, patterns=patterns,
                                       amount_scale=amount_scale), out, labels)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    counts: dict[str, int] = {}
    for p in doc["patterns"]:
        counts[p["typology"]] = counts.get(p["typology"], 0) + 1
    click.echo(f"wrote {doc['transactions']:,} transactions ({doc['accounts']:,} accounts) to "
               f"{out}; labels in {labels}")
    click.echo("injected: " + ", ".join(f"{k}={v}" for k, v in counts.items()))
    click.echo(f"high-risk banks: {', '.join(doc['high_risk_banks'])} (pass "
               "high_risk_banks=... to finance.aml)")


@click.group("aml-case")
def aml_case() -> None:
    """Work AML alerts and cases: list, open, assign, note, status, sar, history."""


def _store():
    from core.store import Store
    return Store()


def _fail(exc: UserError) -> None:
    click.echo(f"error: {exc}", err=True)
    raise SystemExit(2)


@aml_case.command("alerts")
@click.option("--status", default=None, help="new or in_case")
@click.option("--typology", default=None)
@click.option("--min-score", default=0.0)
@click.option("--limit", default=50)
def list_alerts(status: str | None, typology: str | None, min_score: float, limit: int) -> None:
    """Stored alerts, best first."""
    from plugins.finance.aml.cases import ALERT_KIND

    recs = _store().list_records(ALERT_KIND, group_key=typology, status=status, limit=10_000)
    recs = sorted((r for r in recs if r.payload.get("score", 0) >= min_score),
                  key=lambda r: -r.payload.get("score", 0))[:limit]
    for r in recs:
        p = r.payload
        click.echo(f"{r.key}  {r.status:8s} {p.get('score', 0):.2f}  {p.get('typology', ''):15s} "
                   f"{len(p.get('transactions', [])):4d} txns  "
                   f"{', '.join(p.get('accounts', [])[:3])}")


@aml_case.command("open")
@click.argument("alert_ids", nargs=-1, required=True)
@click.option("--assignee", default=None)
@click.option("--title", default="")
@click.option("--actor", default=None)
def open_cmd(alert_ids: tuple[str, ...], assignee: str | None, title: str,
             actor: str | None) -> None:
    """Open a case from one or more alerts."""
    from plugins.finance.aml.cases import open_case
    try:
        case = open_case(_store(), list(alert_ids), actor=_actor(actor), assignee=assignee,
                         title=title)
    except UserError as exc:
        _fail(exc)
    click.echo(case["id"])


@aml_case.command("list")
@click.option("--status", default=None)
@click.option("--assignee", default=None)
def list_cases(status: str | None, assignee: str | None) -> None:
    """Cases, newest first."""
    from plugins.finance.aml.cases import CASE_KIND
    for r in _store().list_records(CASE_KIND, status=status, group_key=assignee):
        click.echo(f"{r.key}  {r.status:16s} {r.payload.get('assignee') or '-':12s} "
                   f"{r.payload.get('title', '')}")


@aml_case.command("show")
@click.argument("case_id")
def show(case_id: str) -> None:
    """A case as JSON."""
    from plugins.finance.aml.cases import get_case
    try:
        click.echo(json.dumps(get_case(_store(), case_id), indent=1, default=str))
    except UserError as exc:
        _fail(exc)


@aml_case.command("assign")
@click.argument("case_id")
@click.argument("assignee")
@click.option("--actor", default=None)
def assign_cmd(case_id: str, assignee: str, actor: str | None) -> None:
    """Assign a case to an analyst."""
    from plugins.finance.aml.cases import assign
    try:
        assign(_store(), case_id, assignee, actor=_actor(actor))
    except UserError as exc:
        _fail(exc)


@aml_case.command("note")
@click.argument("case_id")
@click.argument("text")
@click.option("--actor", default=None)
def note_cmd(case_id: str, text: str, actor: str | None) -> None:
    """Add a note to a case."""
    from plugins.finance.aml.cases import add_note
    try:
        add_note(_store(), case_id, text, actor=_actor(actor))
    except UserError as exc:
        _fail(exc)


@aml_case.command("status")
@click.argument("case_id")
@click.argument("status")
@click.option("--note", default="", help="reason (required to close)")
@click.option("--actor", default=None)
def status_cmd(case_id: str, status: str, note: str, actor: str | None) -> None:
    """Move a case: investigating, escalated, closed_sar, closed_no_action."""
    from plugins.finance.aml.cases import set_status
    try:
        set_status(_store(), case_id, status, actor=_actor(actor), note=note)
    except UserError as exc:
        _fail(exc)


@aml_case.command("sar")
@click.argument("case_id")
@click.option("--no-llm", is_flag=True, help="template only")
@click.option("--actor", default=None)
def sar_cmd(case_id: str, no_llm: bool, actor: str | None) -> None:
    """Draft the SAR narrative from the case's facts and print it."""
    from plugins.finance.aml.cases import draft_sar
    try:
        draft = draft_sar(_store(), case_id, actor=_actor(actor), use_llm=not no_llm)
    except UserError as exc:
        _fail(exc)
    click.echo(draft["text"])
    if draft["note"]:
        click.echo(f"\n({draft['note']})", err=True)


@aml_case.command("history")
@click.argument("case_id")
def history_cmd(case_id: str) -> None:
    """The case's audit trail."""
    from plugins.finance.aml.cases import history
    for e in history(_store(), case_id):
        click.echo(f"{e['time']}  {e['actor']:10s} {e['action']:22s} {e['detail']}")
