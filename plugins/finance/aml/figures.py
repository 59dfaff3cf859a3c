"""Plotly figures of an alert's evidence: the money-flow subgraph and its timeline.

Kept out of the page script so they can be tested without a browser.
"""

from __future__ import annotations

from typing import Any

import networkx as nx
import plotly.graph_objects as go


def evidence_figure(alert: dict[str, Any]) -> go.Figure:
    """Interactive graph: accounts as nodes (focus accounts highlighted), transfers as arrows."""
    ev = alert.get("evidence") or {}
    edges = ev.get("edges") or []
    g = nx.MultiDiGraph()
    # an alert stored without its transfers (older stream records): its accounts alone,
    # never invented arrows between them
    g.add_nodes_from(alert.get("accounts", []) if not edges else [])
    for e in edges:
        g.add_edge(e["source"], e["target"], **e)
    pos = nx.spring_layout(g, seed=1, k=1.2 / max(1, len(g) ** 0.5))
    focus = set(alert.get("focus_accounts") or [])
    fig = go.Figure()
    for e in edges:
        (x0, y0), (x1, y1) = pos[e["source"]], pos[e["target"]]
        fig.add_annotation(x=x1, y=y1, ax=x0, ay=y0, xref="x", yref="y", axref="x", ayref="y",
                           showarrow=True, arrowhead=3, arrowsize=1.2, arrowwidth=1.5,
                           arrowcolor="#888", opacity=0.7)
    mids = go.Scatter(
        x=[(pos[e["source"]][0] + pos[e["target"]][0]) / 2 for e in edges],
        y=[(pos[e["source"]][1] + pos[e["target"]][1]) / 2 for e in edges],
        mode="markers", marker={"size": 6, "color": "#888", "opacity": 0.3},
        hovertext=[f"{e['source']} → {e['target']}<br>{e['amount']:,.2f}<br>{e['timestamp']}"
                   f"<br>txn {e['transaction']}" for e in edges],
        hoverinfo="text", showlegend=False)
    nodes = list(g.nodes)
    sent = {n: sum(d["amount"] for _, _, d in g.out_edges(n, data=True)) for n in nodes}
    got = {n: sum(d["amount"] for _, _, d in g.in_edges(n, data=True)) for n in nodes}
    node_trace = go.Scatter(
        x=[pos[n][0] for n in nodes], y=[pos[n][1] for n in nodes], mode="markers+text",
        text=[n.split(":")[-1][:10] for n in nodes], textposition="top center",
        marker={"size": [22 if n in focus else 12 for n in nodes],
                "color": ["#d62728" if n in focus else "#1f77b4" for n in nodes]},
        hovertext=[f"{n}<br>sent {sent[n]:,.2f}<br>received {got[n]:,.2f}" for n in nodes],
        hoverinfo="text", showlegend=False)
    fig.add_traces([mids, node_trace])
    fig.update_layout(height=480, margin={"l": 10, "r": 10, "t": 30, "b": 10},
                      xaxis={"visible": False}, yaxis={"visible": False},
                      title=f"{alert.get('typology', '')}: evidence subgraph")
    return fig


def timeline_figure(alert: dict[str, Any]) -> go.Figure:
    """Transfers over time (amount on the y axis), one colour per sending account."""
    edges = (alert.get("evidence") or {}).get("edges") or []
    fig = go.Figure()
    by_source: dict[str, list[dict]] = {}
    for e in edges:
        by_source.setdefault(e["source"], []).append(e)
    for src, es in by_source.items():
        fig.add_trace(go.Scatter(
            x=[e["timestamp"] for e in es], y=[e["amount"] for e in es], mode="markers",
            name=src, marker={"size": 10},
            hovertext=[f"{e['source']} → {e['target']}<br>{e['amount']:,.2f}" for e in es],
            hoverinfo="text+x"))
    fig.update_layout(height=320, margin={"l": 10, "r": 10, "t": 30, "b": 10},
                      title="timeline", yaxis_title=f"amount ({alert.get('currency', 'USD')})",
                      showlegend=len(by_source) <= 12)
    return fig
