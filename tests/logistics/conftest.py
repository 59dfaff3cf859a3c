"""Fixtures for the logistics tests: an isolated host with only the logistics plugin."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from plugins.logistics.hooks import SAMPLE_DAY


@pytest.fixture
def logistics_host(register_plugin):
    """A host with only the logistics domain loaded (other domains cannot interfere)."""
    return register_plugin(only=["logistics"])


@pytest.fixture
def sample_day() -> Path:
    """The committed demo day (30 orders, 4 vans, lat/lon, two demand dimensions)."""
    return SAMPLE_DAY


def write_json(path: Path, doc: dict) -> Path:
    """Write ``doc`` as JSON and return the path."""
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def planar_problem(**overrides) -> dict:
    """A small x/y problem (km grid, 30 km/h, flat speeds) whose answers can be reasoned about."""
    doc = {
        "name": "grid",
        "depots": [{"id": "D", "x": 0, "y": 0}],
        "vehicles": [{"id": "T1", "capacity": [10, 4], "start_depot": "D",
                      "shift_start": "08:00", "shift_end": "18:00"},
                     {"id": "T2", "capacity": [10, 4], "start_depot": "D",
                      "shift_start": "08:00", "shift_end": "18:00"}],
        "orders": [
            {"id": "A", "x": 5, "y": 0, "demand": [3, 1], "time_windows": [["08:00", "12:00"]],
             "service_min": 10},
            {"id": "B", "x": 5, "y": 5, "demand": [3, 1], "time_windows": [["09:00", "11:00"]],
             "service_min": 10},
            {"id": "C", "x": 0, "y": 5, "demand": [3, 1], "service_min": 5,
             # the morning window cannot be reached (12 km away, opens and closes at 08:05)
             "time_windows": [["08:00", "08:05"], ["13:00", "14:00"]]},
            {"id": "D1", "x": -5, "y": 0, "demand": [4, 2], "time_windows": [["10:00", "16:00"]]},
            {"id": "E", "x": -5, "y": -5, "demand": [4, 1], "penalty": 0.5},
        ],
        "travel": {"speed_kmh": 30, "speed_profile": []},
    }
    doc.update(overrides)
    return doc
