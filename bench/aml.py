"""AML benchmark: detection quality, 1M-transaction throughput and streaming latency.

Usage: .venv/bin/python bench/aml.py [--quick] [--out bench/results/aml.md]

Figures (each next to its target):
  1. generated data (bench generator, unseen seed): per-typology recall, alert precision
  2. real AMLSim 20K_fanin200 (node labels): account ROC-AUC, fraud recall in top 1,000
  3. 1,000,000 transactions through every detector: wall time, peak RSS (child process)
  4. streaming through a real Redis stream: alert latency p50/p95/max, throughput
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# the script's own folder holds bench/queue.py, which would shadow the stdlib ``queue``
sys.path[0] = str(REPO)
SHARED = Path(os.environ.get("ENCLAVE_SHARED_DATA", REPO.parent / "shared" / "data"))


def quality(work: Path, n_tx: int, per_typology: int, seed: int) -> dict:
    from plugins.finance.aml.detect import analyse_file
    from plugins.finance.aml.generator import TYPOLOGIES, GeneratorConfig, generate
    from plugins.finance.aml.models import AmlParams

    csv = work / f"quality_{seed}.csv"
    doc = generate(GeneratorConfig(n_transactions=n_tx, seed=seed,
                                   patterns={t: per_typology for t in TYPOLOGIES}), csv)
    t = time.perf_counter()
    res = analyse_file(csv, AmlParams(high_risk_banks=doc["high_risk_banks"]))
    wall = time.perf_counter() - t
    recall: dict[str, list[bool]] = {t: [] for t in TYPOLOGIES}
    for p in doc["patterns"]:
        rows = set(p["transactions"])
        recall[p["typology"]].append(any(
            p["typology"] in a.typologies and 2 * len(rows & set(a.transactions)) >= len(rows)
            for a in res.alerts))
    laundering = {t for p in doc["patterns"] for t in p["transactions"]}
    correct = sum(2 * sum(t in laundering for t in a.transactions) >= len(a.transactions)
                  for a in res.alerts)
    return {"transactions": res.transactions, "patterns": len(doc["patterns"]),
            "alerts": len(res.alerts), "precision": correct / max(1, len(res.alerts)),
            "recall": {t: sum(v) / len(v) for t, v in recall.items()},
            "recall_all": sum(sum(v) for v in recall.values()) / len(doc["patterns"]),
            "wall_s": wall}


#: other generator settings than the tuning ones (seeds 5, 7, 11 at 200k, 90 days, 10 per
#: typology): size, density (transactions per account), span and typology mix all vary.
#: 505 and 606 were looked at while developing (606 exposed dense-data bipartite noise);
#: 707, 808 and 909 were only ever scored here (their weak spots were diagnosed on dev
#: seeds 818 and 919 with the same settings).
ROBUSTNESS = (
    {"n": 80_000, "seed": 505, "days": 75,
     "mix": "only:fan_in=8,fan_out=8,gather_scatter=8,bipartite=8"},
    {"n": 250_000, "seed": 606, "days": 90, "mix": "cycle=10,stack=10", "accounts": 6_000},
    {"n": 120_000, "seed": 707, "days": 100, "mix": ""},
    {"n": 400_000, "seed": 808, "days": 90, "mix": "fan_in=8,fan_out=8", "accounts": 10_000},
    {"n": 60_000, "seed": 909, "days": 80,
     "mix": "only:fan_in=6,fan_out=6,scatter_gather=6,gather_scatter=6,bipartite=6,cycle=6"},
)

#: money on another scale than the currency defaults (a ledger in cents, in thousands,
#: AMLSim-like unit-less values): the held-out seed 101 itself scaled, two seeds never
#: looked at, and one scale between decades (x0.3), which the learnt power-of-ten scale
#: does not correct: there structuring's reporting threshold sits at 3.3x its place
SCALED = (
    {"n": 200_000, "seed": 101, "days": 90, "mix": "", "scale": 0.01},
    {"n": 200_000, "seed": 101, "days": 90, "mix": "", "scale": 100.0},
    {"n": 150_000, "seed": 1003, "days": 80, "mix": "", "scale": 0.01},
    {"n": 300_000, "seed": 1004, "days": 100, "mix": "", "scale": 100.0, "accounts": 8_000},
    {"n": 150_000, "seed": 1005, "days": 90, "mix": "", "scale": 0.3},
)


def robustness(work: Path, cfg: dict) -> dict:
    """Recall and precision on one generator setting (same scoring as ``quality``)."""
    from plugins.finance.aml.detect import analyse_file
    from plugins.finance.aml.generator import GeneratorConfig, generate, parse_mix
    from plugins.finance.aml.models import AmlParams

    csv = work / f"robust_{cfg['seed']}_{cfg.get('scale', 1.0):g}.csv"
    doc = generate(GeneratorConfig(n_transactions=cfg["n"], seed=cfg["seed"], days=cfg["days"],
                                   n_accounts=cfg.get("accounts"),
                                   patterns=parse_mix(cfg["mix"], 5),
                                   amount_scale=cfg.get("scale", 1.0)), csv)
    res = analyse_file(csv, AmlParams(high_risk_banks=doc["high_risk_banks"]))
    hits: dict[str, list[bool]] = {}
    for p in doc["patterns"]:
        rows = set(p["transactions"])
        hits.setdefault(p["typology"], []).append(any(
            p["typology"] in a.typologies and 2 * len(rows & set(a.transactions)) >= len(rows)
            for a in res.alerts))
    laundering = {t for p in doc["patterns"] for t in p["transactions"]}
    correct = sum(2 * sum(t in laundering for t in a.transactions) >= len(a.transactions)
                  for a in res.alerts)
    recall = {t: sum(v) / len(v) for t, v in hits.items()}
    missed = sorted(t for t, r in recall.items() if r < 0.95)
    return {**cfg, "accounts_seen": res.accounts_seen, "transactions": res.transactions,
            "amount_scale": res.amount_scale, "below_target": missed,
            "recall_all": sum(sum(v) for v in hits.values()) / len(doc["patterns"]),
            "alerts": len(res.alerts), "precision": correct / max(1, len(res.alerts)),
            "min_recall": min(recall.values()),
            "worst": min(recall, key=recall.get), "patterns": len(doc["patterns"])}


def amlsim() -> dict | None:
    folder = SHARED / "amlsim" / "20K_fanin200"
    if not folder.is_dir():
        return None
    import numpy as np
    import pandas as pd
    from sklearn.metrics import roc_auc_score

    from plugins.finance.aml.detect import analyse_file
    from plugins.finance.aml.models import AmlParams

    t = time.perf_counter()
    res = analyse_file(folder / "transactions.csv", AmlParams())
    wall = time.perf_counter() - t
    nodes = pd.read_csv(folder / "nodes.csv")
    y = nodes.isFraud.to_numpy()
    ids = nodes.nodeid.to_numpy()
    fraud = set(nodes.nodeid[nodes.isFraud == 1].astype(str))
    fan_in = [a for a in res.alerts if "fan_in" in a.typologies]
    out = {"wall_s": wall, "fraud": int(y.sum()), "accounts": len(y),
           "fan_in_alerts": len(fan_in),
           "fan_in_on_fraud": sum(bool(set(a.focus_accounts) & fraud) for a in fan_in),
           "amount_scale": res.amount_scale, "notes": res.notes,
           "typology_counts": res.typology_counts}
    # node-id halves fixed before any tuning: even ids were looked at while choosing the
    # design, odd ids were held out; top 500 per half is the top 1,000 at half the size
    halves = {"": (ids >= 0, 1000), "_tune": (ids % 2 == 0, 500),
              "_heldout": (ids % 2 == 1, 500)}
    for comp in ("risk", "alerts", "anomaly"):
        m = {a.account: (a.risk_score if comp == "risk" else a.components.get(comp, 0.0))
             for a in res.accounts}
        score = nodes.nodeid.astype(str).map(m).fillna(0.0).to_numpy()
        for suffix, (mask, k) in halves.items():
            out[f"roc_auc_{comp}{suffix}"] = float(roc_auc_score(y[mask], score[mask]))
            top = np.argsort(-score[mask], kind="stable")[:k]
            out[f"recall_top{k}_{comp}{suffix}"] = float(y[mask][top].sum() / y[mask].sum())
    return out


SCALE_CHILD = """
import resource, sys, time, json
sys.path.insert(0, {repo!r})
from pathlib import Path
from plugins.finance.aml.detect import analyse_file
from plugins.finance.aml.models import AmlParams
t = time.perf_counter()
res = analyse_file(Path({csv!r}), AmlParams(high_risk_banks={banks!r}))
wall = time.perf_counter() - t
use = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({{"wall_s": wall, "cpu_s": use.ru_utime + use.ru_stime, "transactions": res.transactions, "alerts": res.alerts_total,
                  "timings": res.timings_s,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def scale(work: Path, n_tx: int) -> dict:
    from plugins.finance.aml.generator import TYPOLOGIES, GeneratorConfig, generate

    csv = work / "scale.csv"
    doc = generate(GeneratorConfig(n_transactions=n_tx, seed=11,
                                   patterns={t: 20 for t in TYPOLOGIES}), csv)
    env = {**os.environ, "OMP_NUM_THREADS": "2", "OPENBLAS_NUM_THREADS": "2",
           "MKL_NUM_THREADS": "2"}
    code = SCALE_CHILD.format(repo=str(REPO), csv=str(csv), banks=doc["high_risk_banks"])
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         check=True)
    res = json.loads(out.stdout.strip().splitlines()[-1])
    res["file_mb"] = csv.stat().st_size / 1e6
    return res


def _stream_host() -> Path:
    from core.domain import DomainPlugin
    from core.plugins import Host, build_plugin_manager, set_host
    from plugins.finance.aml import hooks

    work = Path(tempfile.mkdtemp())
    os.environ["ENCLAVE_HOME"] = str(work / "home")
    set_host(Host(build_plugin_manager(only=[], extra=(DomainPlugin("finance", (hooks,), ""),))))
    return work


def _redis():
    """A client of the local Redis, or None (the streaming figures are then skipped)."""
    try:
        import redis
        client = redis.Redis(host="127.0.0.1", port=6379, socket_timeout=2)
        client.ping()
        return client
    except Exception as exc:  # any failure means: no Redis here, skip this figure
        print(f"streaming: skipped, Redis unreachable ({exc})")
        return None


def _through_redis(client, entries: list[dict], rate_per_s: float, params: dict
                   ) -> tuple[dict, float]:
    """Entries produced at ``rate_per_s`` into a fresh stream while finance.aml_stream
    consumes it (run_task); its result and wall time."""
    from core.runner import run_task

    key = f"enclave-bench-aml-{uuid.uuid4().hex[:8]}"

    def produce():
        start = time.perf_counter()
        for i, entry in enumerate(entries):
            client.xadd(key, entry)
            ahead = (i + 1) / rate_per_s - (time.perf_counter() - start)
            if ahead > 0:
                time.sleep(ahead)
        client.xadd(key, {"end": "1"})

    producer = threading.Thread(target=produce)
    producer.start()
    t = time.perf_counter()
    job, result = run_task("finance.aml_stream", [], {
        "stream_key": key, "max_seconds": 600, "idle_seconds": 30, **params})
    wall = time.perf_counter() - t
    producer.join()
    client.delete(key)
    if result is None:
        raise RuntimeError(job.error)
    return result, wall


def amlsim_stream(rate_per_s: float) -> dict | None:
    """AMLSim 20K_fanin200 through a real Redis stream into finance.aml_stream: split
    fan-in alerts on labelled fraud hubs, and their latency."""
    folder = SHARED / "amlsim" / "20K_fanin200"
    client = _redis()
    if not folder.is_dir() or client is None:
        return None
    import pandas as pd

    _stream_host()
    tx = pd.read_csv(folder / "transactions.csv")
    entries = [{"timestamp": str(int(step) * 86_400), "source_account": str(src),
                "target_account": str(dst), "amount": repr(float(value)),
                "transaction_id": str(i + 1)}
               for i, (src, dst, value, step) in enumerate(tx.itertuples(index=False))]
    result, wall = _through_redis(client, entries, rate_per_s, {})
    nodes = pd.read_csv(folder / "nodes.csv")
    fraud = set(nodes.nodeid[nodes.isFraud == 1].astype(str))
    split = [a for a in result["alerts"]
             if a["typology"] == "fan_in" and a["explanation"].endswith("(split fan).")]
    on_fraud = sum(a["accounts"][0] in fraud for a in split)
    by_typology: dict[str, list[int]] = {}
    for a in result["alerts"]:
        by_typology.setdefault(a["typology"], [0, 0])[a["accounts"][0] in fraud] += 1
    return {"rate_per_s": rate_per_s, "transactions": result["transactions"],
            "alerts": len(result["alerts"]), "split_fan_in": len(split),
            "split_fan_in_on_fraud": on_fraud, "by_typology": by_typology,
            "p50_ms": result["latency_ms_p50"], "p95_ms": result["latency_ms_p95"],
            "max_ms": result["latency_ms_max"], "wall_s": wall, "notes": result["notes"]}


def streaming(rate_per_s: float, n_tx: int, amount_scale: float = 1.0) -> dict | None:
    """Paced producer into a real Redis stream, consumed by finance.aml_stream (run_task)."""
    client = _redis()
    if client is None:
        return None
    import pandas as pd

    from plugins.finance.aml.generator import TYPOLOGIES, GeneratorConfig, generate

    work = _stream_host()
    csv = work / "stream.csv"
    doc = generate(GeneratorConfig(n_transactions=n_tx, seed=13,
                                   patterns={t: 3 for t in TYPOLOGIES},
                                   amount_scale=amount_scale), csv)
    rows = pd.read_csv(csv, header=None, skiprows=1, dtype=str).values.tolist()
    entries = [{"timestamp": r[0], "source_bank": r[1], "source_account": r[2],
                "target_bank": r[3], "target_account": r[4], "amount": r[7],
                "currency": r[8], "transaction_id": str(i + 1)} for i, r in enumerate(rows)]
    result, wall = _through_redis(client, entries, rate_per_s,
                                  {"high_risk_banks": doc["high_risk_banks"]})
    laundering = {t for p in doc["patterns"] for t in p["transactions"]}
    got = {(t, a["typology"]) for a in result["alerts"] for t in a["transactions"]}
    per: dict[str, list[bool]] = {}
    for p in doc["patterns"]:
        per.setdefault(p["typology"], []).append(
            any((t, p["typology"]) in got for t in p["transactions"]))
    found = sum(sum(v) for v in per.values())
    correct = sum(2 * sum(t in laundering for t in a["transactions"]) >= len(a["transactions"])
                  for a in result["alerts"])
    return {"pattern_recall": found / len(doc["patterns"]),
            "alert_precision": correct / max(1, len(result["alerts"])),
            "rate_per_s": rate_per_s, "transactions": result["transactions"],
            "alerts": len(result["alerts"]), "p50_ms": result["latency_ms_p50"],
            "p95_ms": result["latency_ms_p95"], "max_ms": result["latency_ms_max"],
            "wall_s": wall, "stopped": result["stopped_because"],
            "amount_scale": result["amount_scale"], "missed": {
                t: f"{len(v) - sum(v)}/{len(v)}" for t, v in per.items() if not all(v)}}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="smaller sizes (smoke run)")
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "aml.md")
    ap.add_argument("--skip-scale", action="store_true")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="aml-bench-"))
    n_quality, n_scale = (50_000, 100_000) if args.quick else (200_000, 1_000_000)
    load = os.getloadavg()[0]
    lines = ["# finance.aml benchmark", "",
             f"Machine: {os.cpu_count()} CPUs, load average {load:.1f} at the start"
             + ("; other jobs shared the CPUs, so wall times are noisy upper bounds."
                if load > 1.0 else " (idle)."), ""]

    print("== detection quality on generated data (seed unseen by tuning) ==")
    q = quality(work, n_quality, 10, seed=101)
    print(json.dumps(q, indent=1))
    lines += ["## Detection quality on generated data",
              f"{q['transactions']:,} transactions, {q['patterns']} injected patterns "
              f"(10 per typology), generator seed 101 (tuning used seeds 5, 7, 11).", "",
              "| typology | recall | target |", "|---|---|---|"]
    lines += [f"| {t} | {r:.2f} | ≥ 0.95 |" for t, r in q["recall"].items()]
    lines += [f"| **all patterns** | **{q['recall_all']:.2f}** | ≥ 0.95 |", "",
              f"Alert precision: **{q['precision']:.2f}** ({q['alerts']} merged alerts; an "
              "alert is correct when at least half of its transactions are injected laundering) "
              "— target ≥ 0.8.", "",
              "Caveat: the generator is this project's own (`enclave finance aml-generate`) and "
              "the thresholds were tuned on other seeds of it; see the other settings and the "
              "AMLSim figures below for data it was not tuned on.", ""]

    print("== robustness: other generator settings ==")
    lines += ["## Other generator settings (robustness)",
              "Per-typology recall and alert precision as above, on settings other than the "
              "tuning ones: size, density (transactions per account), span and mix vary.", "",
              "| seed | transactions | accounts | days | mix (others 5 each) | patterns | alerts "
              "| lowest typology recall | alert precision |",
              "|---|---|---|---|---|---|---|---|---|"]
    for cfg in ROBUSTNESS if not args.quick else ROBUSTNESS[:1]:
        r = robustness(work, cfg)
        print(json.dumps(r))
        lines.append(f"| {r['seed']} | {r['transactions']:,} | {r['accounts_seen']:,} | "
                     f"{r['days']} | {r['mix'] or 'default'} | {r['patterns']} | "
                     f"{r['alerts']} | {r['min_recall']:.2f} ({r['worst']}) | "
                     f"{r['precision']:.2f} |")
    lines += ["", "Seeds 505 and 606 were looked at while developing; 707, 808 and 909 are "
              "only ever scored here (their first scoring, before the busy-middle and "
              "gather-scatter changes: precision 0.96 / 0.76 / 1.00, lowest recall 1.00 / "
              "1.00 / 0.83; the causes were diagnosed on dev seeds 818 and 919 with the same "
              "settings).", ""]

    print("== money on another scale ==")
    lines += ["## Money on another scale (amount thresholds follow the file)",
              "The generator's `--amount-scale` multiplies every amount (background, patterns, "
              "the structuring amounts just under 10,000). The detectors learn the file's money "
              "scale (the power of ten nearest its 95th-percentile amount / 3,000) and multiply "
              "every amount threshold by it; `amount_scale=1` pins the stated amounts.", "",
              "| seed | amounts x | transactions | learnt scale | patterns | alerts | all-pattern "
              "recall | lowest typology recall | typologies below 0.95 | alert precision |",
              "|---|---|---|---|---|---|---|---|---|---|"]
    for cfg in SCALED if not args.quick else SCALED[:2]:
        r = robustness(work, cfg)
        print(json.dumps(r))
        lines.append(f"| {r['seed']} | {r['scale']:g} | {r['transactions']:,} | "
                     f"{r['amount_scale']:g} | {r['patterns']} | {r['alerts']} | "
                     f"{r['recall_all']:.2f} | {r['min_recall']:.2f} ({r['worst']}) | "
                     f"{', '.join(r['below_target']) or '—'} | {r['precision']:.2f} |")
    lines += ["", "Seed 101 is the held-out quality seed above, here scaled (same patterns, so "
              "the figures must match its unscaled row); 1003 and 1004 were first scored on "
              "2026-12-07: 1003 then missed one fan-in of five (0.80, at every scale), which "
              "was diagnosed on it and fixed (a young account's usual rate is shrunk towards "
              "the file's typical one), so 1003 is no longer unseen; 1004 still is. x0.3 lies between decades, where the learnt power-of-ten scale "
              "does not correct: the reporting threshold is then 3.3x off the structuring "
              "amounts (pin `amount_scale` or set the thresholds for such a ledger).", ""]

    print("== AMLSim 20K_fanin200 ==")
    a = amlsim()
    if a:
        print(json.dumps(a, indent=1))
        lines += ["## Real AMLSim sample 20K_fanin200 (node labels)",
                  f"{a['accounts']:,} accounts, {a['fraud']} labelled fraud; chance ROC-AUC 0.5, "
                  f"chance recall in top 1,000 = {1000 / a['accounts']:.2f}. One time step is "
                  "read as one day (AMLSim's own converter maps step n to base date + n days).",
                  "", "| score | ROC-AUC | fraud recall in top 1,000 | held-out half: ROC-AUC "
                  "| held-out half: recall in top 500 | tuning half: ROC-AUC / top 500 |",
                  "|---|---|---|---|---|---|"]
        for comp in ("risk", "alerts", "anomaly"):
            lines.append(f"| {comp} | {a[f'roc_auc_{comp}']:.3f} | "
                         f"{a[f'recall_top1000_{comp}']:.3f} | "
                         f"{a[f'roc_auc_{comp}_heldout']:.3f} | "
                         f"{a[f'recall_top500_{comp}_heldout']:.3f} | "
                         f"{a[f'roc_auc_{comp}_tune']:.3f} / "
                         f"{a[f'recall_top500_{comp}_tune']:.3f} |")
        lines += ["", "Halves by node id, fixed before the split-fan work: even ids were looked "
                  "at while designing it, odd ids were held out. `risk` is the account risk "
                  "(noisy-or of its strongest alert and its anomaly score), `alerts` and "
                  "`anomaly` its components.",
                  f"fan-in alerts: {a['fan_in_alerts']}, of which {a['fan_in_on_fraud']} centre "
                  "on a labelled fraud account (the sample has 200 fan-in patterns; about 43 "
                  "show a single payer within the 150 steps and cannot look like a fan).", "",
                  f"Alerts per typology: {a['typology_counts']}. Learnt money scale "
                  f"{a['amount_scale']:g}; notes: " + " ".join(a["notes"]), "",
                  f"Analysis wall time {a['wall_s']:.1f} s.", ""]

    if not args.skip_scale:
        print(f"== scale: {n_scale:,} transactions ==")
        s = scale(work, n_scale)
        print(json.dumps(s, indent=1))
        lines += [f"## {s['transactions']:,} transactions through every detector",
                  f"CSV {s['file_mb']:.0f} MB (AMLworld layout), child process, 2 threads max.",
                  "", "| figure | measured | target |", "|---|---|---|",
                  f"| wall time (read + all detectors + scoring) | {s['wall_s']:.1f} s | ≤ 60 s |",
                  f"| CPU time of that process (user + sys, whole run incl. imports) | "
                  f"{s['cpu_s']:.1f} s | — |",
                  f"| peak RSS | {s['peak_rss_mb']:.0f} MB | ≤ 4,096 MB |",
                  f"| alerts | {s['alerts']} | — |", "",
                  "Wall time is inflated by other engineers' jobs on the same 2 CPUs (load "
                  "average above); CPU time is what the analysis itself consumed.", "",
                  "Stage timings (wall s): " + ", ".join(f"{k} {v:.1f}" for k, v in
                                                  s["timings"].items()), ""]

    print("== streaming latency (Redis) ==")
    lines += ["## Streaming (finance.aml_stream on a real Redis stream)",
              "Latency = from reading the entry to the alert being stored as a record.", "",
              "| producer rate | transactions | alerts | p50 | p95 | max | target p95 | "
              "pattern recall | alert precision |",
              "|---|---|---|---|---|---|---|---|---|"]
    missed_lines = []
    for rate, factor in ((200.0, 1.0), (1000.0, 1.0), (1000.0, 100.0)):
        st = streaming(rate, 20_000 if not args.quick else 5_000, factor)
        if st is None:
            lines.append("| skipped: Redis unreachable | | | | | | |")
            break
        print(json.dumps(st, indent=1))
        label = f"{rate:.0f}/s" + (f", amounts x{factor:g}" if factor != 1 else "")
        lines.append(f"| {label} | {st['transactions']:,} | {st['alerts']} | "
                     f"{st['p50_ms']:.1f} ms | {st['p95_ms']:.1f} ms | {st['max_ms']:.1f} ms | "
                     f"≤ 500 ms | {st['pattern_recall']:.2f} | {st['alert_precision']:.2f} |")
        missed_lines.append(f"{label}: learnt scale {st['amount_scale']:g}, missed "
                            + (", ".join(f"{t} {m}" for t, m in st["missed"].items()) or "none"))
    lines += ["", "Streaming recall counts a pattern found when an alert of its typology "
              "contains one of its transactions; fan, gather-scatter and bipartite stay silent "
              "during the first 7 days of stream time (warm-up), and the amount rules during "
              "the first 200 transactions (while the money scale is learnt), so patterns "
              "there are missed by design. Precision is lower than the batch path's: the "
              "stream judges a payroll's first pay day without the months that follow (the "
              "batch path sees the same employees paid again and calls it business).", "",
              *[f"- {m}" for m in missed_lines], ""]
    print("== AMLSim through a Redis stream ==")
    sim = amlsim_stream(2_000.0)
    if sim:
        print(json.dumps(sim, indent=1))
        typ = ", ".join(f"{t} {v[1]}/{v[0] + v[1]}" for t, v in sorted(sim["by_typology"].items()))
        lines += ["## AMLSim 20K_fanin200 through finance.aml_stream (real Redis stream)",
                  f"{sim['transactions']:,} transactions produced at {sim['rate_per_s']:,.0f}/s; "
                  f"latency from reading the entry to the alert stored: p50 "
                  f"{sim['p50_ms']:.1f} ms, p95 {sim['p95_ms']:.1f} ms, max {sim['max_ms']:.1f} ms "
                  f"(wall {sim['wall_s']:.0f} s).", "",
                  f"Split fan-in alerts: {sim['split_fan_in']}, of which "
                  f"{sim['split_fan_in_on_fraud']} centre on a labelled fraud account (the batch "
                  "path: see the fan-in figure above). Alerts centred on a fraud account / all, "
                  f"per typology: {typ}.", "",
                  "Notes the stream reported: " + " ".join(sim["notes"]), ""]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
