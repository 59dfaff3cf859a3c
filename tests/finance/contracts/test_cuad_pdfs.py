"""Two real CUAD contracts (PDF) through run_task, checked against CUAD's own answers.

CUAD v1, The Atticus Project, CC BY 4.0. These contracts are in the detector's training
set, so this checks the whole path (PDF -> text -> fields/clauses), not generalisation;
bench/contracts.py reports the cross-validated figures.
"""

from __future__ import annotations

import pytest

from core.runner import run_task
from plugins.finance.contracts.categories import CUAD_CATEGORIES
from plugins.finance.contracts.training import clause_texts, contract_key

CONTRACTS = {
    "ACCELERATEDTECHNOLOGIESHOLDINGCORP_04_24_2003-EX-10.13-JOINT VENTURE AGREEMENT.pdf":
        {"governing_law": "Pennsylvania",
         "parties": {"Collectible Concepts Group, Inc.", "Pivotal Self Service Tech, Inc."}},
    "CURAEGISTECHNOLOGIES,INC_05_26_2010-EX-1-CORPORATE SPONSORSHIP AGREEMENT.pdf":
        {"governing_law": "New York", "agreement_date": "2010-05-18",
         "parties": {"Phoenix Performance, LLC", "Torvec Inc."}},
}


@pytest.mark.parametrize("name", sorted(CONTRACTS))
def test_cuad_pdf_matches_cuad_answers(shared_data, finance_host, name: str) -> None:
    import pandas as pd

    cuad = shared_data / "cuad"
    path = cuad / "pdf" / name
    if not path.is_file():
        pytest.skip(f"{path} is not present")
    job, payload = run_task("finance.contract", [path], {"use_llm": False})
    assert job.status == "succeeded", job.error
    want = CONTRACTS[name]
    fields = payload["fields"]
    assert fields["governing_law"] == want["governing_law"]
    if "agreement_date" in want:
        assert fields["agreement_date"] == want["agreement_date"]
    assert want["parties"] <= {p["name"] for p in fields["parties"]}
    assert fields["evidence"]["governing_law"]["page"] >= 1

    labels = pd.read_csv(cuad / "labels.csv")
    row = next(r for r in labels.to_dict("records") if contract_key(r["Filename"]) ==
               contract_key(name))
    labelled = {c for c in CUAD_CATEGORIES if clause_texts(row.get(c))}
    present = {c["category"] for c in payload["clauses"] if c["present"]}
    assert len(labelled & present) >= 0.6 * len(labelled), sorted(labelled - present)
    for clause in payload["clauses"]:
        if clause["present"]:
            assert 1 <= clause["page"] <= payload["pages"] and len(clause["bbox"]) == 4
