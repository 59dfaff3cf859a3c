"""Small trained heads on top of embeddings: what ``classify(texts, head)`` runs.

A plugin ships a head as a :class:`LinearHead` saved to ``.npz`` (weights, bias,
class names: a few KB, no pickle), or passes any object with ``predict_proba`` and
``classes_`` (a fitted scikit-learn classifier), or a path to a ``.joblib``/``.pkl``
file of one (trusted local files only: pickle runs code).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from core.errors import UserError


@dataclass(frozen=True)
class LinearHead:
    """Multinomial logistic head: ``softmax(x @ weights + bias)`` over ``classes_``."""

    weights: np.ndarray  # (d, k)
    bias: np.ndarray  # (k,)
    classes_: tuple[str, ...]

    @classmethod
    def fit(cls, embeddings: np.ndarray, labels: list[str], c: float = 10.0) -> LinearHead:
        """Train on embeddings with scikit-learn's logistic regression and keep just the numbers."""
        from sklearn.linear_model import LogisticRegression

        model = LogisticRegression(C=c, max_iter=2000).fit(embeddings, labels)
        classes = tuple(str(x) for x in model.classes_)
        if len(classes) == 2:  # sklearn keeps one row for binary: expand to two logits
            w = model.coef_[0]
            weights = np.stack([-w / 2, w / 2], axis=1)
            bias = np.array([-model.intercept_[0] / 2, model.intercept_[0] / 2])
        else:
            weights, bias = model.coef_.T, model.intercept_
        return cls(weights.astype(np.float32), bias.astype(np.float32), classes)

    def predict_proba(self, embeddings: np.ndarray) -> np.ndarray:
        """Class probabilities, one row per embedding."""
        logits = embeddings @ self.weights + self.bias
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return exp / exp.sum(axis=1, keepdims=True)

    def save(self, path: Path) -> Path:
        """Write the head as ``.npz`` (no pickle)."""
        np.savez(path, weights=self.weights, bias=self.bias, classes=np.array(self.classes_))
        return Path(path)

    @classmethod
    def load(cls, path: Path) -> LinearHead:
        """Read a head written by :meth:`save`."""
        with np.load(path, allow_pickle=False) as data:
            return cls(data["weights"], data["bias"], tuple(str(c) for c in data["classes"]))

    @property
    def nbytes(self) -> int:
        """Resident bytes (for the memory budget)."""
        return int(self.weights.nbytes + self.bias.nbytes)


@dataclass(frozen=True)
class Classification:
    """``classify`` result: best label per text, the probability matrix and its column names."""

    labels: list[str]
    scores: np.ndarray  # (n, k) probabilities
    classes: list[str]

    def top(self, i: int) -> tuple[str, float]:
        """(label, probability) of text ``i``."""
        j = int(np.argmax(self.scores[i]))
        return self.classes[j], float(self.scores[i, j])


def load_head(path: Path) -> Any:
    """Load a head file: ``.npz`` LinearHead, or ``.joblib``/``.pkl`` scikit-learn model."""
    if not path.is_file():
        raise UserError(f"{path}: classifier head file not found")
    if path.suffix == ".npz":
        return LinearHead.load(path)
    if path.suffix in (".joblib", ".pkl"):
        import joblib
        return joblib.load(path)
    raise UserError(f"{path}: unknown head format; save a LinearHead as .npz or a scikit-learn "
                    "classifier as .joblib")


def check_head(head: Any) -> None:
    """Fail early, with a message, when an object cannot act as a head."""
    if not (hasattr(head, "predict_proba") and hasattr(head, "classes_")):
        raise TypeError(f"classify() head must have predict_proba() and classes_ "
                        f"(LinearHead or a fitted scikit-learn classifier), got {type(head)}")
