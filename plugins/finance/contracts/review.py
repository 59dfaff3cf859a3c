"""Reviewer edits of a contract result and the evidence picture, kept out of the page script.

``confirm_field`` is how a reviewer corrects or confirms a value: the stored result is
replaced (the store audits the change) and the value's evidence is marked
``source="reviewer"``. ``evidence_image`` renders one page with the evidence boxes drawn,
for the review page; it is a single page at screen resolution, cheap enough for the UI.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

EDITABLE_FIELDS = ("document_name", "agreement_date", "effective_date", "expiration_date",
                   "initial_term_months", "renewal_term_months", "notice_period_days",
                   "governing_law")
_INT_FIELDS = {"initial_term_months", "renewal_term_months", "notice_period_days"}


def confirm_field(store, job_id: str, field: str, value: Any, actor: str,
                  note: str = "") -> dict[str, Any]:
    """Set (or confirm) one field of a stored contract result; returns the new payload."""
    from core.errors import UserError

    if field not in EDITABLE_FIELDS:
        raise UserError(f"{field}: not an editable field; choose one of {EDITABLE_FIELDS}")
    payload = store.get_result(job_id)
    if payload is None:
        raise UserError(f"job {job_id}: no stored result to edit")
    if field in _INT_FIELDS and value not in (None, ""):
        try:
            value = int(value)
        except (TypeError, ValueError) as exc:
            raise UserError(f"{field}: {value!r} is not a whole number") from exc
    fields = payload["fields"]
    old = fields.get(field)
    fields[field] = value if value != "" else None
    ev = dict(fields.get("evidence", {}).get(field) or {})
    ev.update({"source": "reviewer", "confirmed_by": actor, "previous": old, "note": note})
    fields.setdefault("evidence", {})[field] = ev
    store.update_result(job_id, payload, actor,
                        {"field": field, "old": old, "new": fields[field], "note": note})
    return payload


def evidence_image(pdf_path: Path, page_number: int, boxes: list[list[float]],
                   password: str | None = None, scale: float = 1.5) -> bytes:
    """PNG of one page with ``boxes`` (PDF points, top-left origin) outlined in red."""
    import pypdfium2 as pdfium
    from PIL import ImageDraw

    pdf = pdfium.PdfDocument(str(pdf_path), password=password or None)
    try:
        page = pdf[page_number - 1]
        image = page.render(scale=scale).to_pil().convert("RGB")
        page.close()
    finally:
        pdf.close()
    draw = ImageDraw.Draw(image)
    for box in boxes:
        x0, top, x1, bottom = (v * scale for v in box)
        draw.rectangle([x0 - 3, top - 3, x1 + 3, bottom + 3], outline=(220, 30, 30), width=3)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
