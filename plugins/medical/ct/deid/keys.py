"""Per-project secrets: one random key per project drives UID remapping and date shifts.

Keyed hashing (HMAC-SHA256) makes the mapping consistent (the same UID or patient ID
always maps to the same pseudonym within a project, so studies stay linked) but not
reversible or guessable without the key. The key is created on first use and kept as
a store record, so every worker and every run of the project agree.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

RECORD_KIND = "medical.deid_key"
MIN_SHIFT_DAYS, SHIFT_RANGE_DAYS = 365, 3650


@dataclass(frozen=True)
class ProjectKey:
    """The secret of one project and the values derived from it."""

    project: str
    secret: bytes

    def digest(self, purpose: str, value: str) -> bytes:
        """HMAC of ``value`` for one purpose (UIDs and IDs never share a hash space)."""
        return hmac.new(self.secret, f"{purpose}\x00{value}".encode(), hashlib.sha256).digest()

    @property
    def fingerprint(self) -> str:
        """Short public identifier of the key (written into outputs to detect re-runs)."""
        return hashlib.sha256(b"fingerprint" + self.secret).hexdigest()[:12]

    @property
    def date_shift_days(self) -> int:
        """Days every date of this project moves back (1-11 years, fixed per project)."""
        n = int.from_bytes(self.digest("date-shift", self.project)[:4], "big")
        return -(MIN_SHIFT_DAYS + n % SHIFT_RANGE_DAYS)

    def uid(self, original: str) -> str:
        """A consistent replacement UID under the 2.25 (UUID-derived) root, <= 64 chars."""
        return "2.25." + str(int.from_bytes(self.digest("uid", original)[:16], "big"))

    def pseudonym(self, kind: str, original: str, length: int = 10) -> str:
        """A consistent pseudonym such as ``ANON-3F9A0C21B7`` for an ID or a name."""
        return f"ANON-{self.digest(kind, original).hex()[:length].upper()}"

    def shift_date(self, value: dt.date) -> dt.date:
        """``value`` moved by the project's shift."""
        return value + dt.timedelta(days=self.date_shift_days)


def project_key(store, project: str, actor: str = "system") -> ProjectKey:
    """The project's key from the store, created (and audited) on first use."""
    record = store.get_record(RECORD_KIND, project)
    if record is not None and record.payload.get("secret_hex"):
        return ProjectKey(project, bytes.fromhex(record.payload["secret_hex"]))
    secret = secrets.token_bytes(32)
    store.put_record(RECORD_KIND, project, {"secret_hex": secret.hex(), "algorithm":
                                            "HMAC-SHA256"}, actor=actor, status="active")
    return ProjectKey(project, secret)
