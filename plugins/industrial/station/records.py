"""Inspection records: one per part, joining image verdict, machine state and voice note.

Records live in the core store (kind ``industrial.inspection``, key = part serial, group
= line). Operator confirm/override decisions are written into the same record (and the
audit trail), and :func:`feedback_images` turns them into extra training examples for
the next ``industrial.fit --set use_feedback=true``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from core.errors import UserError

INSPECTION_KIND = "industrial.inspection"
NOTE_KIND = "industrial.note"
READING_KIND = "industrial.reading"


def latest_machine_state(store, machine: str | None) -> dict[str, Any] | None:
    """The newest vibration reading of ``machine`` (None when there is none)."""
    if not machine:
        return None
    rows = store.list_records(READING_KIND, group_key=machine, limit=1)
    if not rows:
        return None
    return dict(rows[0].payload, time=rows[0].created_at.isoformat())


def note_for(store, serial: str) -> dict[str, Any] | None:
    """The operator voice note attached to a part serial, if any."""
    rec = store.get_record(NOTE_KIND, serial)
    return dict(rec.payload) if rec else None


def save_inspection(store, *, serial: str, payload: dict[str, Any], line: str, actor: str,
                    job_id: str) -> None:
    """Create or replace the part's record (a re-inspection replaces the verdict)."""
    store.put_record(INSPECTION_KIND, serial, payload, actor=actor, group_key=line,
                     status=payload["verdict"], job_id=job_id)


def attach_note(store, serial: str, note: dict[str, Any], actor: str, job_id: str) -> None:
    """Store a voice note for ``serial`` and join it into the part's record if it exists."""
    store.put_record(NOTE_KIND, serial, note, actor=actor, group_key=note.get("line"),
                     job_id=job_id)
    rec = store.get_record(INSPECTION_KIND, serial)
    if rec is not None:
        payload = dict(rec.payload, note=note)
        store.put_record(INSPECTION_KIND, serial, payload, actor=actor)


def record_feedback(store, serial: str, decision: str, actor: str, reason: str = "",
                    defect_type: str | None = None) -> dict[str, Any]:
    """Operator confirms or overrides a verdict; an override needs a reason. Returns the record."""
    rec = store.get_record(INSPECTION_KIND, serial)
    if rec is None:
        raise UserError(f"no inspection record for part {serial!r}")
    if decision not in ("confirm", "override"):
        raise UserError(f"decision must be 'confirm' or 'override', not {decision!r}")
    if decision == "override" and not reason.strip():
        raise UserError("an override needs a reason (what the operator saw)")
    payload = dict(rec.payload)
    model_verdict = payload["verdict"]
    final = model_verdict if decision == "confirm" else ("pass" if model_verdict == "fail" else "fail")
    payload["feedback"] = {
        "decision": decision, "model_verdict": model_verdict, "final_verdict": final,
        "reason": reason.strip(), "defect_type": defect_type, "by": actor,
        "at": datetime.now(UTC).isoformat(),
    }
    store.put_record(INSPECTION_KIND, serial, payload, actor=actor, status=final)
    store.audit(actor, f"industrial.feedback.{decision}", INSPECTION_KIND, serial,
                model_verdict=model_verdict, final_verdict=final, reason=reason.strip())
    return payload


def final_verdict(payload: dict[str, Any]) -> str:
    """The operator's verdict when given, else the model's."""
    return (payload.get("feedback") or {}).get("final_verdict") or payload["verdict"]


def feedback_images(store, line: str) -> tuple[list[Path], list[Path]]:
    """(good, defective) images the operators decided on for ``line`` (files still present)."""
    good, bad = [], []
    for rec in store.list_records(INSPECTION_KIND, group_key=line, limit=10_000):
        fb = rec.payload.get("feedback")
        image = Path(rec.payload.get("image_path", ""))
        if not fb or not image.is_file():
            continue
        (good if fb["final_verdict"] == "pass" else bad).append(image)
    return good, bad


def shift_counters(store, line: str | None = None, shift: str | None = None,
                   since: datetime | None = None) -> dict[str, Any]:
    """Parts, rejects, reject rate and throughput (parts/hour) for the station's header."""
    rows = store.list_records(INSPECTION_KIND, group_key=line, limit=100_000)
    picked = [r for r in rows
              if (shift is None or r.payload.get("shift") == shift)
              and (since is None or _aware(r.created_at) >= since)]
    parts = len(picked)
    rejects = sum(1 for r in picked if final_verdict(r.payload) == "fail")
    overrides = sum(1 for r in picked if (r.payload.get("feedback") or {}).get("decision") == "override")
    throughput = 0.0
    if parts >= 2:
        times = sorted(_aware(r.created_at) for r in picked)
        hours = max((times[-1] - times[0]) / timedelta(hours=1), 1 / 60)
        throughput = parts / hours
    return {"parts": parts, "rejects": rejects,
            "reject_rate": round(rejects / parts, 4) if parts else 0.0,
            "overrides": overrides, "throughput_parts_per_hour": round(throughput, 1)}


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
