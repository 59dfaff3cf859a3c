"""A tiny slot grammar: the radiology corpus is written as phrase tables, not sentence lists.

A report sentence is a recombination of a few phrase types (a structure, a finding, a
descriptor, a size, a change since the prior study). Writing those as tables of
alternatives that refer to each other (``"{finding} in the {lobe}"``) lets a few hundred
hand-written phrases cover the tens of thousands of ways a radiologist combines them,
which is what the language model must learn; one fixed sentence list would only teach it
those sentences.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Mapping, Sequence

SLOT = re.compile(r"\{([a-z_0-9]+)\}")
# A slot value is a list of alternatives or a function of the random generator
# (sizes and counts are drawn, not listed).
Table = Mapping[str, Sequence[str] | Callable[[random.Random], str]]
MAX_DEPTH = 12


def expand(template: str, table: Table, rng: random.Random, depth: int = 0) -> str:
    """Replace every ``{slot}`` in ``template`` by a random alternative, recursively."""
    if depth > MAX_DEPTH:
        raise ValueError(f"slot grammar recursion deeper than {MAX_DEPTH}: {template!r}")

    def fill(match: re.Match) -> str:
        name = match.group(1)
        if name not in table:
            raise KeyError(f"slot {{{name}}} has no table entry (in {template!r})")
        choices = table[name]
        value = choices(rng) if callable(choices) else rng.choice(choices)
        return expand(value, table, rng, depth + 1)

    return " ".join(SLOT.sub(fill, template).split())


def slot_words(table: Table) -> set[str]:
    """Every literal word the listed alternatives contain (drawn slots excluded)."""
    words: set[str] = set()
    for choices in table.values():
        if callable(choices):
            continue
        for choice in choices:
            words.update(SLOT.sub(" ", choice).split())
    return words
