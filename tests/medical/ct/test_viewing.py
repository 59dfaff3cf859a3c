"""Window presets, reformats and key-image rendering."""

from __future__ import annotations

import numpy as np
import pytest

from plugins.medical.ct.api import WINDOW_PRESETS, apply_window, reformat
from plugins.medical.ct.viewing import Overlay, render
from plugins.medical.ct.volume import CtVolume


def test_presets_match_the_issue():
    assert WINDOW_PRESETS == {"lung": (1500.0, -600.0), "soft_tissue": (400.0, 40.0),
                              "bone": (2500.0, 480.0), "brain": (80.0, 40.0),
                              "liver": (150.0, 90.0)}
    grey = apply_window(np.array([-1000.0, 0.0, 40.0, 80.0, 1000.0]), "brain")
    assert grey.tolist() == [0, 0, 127, 255, 255]
    lung = apply_window(np.array([-1350.0, -600.0, 150.0]), "lung")
    assert lung.tolist() == [0, 127, 255]
    with pytest.raises(ValueError):
        apply_window(np.zeros(2), "abdomen")


def test_reformats_and_key_image():
    hu = np.zeros((10, 20, 30), dtype=np.int16)
    hu[9] = 1000  # the most superior slice (largest z) is bright
    volume = CtVolume(hu=hu, spacing_mm=(1.0, 1.0, 3.0), origin_mm=(0.0, 0.0, 0.0))
    axial, px = reformat(volume, "axial", 4)
    assert axial.shape == (20, 30) and px == (1.0, 1.0)
    coronal, px = reformat(volume, "coronal", 5)
    assert coronal.shape == (10, 30) and px == (3.0, 1.0)
    assert (coronal[0] == 1000).all()  # head at the top of the picture
    sagittal, _ = reformat(volume, "sagittal", 7)
    assert sagittal.shape == (10, 20) and (sagittal[0] == 1000).all()
    image = render(volume, "coronal", 5, "bone", [Overlay((5, 5, 15), 4.0, "N1")])
    assert image.size == (512, 512)  # 30 x 30 mm field, square pixels
    assert np.asarray(image)[..., 0].max() == 255
