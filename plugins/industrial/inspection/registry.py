"""Versioned line models under ``ENCLAVE_HOME/models/industrial/<line>/v0001/``.

Every fit writes a new version folder and moves the line's ``current`` pointer; nothing
is overwritten, so a bad re-fit is undone with ``enclave industrial rollback``.
"""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.config import get_settings
from core.errors import UserError

LINE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def check_line(line: str) -> str:
    """The line name if it is safe as a folder name; UserError otherwise."""
    if not LINE_NAME.match(line or ""):
        raise UserError(f"line name {line!r}: use letters, digits, '-', '_' or '.' "
                        "(at most 64 characters), e.g. --set line=press-3")
    return line


def line_dir(line: str) -> Path:
    """Folder holding every version of one line's model."""
    return get_settings().models_dir / "industrial" / check_line(line)


def versions(line: str) -> list[dict[str, Any]]:
    """Metadata of every stored version of ``line``, oldest first, with ``current`` marked."""
    root = line_dir(line)
    if not root.is_dir():
        return []
    current = current_version(line)
    out = []
    for folder in sorted(root.glob("v[0-9][0-9][0-9][0-9]")):
        meta_path = folder / "meta.json"
        if meta_path.is_file():
            meta = json.loads(meta_path.read_text())
            meta["current"] = meta.get("version") == current
            out.append(meta)
    return out


def current_version(line: str) -> int | None:
    """Version number the line currently uses, or None when it was never fitted."""
    pointer = line_dir(line) / "current.json"
    if not pointer.is_file():
        return None
    return int(json.loads(pointer.read_text())["version"])


def new_version_dir(line: str) -> tuple[int, Path]:
    """Create the next version's folder (numbers are never reused)."""
    root = line_dir(line)
    root.mkdir(parents=True, exist_ok=True)
    existing = [int(p.name[1:]) for p in root.glob("v[0-9][0-9][0-9][0-9]")]
    number = max(existing, default=0) + 1
    folder = root / f"v{number:04d}"
    folder.mkdir()
    return number, folder


def version_dir(line: str, version: int) -> Path:
    """Folder of one version; UserError when it does not exist."""
    folder = line_dir(line) / f"v{version:04d}"
    if not (folder / "meta.json").is_file():
        known = [m["version"] for m in versions(line)]
        raise UserError(f"line {line!r} has no version {version}; versions: {known or 'none'}")
    return folder


def set_current(line: str, version: int, actor: str, reason: str = "") -> None:
    """Point the line at ``version`` (atomic rename so readers never see half a file)."""
    version_dir(line, version)
    pointer = line_dir(line) / "current.json"
    tmp = pointer.with_suffix(".tmp")
    tmp.write_text(json.dumps({"version": version, "set_by": actor, "reason": reason,
                               "set_at": datetime.now(UTC).isoformat()}))
    os.replace(tmp, pointer)


def current_dir_or_explain(line: str) -> tuple[int, Path]:
    """(version, folder) of the line's current model, or a UserError saying how to fit one."""
    version = current_version(line)
    if version is None:
        raise UserError(f"line {line!r} has no fitted model; fit one from 20 or more good "
                        f"images: enclave run industrial.fit GOOD_DIR --set line={line}")
    return version, version_dir(line, version)


def rollback(line: str, actor: str, to_version: int | None = None) -> int:
    """Make an older version current (the previous one by default); returns its number."""
    current = current_version(line)
    if current is None:
        raise UserError(f"line {line!r} has no fitted model to roll back")
    if to_version is None:
        older = [m["version"] for m in versions(line) if m["version"] < current]
        if not older:
            raise UserError(f"line {line!r} is at its first version {current}; nothing to roll back to")
        to_version = older[-1]
    set_current(line, to_version, actor, reason=f"rollback from v{current}")
    return to_version
