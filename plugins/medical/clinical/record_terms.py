"""Vocabulary shared by the text and FHIR record readers: sections, cancer terms, vital signs."""

from __future__ import annotations

import re

SECTION_ALIASES = {
    "problems": "problems", "problem list": "problems", "active problems": "problems",
    "diagnoses": "problems", "assessment": "problems", "conditions": "problems",
    "past medical history": "history", "pmh": "history", "medical history": "history",
    "history": "history", "past history": "history", "surgical history": "history",
    "psh": "history", "oncologic history": "history",
    "medications": "medications", "meds": "medications", "current medications": "medications",
    "medication list": "medications", "home medications": "medications",
    "allergies": "allergies", "allergy": "allergies", "drug allergies": "allergies",
    "labs": "labs", "laboratory": "labs", "lab results": "labs", "laboratory results": "labs",
    "vitals": "vitals", "vital signs": "vitals",
}

CANCER_PATTERN = re.compile(
    r"\b(\w*carcinoma|cancer|malignan(?:cy|t neoplasm)|lymphoma|leuka?emia|melanoma|sarcoma|"
    r"myeloma|mesothelioma|metasta(?:sis|ses|tic)|NSCLC|SCLC|oncolog\w*)\b", re.I)
# Histories that do not count as "known primary cancer" for nodule follow-up.
NON_CANCER_EXCEPTIONS = re.compile(
    r"\b(basal cell|squamous cell carcinoma of the skin|cutaneous squamous|screening|"
    r"family history|FH\b|mother|father|sister|brother|rule out|r/o)\b", re.I)

SNOMED_SMOKING = {
    "77176002": "current", "449868002": "current", "428041000124106": "current",
    "65568007": "current", "428061000124105": "current", "428071000124103": "current",
    "8517006": "former", "266919005": "never", "266927001": "unknown",
}
LOINC_SMOKING_STATUS = {"72166-2", "11367-0"}
LOINC_PACK_YEARS = {"8664-7", "401201003"}
LOINC_VITALS = {
    "85354-9": ("blood pressure", "mmHg"), "8480-6": ("systolic blood pressure", "mmHg"),
    "8462-4": ("diastolic blood pressure", "mmHg"), "8867-4": ("heart rate", "/min"),
    "9279-1": ("respiratory rate", "/min"), "2708-6": ("oxygen saturation", "%"),
    "59408-5": ("oxygen saturation", "%"), "8310-5": ("body temperature", "Cel"),
    "29463-7": ("body weight", "kg"), "8302-2": ("body height", "cm"),
    "39156-5": ("body mass index", "kg/m2"),
}

VITAL_PATTERNS = [
    ("blood pressure", "mmHg", re.compile(r"\b(?:BP|blood pressure)[ \t:]*(\d{2,3}/\d{2,3})", re.I)),
    ("heart rate", "/min", re.compile(r"\b(?:HR|heart rate|pulse)[ \t:]*(\d{2,3})\b", re.I)),
    ("respiratory rate", "/min", re.compile(r"\b(?:RR|resp(?:iratory)? rate)[ \t:]*(\d{1,2})\b", re.I)),
    ("oxygen saturation", "%", re.compile(r"\b(?:SpO2|O2 sat|SaO2|oxygen saturation)[ \t:]*(\d{2,3})\s*%?", re.I)),
    ("body temperature", "Cel", re.compile(r"\b(?:T|temp|temperature)[ \t:]*(\d{2}(?:\.\d)?)\s*°?\s*C\b", re.I)),
    ("body weight", "kg", re.compile(r"\b(?:weight|wt)[ \t:]*(\d{2,3}(?:\.\d)?)\s*kg\b", re.I)),
    ("body height", "cm", re.compile(r"\b(?:height|ht)[ \t:]*(\d{3}(?:\.\d)?)\s*cm\b", re.I)),
]


def is_cancer(text: str) -> bool:
    """True when a problem's text names a malignancy that is not an exception (basal cell)."""
    return bool(CANCER_PATTERN.search(text)) and not NON_CANCER_EXCEPTIONS.search(text)
