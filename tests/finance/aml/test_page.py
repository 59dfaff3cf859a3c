"""The analyst page renders the alert queue and case desk; figures draw the evidence."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.runner import run_task
from plugins.finance.aml import cases
from plugins.finance.aml.figures import evidence_figure, timeline_figure
from plugins.finance.aml.hooks import SAMPLE

PAGE = Path(__file__).resolve().parents[3] / "plugins" / "finance" / "aml" / "page.py"


@pytest.fixture
def alerts(aml_host, store):
    job, payload = run_task("finance.aml", [SAMPLE], {"alert_records": 10})
    assert job.status == "succeeded", job.error
    return payload["alerts"]


def test_evidence_and_timeline_figures(alerts):
    alert = alerts[0]
    fig = evidence_figure(alert)
    nodes = fig.data[-1]
    assert len(nodes.x) == len(alert["evidence"]["nodes"])
    assert len(fig.layout.annotations) == len(alert["evidence"]["edges"])  # one arrow each
    focus = set(alert["focus_accounts"])
    assert sum(c == "#d62728" for c in nodes.marker.color) == len(
        {n["account"] for n in alert["evidence"]["nodes"]} & focus)
    tl = timeline_figure(alert)
    assert sum(len(t.x) for t in tl.data) == len(alert["evidence"]["edges"])


def test_page_renders_queue_and_cases_for_an_analyst(alerts, store):
    from streamlit.testing.v1 import AppTest

    from core.auth import create_user

    create_user("ana", "a-long-password-1", ["analyst"])
    cases.open_case(store, [alerts[0]["id"]], actor="ana", assignee="ana")
    at = AppTest.from_file(str(PAGE), default_timeout=60)
    at.session_state["enclave_user"] = "ana"
    at.run()
    assert not at.exception
    assert "AML alerts & cases" in at.title[0].value
    assert len(at.dataframe) >= 2  # alert queue + case list
    assert any("CASE-" in str(s.value) for s in at.selectbox)


def test_page_refuses_users_without_the_analyst_role(alerts):
    from streamlit.testing.v1 import AppTest

    from core.auth import create_user

    create_user("vic", "a-long-password-2", ["clinician"])
    at = AppTest.from_file(str(PAGE), default_timeout=60)
    at.session_state["enclave_user"] = "vic"
    at.run()
    assert any("Access denied" in e.value for e in at.error)
    assert not at.dataframe
