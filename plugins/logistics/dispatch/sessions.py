"""Dispatch sessions as Store records, and the periodic job that re-plans live ones.

A session is one record ``(kind="logistics.session", key=id)`` with status ``active`` or
``closed``. The beat job runs every ``[logistics] replan_every_s`` seconds (default 15):
each live session whose own interval has elapsed gets its pending changes folded in and
is re-planned with a short time limit; a failure in one session never stops the others.
"""

from __future__ import annotations

import logging
import os
import time
from datetime import datetime
from typing import Any

from core.errors import EnclaveError
from core.hookspecs import PeriodicJob
from core.store import Store

SESSION_KIND = "logistics.session"
log = logging.getLogger("enclave.logistics")


def load_session(store: Store, session_id: str) -> dict[str, Any] | None:
    """The session document, or None."""
    rec = store.get_record(SESSION_KIND, session_id)
    return dict(rec.payload) if rec is not None else None


def save_session(store: Store, session: dict[str, Any], *, actor: str,
                 job_id: str | None = None, status: str | None = None) -> None:
    """Create or replace the session record (audited by the Store)."""
    store.put_record(SESSION_KIND, session["id"], session, actor=actor,
                     group_key=session.get("name") or None,
                     status=status or session.get("status") or "active", job_id=job_id)


def list_sessions(store: Store, status: str | None = "active") -> list[dict[str, Any]]:
    """Session documents, newest first."""
    return [dict(r.payload) | {"status": r.status, "updated_at": r.updated_at.isoformat()}
            for r in store.list_records(SESSION_KIND, status=status)]


def replan_every_s() -> float:
    """Beat interval from ENCLAVE_LOGISTICS_REPLAN_EVERY_S or enclave.toml [logistics]."""
    env = os.environ.get("ENCLAVE_LOGISTICS_REPLAN_EVERY_S")
    if env:
        return float(env)
    try:
        from core.config import get_settings
        return float(get_settings().section("logistics").get("replan_every_s", 15.0))
    except Exception:  # noqa: BLE001 - settings unreadable: fall back to the issue's 15 s
        return 15.0


def wall_clock_s() -> int:
    """Seconds since local midnight (the clock of a session with ``clock: wall``)."""
    now = datetime.now()
    return now.hour * 3600 + now.minute * 60 + now.second


def replan_due_sessions(store: Store | None = None, *, force: bool = False) -> dict[str, Any]:
    """Re-plan every live session that is due; returns counts and per-session errors."""
    from plugins.logistics.dispatch.replan import replan_session

    store = store or Store()
    done, skipped, errors = 0, 0, {}
    for rec in store.list_records(SESSION_KIND, status="active"):
        session = dict(rec.payload)
        if not session.get("live"):
            continue
        every = float(session.get("every_s", 15.0))
        last = float(session.get("last_replan_epoch", 0.0))
        idle = session.get("clock") != "wall" and not session.get("pending")
        if not force and (idle or time.time() - last < every * 0.9):
            skipped += 1
            continue
        now_s = wall_clock_s() if session.get("clock") == "wall" else None
        try:
            replan_session(session, time_limit_s=float(session.get("time_limit_s", 1.2)),
                           now_s=now_s, source=f"session {rec.key}")
        except EnclaveError as exc:
            errors[rec.key] = str(exc)
            session["last_error"] = str(exc)
        except Exception as exc:  # noqa: BLE001 - one broken session must not stop the rest
            log.exception("re-planning session %s failed", rec.key)
            errors[rec.key] = f"{type(exc).__name__}: {exc}"
            session["last_error"] = errors[rec.key]
        session["last_replan_epoch"] = time.time()
        save_session(store, session, actor="logistics.beat")
        done += 1
    return {"replanned": done, "skipped": skipped, "errors": errors}


def periodic_jobs(register) -> None:
    """Register the live re-planning beat job on the logistics queue."""
    register(PeriodicJob(name="logistics.replan_sessions", run=replan_due_sessions,
                         every_s=replan_every_s(), queue="logistics",
                         description="re-plan live dispatch sessions (pending changes, "
                                     "traffic, progress)"))
