"""Hand-written notes in a results file survive the bench script that re-writes it.

Notes (how a figure is scored, what changed and why, what was tried and not kept) are
written by people between runs; a re-run regenerates the tables and must not drop them.
"""

from __future__ import annotations

import re

NOTES_MARK = "<!-- hand-written notes: everything below this line is kept when the bench re-runs -->"


def with_notes(generated: str, old: str, generated_sections: tuple[str, ...] = ()) -> str:
    """The generated tables followed by the hand-written notes of the previous results file.

    Notes are what follows ``NOTES_MARK``; in a file written before the mark existed, every
    ``## `` section whose heading does not start with one of ``generated_sections``.
    """
    if NOTES_MARK in old:
        notes = old.split(NOTES_MARK, 1)[1].strip("\n")
    elif generated_sections:
        sections = re.split(r"(?m)^(?=## )", old)[1:]
        notes = "".join(sec for sec in sections
                        if not sec.startswith(generated_sections)).strip("\n")
    else:
        notes = ""
    if not notes:
        return generated.rstrip("\n") + "\n"
    return f"{generated.rstrip()}\n\n{NOTES_MARK}\n\n{notes}\n"
