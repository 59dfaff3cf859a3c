"""Spoken numbers <-> values, shared by the dictation corpus (speaking) and statement parsing.

Recognisers write numbers as words ("eight point five millimeters"); the corpus must say
them the same way the radiologist does, and the parser must read them back.
"""

from __future__ import annotations

UNITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
         "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen",
         "seventeen", "eighteen", "nineteen"]
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
        "eighty": 80, "ninety": 90}
UNIT_VALUE = {word: i for i, word in enumerate(UNITS)}
NUMBER_WORDS = set(UNITS) | set(TENS) | {"hundred", "point", "oh"}


def say_integer(value: int) -> str:
    """0..999 as words (``23`` -> ``twenty three``)."""
    if value < 0 or value > 999:
        raise ValueError(f"cannot say {value}")
    if value < 20:
        return UNITS[value]
    if value < 100:
        tens = next(word for word, v in TENS.items() if v == value // 10 * 10)
        return tens if value % 10 == 0 else f"{tens} {UNITS[value % 10]}"
    rest = value % 100
    head = f"{UNITS[value // 100]} hundred"
    return head if rest == 0 else f"{head} {say_integer(rest)}"


def say_number(value: float) -> str:
    """A size as spoken in dictation: ``8.5`` -> ``eight point five``."""
    whole = int(value)
    tenth = round((value - whole) * 10)
    if tenth == 10:
        whole, tenth = whole + 1, 0
    return say_integer(whole) if tenth == 0 else f"{say_integer(whole)} point {UNITS[tenth]}"


def parse_number(tokens: list[str], start: int) -> tuple[float, int] | None:
    """Read a spoken or written number starting at ``tokens[start]``.

    Returns (value, tokens consumed) or None. Accepts digits ("8.5"), "eight point five",
    "twenty two", "one hundred five".
    """
    if start >= len(tokens):
        return None
    first = tokens[start]
    try:
        return float(first), 1
    except ValueError:
        pass
    i = start
    total = 0
    seen = False
    while i < len(tokens):
        word = tokens[i]
        if word in TENS:
            if seen and total % 100 != 0:
                break
            total += TENS[word]
            seen = True
            i += 1
            if i < len(tokens) and tokens[i] in UNIT_VALUE and 0 < UNIT_VALUE[tokens[i]] < 10:
                total += UNIT_VALUE[tokens[i]]
                i += 1
            continue
        if word in UNIT_VALUE:
            if seen and total % 100 != 0:
                break
            total += UNIT_VALUE[word]
            seen = True
            i += 1
            continue
        if word == "hundred" and seen:
            total *= 100
            i += 1
            continue
        break
    if not seen:
        return None
    value = float(total)
    if i + 1 < len(tokens) and tokens[i] == "point":
        decimals = ""
        j = i + 1
        while j < len(tokens) and tokens[j] in UNIT_VALUE and UNIT_VALUE[tokens[j]] < 10:
            decimals += str(UNIT_VALUE[tokens[j]])
            j += 1
        if decimals:
            value = float(f"{total}.{decimals}")
            i = j
    return value, i - start
