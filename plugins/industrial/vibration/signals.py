"""Reading vibration recordings (CSV, WAV, MATLAB .mat) into one acceleration trace in g.

Accelerometer exports differ: a CSV may carry a time column (so the sampling rate is
known) or only samples; a WAV carries its rate but not its scale; a CWRU-style .mat
carries drive-end/fan-end channels and the shaft speed (``X###RPM``) but no rate.
Whatever the file does not say must come from the request, and a missing rate is an
error with a message, never a guess.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.errors import UserError

SUPPORTED_SUFFIXES = (".csv", ".wav", ".mat")


@dataclass
class Recording:
    """One acceleration channel with what the file said about it."""

    acceleration_g: np.ndarray
    sampling_rate_hz: float | None
    rpm: float | None
    channel: str


def read_recording(path: Path, *, channel: str | None = None, g_per_unit: float = 1.0) -> Recording:
    """Load ``path`` into a Recording; UserError naming the file when it cannot be used."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        rec = _read_csv(path, channel)
    elif suffix == ".wav":
        rec = _read_wav(path)
    elif suffix == ".mat":
        rec = _read_mat(path, channel)
    else:
        raise UserError(f"{path}: unsupported vibration file type {suffix or '(none)'}; "
                        f"use one of {', '.join(SUPPORTED_SUFFIXES)}")
    samples = np.asarray(rec.acceleration_g, dtype=np.float64).ravel() * g_per_unit
    if samples.size == 0:
        raise UserError(f"{path}: contains no samples")
    if not np.all(np.isfinite(samples)):
        raise UserError(f"{path}: contains NaN or infinite samples; clean the export and retry")
    rec.acceleration_g = samples
    return rec


def _read_csv(path: Path, channel: str | None) -> Recording:
    try:
        text = path.read_text(encoding="utf-8-sig", errors="strict")
    except UnicodeDecodeError as exc:
        raise UserError(f"{path}: not a text CSV file ({exc.reason})") from exc
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t ")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows:
        raise UserError(f"{path}: empty CSV file")
    header: list[str] | None = None
    if not _is_number(rows[0][0]):
        header = [h.strip().lower() for h in rows[0]]
        rows = rows[1:]
    try:
        table = np.array([[float(c) for c in r if c.strip()] for r in rows], dtype=np.float64)
    except ValueError as exc:
        raise UserError(f"{path}: non-numeric value in the data rows ({exc}); "
                        "expected numbers, one sample per row") from exc
    if table.ndim != 2 or table.shape[0] == 0:
        raise UserError(f"{path}: rows have different numbers of columns")
    rate = None
    time_col = None
    if header:
        for i, name in enumerate(header):
            if name in ("t", "time", "time_s", "seconds", "timestamp_s"):
                time_col = i
    elif table.shape[1] == 2 and np.all(np.diff(table[: min(50, len(table)), 0]) > 0):
        time_col = 0  # two unnamed columns with an increasing first one: time, value
    if time_col is not None:
        dt = np.diff(table[:, time_col])
        if dt.size == 0 or np.any(dt <= 0):
            raise UserError(f"{path}: the time column must increase strictly")
        # Span over count, not the median step: exported time stamps are rounded.
        rate = float((table.shape[0] - 1) / (table[-1, time_col] - table[0, time_col]))
    value_cols = [i for i in range(table.shape[1]) if i != time_col]
    if not value_cols:
        raise UserError(f"{path}: no acceleration column next to the time column")
    col = value_cols[0]
    name = header[col] if header else f"column {col + 1}"
    if channel:
        if not header or channel.lower() not in header:
            raise UserError(f"{path}: no column named {channel!r}; columns: {header}")
        col = header.index(channel.lower())
        name = channel
    return Recording(table[:, col], rate, None, name)


def _read_wav(path: Path) -> Recording:
    import soundfile as sf
    try:
        data, rate = sf.read(str(path), dtype="float64", always_2d=True)
    except Exception as exc:  # soundfile raises its own error types for corrupt headers
        raise UserError(f"{path}: not a readable WAV file ({exc})") from exc
    return Recording(data[:, 0], float(rate), None, "wav channel 1")


def _read_mat(path: Path, channel: str | None) -> Recording:
    import scipy.io
    try:
        mat = scipy.io.loadmat(str(path))
    except Exception as exc:  # scipy raises ValueError/TypeError/MatReadError on bad files
        raise UserError(f"{path}: not a readable MATLAB .mat file ({exc})") from exc
    arrays = {k: v for k, v in mat.items() if not k.startswith("__") and isinstance(v, np.ndarray)}
    rpm = None
    for key, value in arrays.items():
        if key.upper().endswith("RPM") and value.size >= 1:
            rpm = float(np.ravel(value)[0])
    if channel:
        matches = [k for k in arrays if k == channel or k.endswith(f"_{channel}")
                   or k.endswith(f"_{channel}_time")]
        if not matches:
            raise UserError(f"{path}: no variable {channel!r}; variables: {sorted(arrays)}")
        key = matches[0]
    else:
        # CWRU convention: prefer the drive-end accelerometer, then fan end, then base.
        key = None
        for wanted in ("_DE_time", "_FE_time", "_BA_time"):
            key = next((k for k in arrays if k.endswith(wanted)), None)
            if key:
                break
        if key is None:
            vectors = [k for k, v in arrays.items() if v.size > 100 and min(v.shape) == 1]
            if not vectors:
                raise UserError(f"{path}: no signal vector found; variables: {sorted(arrays)}")
            key = vectors[0]
    return Recording(np.ravel(arrays[key]), None, rpm, key)


def _is_number(text: str) -> bool:
    return bool(re.fullmatch(r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*", text))
