"""AML cases: alerts grouped into a case an analyst works to a decision, with a full trail.

Cases and alerts live in the Store's generic records (``finance.aml_case``,
``finance.aml_alert``); every change goes through ``put_record`` (audited as a record
change) and an explicit ``Store.audit`` event naming the action, so the trail shows who
opened, assigned, noted, escalated and closed what, and when. Closing needs a reason.
The SAR narrative draft is built from the case's facts only: a template always, an LLM
when one is configured, and the LLM text is kept only if every number and account it
mentions is among the case's facts.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.errors import UserError
from core.store import Store

CASE_KIND = "finance.aml_case"
ALERT_KIND = "finance.aml_alert"
STATUSES = ("new", "investigating", "escalated", "closed_sar", "closed_no_action")
CLOSED = ("closed_sar", "closed_no_action")
TRANSITIONS = {
    "new": {"investigating", "escalated", "closed_no_action"},
    "investigating": {"escalated", "closed_sar", "closed_no_action"},
    "escalated": {"investigating", "closed_sar", "closed_no_action"},
    "closed_sar": {"investigating"},  # reopening is allowed, and audited
    "closed_no_action": {"investigating"},
}
PROMPT = Path(__file__).parent / "prompts" / "sar_narrative.txt"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def get_case(store: Store, case_id: str) -> dict[str, Any]:
    """The case payload (with its status); a UserError when it does not exist."""
    rec = store.get_record(CASE_KIND, case_id)
    if rec is None:
        raise UserError(f"no AML case {case_id!r}")
    return {**rec.payload, "status": rec.status}


def _save(store: Store, case: dict[str, Any], actor: str) -> dict[str, Any]:
    store.put_record(CASE_KIND, case["id"], {k: v for k, v in case.items() if k != "status"},
                     actor=actor, group_key=case.get("assignee") or "", status=case["status"])
    return case


def open_case(store: Store, alert_ids: list[str], *, actor: str, assignee: str | None = None,
              title: str = "") -> dict[str, Any]:
    """A new case from stored alerts; each alert is marked as belonging to it."""
    if not alert_ids:
        raise UserError("a case needs at least one alert id")
    alerts = []
    for aid in alert_ids:
        rec = store.get_record(ALERT_KIND, aid)
        if rec is None:
            raise UserError(f"no stored alert {aid!r} (run finance.aml first; only the top "
                            "alerts of a run are stored)")
        if rec.payload.get("case_id"):
            raise UserError(f"alert {aid} is already in case {rec.payload['case_id']}")
        alerts.append(rec)
    case_id = f"CASE-{uuid.uuid4().hex[:10]}"
    snaps = [_snapshot(r.payload) for r in alerts]
    accounts = list(dict.fromkeys(a for s in snaps for a in s["accounts"]))
    case = {"id": case_id, "title": title or f"{snaps[0]['typology']} involving {accounts[0]}",
            "alerts": snaps, "accounts": accounts, "assignee": assignee or "",
            "notes": [], "sar_draft": None, "opened_by": actor, "opened_at": _now(),
            "status": "new"}
    _save(store, case, actor)
    for rec in alerts:
        store.put_record(ALERT_KIND, rec.key, {**rec.payload, "case_id": case_id}, actor=actor,
                         status="in_case")
    store.audit(actor, "aml_case.open", CASE_KIND, case_id, alerts=alert_ids,
                assignee=assignee or "")
    return case


def _snapshot(alert: dict[str, Any]) -> dict[str, Any]:
    """What a case keeps of an alert (the facts a SAR may cite)."""
    keys = ("id", "typology", "typologies", "accounts", "score", "explanation", "start_time",
            "end_time", "total_amount", "currency", "job_id")
    snap = {k: alert.get(k) for k in keys}
    snap["transaction_count"] = len(alert.get("transactions", []))
    snap["transactions"] = alert.get("transactions", [])[:200]
    return snap


def assign(store: Store, case_id: str, assignee: str, *, actor: str) -> dict[str, Any]:
    """Give the case to an analyst."""
    case = get_case(store, case_id)
    before = case.get("assignee", "")
    case["assignee"] = assignee
    _save(store, case, actor)
    store.audit(actor, "aml_case.assign", CASE_KIND, case_id, before=before, after=assignee)
    return case


def add_note(store: Store, case_id: str, text: str, *, actor: str) -> dict[str, Any]:
    """Append an analyst note (notes are never edited or removed)."""
    if not text.strip():
        raise UserError("a note cannot be empty")
    case = get_case(store, case_id)
    case["notes"].append({"author": actor, "time": _now(), "text": text.strip()})
    _save(store, case, actor)
    store.audit(actor, "aml_case.note", CASE_KIND, case_id, length=len(text))
    return case


def set_status(store: Store, case_id: str, status: str, *, actor: str,
               note: str = "") -> dict[str, Any]:
    """Move the case along its workflow; closing (either way) needs a reason."""
    if status not in STATUSES:
        raise UserError(f"unknown case status {status!r}; one of {', '.join(STATUSES)}")
    case = get_case(store, case_id)
    before = case["status"]
    if status not in TRANSITIONS[before]:
        raise UserError(f"case {case_id} is {before}; it can go to "
                        f"{', '.join(sorted(TRANSITIONS[before]))}, not {status}")
    if status in CLOSED and not note.strip():
        raise UserError(f"closing case {case_id} as {status} needs a reason (note)")
    if status == "closed_sar" and not case.get("sar_draft"):
        raise UserError(f"case {case_id}: draft the SAR narrative before closing with a SAR")
    if note.strip():
        case["notes"].append({"author": actor, "time": _now(), "text": note.strip(),
                              "status_change": f"{before} -> {status}"})
    case["status"] = status
    _save(store, case, actor)
    store.audit(actor, "aml_case.status", CASE_KIND, case_id, before=before, after=status)
    return case


def history(store: Store, case_id: str) -> list[dict[str, Any]]:
    """The case's audit trail, oldest first."""
    events = store.audit_events(object_id=case_id, limit=10_000)
    return [{"time": e.time.isoformat(timespec="seconds"), "actor": e.actor,
             "action": e.action, "detail": e.detail} for e in reversed(events)]


# ---- SAR narrative ---------------------------------------------------------------------
def case_facts(case: dict[str, Any]) -> dict[str, Any]:
    """The only facts a narrative may use."""
    alerts = case["alerts"]
    return {
        "case_id": case["id"], "subject_accounts": case["accounts"][:20],
        # (alerts stored before they carried a time span have none: "" then)
        "activity_start": min((a["start_time"] for a in alerts if a.get("start_time")),
                              default=""),
        "activity_end": max((a["end_time"] for a in alerts if a.get("end_time")), default=""),
        "currency": alerts[0].get("currency") or "USD",
        "total_amount": round(sum(a["total_amount"] or 0 for a in alerts), 2),
        "transaction_count": sum(a["transaction_count"] for a in alerts),
        "patterns": [{"typology": a["typology"], "amount": a["total_amount"] or 0.0,
                      "transactions": a["transaction_count"], "start": a["start_time"] or "",
                      "end": a["end_time"] or "", "why_flagged": a["explanation"]}
                     for a in alerts],
        "analyst_notes": [n["text"] for n in case.get("notes", [])],
    }


def template_narrative(facts: dict[str, Any]) -> str:
    """Deterministic narrative: every sentence is filled from ``facts``."""
    cur = facts["currency"]
    accts = ", ".join(facts["subject_accounts"][:8])
    more = len(facts["subject_accounts"]) - 8
    lines = [
        f"Between {facts['activity_start'][:10]} and {facts['activity_end'][:10]}, account(s) "
        f"{accts}{f' and {more} others' if more > 0 else ''} took part in "
        f"{facts['transaction_count']} transactions totalling {facts['total_amount']:,.2f} {cur} "
        f"that transaction monitoring flagged under case {facts['case_id']}."]
    for p in facts["patterns"]:
        lines.append(f"Pattern {p['typology'].replace('_', ' ')} ({p['transactions']} "
                     f"transactions, {p['amount']:,.2f} {cur}, {p['start'][:10]} to "
                     f"{p['end'][:10]}): {p['why_flagged']}")
    if facts["analyst_notes"]:
        lines.append("Analyst review notes: " + " ".join(facts["analyst_notes"]))
    return "\n\n".join(lines)


_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")


def _numbers(text: str) -> set[float]:
    return {float(n.replace(",", "")) for n in _NUMBER.findall(text)}


def _grounded(text: str, facts: dict[str, Any]) -> bool:
    """Every number and account-like token in ``text`` appears in the facts."""
    blob = json.dumps(facts)
    known = _numbers(blob)
    for value in _numbers(text):
        if value >= 10 and not any(abs(value - k) < 0.006 for k in known):
            return False
    return all(tok in blob for tok in re.findall(r"\b\d+:[0-9A-Fa-f]{6,}\b", text))


def draft_sar(store: Store, case_id: str, *, actor: str, use_llm: bool = True
              ) -> dict[str, Any]:
    """Write the SAR narrative draft into the case and return {'text', 'source', 'note'}."""
    case = get_case(store, case_id)
    facts = case_facts(case)
    text, source, note = template_narrative(facts), "template", ""
    if use_llm:
        try:
            from core.inference import NoModelConfigured, get_core
        except ImportError:
            note = "inference core not installed; template used"
        else:
            try:
                out = get_core().generate(PROMPT.read_text().format(
                    facts=json.dumps(facts, indent=1)), role="llm")
                out = out if isinstance(out, str) else json.dumps(out)
                if out.strip() and _grounded(out, facts):
                    text, source = out.strip(), "llm"
                else:
                    note = "LLM draft cited facts not in the case; template used"
            except NoModelConfigured:
                note = "no LLM configured; template used"
    draft = {"text": text, "source": source, "note": note, "drafted_by": actor,
             "drafted_at": _now(), "facts": facts}
    case["sar_draft"] = draft
    _save(store, case, actor)
    store.audit(actor, "aml_case.sar_draft", CASE_KIND, case_id, source=source)
    return draft
