"""finance.aml through run_task, alert records, the case lifecycle, audit and the CLI."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from core.errors import UserError
from core.runner import run_task
from plugins.finance.aml import cases
from plugins.finance.aml.cli import aml_case, aml_generate
from plugins.finance.aml.hooks import SAMPLE

LABELS = json.loads(SAMPLE.with_suffix(".labels.json").read_text())


@pytest.fixture
def ran(aml_host, store):
    job, payload = run_task("finance.aml", [SAMPLE],
                            {"high_risk_banks": LABELS["high_risk_banks"], "alert_records": 20})
    assert job.status == "succeeded", job.error
    return job, payload


def test_task_result_records_and_artefacts(ran, store):
    job, payload = ran
    assert payload["transactions"] == LABELS["transactions"]
    assert payload["alerts"] and payload["accounts"] and payload["quarantine"] == []
    stored = store.list_records(cases.ALERT_KIND)
    assert len(stored) == min(20, len(payload["alerts"]))
    best = store.get_record(cases.ALERT_KIND, payload["alerts"][0]["id"])
    assert best.status == "new" and best.payload["job_id"] == job.id
    assert {a.name for a in store.artifacts(job.id)} == {"account_risk.csv"}
    typologies = {t for a in payload["alerts"] for t in a["typologies"]}
    assert {"cycle", "structuring", "fan_in", "dormant"} <= typologies


def test_bad_file_fails_job_with_expected_vs_found(aml_host, store, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("tran_id,orig_acct,bene_acct,tran_timestamp\n1,a,b,2020-01-01\n")
    job, payload = run_task("finance.aml", [bad])
    assert payload is None and job.status == "failed" and job.error_kind == "user"
    assert "missing required column(s) base_amt" in job.error and "found tran_id" in job.error


def test_case_lifecycle_audit_and_sar(ran, store):
    _, payload = ran
    a1, a2 = payload["alerts"][0]["id"], payload["alerts"][1]["id"]
    case = cases.open_case(store, [a1, a2], actor="ana", assignee="ana")
    cid = case["id"]
    assert store.get_record(cases.ALERT_KIND, a1).payload["case_id"] == cid
    with pytest.raises(UserError, match="already in case"):
        cases.open_case(store, [a1], actor="bob")
    with pytest.raises(UserError, match="can go to"):
        cases.set_status(store, cid, "closed_sar", actor="ana", note="x")
    cases.set_status(store, cid, "investigating", actor="ana")
    cases.add_note(store, cid, "Counterparties opened accounts the same week.", actor="ana")
    cases.assign(store, cid, "bob", actor="lead")
    cases.set_status(store, cid, "escalated", actor="bob")
    with pytest.raises(UserError, match="needs a reason"):
        cases.set_status(store, cid, "closed_sar", actor="bob")
    with pytest.raises(UserError, match="draft the SAR"):
        cases.set_status(store, cid, "closed_sar", actor="bob", note="filed")
    draft = cases.draft_sar(store, cid, actor="bob")
    assert draft["source"] == "template" and draft["note"]  # no LLM configured here
    facts = draft["facts"]
    assert f"{facts['total_amount']:,.2f}" in draft["text"]
    assert all(acct in draft["text"] for acct in facts["subject_accounts"][:3])
    assert "same week" in draft["text"]  # analyst notes are facts of the case
    cases.set_status(store, cid, "closed_sar", actor="bob", note="SAR filed")
    final = cases.get_case(store, cid)
    assert final["status"] == "closed_sar" and final["assignee"] == "bob"
    assert [n["author"] for n in final["notes"]] == ["ana", "bob"]
    actions = [e["action"] for e in cases.history(store, cid)]
    for needed in ("aml_case.open", "aml_case.status", "aml_case.note", "aml_case.assign",
                   "aml_case.sar_draft", "record.update"):
        assert needed in actions
    actors = {e["actor"] for e in cases.history(store, cid)}
    assert actors == {"ana", "bob", "lead"}


def test_llm_narrative_must_stick_to_case_facts():
    facts = {"case_id": "CASE-1", "subject_accounts": ["12:ABCDEF123"], "total_amount": 9500.0,
             "patterns": [{"amount": 9500.0}]}
    assert cases._grounded("Account 12:ABCDEF123 moved 9,500.00 in total.", facts)
    assert not cases._grounded("Account 12:ABCDEF123 moved 12,000.00 in total.", facts)
    assert not cases._grounded("Funds reached 99:FFFFFF999.", facts)


def test_cli_generate_and_case_commands(ran, tmp_path):
    _, payload = ran
    runner = CliRunner()
    out = tmp_path / "g.csv"
    res = runner.invoke(aml_generate, [str(out), "--transactions", "3000", "--accounts", "200",
                                       "--mix", "only:cycle=2,structuring=1"])
    assert res.exit_code == 0, res.output
    doc = json.loads(out.with_suffix(".labels.json").read_text())
    assert [p["typology"] for p in doc["patterns"]] == ["cycle", "cycle", "structuring"]
    assert out.read_text().splitlines()[0].count(",Account,") == 2
    alert_id = payload["alerts"][0]["id"]
    res = runner.invoke(aml_case, ["alerts", "--status", "new"])
    assert alert_id in res.output
    case_id = runner.invoke(aml_case, ["open", alert_id, "--actor", "ana"]).output.strip()
    assert case_id.startswith("CASE-")
    assert runner.invoke(aml_case, ["status", case_id, "investigating", "--actor",
                                    "ana"]).exit_code == 0
    res = runner.invoke(aml_case, ["status", case_id, "closed_no_action", "--actor", "ana"])
    assert res.exit_code == 2 and "needs a reason" in res.output
    res = runner.invoke(aml_case, ["sar", case_id, "--no-llm", "--actor", "ana"])
    assert res.exit_code == 0 and case_id in res.output
    res = runner.invoke(aml_case, ["history", case_id])
    assert "aml_case.open" in res.output and "aml_case.sar_draft" in res.output


def test_stream_alert_becomes_a_case_with_a_sar(aml_host, store):
    """A streamed alert carries the same facts as a batch one (time span, total, evidence),
    so it can be worked as a case and drafted into a SAR."""
    job, result = run_task("finance.aml_stream", [SAMPLE], {
        "high_risk_banks": LABELS["high_risk_banks"], "max_seconds": 60})
    assert job.status == "succeeded", job.error
    alert = max(result["alerts"], key=lambda a: len(a["transactions"]))
    rec = store.get_record(cases.ALERT_KIND, alert["id"]).payload
    assert rec["start_time"] <= rec["end_time"] and rec["total_amount"] > 0
    edges = rec["evidence"]["edges"]
    assert {e["transaction"] for e in edges} == set(alert["transactions"])
    case = cases.open_case(store, [alert["id"]], actor="ana")
    draft = cases.draft_sar(store, case["id"], actor="ana", use_llm=False)
    assert f"{rec['total_amount']:,.2f}" in draft["text"]
    assert rec["start_time"][:10] in draft["text"]
