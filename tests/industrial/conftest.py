"""Fixtures for the industrial tests: generated part images, a line fitted once per session.

Fitting is the slow step (seconds), so one session-scoped fit writes a line model into its
own models folder; each test that needs it gets a copy inside its fresh ENCLAVE_HOME.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from plugins.industrial.inspection.synth import DEFECTS, SyntheticPart, make_line

LINE = "press-3"
LINE_SEED = 11


class PartSet:
    """Generated images on disk: ``good_dir`` for fitting, held-out goods and defects."""

    def __init__(self, root: Path) -> None:
        good, bad = make_line(LINE_SEED, "brushed", 30, 2, shape="plate")
        self.good_dir = root / "good"
        self.good_dir.mkdir(parents=True)
        for i, part in enumerate(good[:24]):
            Image.fromarray(part.image).save(self.good_dir / f"good_{i:02d}.png")
        self.heldout: list[Path] = []
        for i, part in enumerate(good[24:]):
            path = root / f"heldout_{i}.png"
            Image.fromarray(part.image).save(path)
            self.heldout.append(path)
        self.defects: dict[str, list[tuple[Path, SyntheticPart]]] = {k: [] for k in DEFECTS}
        for i, part in enumerate(bad):
            path = root / f"defect_{part.defect}_{i}.png"
            Image.fromarray(part.image).save(path)
            self.defects[part.defect].append((path, part))


@pytest.fixture(scope="session")
def parts(tmp_path_factory) -> PartSet:
    """One generated line: 24 good images to fit, 6 held-out goods, 2 of each defect kind."""
    return PartSet(tmp_path_factory.mktemp("parts"))


@pytest.fixture(scope="session")
def fitted_models(tmp_path_factory, parts: PartSet) -> Path:
    """A models folder holding line ``press-3`` fitted once (through fit_line, no database)."""
    from core.config import reset_settings
    from plugins.industrial.inspection.imageio import list_images
    from plugins.industrial.inspection.linemodel import fit_line

    home = tmp_path_factory.mktemp("fit_home")
    old = os.environ.get("ENCLAVE_HOME")
    os.environ["ENCLAVE_HOME"] = str(home)
    reset_settings()
    try:
        fit_line(LINE, list_images(parts.good_dir), [], None, None, actor="test")
    finally:
        if old is None:
            os.environ.pop("ENCLAVE_HOME", None)
        else:
            os.environ["ENCLAVE_HOME"] = old
        reset_settings()
    return home / "models"


@pytest.fixture
def industrial(register_plugin):
    """A host with only the industrial plugin registered (fresh ENCLAVE_HOME per test)."""
    from plugins.industrial import plugin
    return register_plugin(plugin)


@pytest.fixture
def fitted_line(industrial, enclave_home: Path, fitted_models: Path) -> str:
    """The session's fitted line copied into this test's ENCLAVE_HOME; returns its name."""
    shutil.copytree(fitted_models, enclave_home / "models", dirs_exist_ok=True)
    return LINE


def defect_box_hit(region: dict, mask: np.ndarray, size: tuple[int, int]) -> bool:
    """True when a region box (original pixels) overlaps the defect mask (256 px frame)."""
    width, height = size
    sx, sy = mask.shape[1] / width, mask.shape[0] / height
    x0, y0 = int(region["x"] * sx), int(region["y"] * sy)
    x1 = int((region["x"] + region["width"]) * sx) + 1
    y1 = int((region["y"] + region["height"]) * sy) + 1
    return bool(mask[max(0, y0 - 4):y1 + 4, max(0, x0 - 4):x1 + 4].any())
