"""Fleischner Society 2017 recommendations for incidental pulmonary nodules (MacMahon et al.,
Radiology 2017;284:228-243), as a lookup table with the patient's risk from the record.

Scope as the guideline states it: incidental nodules in adults aged 35 and over; it does
not apply to lung cancer screening, to immunocompromised patients, or to patients with a
known primary cancer (they follow their oncologic protocol) - those cases get an explicit
"not applicable" recommendation instead of a table row. Size is the mean of long and
short axis rounded to the nearest millimetre (for CT measurements: the equivalent sphere
diameter). Risk follows the guideline's reference to ACCP factors: ever-smokers (current
or former) and patients aged 65 or older are high risk here; an unknown smoking history
is treated as high risk (the conservative branch) and says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from plugins.medical.clinical.models import Evidence, HealthRecord, Recommendation

GUIDELINE = "Fleischner Society 2017"
Risk = Literal["low", "high"]

SOLID = {
    ("single", "<6"): {"low": "No routine follow-up.",
                       "high": "Optional CT at 12 months."},
    ("single", "6-8"): {"low": "CT at 6-12 months, then consider CT at 18-24 months.",
                        "high": "CT at 6-12 months, then CT at 18-24 months."},
    ("single", ">8"): {"low": "Consider CT at 3 months, PET/CT, or tissue sampling.",
                       "high": "Consider CT at 3 months, PET/CT, or tissue sampling."},
    ("multiple", "<6"): {"low": "No routine follow-up.",
                         "high": "Optional CT at 12 months."},
    ("multiple", "6-8"): {"low": "CT at 3-6 months, then consider CT at 18-24 months.",
                          "high": "CT at 3-6 months, then CT at 18-24 months."},
    ("multiple", ">8"): {"low": "CT at 3-6 months, then consider CT at 18-24 months.",
                         "high": "CT at 3-6 months, then CT at 18-24 months."},
}
SUBSOLID = {
    ("ground glass", "single", "<6"): "No routine follow-up.",
    ("ground glass", "single", ">=6"): "CT at 6-12 months to confirm persistence, then CT every "
                                       "2 years until 5 years.",
    ("part solid", "single", "<6"): "No routine follow-up.",
    ("part solid", "single", ">=6"): "CT at 3-6 months to confirm persistence. If unchanged and "
                                     "solid component remains <6 mm, annual CT for 5 years.",
    ("subsolid", "multiple", "<6"): "CT at 3-6 months. If stable, consider CT at 2 and 4 years.",
    ("subsolid", "multiple", ">=6"): "CT at 3-6 months. Subsequent management based on the most "
                                     "suspicious nodule(s).",
}


@dataclass
class PatientRisk:
    """Risk category for the table and why; ``applicable`` False says why the table is skipped."""

    risk: Risk
    reasons: list[str]
    applicable: bool = True
    not_applicable_reason: str = ""
    evidence: list[Evidence] = field(default_factory=list)


def patient_risk(record: HealthRecord | None, age_years: int | None = None) -> PatientRisk:
    """Low/high risk (and applicability) from the record: smoking, prior cancer, age."""
    if record is None:
        return PatientRisk("high", ["no health record supplied: risk unknown, high-risk "
                                    "recommendations shown (conservative)"])
    age = record.age_years if record.age_years is not None else age_years
    evidence: list[Evidence] = []
    if record.prior_cancer:
        names = ", ".join(item.name for item in record.prior_cancer)
        return PatientRisk("high", [f"known cancer: {names}"], applicable=False,
                           not_applicable_reason=(
                               f"the record lists a known cancer ({names}); Fleischner 2017 does "
                               "not apply to patients with a known primary cancer - follow the "
                               "oncologic imaging protocol"),
                           evidence=[item.evidence for item in record.prior_cancer])
    if age is not None and age < 35:
        return PatientRisk("low", [f"age {age}"], applicable=False,
                           not_applicable_reason=f"patient is {age} years old; Fleischner 2017 "
                           "applies to patients aged 35 and over",
                           evidence=[record.age_evidence] if record.age_evidence else [])
    reasons: list[str] = []
    smoking = record.smoking
    if smoking.status in ("current", "former"):
        pack = f", {smoking.pack_years:g} pack-years" if smoking.pack_years else ""
        reasons.append(f"{smoking.status} smoker{pack}")
        evidence.extend(smoking.evidence)
    elif smoking.status == "unknown":
        reasons.append("smoking history not stated in the record (treated as high risk)")
    if age is not None and age >= 65:
        reasons.append(f"age {age} (65 or older)")
        if record.age_evidence:
            evidence.append(record.age_evidence)
    if reasons:
        return PatientRisk("high", reasons, evidence=evidence)
    low = ["never smoker"] + ([f"age {age}"] if age is not None else [])
    return PatientRisk("low", low, evidence=smoking.evidence)


def size_band_solid(size_mm: float) -> str:
    """Fleischner size category of a solid nodule (rounded mean diameter)."""
    size = round(size_mm)
    return "<6" if size < 6 else "6-8" if size <= 8 else ">8"


def recommend(size_mm: float, count: Literal["single", "multiple"], nodule_type: str,
              risk: PatientRisk, evidence: list[Evidence] | None = None) -> Recommendation:
    """One recommendation for the dominant (largest) nodule of a given type and count."""
    evidence = list(evidence or []) + list(risk.evidence)
    base = dict(nodule_type=nodule_type, nodule_count=count, size_mm=round(size_mm, 1),
                risk_reasons=risk.reasons, evidence=evidence, guideline=GUIDELINE)
    if not risk.applicable:
        return Recommendation(text=f"Fleischner 2017 not applicable: {risk.not_applicable_reason}.",
                              risk="not applicable", **base)
    if nodule_type in ("ground glass", "part solid", "subsolid"):
        band = "<6" if round(size_mm) < 6 else ">=6"
        key = ("subsolid", "multiple", band) if count == "multiple" else (
            "part solid" if nodule_type == "part solid" else "ground glass", "single", band)
        text = SUBSOLID[key]
        label = f"{count} {nodule_type} nodule{'s' if count == 'multiple' else ''}"
        return Recommendation(text=f"{label}, {size_mm:.0f} mm: {text}", risk=risk.risk, **base)
    band = size_band_solid(size_mm)
    text = SOLID[(count, band)][risk.risk]
    label = f"{count} solid nodule{'s' if count == 'multiple' else ''}"
    largest = " (largest)" if count == "multiple" else ""
    return Recommendation(text=f"{label}, {size_mm:.0f} mm{largest}, {risk.risk}-risk patient: "
                          f"{text}", risk=risk.risk, **base)
