"""Travel times from an OSRM server: a small stand-in implementing /table on loopback."""

from __future__ import annotations

import json
import math
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from core.runner import run_task
from tests.logistics.conftest import write_json

SPEED_MS = 10.0  # the stand-in "road network": straight lines x 1.5 at 36 km/h


class _Table(BaseHTTPRequestHandler):
    """Answers /table/v1/driving/lon,lat;... like OSRM (sources/destinations, null = no route)."""

    calls: list[str] = []
    unreachable: set[int] = set()

    def do_GET(self):  # noqa: N802 - http.server API
        url = urlsplit(self.path)
        self.calls.append(url.path)
        if not url.path.startswith("/table/v1/driving/"):
            self.send_error(404)
            return
        coords = [tuple(map(float, c.split(","))) for c in url.path.rsplit("/", 1)[1].split(";")]
        q = parse_qs(url.query)
        src = [int(i) for i in q.get("sources", [""])[0].split(";")] if "sources" in q else \
            list(range(len(coords)))
        dst = [int(i) for i in q.get("destinations", [""])[0].split(";")] if "destinations" in q \
            else list(range(len(coords)))

        def metres(a, b):
            (lon1, lat1), (lon2, lat2) = coords[a], coords[b]
            dx = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
            return 1.5 * 6_371_000 * math.hypot(dx, math.radians(lat2 - lat1))

        def cell(a, b, scale):
            if a != b and (a in self.unreachable or b in self.unreachable):
                return None
            return metres(a, b) / scale

        body = {"code": "Ok",
                "durations": [[cell(a, b, SPEED_MS) for b in dst] for a in src],
                "distances": [[cell(a, b, 1.0) for b in dst] for a in src]}
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):  # keep test output quiet
        pass


@pytest.fixture
def osrm_url():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Table)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Table.calls = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_osrm_table_drives_the_plan(enclave_home, logistics_host, tmp_path, osrm_url):
    doc = {"depots": [{"id": "HUB", "lat": 48.85, "lon": 2.35}],
           "vehicles": [{"id": "V1", "capacity": 20, "start_depot": "HUB"}],
           "orders": [{"id": f"P{k}", "lat": 48.85 + 0.01 * k, "lon": 2.35 + 0.01 * k,
                       "demand": 1} for k in range(1, 6)]
           + [{"id": "CUT-OFF", "lat": 48.80, "lon": 2.30, "demand": 1}]}
    _Table.unreachable = {6}  # matrix index of CUT-OFF (depot first, then the orders)
    path = write_json(tmp_path / "paris.json", doc)
    job, payload = run_task("logistics.routes", [path], {"time_limit": 0.5, "osrm_url": osrm_url})
    assert job.status == "succeeded", job.error
    assert _Table.calls and all(c.startswith("/table/v1/driving/") for c in _Table.calls)
    assert {u["order"]: u["reason"] for u in payload["unassigned"]} == {"CUT-OFF": "unreachable"}
    route = payload["routes"][0]
    assert sorted(route["stops"]) == [f"P{k}" for k in range(1, 6)]
    # OSRM distances are 1.5 x straight line; the route must be at least 2 x the farthest stop
    assert route["distance"] > 2 * 1.5 * 0.01 * 5 * 111 * 0.8
    # durations are distance / 10 m/s: 1 km per 100 s (flat profile: no default rush hours)
    first = route["details"][0]
    assert first["arrival_s"] - route["start_s"] > 0


def test_osrm_down_is_a_clear_failure(enclave_home, logistics_host, tmp_path):
    doc = {"depots": [{"id": "HUB", "lat": 48.85, "lon": 2.35}],
           "vehicles": [{"id": "V1", "capacity": 20, "start_depot": "HUB"}],
           "orders": [{"id": "P1", "lat": 48.86, "lon": 2.36, "demand": 1}],
           "travel": {"mode": "osrm", "osrm_url": "http://127.0.0.1:9"}}
    job, payload = run_task("logistics.routes", [write_json(tmp_path / "x.json", doc)],
                            {"time_limit": 0.5})
    assert payload is None and job.status == "failed"
    assert "OSRM server http://127.0.0.1:9 unreachable" in job.error
