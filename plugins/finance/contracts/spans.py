"""What every field extractor returns: a value with the text span it was read from.

Kept apart from the extractors so that modules split out of ``fields`` (parties) can share it
without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PREAMBLE_CHARS = 4000  # title, parties and date sit in the first page or so of a contract


@dataclass
class Found:
    """A value and the text span it came from."""

    value: Any
    start: int
    end: int
