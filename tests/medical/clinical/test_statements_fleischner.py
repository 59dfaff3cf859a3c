"""Statement extraction from dictation text and the Fleischner 2017 table."""

from __future__ import annotations

from pathlib import Path

import pytest

from plugins.medical.clinical.fleischner import patient_risk, recommend
from plugins.medical.clinical.record_text import parse_text_record
from plugins.medical.clinical.statements import extract_statements


def _one(text: str, finding: str):
    found = [s for s in extract_statements(text) if s.finding == finding]
    assert len(found) == 1, [s.model_dump() for s in extract_statements(text)]
    return found[0]


@pytest.mark.parametrize("text,finding,negated,side,lobe,size,comp", [
    ("there is a seven millimeter solid nodule in the right upper lobe", "nodule", False,
     "right", "upper", 7.0, "solid"),
    ("a twelve millimeter spiculated mass is present in the left lower lobe", "mass", False,
     "left", "lower", 12.0, ""),
    ("one point two centimeter ground glass opacity in the left upper lobe", "opacity", False,
     "left", "upper", 12.0, "ground glass"),
    ("Impression: 8 x 6 mm part-solid nodule in the RIGHT middle lobe.", "nodule", False,
     "right", "middle", 7.0, "part solid"),
    ("in the left lower lobe there is a six point five millimeter nodule", "nodule", False,
     "left", "lower", 6.5, ""),
    ("no pleural effusion", "pleural effusion", True, "", "", None, ""),
    ("the heart size is normal and there is no pericardial effusion", "pericardial effusion",
     True, "", "", None, ""),
    ("pleural effusion has resolved", "pleural effusion", True, "", "", None, ""),
    ("small left pleural effusion", "pleural effusion", False, "left", "", None, ""),
])
def test_statement_attributes(text, finding, negated, side, lobe, size, comp):
    s = _one(text, finding)
    assert (s.negated, s.laterality, s.lobe, s.size_mm, s.composition) == (
        negated, side, lobe, size, comp)
    assert text[s.evidence.start:s.evidence.end] == s.evidence.text


def test_unpunctuated_transcript_keeps_attributes_apart():
    text = ("there is a fourteen millimeters solid nodule in the left upper lobe eleven "
            "millimeter irregular nodule is seen in the right lower lobe no pleural effusion "
            "or pneumothorax mild centrilobular emphysema")
    got = [(s.finding, s.negated, s.laterality, s.lobe, s.size_mm)
           for s in extract_statements(text)]
    assert got == [("nodule", False, "left", "upper", 14.0),
                   ("nodule", False, "right", "lower", 11.0),
                   ("pleural effusion", True, "", "", None),
                   ("pneumothorax", True, "", "", None),
                   ("emphysema", False, "", "", None)]


def test_negation_scope_lists_and_multiple():
    got = {s.finding: s.negated for s in extract_statements(
        "No focal consolidation, effusion, or pneumothorax. Small left pleural effusion.")}
    assert got == {"consolidation": True, "pneumothorax": True, "pleural effusion": False}
    multi = _one("there are multiple solid nodules in the left lower lobe the largest measuring "
                 "eight point five millimeters", "nodule")
    assert multi.multiple and multi.size_mm == 8.5
    neg = _one("there is no evidence of suspicious pulmonary nodules", "nodule")
    assert neg.negated and neg.multiple


def _risk(note: str):
    return patient_risk(parse_text_record(Path("r.txt"), note))


@pytest.mark.parametrize("size,count,note,expected", [
    (4.6, "single", "55 year old woman, never smoker", "No routine follow-up."),
    (4.0, "single", "55 year old woman, current smoker", "Optional CT at 12 months."),
    (7.0, "single", "50 year old man, never smoker", "CT at 6-12 months, then consider CT at 18-24"),
    (8.4, "single", "50 year old man, former smoker 30 pack-years",
     "CT at 6-12 months, then CT at 18-24 months."),
    (8.6, "single", "50 year old man, never smoker", "Consider CT at 3 months, PET/CT"),
    (5.0, "multiple", "70 year old man, never smoker", "Optional CT at 12 months."),
    (7.0, "multiple", "45 year old woman, never smoker", "CT at 3-6 months, then consider CT"),
    (12.0, "multiple", "45 year old woman, smokes", "CT at 3-6 months, then CT at 18-24"),
])
def test_fleischner_solid_table(size, count, note, expected):
    rec = recommend(size, count, "solid", _risk(note))
    assert expected in rec.text
    assert rec.nodule_count == count and rec.guideline == "Fleischner Society 2017"


def test_fleischner_risk_and_applicability():
    assert _risk("66 year old woman, never smoker").risk == "high"  # age 65+
    assert _risk("50 year old woman, never smoker").risk == "low"
    unknown = _risk("50 year old woman")
    assert unknown.risk == "high" and "not stated" in unknown.reasons[0]
    cancer = recommend(9.0, "single", "solid", _risk("60 yo man, never smoker. PMH: colon cancer"))
    assert cancer.risk == "not applicable" and "known primary cancer" in cancer.text
    young = recommend(9.0, "single", "solid", _risk("30 yo man, never smoker"))
    assert young.risk == "not applicable" and "35" in young.text
    assert "No routine" in recommend(5.0, "single", "ground glass", _risk("50 yo never smoker")).text
    assert "3-6 months to confirm persistence" in recommend(
        7.0, "single", "part solid", _risk("50 yo never smoker")).text
    assert "2 and 4 years" in recommend(4.0, "multiple", "ground glass",
                                        _risk("50 yo never smoker")).text
