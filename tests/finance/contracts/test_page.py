"""The contract review page renders a processed contract; a reviewer's edit is stored and audited."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.runner import run_task
from plugins.finance.contracts.hooks import SAMPLE
from plugins.finance.contracts.review import confirm_field, evidence_image

PAGE = Path(__file__).resolve().parents[3] / "plugins" / "finance" / "contracts" / "page.py"


@pytest.fixture
def processed(finance_host, store):
    job, payload = run_task("finance.contract", [SAMPLE], {"our_party": "Licensee",
                                                           "use_llm": False})
    assert job.status == "succeeded", job.error
    return job, payload


def test_page_shows_fields_clauses_risks_and_evidence(processed):
    from streamlit.testing.v1 import AppTest

    from core.auth import create_user

    create_user("lena", "a-long-password-1", ["analyst"])
    at = AppTest.from_file(str(PAGE), default_timeout=90)
    at.session_state["enclave_user"] = "lena"
    at.run()
    assert not at.exception, at.exception
    assert "Contract review" in at.title[0].value
    assert len(at.dataframe) >= 3  # fields, parties, clauses
    assert any("non_compete_on_us" in w.value for w in at.warning)
    assert len(at.get("image")) == 1  # the page image with the evidence boxes


def test_reviewer_edit_is_stored_and_audited(processed, store):
    job, _ = processed
    payload = confirm_field(store, job.id, "governing_law", "Delaware", "lena", "per side letter")
    stored = store.get_result(job.id)
    assert stored["fields"]["governing_law"] == "Delaware" == payload["fields"]["governing_law"]
    ev = stored["fields"]["evidence"]["governing_law"]
    assert ev["source"] == "reviewer" and ev["previous"] == "New York" and ev["page"] == 2
    events = store.audit_events(actor="lena")
    assert any(e.object_id == job.id for e in events)


def test_evidence_image_draws_the_box(processed):
    _, payload = processed
    clause = next(c for c in payload["clauses"] if c["category"] == "Governing Law")
    png = evidence_image(SAMPLE, clause["page"], [clause["bbox"]])
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
