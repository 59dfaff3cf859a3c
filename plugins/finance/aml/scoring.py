"""Merging overlapping hits into alerts and turning alerts + anomaly into account risk.

Hits that share a transaction describe the same money, so they become one alert whose
score combines the components noisy-or style (independent evidence adds up, never past
1) and whose explanation keeps every component's plain-words reason.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from plugins.finance.aml.base import TYPOLOGY_WEIGHT, Cols, RawAlert
from plugins.finance.aml.models import AccountRisk, Alert, AlertComponent
from plugins.finance.aml.readers import iso

MAX_EVIDENCE_EDGES = 300


def merge_hits(hits: list[RawAlert]) -> list[list[RawAlert]]:
    """Groups of hits connected through shared transactions (connected components)."""
    if not hits:
        return []
    alert_idx = np.concatenate([np.full(len(h.positions), i) for i, h in enumerate(hits)])
    txn = np.concatenate([h.positions for h in hits])
    txn_node, _ = pd.factorize(txn)
    n_hits = len(hits)
    n = n_hits + int(txn_node.max()) + 1
    graph = coo_matrix((np.ones(len(txn)), (alert_idx, n_hits + txn_node)), shape=(n, n))
    _, comp = connected_components(graph, directed=False)
    groups: dict[int, list[RawAlert]] = {}
    for i, h in enumerate(hits):
        groups.setdefault(int(comp[i]), []).append(h)
    return list(groups.values())


def build_alert(c: Cols, group: list[RawAlert]) -> Alert:
    """One merged alert with score, components, time span, total and evidence subgraph."""
    best: dict[str, RawAlert] = {}
    for h in group:
        if h.typology not in best or h.score > best[h.typology].score:
            best[h.typology] = h
    comps = sorted(best.values(), key=lambda h: (-h.score, -TYPOLOGY_WEIGHT[h.typology]))
    score = 1.0 - float(np.prod([1.0 - h.score for h in comps]))
    pos = np.unique(np.concatenate([h.positions for h in group]))
    txn_ids = c.txn_id[pos]
    accounts = list(dict.fromkeys(
        [c.name(a) for h in comps for a in h.focus]
        + [c.name(int(a)) for a in np.r_[c.src[pos], c.dst[pos]]]))
    focus = {c.name(a) for h in comps for a in h.focus}
    ev = pos[:MAX_EVIDENCE_EDGES]
    evidence = evidence_graph(
        [{"transaction": str(txn_ids[i]), "source": c.name(int(c.src[p])),
          "target": c.name(int(c.dst[p])), "amount": round(float(c.amount[p]), 2),
          "timestamp": iso(c.ts[p])} for i, p in enumerate(ev)],
        focus, truncated=bool(len(pos) > MAX_EVIDENCE_EDGES))
    digest = hashlib.sha1(",".join(sorted(map(str, txn_ids))).encode()).hexdigest()[:12]
    explanation = " ".join(
        [f"{h.typology.replace('_', ' ')} ({h.score:.2f}): {h.detail}" for h in comps])
    return Alert(
        id=f"AML-{digest}", typology=comps[0].typology, typologies=[h.typology for h in comps],
        accounts=accounts, focus_accounts=sorted(focus), transactions=[str(t) for t in txn_ids], score=round(min(score, 0.99),
                                                                                4),
        explanation=explanation,
        components=[AlertComponent(typology=h.typology, score=h.score, detail=h.detail)
                    for h in comps],
        start_time=iso(c.ts[pos].min()), end_time=iso(c.ts[pos].max()),
        total_amount=round(float(c.amount[pos].sum()), 2), currency=c.currency,
        evidence=evidence)


def evidence_graph(edges: list[dict], focus: set[str], truncated: bool) -> dict:
    """The evidence subgraph the UI draws: the transfers and the accounts they join
    (batch and stream alerts alike, so a case and its SAR read the same facts)."""
    accounts = dict.fromkeys(a for e in edges for a in (e["source"], e["target"]))
    return {"nodes": [{"account": a, "role": "focus" if a in focus else "counterparty"}
                      for a in accounts],
            "edges": edges, "truncated": truncated}


def account_risk(c: Cols, alerts: list[Alert], anomaly: np.ndarray, reasons: list[str],
                 anomaly_weight: float, supervised: np.ndarray | None) -> list[AccountRisk]:
    """Risk per account: its strongest alert, its anomaly score and the supervised score.

    Accounts an alert centres on carry the alert's full score; counterparties carry 60%,
    since a merchant paid by a mule is not itself suspicious.
    """
    code = {str(a): i for i, a in enumerate(c.tx.accounts)}
    alert_part = np.zeros(c.n_accounts)
    alert_ids: dict[int, list[str]] = {}
    for al in alerts:
        focus = set(al.focus_accounts)
        for name in al.accounts:
            i = code[name]
            share = 1.0 if name in focus else 0.6
            alert_part[i] = max(alert_part[i], al.score * share)
            alert_ids.setdefault(i, []).append(al.id)
    anom = anomaly * anomaly_weight
    sup = supervised if supervised is not None else np.zeros(c.n_accounts)
    risk = 1.0 - (1.0 - alert_part) * (1.0 - anom) * (1.0 - sup)
    out = []
    for i in np.flatnonzero(np.round(risk, 4) > 0):
        comps = {"alerts": round(float(alert_part[i]), 4), "anomaly": round(float(anom[i]), 4)}
        words = []
        if alert_part[i] > 0:
            words.append(f"in {len(alert_ids[i])} alert(s), strongest {alert_part[i]:.2f}")
        if anom[i] > 0:
            words.append(f"unusual profile ({reasons[i]}), anomaly {anom[i]:.2f}")
        if supervised is not None:
            comps["supervised"] = round(float(sup[i]), 4)
            if sup[i] > 0.5:
                words.append(f"model trained on labels gives {sup[i]:.2f}")
        out.append(AccountRisk(account=c.name(int(i)), risk_score=round(float(risk[i]), 4),
                               components=comps, alert_ids=alert_ids.get(int(i), [])[:20],
                               explanation="; ".join(words)))
    out.sort(key=lambda a: -a.risk_score)
    return out

