"""Result models of the clinical tasks: the schema the CLI prints, the store keeps and the UI shows.

Every value carries its ``Evidence`` (where in which input it came from) because the
radiologist must be able to check each statement of a draft before signing it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

DRAFT_NOTICE = ("DRAFT - computer-generated from CT measurements, the health record and the "
                "dictation; not a diagnosis. For physician review, correction and sign-off.")


class Evidence(BaseModel):
    """Where a value came from: a text span (char offsets), a FHIR resource path, a CT
    measurement or a dictated statement."""

    source: str  # "record", "dictation", "ct", "guideline"
    file: str = ""
    start: int | None = None  # character offsets into the text (end exclusive)
    end: int | None = None
    text: str = ""
    reference: str = ""  # FHIR "Observation/obs-1", CT finding id, statement id
    path: str = ""  # FHIR element path inside the resource ("valueQuantity.value")
    start_s: float | None = None  # dictation audio time span
    end_s: float | None = None


class RecordItem(BaseModel):
    """One problem, medication, allergy, vital sign or lab value from the record."""

    name: str
    value: float | str | None = None
    unit: str = ""
    detail: str = ""  # dose and frequency, reaction, clinical status, date
    evidence: Evidence


class Smoking(BaseModel):
    """Tobacco history as far as the record states it."""

    status: Literal["current", "former", "never", "unknown"] = "unknown"
    pack_years: float | None = None
    evidence: list[Evidence] = Field(default_factory=list)


class HealthRecord(BaseModel):
    """Result of ``medical.record``: the patient's relevant history, each item with its source."""

    draft_notice: str = DRAFT_NOTICE
    source_file: str
    source_kind: Literal["text", "fhir"]
    patient_id: str = ""
    age_years: int | None = None
    age_evidence: Evidence | None = None
    sex: Literal["female", "male", "other", "unknown"] = "unknown"
    sex_evidence: Evidence | None = None
    problems: list[RecordItem] = Field(default_factory=list)
    smoking: Smoking = Field(default_factory=Smoking)
    prior_cancer: list[RecordItem] = Field(default_factory=list)
    medications: list[RecordItem] = Field(default_factory=list)
    allergies: list[RecordItem] = Field(default_factory=list)
    no_known_allergies: bool = False
    vitals: list[RecordItem] = Field(default_factory=list)
    labs: list[RecordItem] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)


class Statement(BaseModel):
    """One structured statement from a dictation ("8 mm solid nodule, right upper lobe")."""

    id: str
    text: str
    finding: str  # normalised finding name ("nodule", "pleural effusion", ...)
    negated: bool = False
    laterality: Literal["right", "left", "bilateral", ""] = ""
    lobe: str = ""  # "upper", "middle", "lower" or ""
    location: str = ""  # segment or other location words
    size_mm: float | None = None
    composition: str = ""  # "solid", "part solid", "ground glass", "calcified"
    multiple: bool = False
    evidence: Evidence


class DictationResult(BaseModel):
    """Result of ``medical.dictation``."""

    draft_notice: str = DRAFT_NOTICE
    source_file: str
    transcript: str
    statements: list[Statement]
    duration_s: float
    engine: str
    adapted: bool  # the radiology LM and pronunciations were used
    words: list[tuple[str, float | None, float | None, float | None]] = Field(default_factory=list)


class ReportStatement(BaseModel):
    """A sentence of the draft report and the evidence it rests on."""

    text: str
    evidence: list[Evidence] = Field(default_factory=list)


class Recommendation(BaseModel):
    """A follow-up recommendation and the guideline row it came from."""

    text: str
    guideline: str = "Fleischner Society 2017"
    nodule_type: str = ""
    nodule_count: Literal["single", "multiple", ""] = ""
    size_mm: float | None = None
    risk: Literal["low", "high", "not applicable", ""] = ""
    risk_reasons: list[str] = Field(default_factory=list)
    evidence: list[Evidence] = Field(default_factory=list)


class DraftReport(BaseModel):
    """Technique, findings, impression and recommendations of the draft."""

    draft_notice: str = DRAFT_NOTICE
    technique: list[ReportStatement] = Field(default_factory=list)
    clinical_history: list[ReportStatement] = Field(default_factory=list)
    findings: list[ReportStatement] = Field(default_factory=list)
    impression: list[ReportStatement] = Field(default_factory=list)
    recommendations: list[Recommendation] = Field(default_factory=list)


class ConsistencyCheck(BaseModel):
    """A disagreement between dictation and measurement the radiologist should resolve."""

    kind: Literal["laterality_mismatch", "size_mismatch", "dictated_not_found",
                  "ct_not_dictated", "negation_conflict"]
    severity: Literal["warning", "info"] = "warning"
    message: str
    evidence: list[Evidence] = Field(default_factory=list)


class StudyResult(BaseModel):
    """Result of ``medical.study``: the draft report, checks and artefact paths."""

    draft_notice: str = DRAFT_NOTICE
    status: Literal["draft"] = "draft"
    study_uid: str
    series_uid: str
    report: DraftReport
    checks: list[ConsistencyCheck]
    ct: dict
    record: HealthRecord | None = None
    dictation: DictationResult | None = None
    json_path: str
    pdf_path: str
    sr_path: str
    sr_sop_instance_uid: str
