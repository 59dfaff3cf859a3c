"""Rolling-bearing geometry and the four defect frequencies it implies.

The classic kinematic formulas (no slip) give the rates at which a localised defect is
struck: outer race (BPFO), inner race (BPFI), ball spin (BSF) and cage (FTF). A small
catalogue covers common deep-groove bearings so an operator can name a part number
instead of measuring pitch diameter and ball count.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from core.errors import UserError


@dataclass(frozen=True)
class BearingGeometry:
    """Geometry of a rolling bearing (lengths in mm, contact angle in degrees)."""

    name: str
    ball_count: int
    ball_diameter_mm: float
    pitch_diameter_mm: float
    contact_angle_deg: float = 0.0

    def fault_frequencies_hz(self, shaft_hz: float) -> dict[str, float]:
        """BPFO, BPFI, BSF and FTF in Hz for a rotating inner ring at ``shaft_hz``."""
        ratio = self.ball_diameter_mm / self.pitch_diameter_mm * math.cos(
            math.radians(self.contact_angle_deg))
        n = self.ball_count
        return {
            "BPFO": n / 2 * shaft_hz * (1 - ratio),
            "BPFI": n / 2 * shaft_hz * (1 + ratio),
            # Ball spin frequency: a ball defect strikes both races, so energy shows at 2x BSF too.
            "BSF": self.pitch_diameter_mm / (2 * self.ball_diameter_mm) * shaft_hz * (1 - ratio ** 2),
            "FTF": shaft_hz / 2 * (1 - ratio),
        }


# Deep-groove ball bearings (SKF catalogue dimensions; ball set per the manufacturer).
# The 6205 entry is the CWRU drive-end bearing (9 balls, 7.94 mm, pitch 39.04 mm).
CATALOGUE: dict[str, BearingGeometry] = {
    geom.name: geom for geom in (
        BearingGeometry("6203", 8, 6.75, 28.5),
        BearingGeometry("6204", 8, 7.94, 33.5),
        BearingGeometry("6205", 9, 7.94, 39.04),
        BearingGeometry("6203-2RS JEM", 9, 6.75, 28.5),  # CWRU fan-end bearing
        BearingGeometry("6206", 9, 9.53, 46.0),
        BearingGeometry("6207", 9, 11.11, 53.5),
        BearingGeometry("6208", 9, 12.0, 60.0),
        BearingGeometry("6305", 8, 10.32, 44.5),
        BearingGeometry("6306", 8, 11.51, 53.0),
    )
}


def find_bearing(name: str) -> BearingGeometry:
    """Catalogue entry for ``name`` ("SKF 6205-2RS" -> 6205); UserError listing the known ones."""
    key = name.upper().replace("SKF", "").strip()
    if key in CATALOGUE:
        return CATALOGUE[key]
    base = key.split("-")[0].split(" ")[0]
    if base in CATALOGUE:
        return CATALOGUE[base]
    known = ", ".join(sorted(CATALOGUE))
    raise UserError(f"bearing {name!r} is not in the catalogue ({known}); give the geometry "
                    "instead: --set ball_count=N --set ball_diameter_mm=D --set pitch_diameter_mm=P")
