"""Optional LLM path: ask the configured `llm` role for the fields, keep only quoted facts.

The model must return a verbatim quote for each value; a value whose quote is not found
in the document text (whitespace and case aside) is dropped, so the model cannot add
facts the contract does not state. Values kept replace the rule-based ones and are
marked ``source="llm"``. Without an `llm` role (``NoModelConfigured``) nothing changes.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from plugins.finance.contracts.models import ContractFields, Evidence, Party
from plugins.finance.contracts.normalise import find_dates

PROMPT = Path(__file__).resolve().parents[1] / "prompts" / "contract_fields.txt"
EXCERPT_CHARS = 12000
_QUOTED = {"type": ["object", "null"],
           "properties": {"value": {"type": ["string", "integer", "null"]},
                          "quote": {"type": ["string", "null"]}},
           "required": ["value", "quote"]}
SCALAR_FIELDS = ("document_name", "agreement_date", "effective_date", "expiration_date",
                 "renewal_term_months", "notice_period_days", "governing_law")
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        **{name: _QUOTED for name in SCALAR_FIELDS},
        "parties": {"type": "array", "items": {
            "type": "object",
            "properties": {"name": {"type": "string"}, "role": {"type": ["string", "null"]},
                           "quote": {"type": "string"}},
            "required": ["name", "quote"]}},
    },
    "required": [*SCALAR_FIELDS, "parties"],
}


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def excerpt(text: str) -> str:
    """The part of the contract sent to the model: the opening, then law and term clauses."""
    head = text[:EXCERPT_CHARS // 2]
    tail_bits = []
    for pattern in (r"govern", r"\brenew", r"\bterm\b", r"expir"):
        for m in list(re.finditer(pattern, text[EXCERPT_CHARS // 2:], re.IGNORECASE))[:2]:
            s = EXCERPT_CHARS // 2 + m.start()
            tail_bits.append(text[max(0, s - 300):s + 600])
    return (head + "\n...\n" + "\n...\n".join(tail_bits))[:EXCERPT_CHARS]


def llm_fields(ctx, doc, fields: ContractFields) -> bool:
    """Overlay quote-checked LLM values on ``fields``; True when the model answered."""
    try:
        from core.inference import InvalidGeneration, ModelMissing, NoModelConfigured
        core = ctx.models
    except ImportError:  # no inference core in this build: the rule-based fields stand
        return False
    prompt = PROMPT.read_text(encoding="utf-8").replace("{document}", excerpt(doc.text))
    try:
        answer = core.generate(prompt, json_schema=SCHEMA, role="llm")
    except NoModelConfigured:
        return False
    except (ModelMissing, InvalidGeneration) as exc:
        # A configured but broken model must not fail the review: fields stay rule-based.
        ctx.log.warning("llm role unusable (%s); keeping rule-based fields", exc)
        doc.warnings.append(f"LLM not used: {exc}")
        return False
    if isinstance(answer, str):
        try:
            answer = json.loads(answer)
        except json.JSONDecodeError:
            ctx.log.warning("llm answer is not JSON; keeping rule-based fields")
            return True
    if not isinstance(answer, dict):
        return True
    apply_answer(answer, doc, fields)
    return True


def verified_span(doc, quote: str | None) -> tuple[int, int] | None:
    """Span of ``quote`` in the document text, or None when it is not there verbatim."""
    if not quote or len(quote.strip()) < 3:
        return None
    squashed = _squash(quote)
    text = doc.text
    low = text.lower()
    first = squashed.split(" ")[0]
    pos = low.find(first)
    while pos >= 0:  # compare whitespace-insensitively from each occurrence of the first word
        window = _squash(text[pos:pos + len(quote) * 2 + 50])
        if window.startswith(squashed):
            return pos, pos + len(quote)
        pos = low.find(first, pos + 1)
    return None


def apply_answer(answer: dict[str, Any], doc, fields: ContractFields) -> None:
    """Keep each LLM value whose quote is in the document; record it as source="llm"."""
    for name in SCALAR_FIELDS:
        item = answer.get(name)
        if not isinstance(item, dict) or item.get("value") in (None, ""):
            continue
        span = verified_span(doc, item.get("quote"))
        value = _normalised(name, item["value"])
        if span is None or value is None:
            continue
        setattr(fields, name, value)
        page, bbox = doc.locate(*span)
        fields.evidence[name] = Evidence(quote=doc.text[span[0]:span[1]], page=page,
                                         bbox=list(bbox) if bbox else None, source="llm")
    parties = []
    for item in answer.get("parties") or []:
        if not isinstance(item, dict) or not item.get("name"):
            continue
        span = verified_span(doc, item.get("quote"))
        if span is None or _squash(item["name"]) not in _squash(doc.text[span[0]:span[1]]):
            continue
        page, bbox = doc.locate(*span)
        parties.append(Party(name=item["name"], role=item.get("role"), page=page,
                             bbox=list(bbox) if bbox else None, source="llm"))
    if parties:
        fields.parties = parties
    if fields.evidence.get("document_name") and fields.evidence["document_name"].source == "llm":
        from plugins.finance.contracts.fields import document_type
        fields.document_type = document_type(fields.document_name)


def _normalised(name: str, value: Any) -> Any:
    """Coerce the model's value to the field's form; None when it cannot be."""
    if name in ("renewal_term_months", "notice_period_days"):
        try:
            return int(value)
        except (TypeError, ValueError):
            return None
    value = str(value).strip()
    if name.endswith("_date"):
        if name == "expiration_date" and value.lower() == "perpetual":
            return "perpetual"
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return value
        dates = find_dates(value)
        return dates[0][2] if dates else None
    return value or None
