"""Pure builders for the dispatch board: the route map, the vehicles table, KPIs, the last diff.

Kept apart from the Streamlit script so they can be tested without a browser. The map
is drawn on the stops' own coordinates with plotly; no tile server is contacted unless
the site configures one (``[logistics] tile_url`` in enclave.toml).
"""

from __future__ import annotations

import math
from typing import Any

import plotly.graph_objects as go

PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf",
           "#bcbd22", "#7f7f7f", "#d62728"]


def route_map(plan: dict[str, Any], *, diff: dict[str, Any] | None = None,
              fixed: dict[str, list[str]] | None = None, orders: list[dict] | None = None,
              tile_url: str | None = None, height: int = 560) -> go.Figure:
    """Routes as coloured polylines; moved stops ringed in red; done stops in grey."""
    moved = {m["order"] for m in (diff or {}).get("moved", []) if m.get("to_vehicle")}
    eta = {e["order"]: e["delta_min"] for e in (diff or {}).get("eta_changes", [])}
    coords = {str(o["id"]): _xy(o) for o in orders or []}
    geographic = any("lat" in o for o in orders or []) or any(
        "lat" in d for d in plan.get("depots", []))
    fig = go.Figure()
    use_tiles = bool(tile_url) and geographic

    def add(xs, ys, **kw):
        if use_tiles:
            fig.add_trace(go.Scattermap(lat=xs, lon=ys, **kw))
        elif geographic:  # lon on x, lat on y
            fig.add_trace(go.Scatter(x=ys, y=xs, **kw))
        else:
            fig.add_trace(go.Scatter(x=xs, y=ys, **kw))

    for k, route in enumerate(plan.get("routes", [])):
        colour = PALETTE[k % len(PALETTE)]
        path = route.get("path") or []
        labels = ["start"] + [f"{s['order']} · ETA {s.get('arrival') or s['arrival_s']}"
                              + (f" ({eta[str(s['order'])]:+.0f} min)"
                                 if str(s["order"]) in eta else "")
                              for s in route.get("details", [])] + ["end"]
        add([p[0] for p in path], [p[1] for p in path], mode="lines+markers",
            name=f"{route['vehicle']} ({len(route['stops'])})", text=labels[:len(path)],
            hoverinfo="text+name", line={"color": colour, "width": 2},
            marker={"size": 7, "color": colour})
    done = [o for stops in (fixed or {}).values() for o in stops if o in coords]
    if done:
        add([coords[o][0] for o in done], [coords[o][1] for o in done], mode="markers",
            name="done", text=done, hoverinfo="text",
            marker={"size": 8, "color": "#bbbbbb"})
    hot = [str(s["order"]) for r in plan.get("routes", []) for s in r.get("details", [])
           if str(s["order"]) in moved]
    hot_xy = {str(s["order"]): (p[0], p[1]) for r in plan.get("routes", [])
              for s, p in zip(r.get("details", []), (r.get("path") or [])[1:], strict=False)}
    if hot:
        add([hot_xy[o][0] for o in hot], [hot_xy[o][1] for o in hot], mode="markers",
            name="changed in last re-plan", text=hot, hoverinfo="text",
            marker={"size": 16, "color": "rgba(0,0,0,0)",
                    "line": {"color": "#d62728", "width": 3}} if not use_tiles else
            {"size": 16, "color": "#d62728", "opacity": 0.5})
    depots = plan.get("depots", [])
    if depots:
        add([_xy(d)[0] for d in depots], [_xy(d)[1] for d in depots], mode="markers",
            name="depot", text=[d["id"] for d in depots], hoverinfo="text",
            marker={"size": 14, "color": "black", "symbol": "square" if not use_tiles
                    else "circle"})
    fig.update_layout(height=height, margin={"l": 10, "r": 10, "t": 10, "b": 10},
                      legend={"orientation": "h"})
    if use_tiles:
        lat, lon = _centre(plan)
        fig.update_layout(map={"style": "white-bg", "center": {"lat": lat, "lon": lon},
                               "zoom": 10, "layers": [{"below": "traces", "sourcetype": "raster",
                                                       "source": [tile_url]}]})
    else:
        # a degree of longitude is cos(latitude) shorter than a degree of latitude
        ratio = 1.0 / max(0.2, math.cos(math.radians(_centre(plan)[0]))) if geographic else 1.0
        fig.update_yaxes(scaleanchor="x", scaleratio=ratio)
    return fig


def _xy(rec: dict[str, Any]) -> tuple[float, float]:
    return (rec["lat"], rec["lon"]) if "lat" in rec else (rec["x"], rec["y"])


def _centre(plan: dict[str, Any]) -> tuple[float, float]:
    pts = [p for r in plan.get("routes", []) for p in r.get("path", [])]
    if not pts:
        d = (plan.get("depots") or [{"lat": 0, "lon": 0}])[0]
        return d.get("lat", 0.0), d.get("lon", 0.0)
    return sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts)


def vehicles_table(plan: dict[str, Any], fixed: dict[str, list[str]] | None = None,
                   unavailable: list[str] | None = None,
                   vehicles: list[dict] | None = None) -> list[dict[str, Any]]:
    """One row per vehicle: status, next stop and ETA, return ETA, load, utilisation."""
    routes = {r["vehicle"]: r for r in plan.get("routes", [])}
    ids = [v["id"] for v in vehicles] if vehicles else list(routes)
    rows = []
    for vid in ids:
        route = routes.get(vid)
        details = (route or {}).get("details", [])
        status = "out of service" if vid in (unavailable or []) else (
            "on route" if route else "idle")
        rows.append({
            "vehicle": vid, "status": status, "done": len((fixed or {}).get(vid, [])),
            "to do": len(details),
            "next stop": str(details[0]["order"]) if details else "",
            "next ETA": details[0].get("arrival") if details else "",
            "back at depot": (route or {}).get("end") or "",
            "load": " / ".join(map(str, (route or {}).get("load", []))),
            "utilisation %": round(100 * (route or {}).get("utilisation", 0.0)),
            "km": (route or {}).get("distance", 0.0),
            "late min": (route or {}).get("lateness", 0.0),
        })
    return rows


def diff_rows(diff: dict[str, Any] | None) -> tuple[list[dict], list[dict]]:
    """(moved stops, ETA changes) of the last re-plan, biggest ETA shifts first."""
    if not diff:
        return [], []
    moved = [{"order": m["order"], "from": m.get("from_vehicle") or "—",
              "to": m.get("to_vehicle") or "unassigned", "why": m["why"]}
             for m in diff.get("moved", [])]
    etas = sorted(({"order": e["order"], "vehicle": e["vehicle"], "was": e["old_eta"],
                    "now": e["new_eta"], "Δ min": e["delta_min"], "why": e["why"]}
                   for e in diff.get("eta_changes", [])), key=lambda r: -abs(r["Δ min"]))
    return moved, etas
