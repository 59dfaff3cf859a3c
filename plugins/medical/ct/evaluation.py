"""Scoring nodule candidates against phantom truth (shared by tests and the benchmark).

A truth nodule is found when a candidate's centre lies within its radius + 3 mm
(LIDC-style "hit" criterion, loosened by one voxel of tolerance). Candidates that
match no truth nodule are false positives; candidates matching a truth nodule smaller
than the size of interest are neither hits nor false positives.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from plugins.medical.ct.models import CtResult
from plugins.medical.ct.phantom import PhantomTruth

MATCH_MARGIN_MM = 3.0


@dataclass
class NoduleScore:
    """Hits, misses and false positives of one scan for nodules >= ``min_diameter_mm``."""

    true_positives: int = 0
    false_negatives: int = 0
    false_positives: int = 0
    diameter_errors_mm: list[float] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)


def score_nodules(result: CtResult, truth: PhantomTruth, min_diameter_mm: float = 6.0
                  ) -> NoduleScore:
    """Greedy nearest matching of candidates to truth nodules."""
    score = NoduleScore()
    cands = [f for f in result.findings if f.kind == "pulmonary_nodule_candidate"]
    used: set[int] = set()
    for nodule in sorted(truth.nodules, key=lambda n: -n.diameter_mm):
        centre = np.asarray(nodule.position_mm)
        best, best_d = None, None
        for i, f in enumerate(cands):
            if i in used:
                continue
            d = float(np.linalg.norm(np.asarray(f.position_mm) - centre))
            if d <= nodule.diameter_mm / 2 + MATCH_MARGIN_MM and (best_d is None or d < best_d):
                best, best_d = i, d
        if best is not None:
            used.add(best)
        if nodule.diameter_mm < min_diameter_mm:
            continue
        if best is None:
            score.false_negatives += 1
            score.missed.append(f"{nodule.kind} {nodule.diameter_mm:.1f} mm at "
                                f"{nodule.position_mm}")
        else:
            score.true_positives += 1
            score.diameter_errors_mm.append(cands[best].diameter_mm - nodule.diameter_mm)
    score.false_positives = len(cands) - len(used)
    return score
