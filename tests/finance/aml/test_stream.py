"""finance.aml_stream: a tailed file and a real Redis stream (skipped when Redis is down)."""

from __future__ import annotations

import threading
import time
import uuid

import pandas as pd
import pytest

from core.runner import run_task
from plugins.finance.aml.hooks import SAMPLE
from tests.finance.aml.conftest import labels_of

LABELS = labels_of(SAMPLE)


def _redis():
    redis = pytest.importorskip("redis")
    client = redis.Redis(host="127.0.0.1", port=6379, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis at 127.0.0.1:6379 is unreachable ({exc})")
    return client


def _pattern_hits(result: dict) -> set[str]:
    got = {(t, a["typology"]) for a in result["alerts"] for t in a["transactions"]}
    found = set()
    for p in LABELS["patterns"]:
        if any((t, p["typology"]) in got for t in p["transactions"]):
            found.add(f"{p['typology']}#{p['id']}")
    return found


def test_tailed_file_raises_alerts(aml_host, store):
    job, result = run_task("finance.aml_stream", [SAMPLE],
                           {"high_risk_banks": LABELS["high_risk_banks"], "max_seconds": 60})
    assert job.status == "succeeded", job.error
    assert result["transactions"] == LABELS["transactions"]
    assert result["stopped_because"] == "input ended or idle"
    found = {f.split("#")[0] for f in _pattern_hits(result)}
    assert {"cycle", "fan_in", "fan_out", "structuring", "scatter_gather", "dormant",
            "high_risk", "round_amounts"} <= found
    assert store.list_records("finance.aml_alert")


def test_redis_stream_latency_and_end_marker(aml_host, store):
    client = _redis()
    key = f"enclave-test-aml-{uuid.uuid4().hex[:8]}"
    raw = pd.read_csv(SAMPLE, header=None, skiprows=1, dtype=str)
    rows = raw.values.tolist()

    def produce():  # a paced producer: ~2,000 transactions per second
        for i, r in enumerate(rows):
            client.xadd(key, {"timestamp": r[0], "source_bank": r[1], "source_account": r[2],
                              "target_bank": r[3], "target_account": r[4], "amount": r[7],
                              "currency": r[8], "transaction_id": str(i + 1),
                              "sent_at": repr(time.time())})
            if i % 20 == 0:
                time.sleep(0.01)
        client.xadd(key, {"end": "1"})

    producer = threading.Thread(target=produce)
    try:
        producer.start()
        job, result = run_task("finance.aml_stream", [], {
            "stream_key": key, "high_risk_banks": LABELS["high_risk_banks"],
            "max_seconds": 120, "idle_seconds": 20})
        producer.join()
    finally:
        client.delete(key)
    assert job.status == "succeeded", job.error
    assert result["stopped_because"] == "end marker received"
    assert result["transactions"] == len(rows)
    assert len(_pattern_hits(result)) >= 0.7 * len(LABELS["patterns"])
    # latency is recorded per alert (the 0.5 s p95 target is measured in bench/aml.py)
    assert result["latency_ms_p95"] is not None and all(a["latency_ms"] >= 0
                                                        for a in result["alerts"])


def test_stream_quarantines_bad_entries(aml_host, store):
    client = _redis()
    key = f"enclave-test-aml-{uuid.uuid4().hex[:8]}"
    try:
        client.xadd(key, {"timestamp": "2024-01-01T00:00:00", "source_account": "a",
                          "target_account": "b", "amount": "-3"})
        client.xadd(key, {"timestamp": "2024-01-01T00:00:00", "source_account": "a",
                          "target_account": "b", "amount": "12"})
        client.xadd(key, {"end": "1"})
        job, result = run_task("finance.aml_stream", [], {"stream_key": key, "max_seconds": 20})
    finally:
        client.delete(key)
    assert result["transactions"] == 1
    assert result["quarantine"][0]["row"] == 1 and "negative" in result["quarantine"][0]["problem"]


def test_followed_file_picks_up_appended_rows(aml_host, store, tmp_path):
    lines = SAMPLE.read_text().splitlines(keepends=True)
    live = tmp_path / "live.csv"
    half = len(lines) // 2
    live.write_text("".join(lines[:half]))
    outcome = {}

    def consume():
        outcome["job"], outcome["result"] = run_task("finance.aml_stream", [live], {
            "follow": True, "idle_seconds": 4, "max_seconds": 120,
            "high_risk_banks": LABELS["high_risk_banks"]})

    worker = threading.Thread(target=consume)
    worker.start()
    time.sleep(1.5)
    with live.open("a") as fh:  # a second batch arrives while the task tails the file
        fh.write("".join(lines[half:]))
    worker.join(timeout=150)
    result = outcome["result"]
    assert outcome["job"].status == "succeeded"
    assert result["transactions"] == len(lines) - 1
    assert result["stopped_because"] == "input ended or idle"
    assert {f.split("#")[0] for f in _pattern_hits(result)} >= {"cycle", "structuring"}


def test_stream_raises_split_fans_on_real_amlsim(aml_host, store, shared_data):
    """AMLSim's fan-in parts arrive weeks apart, often before the ordinary transfers that
    show what each payer usually sends: the stream must still raise them (the batch path
    finds 146 on labelled fraud hubs), and say how it read the file."""
    folder = shared_data / "amlsim" / "20K_fanin200"
    job, result = run_task("finance.aml_stream", [folder / "transactions.csv"],
                           {"store_alerts": False, "max_seconds": 300})
    assert job.status == "succeeded", job.error
    assert result["transactions"] == 118_250
    nodes = pd.read_csv(folder / "nodes.csv")
    fraud = set(nodes.nodeid[nodes.isFraud == 1].astype(str))
    split = [a for a in result["alerts"]
             if a["typology"] == "fan_in" and a["explanation"].endswith("(split fan).")]
    on_fraud = [a for a in split if a["accounts"][0] in fraud]
    assert len(on_fraud) >= 120, len(on_fraud)  # measured 149 (none before split fans)
    assert len(on_fraud) >= 0.9 * len(split), (len(on_fraud), len(split))
    assert result["amount_scale"] == pytest.approx(0.1)
    assert any(n.startswith("pass_through not run") for n in result["notes"])
