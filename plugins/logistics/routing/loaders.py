"""Read orders, fleet and depots from JSON or CSV into a validated :class:`Problem`.

Every mistake a dispatcher can make in a file (missing coordinates, duplicate ids, a
window that ends before it starts, a vehicle naming an unknown depot) becomes a
``UserError`` that names the file and the record, never a traceback.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from core.errors import UserError
from plugins.logistics.routing.problem import (
    Depot,
    Order,
    Point,
    Problem,
    SpeedPeriod,
    TravelSettings,
    Vehicle,
    parse_clock_s,
)


def load_problem(paths: list[Path]) -> Problem:
    """Merge one JSON document and/or CSV tables (orders, fleet, depots) into a Problem."""
    doc: dict[str, Any] = {"orders": [], "vehicles": [], "depots": []}
    source = ", ".join(str(p) for p in paths)
    for path in paths:
        if path.suffix.lower() == ".json":
            part = _read_json(path)
            for key in ("orders", "vehicles", "depots"):
                doc[key].extend(part.pop(key, None) or [])
            if "fleet" in part:
                fleet = part.pop("fleet")
                doc["vehicles"].extend(fleet.get("vehicles", []) if isinstance(fleet, dict)
                                       else fleet)
            doc.update(part)
        elif path.suffix.lower() == ".csv":
            kind, rows = _read_csv(path)
            doc[kind].extend(rows)
        else:
            raise UserError(f"{path}: expected orders/fleet as .json or .csv")
    return problem_from_dict(doc, source)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UserError(f"{path}: not valid JSON ({exc})") from exc
    if isinstance(data, list):
        data = {"orders": data}
    if not isinstance(data, dict):
        raise UserError(f"{path}: expected an object with 'orders', 'vehicles' and 'depots'")
    return data


def _read_csv(path: Path) -> tuple[str, list[dict[str, Any]]]:
    """Rows of a CSV table and which table it is, told apart by its columns."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            rows = [{k.strip().lower(): (v.strip() if isinstance(v, str) else v)
                     for k, v in row.items() if k} for row in csv.DictReader(fh)]
    except (UnicodeDecodeError, csv.Error) as exc:
        raise UserError(f"{path}: not a readable CSV file ({exc})") from exc
    if not rows:
        raise UserError(f"{path}: the CSV has no rows")
    cols = set(rows[0])
    rows = [{k: v for k, v in row.items() if v not in ("", None)} for row in rows]
    if "capacity" in cols:
        kind = "vehicles"
    elif cols & {"demand", "tw_start", "time_windows", "service_min", "window_start"} or \
            any(c.startswith("demand_") for c in cols):
        kind = "orders"
    elif "id" in cols:
        kind = "depots"
    else:
        raise UserError(f"{path}: cannot tell whether this CSV lists orders (needs 'demand' or "
                        "'tw_start'), vehicles (needs 'capacity') or depots (needs 'id')")
    for row in rows:
        _csv_row_fixups(row)
    return kind, rows


def _csv_row_fixups(row: dict[str, Any]) -> None:
    """CSV cells are strings: split multi-valued cells into the JSON shapes."""
    dims = sorted(k for k in row if k.startswith("demand_"))
    if dims:
        row["demand"] = [row.pop(k) for k in dims]
    elif isinstance(row.get("demand"), str) and ";" in row["demand"]:
        row["demand"] = row["demand"].split(";")
    cap_dims = sorted(k for k in row if k.startswith("capacity_"))
    if cap_dims:
        row["capacity"] = [row.pop(k) for k in cap_dims]
    elif isinstance(row.get("capacity"), str) and ";" in row["capacity"]:
        row["capacity"] = row["capacity"].split(";")
    if isinstance(row.get("time_windows"), str):
        row["time_windows"] = [w.split("-") for w in row["time_windows"].split(";") if w]
    if isinstance(row.get("required"), str):
        row["required"] = row["required"].lower() in ("1", "true", "yes", "y")


# ---- dict -> Problem ------------------------------------------------------------------------
def problem_from_dict(doc: dict[str, Any], source: str = "") -> Problem:
    """Validate a JSON-shaped document (as in the sample file) into a Problem."""
    where = source or "input"
    depots = [_depot(d, where, i) for i, d in enumerate(doc.get("depots") or [])]
    orders = [_order(o, where, i) for i, o in enumerate(doc.get("orders") or [])]
    vehicles: list[Vehicle] = []
    for i, v in enumerate(doc.get("vehicles") or []):
        vehicles.extend(_vehicles(v, where, i))
    travel = _travel(doc.get("travel") or {}, where)
    if not depots:
        raise UserError(f"{where}: no depots; add a 'depots' list with id and coordinates")
    if not vehicles:
        raise UserError(f"{where}: no vehicles; add a 'vehicles' list (id, capacity, start_depot)")
    if not orders:
        raise UserError(f"{where}: no orders to plan")
    _unique(where, "depot", [d.id for d in depots])
    _unique(where, "order", [o.id for o in orders])
    _unique(where, "vehicle", [v.id for v in vehicles])
    overlap = {d.id for d in depots} & {o.id for o in orders}
    if overlap:
        raise UserError(f"{where}: ids used by both a depot and an order: {sorted(overlap)[:5]}")
    depot_ids = {d.id for d in depots}
    for v in vehicles:
        for which in (v.start_depot, v.end_depot):
            if which not in depot_ids:
                raise UserError(f"{where}: vehicle {v.id!r} names unknown depot {which!r}; "
                                f"known depots: {sorted(depot_ids)}")
    kinds = {p.geographic for p in [d.point for d in depots] + [o.point for o in orders]}
    if len(kinds) > 1:
        raise UserError(f"{where}: mixes lat/lon and x/y coordinates; use one kind throughout")
    dims = {len(o.demand) for o in orders} | {len(v.capacity) for v in vehicles}
    if len(dims) > 1:
        width = max(dims)
        for o in orders:
            if len(o.demand) == 1 and width > 1 and o.demand == [0]:
                o.demand = [0] * width
        bad = [o.id for o in orders if len(o.demand) != width] + \
              [v.id for v in vehicles if len(v.capacity) != width]
        if bad:
            raise UserError(f"{where}: demand/capacity dimensions differ (expected {width} "
                            f"values everywhere); check {bad[:5]}")
    return Problem(depots=depots, orders=orders, vehicles=vehicles, travel=travel,
                   source=where, name=str(doc.get("name") or ""))


def _unique(where: str, what: str, ids: list[str]) -> None:
    seen: set[str] = set()
    dupes = sorted({i for i in ids if i in seen or seen.add(i)})  # type: ignore[func-returns-value]
    if dupes:
        raise UserError(f"{where}: duplicate {what} id(s): {', '.join(dupes[:5])}")


def _ident(rec: Any, where: str, what: str, index: int) -> str:
    if not isinstance(rec, dict):
        raise UserError(f"{where}: {what} #{index + 1} is not an object")
    ident = rec.get("id")
    if ident in (None, ""):
        raise UserError(f"{where}: {what} #{index + 1} has no 'id'")
    return str(ident)


def _point(rec: dict[str, Any], where: str, label: str) -> Point:
    try:
        if rec.get("lat") is not None and rec.get("lon") is not None:
            lat, lon = float(rec["lat"]), float(rec["lon"])
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise UserError(f"{where}: {label} has lat/lon out of range ({lat}, {lon})")
            return Point(lat, lon, geographic=True)
        if rec.get("x") is not None and rec.get("y") is not None:
            return Point(float(rec["x"]), float(rec["y"]), geographic=False)
    except (TypeError, ValueError) as exc:
        raise UserError(f"{where}: {label} has non-numeric coordinates ({exc})") from exc
    raise UserError(f"{where}: {label} is missing coordinates (give lat and lon, or x and y)")


def _ints(value: Any, where: str, label: str, field_name: str) -> list[int]:
    values = value if isinstance(value, list | tuple) else [value]
    try:
        out = [int(round(float(v))) for v in values]
    except (TypeError, ValueError) as exc:
        raise UserError(f"{where}: {label} has a non-numeric {field_name} {value!r}") from exc
    if any(v < 0 for v in out):
        raise UserError(f"{where}: {label} has a negative {field_name} {value!r}")
    return out


def _clock(value: Any, where: str, label: str, field_name: str) -> int:
    try:
        return parse_clock_s(value, field_name)
    except ValueError as exc:
        raise UserError(f"{where}: {label}: {exc}") from exc


def _depot(rec: Any, where: str, index: int) -> Depot:
    ident = _ident(rec, where, "depot", index)
    label = f"depot {ident!r}"
    depot = Depot(id=ident, point=_point(rec, where, label))
    if rec.get("open") is not None:
        depot.open_s = _clock(rec["open"], where, label, "open")
    if rec.get("close") is not None:
        depot.close_s = _clock(rec["close"], where, label, "close")
    if depot.close_s < depot.open_s:
        raise UserError(f"{where}: {label} closes ({rec.get('close')}) before it opens "
                        f"({rec.get('open')})")
    return depot


def _windows(rec: dict[str, Any], where: str, label: str) -> list[tuple[int, int]]:
    raw: list[Any] = []
    if rec.get("time_windows") is not None:
        raw = list(rec["time_windows"])
    elif rec.get("windows") is not None:
        raw = list(rec["windows"])
    elif rec.get("window") is not None:
        raw = [rec["window"]]
    elif rec.get("tw_start") is not None or rec.get("tw_end") is not None:
        raw = [[rec.get("tw_start", 0), rec.get("tw_end", 47 * 60 + 59)]]
    windows = []
    for w in raw:
        if isinstance(w, dict):
            w = [w.get("start"), w.get("end")]
        if not isinstance(w, list | tuple) or len(w) != 2:
            raise UserError(f"{where}: {label} has a time window {w!r}; use [start, end]")
        start = _clock(w[0], where, label, "time window start")
        end = _clock(w[1], where, label, "time window end")
        if end < start:
            raise UserError(f"{where}: {label} has a time window that ends ({w[1]}) before it "
                            f"starts ({w[0]})")
        windows.append((start, end))
    return sorted(windows) or [(0, 48 * 3600)]


def _order(rec: Any, where: str, index: int) -> Order:
    ident = _ident(rec, where, "order", index)
    label = f"order {ident!r}"
    point = _point(rec, where, label)
    demand = _ints(rec.get("demand", 0), where, label, "demand")
    service_s = 0
    if rec.get("service_min") is not None:
        service_s = int(round(float(rec["service_min"]) * 60))
    elif rec.get("service_s") is not None:
        service_s = int(round(float(rec["service_s"])))
    penalty = rec.get("penalty")
    required = rec.get("required")
    try:
        priority = int(rec.get("priority", 1))
        penalty = None if penalty in (None, "") else float(penalty)
    except (TypeError, ValueError) as exc:
        raise UserError(f"{where}: {label} has a non-numeric priority or penalty") from exc
    if priority < 1:
        raise UserError(f"{where}: {label} has priority {priority}; use 1 (normal) or higher")
    if required is None:
        required = penalty is None
    return Order(id=ident, point=point, demand=demand, windows_s=_windows(rec, where, label),
                 service_s=service_s, priority=priority, penalty=penalty,
                 required=bool(required))


def _vehicles(rec: Any, where: str, index: int) -> list[Vehicle]:
    ident = _ident(rec, where, "vehicle", index)
    label = f"vehicle {ident!r}"
    if rec.get("capacity") is None:
        raise UserError(f"{where}: {label} has no 'capacity'")
    start = rec.get("start_depot", rec.get("depot"))
    if start in (None, ""):
        raise UserError(f"{where}: {label} has no 'start_depot'")
    max_dur = rec.get("max_duration_min", rec.get("max_duration_h"))
    max_duration_s = None
    if max_dur is not None:
        per = 3600 if "max_duration_h" in rec and "max_duration_min" not in rec else 60
        max_duration_s = int(round(float(max_dur) * per))
    try:
        base = Vehicle(
            id=ident, capacity=_ints(rec["capacity"], where, label, "capacity"),
            start_depot=str(start), end_depot=str(rec.get("end_depot") or start),
            cost_per_km=float(rec.get("cost_per_km", 1.0)),
            cost_per_hour=float(rec.get("cost_per_hour", 0.0)),
            fixed_cost=float(rec.get("fixed_cost", 0.0)), max_duration_s=max_duration_s)
    except (TypeError, ValueError) as exc:
        raise UserError(f"{where}: {label} has a non-numeric cost ({exc})") from exc
    if rec.get("shift_start") is not None:
        base.shift_start_s = _clock(rec["shift_start"], where, label, "shift_start")
    if rec.get("shift_end") is not None:
        base.shift_end_s = _clock(rec["shift_end"], where, label, "shift_end")
    if base.shift_end_s < base.shift_start_s:
        raise UserError(f"{where}: {label} has a shift that ends ({rec.get('shift_end')}) before "
                        f"it starts ({rec.get('shift_start')})")
    count = int(rec.get("count", 1))
    if count == 1:
        return [base]
    return [Vehicle(**{**base.__dict__, "id": f"{ident}-{k + 1}"}) for k in range(count)]


def _travel(rec: dict[str, Any], where: str) -> TravelSettings:
    settings = TravelSettings()
    for key in ("mode", "osrm_url"):
        if rec.get(key) is not None:
            setattr(settings, key, str(rec[key]))
    for key in ("road_factor", "speed_kmh", "coordinate_unit_m"):
        if rec.get(key) is not None:
            setattr(settings, key, float(rec[key]))
    if rec.get("matrix") is not None:
        settings.matrix = rec["matrix"]
        if settings.mode == "auto":
            settings.mode = "matrix"
    if settings.osrm_url and settings.mode == "auto":
        settings.mode = "osrm"
    if rec.get("speed_profile") is not None:
        periods = []
        for p in rec["speed_profile"]:
            start = _clock(p.get("from"), where, "travel.speed_profile", "from")
            end = _clock(p.get("to"), where, "travel.speed_profile", "to")
            factor = float(p.get("factor", 1.0))
            if end <= start or factor <= 0:
                raise UserError(f"{where}: travel.speed_profile period {p} needs from < to "
                                "and a positive factor")
            periods.append(SpeedPeriod(start, end, factor))
        settings.speed_profile = periods
    if settings.mode not in ("auto", "haversine", "euclidean", "matrix", "osrm"):
        raise UserError(f"{where}: travel.mode {settings.mode!r} is not one of auto, haversine, "
                        "euclidean, matrix, osrm")
    return settings


# ---- Problem -> dict (for sessions and the simulator) -----------------------------------------
def problem_to_dict(problem: Problem) -> dict[str, Any]:
    """The JSON document ``problem_from_dict`` reads back to the same Problem."""
    def clock(s: int) -> str:
        hhmm = f"{s // 3600:02d}:{s % 3600 // 60:02d}"
        return f"{hhmm}:{s % 60:02d}" if s % 60 else hhmm

    travel = problem.travel
    doc_travel: dict[str, Any] = {"mode": travel.mode, "road_factor": travel.road_factor,
                                  "speed_kmh": travel.speed_kmh,
                                  "coordinate_unit_m": travel.coordinate_unit_m}
    if travel.osrm_url:
        doc_travel["osrm_url"] = travel.osrm_url
    if travel.matrix is not None:
        doc_travel["matrix"] = travel.matrix
    if travel.speed_profile is not None:
        doc_travel["speed_profile"] = [{"from": clock(p.start_s), "to": clock(p.end_s),
                                        "factor": p.factor} for p in travel.speed_profile]
    return {
        "name": problem.name,
        "depots": [{"id": d.id, **d.point.as_dict(), "open": clock(d.open_s),
                    "close": clock(d.close_s)} for d in problem.depots],
        "orders": [{"id": o.id, **o.point.as_dict(), "demand": o.demand,
                    "time_windows": [[clock(a), clock(b)] for a, b in o.windows_s],
                    "service_s": o.service_s, "priority": o.priority, "penalty": o.penalty,
                    "required": o.required} for o in problem.orders],
        "vehicles": [{"id": v.id, "capacity": v.capacity, "start_depot": v.start_depot,
                      "end_depot": v.end_depot, "shift_start": clock(v.shift_start_s),
                      "shift_end": clock(v.shift_end_s), "cost_per_km": v.cost_per_km,
                      "cost_per_hour": v.cost_per_hour, "fixed_cost": v.fixed_cost,
                      **({"max_duration_min": v.max_duration_s / 60}
                         if v.max_duration_s is not None else {})}
                     for v in problem.vehicles],
        "travel": doc_travel,
    }
