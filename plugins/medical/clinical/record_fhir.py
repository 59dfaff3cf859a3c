"""FHIR R4 Bundle (JSON) -> HealthRecord, each value referenced as ``Resource/id`` + element path.

Reads Patient, Condition, Observation (vital signs, laboratory, social history: smoking
status LOINC 72166-2 and pack-years 8664-7), MedicationStatement / MedicationRequest and
AllergyIntolerance. Structural problems a user can fix (not JSON, not a Bundle, an entry
without a resource, a resource without resourceType or with a malformed required
element) raise UserError naming the file and the JSON path; unknown resource types are
ignored and listed in ``warnings``.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from core.errors import file_error
from plugins.medical.clinical.models import Evidence, HealthRecord, RecordItem
from plugins.medical.clinical.record_terms import (
    LOINC_PACK_YEARS,
    LOINC_SMOKING_STATUS,
    LOINC_VITALS,
    SNOMED_SMOKING,
    is_cancer,
)

READ_TYPES = {"Patient", "Condition", "Observation", "MedicationStatement",
              "MedicationRequest", "AllergyIntolerance"}


class _Reader:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.record = HealthRecord(source_file=str(path), source_kind="fhir")

    def fail(self, where: str, problem: str) -> None:
        raise file_error(self.path, f"malformed FHIR bundle at {where}: {problem}")

    def evidence(self, ref: str, path: str, text: object) -> Evidence:
        return Evidence(source="record", file=self.path.name, reference=ref, path=path,
                        text=str(text))


def _concept_text(concept: Any) -> tuple[str, list[tuple[str, str]]]:
    """Display text of a CodeableConcept and its (system, code) pairs."""
    if not isinstance(concept, dict):
        return "", []
    codes = [(c.get("system", ""), str(c.get("code", ""))) for c in concept.get("coding", [])
             if isinstance(c, dict)]
    text = concept.get("text") or next((c.get("display") for c in concept.get("coding", [])
                                        if isinstance(c, dict) and c.get("display")), "")
    return str(text or ""), codes


def _age(birth_date: str, on: date) -> int:
    born = date.fromisoformat(birth_date[:10]) if len(birth_date) >= 10 else \
        date(int(birth_date[:4]), 7, 1)
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def parse_fhir_bundle(path: Path, bundle: Any, today: date | None = None) -> HealthRecord:
    """Build a HealthRecord from a parsed Bundle; malformed structure raises UserError."""
    reader = _Reader(path)
    if not isinstance(bundle, dict):
        reader.fail("$", f"the top level is a JSON {type(bundle).__name__}, not an object")
    if bundle.get("resourceType") != "Bundle":
        reader.fail("$.resourceType", f"expected 'Bundle', found {bundle.get('resourceType')!r}")
    entries = bundle.get("entry", [])
    if not isinstance(entries, list):
        reader.fail("$.entry", "must be a list of entries")
    # Age is computed on the bundle's own date when it has one, so results are reproducible.
    on = today or date.today()
    if isinstance(bundle.get("timestamp"), str):
        try:
            on = date.fromisoformat(bundle["timestamp"][:10])
        except ValueError:
            reader.fail("$.timestamp", f"not a FHIR instant: {bundle['timestamp']!r}")
    record = reader.record
    skipped: dict[str, int] = {}
    for i, entry in enumerate(entries):
        where = f"entry[{i}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("resource"), dict):
            reader.fail(where, "entry has no 'resource' object")
        resource = entry["resource"]
        kind = resource.get("resourceType")
        if not isinstance(kind, str) or not kind:
            reader.fail(f"{where}.resource", "resource has no 'resourceType'")
        ref = f"{kind}/{resource.get('id', where)}"
        if kind not in READ_TYPES:
            skipped[kind] = skipped.get(kind, 0) + 1
            continue
        handler = _HANDLERS[kind]
        handler(reader, resource, ref, f"{where}.resource", on)
    if skipped:
        record.warnings.append("ignored resources: " + ", ".join(
            f"{k} x{n}" for k, n in sorted(skipped.items())))
    return record


def _patient(reader: _Reader, res: dict, ref: str, where: str, on: date) -> None:
    rec = reader.record
    rec.patient_id = str(res.get("id", ""))
    gender = res.get("gender")
    if gender is not None:
        if gender not in ("male", "female", "other", "unknown"):
            reader.fail(f"{where}.gender", f"{gender!r} is not male/female/other/unknown")
        rec.sex = gender
        rec.sex_evidence = reader.evidence(ref, "gender", gender)
    birth = res.get("birthDate")
    if birth is not None:
        try:
            rec.age_years = _age(str(birth), on)
        except ValueError:
            reader.fail(f"{where}.birthDate", f"{birth!r} is not a FHIR date (YYYY-MM-DD)")
        rec.age_evidence = reader.evidence(ref, "birthDate", birth)


def _condition(reader: _Reader, res: dict, ref: str, where: str, on: date) -> None:
    if "code" not in res:
        reader.fail(f"{where}.code", "Condition has no code")
    text, _ = _concept_text(res["code"])
    if not text:
        reader.fail(f"{where}.code", "Condition code has neither text nor a coding display")
    status, _ = _concept_text(res.get("clinicalStatus"))
    status = status or next((c for _, c in _concept_text(res.get("clinicalStatus"))[1]), "")
    onset = str(res.get("onsetDateTime", res.get("recordedDate", "")))[:10]
    detail = ", ".join(x for x in (status, f"onset {onset}" if onset else "") if x)
    item = RecordItem(name=text, detail=detail, evidence=reader.evidence(ref, "code", text))
    verification = _concept_text(res.get("verificationStatus"))[1]
    if any(code in ("refuted", "entered-in-error") for _, code in verification):
        return
    reader.record.problems.append(item)
    if is_cancer(text):
        reader.record.prior_cancer.append(item)


def _quantity(reader: _Reader, q: Any, where: str) -> tuple[float, str]:
    if not isinstance(q, dict) or "value" not in q:
        reader.fail(where, "valueQuantity has no 'value'")
    try:
        return float(q["value"]), str(q.get("unit") or q.get("code") or "")
    except (TypeError, ValueError):
        reader.fail(f"{where}.value", f"{q['value']!r} is not a number")
    raise AssertionError  # unreachable: fail() raises


def _observation(reader: _Reader, res: dict, ref: str, where: str, on: date) -> None:
    rec = reader.record
    if "code" not in res:
        reader.fail(f"{where}.code", "Observation has no code")
    name, codes = _concept_text(res["code"])
    loincs = {code for _, code in codes}
    categories = {code for cat in res.get("category", []) if isinstance(cat, dict)
                  for _, code in _concept_text(cat)[1]}
    if loincs & LOINC_SMOKING_STATUS:
        text, value_codes = _concept_text(res.get("valueCodeableConcept"))
        status = next((SNOMED_SMOKING[c] for _, c in value_codes if c in SNOMED_SMOKING), None)
        if status is None:
            low = text.lower()
            status = ("never" if "never" in low else "former" if "former" in low or "ex-" in low
                      else "current" if "smok" in low else "unknown")
        rec.smoking.status = status  # type: ignore[assignment]
        rec.smoking.evidence.append(reader.evidence(ref, "valueCodeableConcept", text or status))
        return
    if loincs & LOINC_PACK_YEARS:
        value, _ = _quantity(reader, res.get("valueQuantity"), f"{where}.valueQuantity")
        rec.smoking.pack_years = value
        rec.smoking.evidence.append(reader.evidence(ref, "valueQuantity.value", value))
        return
    vital = next((LOINC_VITALS[c] for c in loincs if c in LOINC_VITALS), None)
    if vital is not None or "vital-signs" in categories:
        label, unit = vital or (name, "")
        if "component" in res:  # blood pressure: systolic/diastolic components
            parts = []
            for j, comp in enumerate(res["component"]):
                value, _ = _quantity(reader, comp.get("valueQuantity"),
                                     f"{where}.component[{j}].valueQuantity")
                parts.append(f"{value:g}")
            rec.vitals.append(RecordItem(name=label, value="/".join(parts), unit=unit,
                                         evidence=reader.evidence(ref, "component", "/".join(parts))))
            return
        value, q_unit = _quantity(reader, res.get("valueQuantity"), f"{where}.valueQuantity")
        rec.vitals.append(RecordItem(name=label, value=value, unit=q_unit or unit,
                                     evidence=reader.evidence(ref, "valueQuantity.value", value)))
        return
    if "laboratory" in categories or "valueQuantity" in res:
        if "valueQuantity" in res:
            value, unit = _quantity(reader, res["valueQuantity"], f"{where}.valueQuantity")
            item_value: float | str = value
            path = "valueQuantity.value"
        else:
            item_value, unit, path = str(res.get("valueString", "")), "", "valueString"
        interp = _concept_text((res.get("interpretation") or [None])[0])[0]
        rec.labs.append(RecordItem(name=name, value=item_value, unit=unit, detail=interp,
                                   evidence=reader.evidence(ref, path, item_value)))


def _medication(reader: _Reader, res: dict, ref: str, where: str, on: date) -> None:
    concept = res.get("medicationCodeableConcept")
    if concept is None and isinstance(res.get("medicationReference"), dict):
        name = str(res["medicationReference"].get("display", ""))
        path = "medicationReference.display"
    else:
        name, path = _concept_text(concept)[0], "medicationCodeableConcept"
    if not name:
        reader.fail(f"{where}.medicationCodeableConcept", "medication has no name (text/display)")
    dosage = res.get("dosage") or res.get("dosageInstruction") or []
    detail = "; ".join(str(d.get("text", "")) for d in dosage if isinstance(d, dict) and d.get("text"))
    status = str(res.get("status", ""))
    if status in ("stopped", "entered-in-error", "cancelled", "completed"):
        return
    reader.record.medications.append(RecordItem(name=name, detail=detail,
                                                evidence=reader.evidence(ref, path, name)))


def _allergy(reader: _Reader, res: dict, ref: str, where: str, on: date) -> None:
    name, codes = _concept_text(res.get("code"))
    if not name:
        reader.fail(f"{where}.code", "AllergyIntolerance has no code text or display")
    if any(c in ("716186003", "409137002") for _, c in codes):  # "no known allergy"
        reader.record.no_known_allergies = True
        return
    reactions = [_concept_text(m)[0] for r in res.get("reaction", []) if isinstance(r, dict)
                 for m in r.get("manifestation", [])]
    reader.record.allergies.append(RecordItem(
        name=name, detail=", ".join(r for r in reactions if r),
        evidence=reader.evidence(ref, "code", name)))


_HANDLERS = {"Patient": _patient, "Condition": _condition, "Observation": _observation,
             "MedicationStatement": _medication, "MedicationRequest": _medication,
             "AllergyIntolerance": _allergy}


def read_fhir_bundle(path: Path) -> HealthRecord:
    """Read a .json FHIR Bundle; invalid JSON or structure raises UserError naming the file."""
    try:
        bundle = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise file_error(path, "is not UTF-8 text; a FHIR JSON bundle must be UTF-8") from None
    except json.JSONDecodeError as exc:
        raise file_error(path, f"is not valid JSON (line {exc.lineno}, column {exc.colno}: "
                         f"{exc.msg})") from None
    return parse_fhir_bundle(path, bundle)
