"""A trigram language model with interpolated absolute discounting, written as an ARPA file.

Pocketsphinx reads ARPA back-off models. Interpolated absolute discounting converts exactly
to back-off form: the stored probability of a seen n-gram already contains the
interpolated lower-order share, and the back-off weight of a history is the mass that
discounting freed (``D * distinct followers / history count``), so every conditional
distribution sums to one. The discount per order is the Ney estimate ``n1 / (n1 + 2 n2)``.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

BOS, EOS = "<s>", "</s>"


def _discount(counts: Counter) -> float:
    n1 = sum(1 for c in counts.values() if c == 1)
    n2 = sum(1 for c in counts.values() if c == 2)
    if n1 == 0:
        return 0.5
    return min(0.9, max(0.1, n1 / (n1 + 2 * n2)))


class TrigramModel:
    """Counts and probabilities of a trigram model over tokenised sentences."""

    def __init__(self, sentences: Iterable[list[str]],
                 unigram_prior: dict[str, float] | None = None, prior_weight: float = 0.0) -> None:
        """Count ``sentences``; optionally mix a background unigram distribution into the
        unigram level (``prior_weight`` of its mass), which opens the vocabulary to the
        background words: they are reachable through back-off only, so they win where the
        acoustics insist and the domain n-grams have nothing to say."""
        self.counts: list[Counter] = [Counter(), Counter(), Counter()]
        for words in sentences:
            padded = [BOS, *words, EOS]
            for i in range(len(padded)):
                for order in range(1, 4):
                    if i - order + 1 < 0:
                        continue
                    gram = tuple(padded[i - order + 1:i + 1])
                    if gram == (BOS,):
                        continue
                    self.counts[order - 1][gram] += 1
        prior = unigram_prior if unigram_prior and prior_weight > 0 else {}
        self.vocab = sorted({g[0] for g in self.counts[0]} | set(prior) | {BOS})
        self.discounts = [0.0] + [_discount(self.counts[k]) for k in (1, 2)]
        self._history_totals: list[Counter] = [Counter(), Counter(), Counter()]
        self._history_types: list[Counter] = [Counter(), Counter(), Counter()]
        for k in (1, 2):
            for gram, count in self.counts[k].items():
                self._history_totals[k][gram[:-1]] += count
                self._history_types[k][gram[:-1]] += 1
        total = sum(self.counts[0].values())
        size = len(self.vocab) - 1  # <s> is never predicted
        # A small add-0.1 floor keeps rare unigrams from dominating the back-off mass.
        self.p1 = {w: (self.counts[0][(w,)] + 0.1) / (total + 0.1 * size)
                   for w in self.vocab if w != BOS}
        if prior:
            prior_total = sum(prior.values())
            self.p1 = {w: (1.0 - prior_weight) * p + prior_weight * prior.get(w, 0.0) / prior_total
                       for w, p in self.p1.items()}
        self._cache: dict[tuple[str, ...], float] = {}

    def backoff_weight(self, history: tuple[str, ...]) -> float:
        """Probability mass a history hands to the lower order (1.0 for an unseen history)."""
        k = len(history)
        total = self._history_totals[k].get(history)
        if not total:
            return 1.0
        return self.discounts[k] * self._history_types[k][history] / total

    def prob(self, gram: tuple[str, ...]) -> float:
        """P(last word | preceding words), interpolated with the lower orders."""
        if gram in self._cache:
            return self._cache[gram]
        if len(gram) == 1:
            return self.p1.get(gram[0], 0.0)
        k = len(gram) - 1
        history, lower = gram[:-1], gram[1:]
        total = self._history_totals[k].get(history)
        if not total:
            value = self.prob(lower)
        else:
            seen = self.counts[k].get(gram, 0)
            value = (max(seen - self.discounts[k], 0.0) / total
                     + self.backoff_weight(history) * self.prob(lower))
        self._cache[gram] = value
        return value

    def write_arpa(self, path: Path) -> None:
        """Write the model in ARPA format (log10 probabilities and back-off weights)."""
        lines: list[list[str]] = [[], [], []]
        for w in self.vocab:
            logp = -99.0 if w == BOS else math.log10(self.p1[w])
            bow = math.log10(self.backoff_weight((w,))) if (w,) in self._history_totals[1] else 0.0
            lines[0].append(f"{logp:.5f}\t{w}\t{bow:.5f}")
        for gram in sorted(self.counts[1]):
            logp = math.log10(self.prob(gram))
            entry = f"{logp:.5f}\t{' '.join(gram)}"
            if gram in self._history_totals[2]:
                entry += f"\t{math.log10(self.backoff_weight(gram)):.5f}"
            lines[1].append(entry)
        for gram in sorted(self.counts[2]):
            lines[2].append(f"{math.log10(self.prob(gram)):.5f}\t{' '.join(gram)}")
        with path.open("w", encoding="utf-8") as fh:
            fh.write("\\data\\\n")
            for order, block in enumerate(lines, start=1):
                fh.write(f"ngram {order}={len(block)}\n")
            for order, block in enumerate(lines, start=1):
                fh.write(f"\n\\{order}-grams:\n")
                fh.write("\n".join(block) + "\n")
            fh.write("\n\\end\\\n")


def perplexity(model: TrigramModel, sentences: Iterable[list[str]]) -> float:
    """Per-word perplexity of ``sentences`` (words outside the vocabulary are skipped)."""
    log_sum, n = 0.0, 0
    for words in sentences:
        padded = [BOS, *words, EOS]
        for i in range(1, len(padded)):
            gram = tuple(padded[max(0, i - 2):i + 1])
            if gram[-1] not in model.p1:
                continue
            log_sum += math.log(max(model.prob(gram), 1e-12))
            n += 1
    return math.exp(-log_sum / max(n, 1))
