"""Params and result models of finance.contract (the schema the CLI prints and the UI shows).

Field names follow issue 5 exactly (``fields.parties[].name/role``, ``clauses[].category``,
``risks[].rule``...); extra detail (evidence per field, sections, tables, per-page
reading method) sits next to them so a reviewer can trace every value to its page.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

Source = Literal["rules", "model", "llm", "reviewer"]


class ContractParams(BaseModel):
    """How to read one contract PDF."""

    password: str | None = Field(None, description="password of an encrypted PDF")
    max_pages: int = Field(1000, ge=1, le=20000, description="refuse longer files")
    use_ocr: bool = Field(True, description="OCR pages that have no text layer (Tesseract)")
    ocr_dpi: int = Field(200, ge=100, le=400, description="page render resolution for OCR")
    ocr_language: str = Field("eng", description="Tesseract language code(s), e.g. eng+deu")
    our_party: str | None = Field(None, description="our side (a party name or role, e.g. "
                                  "'Licensee'); direction-aware risk rules need it")
    rules_path: str | None = Field(None, description="risk rules YAML replacing the packaged one")
    use_llm: bool = Field(True, description="ask the configured `llm` role for the fields "
                          "(kept only when its quote is found in the document)")


class Evidence(BaseModel):
    """Where a value was read and which path produced it."""

    quote: str | None = None
    page: int | None = None
    bbox: list[float] | None = None
    source: Source = "rules"


class Party(BaseModel):
    """A contracting party and the role the contract gives it."""

    name: str
    role: str | None = None
    page: int | None = None
    bbox: list[float] | None = None
    source: Source = "rules"


class LiabilityCap(BaseModel):
    """A liability cap: an amount with currency, or the formula when no sum is stated."""

    amount: float | None = None
    currency: str | None = None
    formula: str | None = None
    text: str | None = None


class Amount(BaseModel):
    """A sum of money in the contract."""

    amount: float
    currency: str
    text: str
    page: int | None = None


class PaymentTerms(BaseModel):
    """When invoices fall due."""

    days: int | None = None
    text: str | None = None


class ContractFields(BaseModel):
    """The normalised facts of the contract (ISO dates, months, days, jurisdictions)."""

    document_name: str | None = None
    document_type: str | None = None  # license, distribution, services, amendment, ...
    parties: list[Party] = Field(default_factory=list)
    agreement_date: str | None = None
    effective_date: str | None = None
    expiration_date: str | None = None  # ISO date or "perpetual"
    initial_term_months: int | None = None
    renewal_term_months: int | None = None
    notice_period_days: int | None = None
    governing_law: str | None = None
    liability_cap: LiabilityCap | None = None
    payment_terms: PaymentTerms | None = None
    amounts: list[Amount] = Field(default_factory=list)
    evidence: dict[str, Evidence] = Field(default_factory=dict)


class ClauseMatch(BaseModel):
    """One passage supporting a clause category."""

    text: str
    page: int | None = None
    bbox: list[float] | None = None
    confidence: float
    section: str | None = None


class Clause(BaseModel):
    """One CUAD category: present or not, the best passage, where it is, how sure."""

    category: str
    present: bool
    text: str | None = None
    page: int | None = None
    bbox: list[float] | None = None
    confidence: float
    section: str | None = None
    source: Source = "model"
    matches: list[ClauseMatch] = Field(default_factory=list)


class Risk(BaseModel):
    """A rule from the rules file that fired, with what made it fire."""

    rule: str
    severity: str
    description: str = ""
    evidence: dict[str, Any] = Field(default_factory=dict)


class PageDetail(BaseModel):
    """How one page was read."""

    number: int
    width: float
    height: float
    method: str
    columns: int
    tables: int


class SectionOut(BaseModel):
    """A numbered section (id like "4.1(a)", "Article IV", "Schedule B")."""

    id: str
    title: str
    level: int
    start: int
    end: int
    page: int | None = None
    bbox: list[float] | None = None


class TableOut(BaseModel):
    """A table kept as rows of cells."""

    page: int
    bbox: list[float]
    rows: list[list[str]]


class ContractResult(BaseModel):
    """Everything finance.contract extracts from one PDF."""

    document: str
    fields: ContractFields
    clauses: list[Clause]
    risks: list[Risk]
    pages: int
    page_details: list[PageDetail]
    sections: list[SectionOut]
    tables: list[TableOut]
    warnings: list[str] = Field(default_factory=list)
    text_chars: int = 0
    detector: dict[str, Any] = Field(default_factory=dict)
    llm_used: bool = False
