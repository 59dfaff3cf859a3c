"""Hooks of the contracts capability: finance.contract, its model role, page, CLI and sample."""

from __future__ import annotations

from pathlib import Path

from core.hookspecs import PageSpec, SampleInput

HERE = Path(__file__).parent
SAMPLE = HERE / "samples" / "sample_licence_agreement.pdf"


def register_tasks(register) -> None:
    """finance.contract: one contract PDF -> fields, 41 CUAD clauses, risk flags."""
    from plugins.finance.contracts.task import SPEC

    register(SPEC)


def register_models(register) -> None:
    """The packaged clause detector (a few MB, CPU), loaded once through the core."""
    from core.inference.roles import RoleSpec

    register(RoleSpec(
        name="clause_classifier", kind="classifier",
        description="CUAD clause detectors: TF-IDF + one linear SVM per category "
                    "(trained on CUAD v1, The Atticus Project, CC BY 4.0)",
        backend="packaged", source="plugins/finance/contracts/artefacts/clause_detector.joblib",
        required_by=("finance.contract",),
        degrades="finance.contract cannot detect clauses; retrain with "
                 "`enclave finance train-clauses`"))


def register_pages(register) -> None:
    """The contract review page (analysts)."""
    register(PageSpec(domain="finance", title="Contract review", script=HERE / "page.py",
                      roles=("analyst",), icon="📄", order=10))


def register_cli(group) -> None:
    """``enclave finance train-clauses``: reproduce the shipped clause detector from CUAD."""
    from plugins.finance.contracts.cli import train_clauses

    group.add_command(train_clauses)


def sample_inputs(register) -> None:
    """A generated two-page licence agreement (not a CUAD file)."""
    register(SampleInput(task="finance.contract", inputs=(SAMPLE,),
                         params={"our_party": "Licensee"},
                         description="generated software licence agreement: header/footer, "
                                     "numbered clauses, a fee table, renewal, cap, law"))
