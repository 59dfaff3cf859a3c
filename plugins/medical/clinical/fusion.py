"""Fuse CT measurements, the record and the dictation into a draft report and consistency checks.

The radiologist's dictation is the primary voice of the report; CT measurements support
or question it. Each dictated nodule is paired with the CT candidate on the same side
closest in size; what cannot be paired becomes a check ("dictated, not found by CT",
"CT candidate not mentioned"), never a silent edit. Sizes used for the Fleischner table
are the radiologist's when dictated, otherwise the CT equivalent-sphere diameter.
"""

from __future__ import annotations

from dataclasses import dataclass

from plugins.medical.clinical.fleischner import patient_risk, recommend
from plugins.medical.clinical.models import (
    ConsistencyCheck,
    DictationResult,
    DraftReport,
    Evidence,
    HealthRecord,
    Recommendation,
    ReportStatement,
    Statement,
)

NODULE_FINDINGS = {"nodule", "mass", "opacity"}
SIZE_TOLERANCE_MM = 2.0  # |dictated - measured| beyond max(this, 25 %) is a size mismatch
SIZE_TOLERANCE_FRACTION = 0.25
PAIRING_RATIO = 2.5  # sizes further apart than this factor are different nodules
SOLID_MIN_HU = -400.0  # mean HU above this: a CT-only candidate is reported as solid
REPORTABLE_CONFIDENCE = 0.5


@dataclass
class Pairing:
    """A dictated nodule statement and the CT candidate it was paired with (or None)."""

    statement: Statement | None
    finding: dict | None
    laterality_mismatch: bool = False


def ct_evidence(finding: dict, series_uid: str) -> Evidence:
    """Evidence pointing at a CT finding and the series it was measured on."""
    x, y, z = finding["position_mm"]
    return Evidence(source="ct", reference=f"{series_uid}#{finding['id']}",
                    text=f"{finding['diameter_mm']:.1f} mm candidate at ({x:.0f}, {y:.0f}, "
                         f"{z:.0f}) mm, mean {finding['mean_hu']:.0f} HU, confidence "
                         f"{finding['confidence']:.2f}")


def _is_nodule_statement(s: Statement) -> bool:
    if s.negated or s.finding not in NODULE_FINDINGS:
        return False
    if "calcified" == s.composition:  # calcified granulomas: benign, outside Fleischner
        return False
    return s.finding != "opacity" or s.size_mm is not None


def pair_nodules(statements: list[Statement], findings: list[dict]) -> list[Pairing]:
    """Pair dictated nodules with CT candidates, cheapest pairs first.

    Cost = relative size gap, plus 1 when the sides disagree, so a same-side candidate of
    similar size always wins and a side mismatch is only accepted when nothing on the
    dictated side fits. Sizes more than ``PAIRING_RATIO`` apart are never paired.
    """
    dictated = [s for s in statements if _is_nodule_statement(s)]
    options = []
    for i, s in enumerate(dictated):
        side = s.laterality if s.laterality in ("left", "right") else ""
        for j, f in enumerate(findings):
            measured = max(float(f["diameter_mm"]), 0.1)
            size = s.size_mm if s.size_mm is not None else measured
            if max(size, measured) / max(min(size, measured), 0.1) > PAIRING_RATIO:
                continue
            mismatch = bool(side) and f.get("laterality") in ("left", "right") \
                and f.get("laterality") != side
            options.append((abs(size - measured) / measured + (1.0 if mismatch else 0.0),
                            i, j, mismatch))
    pairs: list[Pairing] = []
    used_s: set[int] = set()
    used_f: set[int] = set()
    for _, i, j, mismatch in sorted(options):
        if i in used_s or j in used_f:
            continue
        used_s.add(i)
        used_f.add(j)
        pairs.append(Pairing(dictated[i], findings[j], laterality_mismatch=mismatch))
    pairs.extend(Pairing(s, None) for i, s in enumerate(dictated) if i not in used_s)
    pairs.extend(Pairing(None, f) for j, f in enumerate(findings) if j not in used_f)
    order = {id(s): k for k, s in enumerate(statements)}
    pairs.sort(key=lambda p: (p.statement is None, order.get(id(p.statement), 0)))
    return pairs


def consistency_checks(pairs: list[Pairing], statements: list[Statement], series_uid: str,
                       have_dictation: bool) -> list[ConsistencyCheck]:
    """Disagreements between dictation and measurement, each with both sides' evidence."""
    checks: list[ConsistencyCheck] = []
    if not have_dictation:
        return checks
    for p in pairs:
        if p.statement is not None and p.finding is not None:
            s, f = p.statement, p.finding
            ev = [s.evidence, ct_evidence(f, series_uid)]
            if p.laterality_mismatch:
                checks.append(ConsistencyCheck(
                    kind="laterality_mismatch", evidence=ev,
                    message=f"Dictated {s.laterality} {s.finding} ({s.text!r}) but the matching CT "
                            f"candidate ({f['diameter_mm']:.1f} mm) is in the "
                            f"{f.get('laterality', '?')} lung."))
            if s.size_mm is not None:
                gap = abs(s.size_mm - f["diameter_mm"])
                if gap > max(SIZE_TOLERANCE_MM, SIZE_TOLERANCE_FRACTION * f["diameter_mm"]):
                    checks.append(ConsistencyCheck(
                        kind="size_mismatch", evidence=ev,
                        message=f"Dictated size {s.size_mm:g} mm differs from the CT measurement "
                                f"{f['diameter_mm']:.1f} mm (equivalent-sphere diameter) by "
                                f"{gap:.1f} mm."))
        elif p.statement is not None:
            s = p.statement
            checks.append(ConsistencyCheck(
                kind="dictated_not_found", evidence=[s.evidence],
                message=f"Dictated {s.finding} ({s.text!r}) was not found by the CT analysis; "
                        "confirm on the images."))
        elif p.finding is not None:
            f = p.finding
            checks.append(ConsistencyCheck(
                kind="ct_not_dictated", evidence=[ct_evidence(f, series_uid)],
                severity="warning" if f["diameter_mm"] >= 6.0 else "info",
                message=f"CT nodule candidate {f['id']} ({f['diameter_mm']:.1f} mm, "
                        f"{f.get('laterality', '?')} lung) is not mentioned in the dictation; "
                        "confirm or dismiss."))
    candidates = [p.finding for p in pairs if p.finding is not None]
    for s in statements:
        if s.negated and s.finding in NODULE_FINDINGS and candidates:
            checks.append(ConsistencyCheck(
                kind="negation_conflict",
                evidence=[s.evidence] + [ct_evidence(f, series_uid) for f in candidates],
                message=f"Dictation says {s.text!r} but the CT analysis found "
                        f"{len(candidates)} nodule candidate(s)."))
    return checks


def _composition(p: Pairing) -> str:
    if p.statement is not None and p.statement.composition in ("part solid", "ground glass",
                                                                 "subsolid", "solid"):
        return p.statement.composition
    if p.finding is not None and p.finding["mean_hu"] < SOLID_MIN_HU:
        return "ground glass"
    return "solid"


def _where(p: Pairing) -> str:
    s, f = p.statement, p.finding
    if s is not None and not p.laterality_mismatch:
        parts = [s.location, s.laterality, f"{s.lobe} lobe" if s.lobe else ""]
        text = " ".join(x for x in parts if x)
        if text:
            return f"in the {text}" if s.lobe else f"in the {text} lung"
    if f is not None and f.get("laterality") in ("left", "right"):
        return f"in the {f['laterality']} lung"
    return ""


def _size(p: Pairing) -> float:
    if p.statement is not None and p.statement.size_mm is not None:
        return p.statement.size_mm
    return float(p.finding["diameter_mm"]) if p.finding is not None else 0.0


def build_report(ct: dict, record: HealthRecord | None, dictation: DictationResult | None
                 ) -> tuple[DraftReport, list[ConsistencyCheck]]:
    """The draft report and the checks, every sentence with the evidence it rests on."""
    series = ct["series"]
    series_uid = series["series_uid"]
    findings = [f for f in ct["findings"] if f["kind"] == "pulmonary_nodule_candidate"]
    statements = dictation.statements if dictation else []
    pairs = pair_nodules(statements, findings)
    checks = consistency_checks(pairs, statements, series_uid, dictation is not None)
    report = DraftReport()
    report.technique.append(_technique(ct))
    if record is not None:
        report.clinical_history.append(_history(record))
    # Nodules: dictated ones (paired or not), then CT-only candidates worth reporting.
    reportable = [p for p in pairs if p.statement is not None or (
        p.finding is not None and p.finding["confidence"] >= REPORTABLE_CONFIDENCE)]
    for p in reportable:
        report.findings.append(_nodule_sentence(p, series_uid))
    paired = [p.statement for p in pairs]
    report.findings.extend(_other_statements([s for s in statements if s not in paired],
                                             dictation.transcript if dictation else ""))
    for f in ct["findings"]:
        if f["kind"] == "hyperdense_region_candidate":  # head CT: haemorrhage *candidates*
            report.findings.append(ReportStatement(
                text=_sentence(f"CT candidate: hyperdense region {f['diameter_mm']:.0f} mm "
                               f"(mean {f['mean_hu']:.0f} HU) - possible haemorrhage candidate, "
                               "confirm or dismiss"),
                evidence=[ct_evidence(f, series_uid)]))
    lungs = ct.get("lungs") or {}
    if lungs.get("left_ml") or lungs.get("right_ml"):
        report.findings.append(ReportStatement(
            text=f"Segmented lung volumes: right {lungs['right_ml']:.0f} ml, left "
                 f"{lungs['left_ml']:.0f} ml.",
            evidence=[Evidence(source="ct", reference=series_uid, text="lung segmentation")]))
    report.impression, report.recommendations = _impression(reportable, statements, record, ct)
    return report, checks


def _other_statements(statements: list[Statement], transcript: str) -> list[ReportStatement]:
    """Non-nodule dictated statements, one report sentence per stretch of dictation.

    "No pleural effusion or pneumothorax" yields two statements with overlapping spans;
    the report quotes the stretch once, with both statements as evidence.
    """
    groups: list[list[Statement]] = []
    for s in sorted(statements, key=lambda s: s.evidence.start or 0):
        if groups and (s.evidence.start or 0) < (groups[-1][-1].evidence.end or 0):
            groups[-1].append(s)
        else:
            groups.append([s])
    out = []
    for group in groups:
        start = min(s.evidence.start or 0 for s in group)
        end = max(s.evidence.end or 0 for s in group)
        text = transcript[start:end] if transcript else group[0].text
        out.append(ReportStatement(text=_sentence(text), evidence=[s.evidence for s in group]))
    return out


def _technique(ct: dict) -> ReportStatement:
    s = ct["series"]
    sx, sy, sz = s["spacing_mm"]
    text = (f"CT {ct.get('body_part', 'chest')}: {s['slice_count']} axial images, "
            f"{sz:.2f} mm slice spacing, {sx:.2f} x {sy:.2f} mm pixels.")
    if abs(s.get("tilt_deg") or 0.0) > 0.1:
        text += f" Gantry tilt {s['tilt_deg']:.1f} degrees, corrected by resampling."
    if s.get("uneven_spacing"):
        text += " Uneven slice spacing detected; the series was resampled to a regular grid."
    return ReportStatement(text=text, evidence=[Evidence(
        source="ct", reference=s["series_uid"], text=f"series {s.get('series_number') or ''} "
        f"{s.get('description', '')}".strip())])


def _history(record: HealthRecord) -> ReportStatement:
    parts, ev = [], []
    if record.age_years is not None:
        parts.append(f"{record.age_years}-year-old")
        ev.append(record.age_evidence)
    if record.sex != "unknown":
        parts.append(record.sex)
        ev.append(record.sex_evidence)
    text = " ".join(parts) or "Patient"
    sm = record.smoking
    if sm.status != "unknown":
        text += f", {sm.status} smoker" + (f" ({sm.pack_years:g} pack-years)" if sm.pack_years else "")
        ev.extend(sm.evidence)
    if record.prior_cancer:
        text += "; history of " + ", ".join(i.name for i in record.prior_cancer)
        ev.extend(i.evidence for i in record.prior_cancer)
    return ReportStatement(text=text + ".", evidence=[e for e in ev if e is not None])


def _nodule_sentence(p: Pairing, series_uid: str) -> ReportStatement:
    size, where, comp = _size(p), _where(p), _composition(p)
    ev: list[Evidence] = []
    if p.statement is not None:
        ev.append(p.statement.evidence)
    if p.finding is not None:
        ev.append(ct_evidence(p.finding, series_uid))
    noun = "nodules" if p.statement is not None and p.statement.multiple else "nodule"
    text = f"{size:.0f} mm {comp} pulmonary {noun} {where}".replace("  ", " ").strip()
    if p.statement is not None and p.finding is not None:
        f = p.finding
        text += (f" (CT: {f['diameter_mm']:.1f} mm equivalent diameter, "
                 f"{f['volume_mm3']:.0f} mm3, mean {f['mean_hu']:.0f} HU)")
    elif p.statement is not None:
        text += " (dictated; not found by the CT analysis - confirm)"
    else:
        text = "CT candidate: " + text + " - not dictated; confirm or dismiss"
    return ReportStatement(text=_sentence(text), evidence=ev)


def _sentence(text: str) -> str:
    text = text.strip()
    return (text[:1].upper() + text[1:]).rstrip(".") + "."


def _impression(reportable: list[Pairing], statements: list[Statement],
                record: HealthRecord | None, ct: dict
                ) -> tuple[list[ReportStatement], list[Recommendation]]:
    impression: list[ReportStatement] = []
    recommendations: list[Recommendation] = []
    nodules = [p for p in reportable if _size(p) > 0]
    if nodules:
        largest = max(nodules, key=_size)
        multiple = len(nodules) > 1 or any(p.statement is not None and p.statement.multiple
                                           for p in nodules)
        count = "multiple" if multiple else "single"
        ev = [e for p in nodules for e in _nodule_sentence(p, ct["series"]["series_uid"]).evidence]
        where = _where(largest)
        unconfirmed = sum(1 for p in nodules if p.statement is None)
        note = (f" (including {unconfirmed} CT candidate(s) not dictated - confirm)"
                if unconfirmed else "")
        lead = (f"{len(nodules)} pulmonary nodules, largest {_size(largest):.0f} mm {where}{note}"
                if multiple else f"{_size(largest):.0f} mm {_composition(largest)} pulmonary "
                f"nodule {where}")
        impression.append(ReportStatement(text=_sentence(lead.strip()), evidence=ev))
        risk = patient_risk(record, ct.get("patient", {}).get("age_years"))
        recommendations.append(recommend(_size(largest), count, _composition(largest), risk, ev))
    else:
        impression.append(ReportStatement(
            text="No pulmonary nodule candidates found by the CT analysis or dictated.",
            evidence=[Evidence(source="ct", reference=ct["series"]["series_uid"],
                               text="0 nodule candidates")]))
    seen: set[str] = set()
    for s in statements:
        if s.negated or s.finding in NODULE_FINDINGS or s.finding in seen:
            continue
        seen.add(s.finding)
        impression.append(ReportStatement(text=_sentence(s.text), evidence=[s.evidence]))
    return impression, recommendations
