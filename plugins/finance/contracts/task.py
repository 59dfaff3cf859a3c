"""finance.contract: read a contract PDF, extract fields, detect the 41 CUAD clauses, flag risks.

Order of work: read the PDF (page by page) -> section structure -> score detector units
-> fields by rules (optionally overlaid by the LLM, quote-checked) -> risk rules. Every
value carries the span it came from, turned into page + box evidence at the end.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from core.tasks import InputSpec, TaskContext, TaskSpec
from plugins.finance.contracts import fields as F
from plugins.finance.contracts.categories import CUAD_CATEGORIES, VALUE_CATEGORIES, answer_column
from plugins.finance.contracts.detector import get_detector
from plugins.finance.contracts.llm import llm_fields
from plugins.finance.contracts.models import (
    Amount,
    Clause,
    ClauseMatch,
    ContractFields,
    ContractParams,
    ContractResult,
    Evidence,
    LiabilityCap,
    PageDetail,
    Party,
    PaymentTerms,
    Risk,
    SectionOut,
    TableOut,
)
from plugins.finance.contracts.reader import ContractText, read_contract
from plugins.finance.contracts.risks import RiskContext, evaluate, load_rules
from plugins.finance.contracts.segments import split_segments, unit_contexts
from plugins.finance.contracts.structure import Section, parse_sections, section_at

TASK_NAME = "finance.contract"
SCORE_BATCH = 2000  # units scored at once: bounds memory on very long contracts
MAX_MATCHES = 3


def run(ctx: TaskContext, inputs: list[Path], params: ContractParams) -> ContractResult:
    """Run finance.contract on one PDF."""
    path = inputs[0]
    doc = read_contract(path, password=params.password, max_pages=params.max_pages,
                        use_ocr=params.use_ocr, ocr_dpi=params.ocr_dpi,
                        ocr_language=params.ocr_language,
                        progress=lambda done, total: ctx.progress(done, total + 2,
                                                                  f"read page {done}/{total}"))
    for warning in doc.warnings:
        ctx.log.warning("%s", warning)
    n = len(doc.pages)
    sections = parse_sections(doc.text)
    ctx.progress(n, n + 2, "detecting clauses")
    detector = get_detector(ctx)
    clauses = detect_clauses(doc, sections, detector)
    ctx.progress(n + 1, n + 2, "extracting fields")
    fields = extract_fields(doc)
    llm_used = False
    if params.use_llm:
        llm_used = llm_fields(ctx, doc, fields)
    _fill_value_clauses(clauses, fields, doc)
    rules_path = _rules_path(params)
    risk_ctx = RiskContext({c.category: c.model_dump() for c in clauses},
                           fields.model_dump(), [p.model_dump() for p in fields.parties],
                           params.our_party)
    risks = [Risk(**r) for r in evaluate(load_rules(rules_path), risk_ctx)]
    text_file = ctx.artifact("contract_text.txt", kind="text",
                             description="text as read, in reading order")
    text_file.write_text(doc.text, encoding="utf-8")
    ctx.progress(n + 2, n + 2, "done")
    return ContractResult(
        document=path.name, fields=fields, clauses=clauses, risks=risks, pages=n,
        page_details=[PageDetail(number=p.number, width=p.width, height=p.height,
                                 method=p.method, columns=p.columns, tables=p.tables)
                      for p in doc.pages],
        sections=[_section_out(s, doc) for s in sections[:2000]],
        tables=[TableOut(page=t.page, bbox=list(t.bbox), rows=t.rows) for t in doc.tables],
        warnings=doc.warnings, text_chars=len(doc.text),
        detector={"kind": "tfidf+linear-svm" if detector.context_vectorizer is None
                  else "tfidf+neighbours+linear-svm", "trained_on": "CUAD v1 (The Atticus Project, "
                  "CC BY 4.0)", "cv_macro_f1": detector.metrics.get("macro_f1"),
                  "cv_micro_f1": detector.metrics.get("micro_f1")},
        llm_used=llm_used)


def _section_out(s: Section, doc: ContractText) -> SectionOut:
    page, bbox = doc.locate(s.start, min(s.end, s.start + 200))
    return SectionOut(id=s.id, title=s.title, level=s.level, start=s.start, end=s.end,
                      page=page, bbox=list(bbox) if bbox else None)


def detect_clauses(doc: ContractText, sections: list[Section], detector) -> list[Clause]:
    """One Clause per CUAD category from the best-scoring units of the document."""
    units = split_segments(doc.text)
    contexts = unit_contexts(doc.text, units) if detector.context_vectorizer is not None else None
    n_cat = len(CUAD_CATEGORIES)
    if units:
        parts = [detector.score([doc.text[s:e] for s, e in units[i:i + SCORE_BATCH]],
                                contexts[i:i + SCORE_BATCH] if contexts else None)
                 for i in range(0, len(units), SCORE_BATCH)]
        scores = np.vstack(parts)
    else:
        scores = np.full((0, n_cat), -10.0, dtype=np.float32)
    conf = detector.confidence(scores) if len(scores) else scores
    out = []
    for j, category in enumerate(detector.categories):
        if not len(scores):
            out.append(Clause(category=category, present=False, confidence=0.0))
            continue
        order = np.argsort(-scores[:, j])
        best = int(order[0])
        present = bool(scores[best, j] >= detector.thresholds[j])
        matches = []
        for k in order[:MAX_MATCHES]:
            if scores[k, j] < detector.thresholds[j] and matches:
                break
            s, e = units[int(k)]
            page, bbox = doc.locate(s, e)
            sec = section_at(sections, s)
            matches.append(ClauseMatch(text=doc.text[s:e], page=page,
                                       bbox=list(bbox) if bbox else None,
                                       confidence=round(float(conf[k, j]), 4),
                                       section=sec.id if sec else None))
        top = matches[0]
        confidence = float(conf[best, j]) if present else 1.0 - float(conf[best, j])
        out.append(Clause(category=category, present=present,
                          text=top.text if present else None,
                          page=top.page if present else None,
                          bbox=top.bbox if present else None,
                          confidence=round(confidence, 4),
                          section=top.section if present else None,
                          matches=matches if present else []))
    return out


def extract_fields(doc: ContractText) -> ContractFields:
    """Rule-based fields with page + box evidence for each."""
    text = doc.text
    evidence: dict[str, Evidence] = {}

    def note(name: str, found: F.Found | None) -> Any:
        if found is None:
            return None
        page, bbox = doc.locate(found.start, found.end)
        evidence[name] = Evidence(quote=text[found.start:found.end][:600], page=page,
                                  bbox=list(bbox) if bbox else None, source="rules")
        return found.value

    parties = []
    for found in F.parties(text):
        page, bbox = doc.locate(found.start, found.end)
        parties.append(Party(name=found.value["name"], role=found.value["role"], page=page,
                             bbox=list(bbox) if bbox else None))
    agreement = F.agreement_date(text)
    effective = F.effective_date(text, agreement)
    term = F.initial_term_months(text)
    start_date = (effective or agreement).value if (effective or agreement) else None
    cap = F.liability_cap(text)
    pay = F.payment_terms(text)
    amounts = []
    for found in F.amounts(text)[:50]:
        page, _ = doc.locate(found.start, found.end)
        amounts.append(Amount(page=page, **found.value))
    result = ContractFields(
        document_name=note("document_name", F.document_name(text)),
        parties=parties,
        agreement_date=note("agreement_date", agreement),
        effective_date=note("effective_date", effective),
        expiration_date=note("expiration_date", F.expiration_date(text, start_date, term)),
        initial_term_months=note("initial_term_months", term),
        renewal_term_months=note("renewal_term_months", F.renewal_term_months(text)),
        notice_period_days=note("notice_period_days", F.notice_period_days(text)),
        governing_law=note("governing_law", F.governing_law(text)),
        amounts=amounts)
    result.document_type = F.document_type(result.document_name)
    if cap:
        note("liability_cap", cap)
        result.liability_cap = LiabilityCap(text=text[cap.start:cap.end][:600], **cap.value)
    if pay:
        note("payment_terms", pay)
        result.payment_terms = PaymentTerms(**pay.value)
    result.evidence = evidence
    return result


# Value categories whose clause the field extractors also locate: a field found by rules
# makes the clause present even when the detector's best unit fell under its threshold.
_FIELD_OF_CATEGORY = {"Document Name": "document_name", "Agreement Date": "agreement_date",
                      "Effective Date": "effective_date", "Expiration Date": "expiration_date",
                      "Renewal Term": "renewal_term_months",
                      "Notice Period To Terminate Renewal": "notice_period_days",
                      "Governing Law": "governing_law"}


def _fill_value_clauses(clauses: list[Clause], fields: ContractFields, doc: ContractText) -> None:
    for clause in clauses:
        name = _FIELD_OF_CATEGORY.get(clause.category)
        ev = fields.evidence.get(name) if name else None
        if clause.category == "Parties" and fields.parties and not clause.present:
            p = fields.parties[0]
            clause.present, clause.text, clause.page, clause.bbox = True, p.name, p.page, p.bbox
            clause.source, clause.confidence = "rules", max(clause.confidence, 0.5)
        elif ev is not None and not clause.present:
            clause.present, clause.text, clause.page, clause.bbox = True, ev.quote, ev.page, ev.bbox
            clause.source, clause.confidence = ev.source, max(clause.confidence, 0.5)


def _rules_path(params: ContractParams) -> Path | None:
    if params.rules_path:
        return Path(params.rules_path).expanduser()
    from core.config import get_settings
    site = get_settings().section("finance.contracts").get("rules_path")
    return Path(site).expanduser() if site else None


def export_row(result: ContractResult | dict) -> dict[str, Any]:
    """One CUAD master-clauses row: per category a text column and an answer column.

    Answers are "Yes"/"No" for the 33 clause categories and the normalised value for the
    eight value categories (parties, dates, law...), as in CUAD's own table.
    """
    if not isinstance(result, ContractResult):
        result = ContractResult.model_validate(result)
    f = result.fields
    values = {
        "Document Name": f.document_name,
        "Parties": "; ".join(f"{p.name} ({p.role})" if p.role else p.name for p in f.parties),
        "Agreement Date": f.agreement_date, "Effective Date": f.effective_date,
        "Expiration Date": f.expiration_date,
        "Renewal Term": f"{f.renewal_term_months} months" if f.renewal_term_months else None,
        "Notice Period To Terminate Renewal": (f"{f.notice_period_days} days"
                                               if f.notice_period_days else None),
        "Governing Law": f.governing_law}
    row: dict[str, Any] = {"Filename": result.document}
    by_cat = {c.category: c for c in result.clauses}
    for category in CUAD_CATEGORIES:
        clause = by_cat.get(category)
        row[category] = (clause.text or "") if clause and clause.present else ""
        if category in VALUE_CATEGORIES:
            row[answer_column(category)] = values.get(category) or ""
        else:
            row[answer_column(category)] = "Yes" if clause and clause.present else "No"
    return row


SPEC = TaskSpec(
    name=TASK_NAME,
    title="Contract review (fields, 41 CUAD clauses, risk flags)",
    run=run,
    result_model=ContractResult,
    params_model=ContractParams,
    inputs=InputSpec(extensions=(".pdf",), min_count=1, max_count=1,
                     description="a contract PDF (text or scanned)"),
    roles=("clause_classifier",),
    queue="finance",
    version="1",
    description="Parties, dates, term, renewal, governing law, liability cap and payment terms; "
                "presence and page evidence for the 41 CUAD clause categories; risk flags from "
                "an editable rules file. Optional `llm` role adds quote-checked fields.",
    export_row=export_row,
)
