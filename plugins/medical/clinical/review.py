"""Physician review of a draft: edits and sign-off, stored and audited (the page calls these).

Editing replaces the report text in the stored result (``Store.update_result`` audits
the change); signing stores a ``medical.report_signoff`` record with the final text and
who signed it. Nothing is signed implicitly: the draft stays a draft until then.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

SIGNOFF_KIND = "medical.report_signoff"
SECTIONS = ("findings", "impression")


def report_text(payload: dict[str, Any]) -> dict[str, str]:
    """The editable text of each section (one statement per line) and the recommendations."""
    report = payload["report"]
    text = {name: "\n".join(s["text"] for s in report[name]) for name in SECTIONS}
    text["recommendations"] = "\n".join(r["text"] for r in report["recommendations"])
    return text


def save_edits(store, job_id: str, payload: dict[str, Any], edited: dict[str, str],
               actor: str) -> dict[str, Any]:
    """Store the physician's edited text; statements that were kept keep their evidence."""
    before = report_text(payload)
    changed = {k: v for k, v in edited.items() if v.strip() != before.get(k, "").strip()}
    if not changed:
        return payload
    report = payload["report"]
    for name in SECTIONS:
        if name in changed:
            old = {s["text"]: s["evidence"] for s in report[name]}
            report[name] = [{"text": line.strip(), "evidence": old.get(line.strip(), [])}
                            for line in changed[name].splitlines() if line.strip()]
    if "recommendations" in changed:
        kept = {r["text"]: r for r in report["recommendations"]}
        report["recommendations"] = [
            kept.get(line.strip(), {"text": line.strip(), "guideline": "edited by physician",
                                    "evidence": []})
            for line in changed["recommendations"].splitlines() if line.strip()]
    payload["edited_by"] = actor
    store.update_result(job_id, payload, actor, {"sections": sorted(changed)})
    return payload


def sign_off(store, job_id: str, payload: dict[str, Any], actor: str) -> dict[str, Any]:
    """Record the signed report (final text, signer, time, the SR it corresponds to)."""
    signed = {"job_id": job_id, "signed_by": actor,
              "signed_at": datetime.now(UTC).isoformat(timespec="seconds"),
              "study_uid": payload["study_uid"], "series_uid": payload["series_uid"],
              "sr_sop_instance_uid": payload["sr_sop_instance_uid"],
              "text": report_text(payload),
              "unresolved_checks": [c["message"] for c in payload.get("checks", [])]}
    store.put_record(SIGNOFF_KIND, job_id, signed, actor=actor, group_key=payload["study_uid"],
                     status="signed", job_id=job_id)
    store.audit(actor, "report.sign", "job", job_id, study_uid=payload["study_uid"],
                unresolved_checks=len(signed["unresolved_checks"]))
    return signed


def signed_record(store, job_id: str) -> dict[str, Any] | None:
    """The sign-off of a job's report, if any."""
    rec = store.get_record(SIGNOFF_KIND, job_id)
    return rec.payload if rec is not None else None
