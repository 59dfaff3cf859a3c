"""A small bigram ARPA language model built from the operator phrases (no downloads).

Absolute discounting with back-off to unigrams: enough to steer pocketsphinx toward the
defect vocabulary while still letting it decode words in unexpected orders.
"""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

DISCOUNT = 0.5


def write_arpa(sentences: list[str], path: Path) -> Path:
    """Write a bigram ARPA model of ``sentences`` to ``path``; returns the path."""
    unigrams: Counter[str] = Counter()
    bigrams: Counter[tuple[str, str]] = Counter()
    for sentence in sentences:
        words = ["<s>", *sentence.lower().split(), "</s>"]
        unigrams.update(words)
        bigrams.update(zip(words[:-1], words[1:], strict=False))
    total = sum(c for w, c in unigrams.items() if w != "<s>")
    vocab = sorted(unigrams)
    # Add-one-ish floor on unigrams so every vocabulary word stays reachable.
    uni_prob = {w: (unigrams[w] + 1) / (total + len(vocab)) for w in vocab}
    followers: dict[str, list[tuple[str, int]]] = {}
    for (a, b), c in bigrams.items():
        followers.setdefault(a, []).append((b, c))
    bi_prob: dict[tuple[str, str], float] = {}
    backoff: dict[str, float] = {}
    for a, items in followers.items():
        count_a = sum(c for _, c in items)
        for b, c in items:
            bi_prob[(a, b)] = (c - DISCOUNT) / count_a
        left = DISCOUNT * len(items) / count_a
        seen_uni = sum(uni_prob[b] for b, _ in items)
        backoff[a] = left / max(1e-9, 1.0 - seen_uni)
    lines = ["\\data\\", f"ngram 1={len(vocab)}", f"ngram 2={len(bi_prob)}", "", "\\1-grams:"]
    for w in vocab:
        p = -99.0 if w == "<s>" else math.log10(uni_prob[w])
        bo = math.log10(backoff[w]) if w in backoff else 0.0
        lines.append(f"{p:.4f}\t{w}\t{bo:.4f}")
    lines += ["", "\\2-grams:"]
    for (a, b), p in sorted(bi_prob.items()):
        lines.append(f"{math.log10(p):.4f}\t{a} {b}")
    lines += ["", "\\end\\", ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
