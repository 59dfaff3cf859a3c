"""Hooks of the AML capability: tasks, the analyst page, CLI commands and a demo sample."""

from __future__ import annotations

from pathlib import Path

from core.hookspecs import PageSpec, SampleInput
from core.tasks import InputSpec, TaskSpec

HERE = Path(__file__).parent
SAMPLE = HERE / "samples" / "aml_sample.csv"


def register_tasks(register) -> None:
    """finance.aml (batch file) and finance.aml_stream (Redis stream or tailed file)."""
    from plugins.finance.aml.models import AmlParams, AmlResult, StreamParams, StreamResult
    from plugins.finance.aml.stream import run_stream
    from plugins.finance.aml.task import run_aml

    register(TaskSpec(
        name="finance.aml", title="AML transaction monitoring", run=run_aml,
        result_model=AmlResult, params_model=AmlParams,
        inputs=InputSpec(extensions=(".csv", ".parquet"),
                         description="transactions: IBM AMLworld, AMLSim, or any CSV with "
                                     "mapping_file="),
        queue="finance", version="1",
        description="Rules, graph typologies and account anomaly scores over a transaction "
                    "file; explained alerts, account risk and a quarantine of bad rows.",
        export_row=lambda r: {"transactions": r.transactions, "alerts": r.alerts_total,
                              "accounts_at_risk": len(r.accounts),
                              "quarantined": r.quarantine_total,
                              "top_alert": r.alerts[0].explanation if r.alerts else ""}))
    register(TaskSpec(
        name="finance.aml_stream", title="AML streaming monitor", run=run_stream,
        result_model=StreamResult, params_model=StreamParams,
        inputs=InputSpec(extensions=(".csv",), min_count=0, max_count=1,
                         description="a CSV to tail, or none with stream_key=<Redis stream>"),
        queue="finance", version="1",
        description="Incremental detectors on transactions as they arrive; stops at "
                    "max_seconds, max_transactions, idle_seconds or an end marker."))


def register_pages(register) -> None:
    """The analyst's alert queue, alert detail and case desk."""
    register(PageSpec(domain="finance", title="AML alerts & cases", script=HERE / "page.py",
                      roles=("analyst",), icon="🕵️", order=20))


def register_cli(group) -> None:
    """``enclave finance aml-generate`` and ``enclave finance aml-case ...``."""
    from plugins.finance.aml.cli import aml_case, aml_generate

    group.add_command(aml_generate)
    group.add_command(aml_case)


def sample_inputs(register) -> None:
    """A small generated file with every typology injected (labels alongside)."""
    import json

    labels = json.loads((HERE / "samples" / "aml_sample.labels.json").read_text())
    register(SampleInput(task="finance.aml", inputs=(SAMPLE,),
                         params={"high_risk_banks": labels["high_risk_banks"],
                                 "alert_records": 50},
                         description="synthetic bank transactions, 2 patterns of each "
                                     "typology injected (see aml_sample.labels.json)"))
    # The same file replayed as a stream (read to its end, not followed): the streaming
    # detectors raise alerts as each completing transaction arrives.
    register(SampleInput(task="finance.aml_stream", inputs=(SAMPLE,),
                         params={"high_risk_banks": labels["high_risk_banks"],
                                 "max_seconds": 120, "store_alerts": False},
                         description="the sample file replayed transaction by transaction"))
