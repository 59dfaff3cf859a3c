"""finance.contract through core.runner.run_task: fields, 41 clauses, risks, export, failures."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.runner import run_task
from plugins.finance.contracts.categories import CUAD_CATEGORIES, answer_column
from plugins.finance.contracts.hooks import SAMPLE
from plugins.finance.contracts.task import export_row
from tests.finance.contracts import pdfs

TASK = "finance.contract"


@pytest.fixture
def sample_result(finance_host):
    job, payload = run_task(TASK, [SAMPLE], {"our_party": "Licensee", "use_llm": False})
    assert job.status == "succeeded", job.error
    return job, payload


def test_sample_contract_fields(sample_result) -> None:
    _, payload = sample_result
    f = payload["fields"]
    assert f["document_name"] == "SOFTWARE LICENSE AGREEMENT" and f["document_type"] == "license"
    assert [(p["name"], p["role"]) for p in f["parties"]] == [
        ("Northwind Software Inc.", "Licensor"), ("Contoso Retail LLC", "Licensee")]
    assert f["agreement_date"] == "2025-03-03" and f["effective_date"] == "2025-03-03"
    assert f["initial_term_months"] == 36 and f["expiration_date"] == "2028-03-02"
    assert f["renewal_term_months"] == 12
    assert f["notice_period_days"] == 15
    assert f["governing_law"] == "New York"
    assert f["liability_cap"]["amount"] == 250_000 and f["liability_cap"]["currency"] == "USD"
    assert f["payment_terms"]["days"] == 30
    assert {"amount": 120_000.0, "currency": "USD"}.items() <= f["amounts"][0].items()
    law = f["evidence"]["governing_law"]
    assert law["page"] == 2 and law["source"] == "rules" and "State of New York" in law["quote"]
    assert payload["pages"] == 2 and len(payload["tables"]) == 1


def test_sample_contract_clauses_have_page_evidence(sample_result) -> None:
    _, payload = sample_result
    clauses = payload["clauses"]
    assert [c["category"] for c in clauses] == list(CUAD_CATEGORIES)
    present = {c["category"] for c in clauses if c["present"]}
    expected = {"Governing Law", "License Grant", "Non-Transferable License", "Audit Rights",
                "Cap On Liability", "Insurance", "Termination For Convenience", "Renewal Term",
                "Non-Compete", "Ip Ownership Assignment", "Parties", "Agreement Date"}
    assert expected <= present, expected - present
    assert "Source Code Escrow" not in present and "Joint Ip Ownership" not in present
    for clause in clauses:
        assert 0.0 <= clause["confidence"] <= 1.0
        if clause["present"]:
            assert clause["page"] in (1, 2) and len(clause["bbox"]) == 4 and clause["text"]
    audit = next(c for c in clauses if c["category"] == "Audit Rights")
    assert "audit" in audit["text"].lower() and audit["section"].startswith("6")


def test_sample_contract_risk_flags(sample_result) -> None:
    _, payload = sample_result
    fired = {r["rule"]: r for r in payload["risks"]}
    assert {"auto_renewal_short_notice", "counterparty_only_termination_for_convenience",
            "non_compete_on_us", "ip_assignment_away_from_us"} <= set(fired)
    assert "missing_governing_law" not in fired
    assert fired["auto_renewal_short_notice"]["evidence"]["value"] == 15
    assert fired["non_compete_on_us"]["evidence"]["page"] == 2


def test_export_row_has_the_cuad_master_clauses_shape(sample_result, tmp_path: Path) -> None:
    import pandas as pd

    from workers.batch import write_export
    _, payload = sample_result
    row = export_row(payload)
    write_export([{"input": str(SAMPLE), "status": "succeeded", "error": "", **row}],
                 tmp_path / "clauses.csv")
    frame = pd.read_csv(tmp_path / "clauses.csv", keep_default_na=False)
    assert list(frame.columns)[3:] == list(row) and frame.loc[0, "Audit Rights-Answer"] == "Yes"
    assert len(row) == 1 + 2 * 41 and row["Filename"] == SAMPLE.name
    assert row["Governing Law-Answer"] == "New York"
    assert row["Notice Period To Terminate Renewal- Answer"] == "15 days"
    assert row[answer_column("Audit Rights")] == "Yes"
    assert row[answer_column("Source Code Escrow")] == "No" and row["Source Code Escrow"] == ""
    assert "audit" in row["Audit Rights"].lower()


def test_bad_inputs_fail_the_job_with_a_message_naming_the_file(finance_host,
                                                                 tmp_path: Path) -> None:
    renamed = tmp_path / "invoice.pdf"
    renamed.write_bytes(b"PK\x03\x04 this is a zip archive")
    job, payload = run_task(TASK, [renamed], {})
    assert job.status == "failed" and payload is None
    assert job.error.startswith(f"{renamed}: not a PDF file")
    locked = pdfs.encrypted_pdf(tmp_path / "locked.pdf", "pw")
    job, _ = run_task(TASK, [locked], {})
    assert job.status == "failed" and "encrypted" in job.error and "locked.pdf" in job.error
    job, payload = run_task(TASK, [locked], {"password": "pw", "use_llm": False})
    assert job.status == "succeeded" and payload["fields"]["governing_law"] == "Texas"
    long_file = pdfs.text_pages_pdf(tmp_path / "long.pdf", pages=12)
    job, _ = run_task(TASK, [long_file], {"max_pages": 5})
    assert job.status == "failed" and "over the page limit (5)" in job.error


def test_site_rules_file_replaces_the_packaged_rules(finance_host, tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules:\n  - id: renewal_notice_under_20_days\n    severity: low\n"
                     "    when:\n      field_below: {field: notice_period_days, value: 20}\n")
    job, payload = run_task(TASK, [SAMPLE], {"rules_path": str(rules), "use_llm": False})
    assert job.status == "succeeded"
    assert [r["rule"] for r in payload["risks"]] == ["renewal_notice_under_20_days"]
    rules.write_text("rules:\n  - id: typo\n    when:\n      clause_presnt: Insurance\n")
    job, _ = run_task(TASK, [SAMPLE], {"rules_path": str(rules)})
    assert job.status == "failed" and "unknown condition(s) ['clause_presnt']" in job.error


class _FakeCore:
    """Stands in for the inference core's `llm` role; records the prompt it got."""

    def __init__(self, answer):
        self.answer = answer
        self.prompts: list[str] = []

    def generate(self, prompt, json_schema=None, role="llm"):
        self.prompts.append(prompt)
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer

    def get_model(self, role, loader, size_mb=None):
        return loader()


def test_llm_values_are_kept_only_with_a_verbatim_quote(finance_host, monkeypatch) -> None:
    from core.tasks import TaskContext
    fake = _FakeCore({
        "document_name": {"value": "Software License Agreement",
                          "quote": "SOFTWARE LICENSE AGREEMENT"},
        "agreement_date": {"value": "March 3, 2025", "quote": "entered into as of March 3,  2025"},
        "governing_law": {"value": "Delaware", "quote": "the laws of the State of Delaware"},
        "renewal_term_months": {"value": 12, "quote": "successive one (1) year periods"},
        "effective_date": None, "expiration_date": None, "notice_period_days": None,
        "parties": [{"name": "Northwind Software Inc.", "role": "Licensor",
                     "quote": "Northwind Software Inc., a Delaware corporation"},
                    {"name": "Fabrikam Ltd", "role": "Guarantor", "quote": "Fabrikam Ltd"}],
    })
    monkeypatch.setattr(TaskContext, "models", property(lambda self: fake))
    job, payload = run_task(TASK, [SAMPLE], {})
    assert job.status == "succeeded", job.error
    assert payload["llm_used"] is True and "SOFTWARE LICENSE AGREEMENT" in fake.prompts[0]
    f, ev = payload["fields"], payload["fields"]["evidence"]
    assert f["agreement_date"] == "2025-03-03" and ev["agreement_date"]["source"] == "llm"
    assert ev["agreement_date"]["page"] == 1
    assert f["governing_law"] == "New York" and ev["governing_law"]["source"] == "rules"
    assert [(p["name"], p["source"]) for p in f["parties"]] == [
        ("Northwind Software Inc.", "llm")]


def test_no_llm_configured_keeps_the_deterministic_path(finance_host, monkeypatch) -> None:
    from core.inference import NoModelConfigured
    from core.tasks import TaskContext
    fake = _FakeCore(NoModelConfigured("no model configured for role llm"))
    monkeypatch.setattr(TaskContext, "models", property(lambda self: fake))
    job, payload = run_task(TASK, [SAMPLE], {})
    assert job.status == "succeeded" and payload["llm_used"] is False
    assert fake.prompts and payload["fields"]["evidence"]["agreement_date"]["source"] == "rules"
