"""Where DICOM instances come from: a folder, a .zip, a DICOMDIR or a single file.

Each instance is read twice (headers for every file to choose a series, then pixels
only for the chosen one), so a source is a label plus a way to reopen its bytes.
Unreadable or non-DICOM files become warnings, never a failed study: PACS exports
routinely contain thumbnails, text files and half-written files.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

import pydicom
from pydicom.errors import InvalidDicomError

from core.errors import UserError

DICOMDIR_SOP_CLASS = "1.2.840.10008.1.3.10"
MAX_ZIP_MEMBER_BYTES = 2 << 30  # a single CT instance is never 2 GiB; refuse zip bombs


@dataclass
class Source:
    """One file that may hold a DICOM instance."""

    label: str  # what warnings and errors call it (path, or zip!member)
    open: Callable[[], BinaryIO]


def _file_source(path: Path) -> Source:
    return Source(str(path), lambda: path.open("rb"))


def collect_sources(path: Path, warnings: list[str]) -> list[Source]:
    """Every candidate file under ``path`` (folder, zip, DICOMDIR or a single file)."""
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
        if not files:
            raise UserError(f"{path}: the folder is empty; pass a folder of DICOM files")
        return [_file_source(p) for p in files]
    if zipfile.is_zipfile(path):
        return _zip_sources(path, warnings)
    if _is_dicomdir(path):
        return _dicomdir_sources(path, warnings)
    return [_file_source(path)]


def _zip_sources(path: Path, warnings: list[str]) -> list[Source]:
    try:
        archive = zipfile.ZipFile(path)
        members = [m for m in archive.infolist() if not m.is_dir()]
    except (zipfile.BadZipFile, OSError) as exc:
        raise UserError(f"{path}: not a readable zip archive ({exc})") from exc
    sources = []
    for member in members:
        name = PurePosixPath(member.filename)
        if name.name.startswith(".") or "__MACOSX" in name.parts:
            continue
        if member.file_size > MAX_ZIP_MEMBER_BYTES:
            warnings.append(f"{path}!{member.filename}: larger than 2 GiB, skipped")
            continue

        def opener(member: zipfile.ZipInfo = member) -> BinaryIO:
            with zipfile.ZipFile(path) as zf:
                return io.BytesIO(zf.read(member))

        sources.append(Source(f"{path}!{member.filename}", opener))
    if not sources:
        raise UserError(f"{path}: the zip archive holds no files")
    return sources


def _is_dicomdir(path: Path) -> bool:
    try:
        meta = pydicom.filereader.read_file_meta_info(path)
    except (InvalidDicomError, OSError, ValueError, EOFError):
        return False
    return str(getattr(meta, "MediaStorageSOPClassUID", "")) == DICOMDIR_SOP_CLASS


def _dicomdir_sources(path: Path, warnings: list[str]) -> list[Source]:
    """Files a DICOMDIR references, found relative to it (or by name when re-foldered)."""
    try:
        ds = pydicom.dcmread(path)
    except Exception as exc:  # noqa: BLE001 - any parse failure is the user's file
        raise UserError(f"{path}: unreadable DICOMDIR ({exc})") from exc
    root = path.parent
    found: list[Source] = []
    missing = []
    for record in getattr(ds, "DirectoryRecordSequence", []):
        file_id = getattr(record, "ReferencedFileID", None)
        if not file_id:
            continue
        parts = [file_id] if isinstance(file_id, str) else list(file_id)
        candidate = root.joinpath(*parts)
        if not candidate.is_file():
            # Copies often flatten the folder tree; fall back to the file name beside it.
            candidate = root / parts[-1]
        if candidate.is_file():
            found.append(_file_source(candidate))
        else:
            missing.append("/".join(parts))
    if missing:
        warnings.append(f"{path}: {len(missing)} referenced file(s) not found "
                        f"(e.g. {missing[0]})")
    if not found:
        raise UserError(f"{path}: the DICOMDIR references no file that exists next to it; "
                        "pass the folder that holds the images")
    return found


def read_header(source: Source, warnings: list[str]) -> pydicom.Dataset | None:
    """The dataset without pixel data, or None (with a warning) when it is not DICOM."""
    try:
        with source.open() as fh:
            ds = pydicom.dcmread(fh, stop_before_pixels=True)
    except InvalidDicomError:
        warnings.append(f"{source.label}: not a DICOM file, skipped")
        return None
    except Exception as exc:  # noqa: BLE001 - truncated/corrupt files are skipped, not fatal
        warnings.append(f"{source.label}: corrupt DICOM file, skipped ({type(exc).__name__}: "
                        f"{exc})")
        return None
    if str(getattr(getattr(ds, "file_meta", None), "MediaStorageSOPClassUID", "")) \
            == DICOMDIR_SOP_CLASS:
        return None
    return ds


def read_full(source: Source) -> pydicom.Dataset:
    """The dataset with pixel data (errors propagate; the caller decides what they mean)."""
    with source.open() as fh:
        return pydicom.dcmread(fh)
