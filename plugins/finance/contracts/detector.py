"""The clause detector: TF-IDF (words, optionally characters, and the neighbouring units'
words) and one linear model per CUAD category.

A contract is scored unit by unit (sentences inside clauses); a category is present in
the document when its best unit scores above that category's threshold, which was tuned
by 5-fold cross-validation on CUAD (see ``training.py``). Linear models keep the shipped
artefact a few MB, load in well under a second and need no GPU.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ARTEFACT = Path(__file__).resolve().parent / "artefacts" / "clause_detector.joblib"
ROLE = "clause_classifier"


@dataclass
class ClauseDetector:
    """Vectorizers, per-category weights (float16 on disk) and document-level thresholds."""

    categories: list[str]
    word_vectorizer: Any
    char_vectorizer: Any | None
    coef: np.ndarray  # (n_categories, n_features)
    intercept: np.ndarray  # (n_categories,)
    thresholds: np.ndarray  # (n_categories,) on the decision-function scale
    scales: np.ndarray  # (n_categories,) spread of scores, turns margins into confidences
    metrics: dict[str, Any] = field(default_factory=dict)
    # TF-IDF of each unit's neighbours (``segments.unit_contexts``), down-weighted beside the
    # unit's own words; None in detectors trained on units alone
    context_vectorizer: Any | None = None
    context_weight: float = 0.0

    def features(self, texts: list[str], contexts: list[str] | None = None):
        """Sparse feature matrix: word (and character) TF-IDF of ``texts``, then of ``contexts``."""
        from scipy import sparse
        parts = [self.word_vectorizer.transform(texts)]
        if self.char_vectorizer is not None:
            parts.append(self.char_vectorizer.transform(texts))
        if self.context_vectorizer is not None:
            if contexts is None or len(contexts) != len(texts):
                raise ValueError("this detector scores units with their contexts: pass one "
                                 "context per text (segments.unit_contexts)")
            parts.append(self.context_weight * self.context_vectorizer.transform(contexts))
        return sparse.hstack(parts, format="csr", dtype=np.float32)

    def score(self, texts: list[str], contexts: list[str] | None = None) -> np.ndarray:
        """Decision values, shape (len(texts), n_categories); higher means more likely."""
        if not texts:
            return np.zeros((0, len(self.categories)), dtype=np.float32)
        x = self.features(texts, contexts)
        return np.asarray(x @ self.coef.T.astype(np.float32), dtype=np.float32) + self.intercept

    def confidence(self, scores: np.ndarray) -> np.ndarray:
        """Map decision values to 0..1 where 0.5 sits exactly on the category's threshold."""
        z = (scores - self.thresholds) / self.scales
        return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))

    def save(self, path: Path) -> None:
        """Write the detector as one compressed joblib file."""
        import joblib
        path.parent.mkdir(parents=True, exist_ok=True)
        for vec in (self.word_vectorizer, self.char_vectorizer, self.context_vectorizer):
            if vec is not None and hasattr(vec, "stop_words_"):
                vec.stop_words_ = None  # pruned vocabulary: large and not needed to transform
        state = dict(self.__dict__)
        state["coef"] = self.coef.astype(np.float16)
        joblib.dump(state, path, compress=3)


def load_detector(path: Path = ARTEFACT) -> ClauseDetector:
    """Load a detector written by :meth:`ClauseDetector.save`."""
    import joblib

    from core.errors import UserError
    if not path.is_file():
        raise UserError(f"{path}: clause detector not found; run `enclave finance train-clauses`")
    state = joblib.load(path)
    state["coef"] = np.asarray(state["coef"], dtype=np.float32)
    return ClauseDetector(**state)


_FALLBACK: dict[Path, ClauseDetector] = {}


def get_detector(ctx: Any = None, path: Path | None = None) -> ClauseDetector:
    """The detector, loaded once through the shared inference core when it is available.

    The core counts it in the model memory budget; without a core (it is optional for
    this linear model) the detector is kept in a one-entry cache of this module.
    """
    path = path or _site_path()
    if ctx is not None:
        try:
            core = ctx.models
        except ImportError:  # no inference core in this build
            core = None
        if core is not None:
            size_mb = path.stat().st_size / 1e6 * 4 if path.is_file() else None
            return core.get_model(ROLE, lambda: load_detector(path), size_mb=size_mb)
    if path not in _FALLBACK:
        _FALLBACK.clear()
        _FALLBACK[path] = load_detector(path)
    return _FALLBACK[path]


def _site_path() -> Path:
    """A site-trained detector in ENCLAVE_HOME/models wins over the packaged one."""
    try:
        from core.config import get_settings
        site = get_settings().models_dir / "finance" / ARTEFACT.name
        if site.is_file():
            return site
    except Exception:  # noqa: BLE001 - settings unavailable: use the packaged artefact
        pass
    return ARTEFACT
