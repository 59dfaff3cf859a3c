"""The CT capability's public Python API (used by ``plugins.medical.clinical``).

Stable names; internals may change behind them:

- ``load_study(path) -> CtVolume``: folder, .zip, DICOMDIR or one (multi-frame) .dcm;
  ``CtVolume.hu[z, y, x]`` in HU (int16 or float32), ``spacing_mm`` (x, y, z),
  ``origin_mm``, ``orientation``, ``voxel_to_patient()``, ``series_uid``, ``study_uid``,
  ``patient`` (PatientInfo), ``warnings``.
- ``analyse(volume, progress=None) -> CtResult`` and ``analyse_study(path, progress=None)``.
- ``make_chest_phantom(seed, nodules, shape, spacing) -> (CtVolume, PhantomTruth)`` and
  ``write_dicom_series(volume, folder, patient_name=...) -> Path``.
- Viewing: ``WINDOW_PRESETS``, ``apply_window(hu, preset)``, ``reformat(volume, plane, index)``.

``progress`` is any ``callable(done, total, message)`` (``ctx.progress`` fits).
Every result carries ``draft_for_physician_review=True``: the findings are candidates.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from plugins.medical.ct.models import CtParams, CtResult, Finding, LungVolumes, SeriesInfo
from plugins.medical.ct.viewing import WINDOW_PRESETS, apply_window, reformat
from plugins.medical.ct.volume import CtVolume

Progress = Callable[[float, float, str], None] | None

__all__ = [
    "CtParams", "CtResult", "CtVolume", "Finding", "LungVolumes", "SeriesInfo",
    "WINDOW_PRESETS", "analyse", "analyse_study", "apply_window", "load_study",
    "make_chest_phantom", "reformat", "write_dicom_series",
]


def load_study(path: str | Path, progress: Progress = None) -> CtVolume:
    """Load the axial CT series of a study; raises UserError naming the file when unusable."""
    from plugins.medical.ct.loader import load_ct
    return load_ct(Path(path), progress)


def analyse(volume: CtVolume, progress: Progress = None, params: CtParams | None = None,
            key_image_dir: str | Path | None = None) -> CtResult:
    """Body, lungs (left/right ml), nodule and haemorrhage candidates of a loaded volume.

    With ``key_image_dir`` the key images (PNG, named in ``result.key_images``) are
    written there; the ``medical.ct`` task writes them as job artefacts instead.
    """
    from plugins.medical.ct.analysis import analyse_volume, png_sink
    sink = png_sink(Path(key_image_dir)) if key_image_dir is not None else None
    return analyse_volume(volume, params or CtParams(), progress=progress, image_sink=sink)


def analyse_study(path: str | Path, progress: Progress = None, params: CtParams | None = None,
                  key_image_dir: str | Path | None = None) -> CtResult:
    """``analyse(load_study(path))`` in one call."""
    return analyse(load_study(path, progress), progress, params, key_image_dir)


def make_chest_phantom(seed: int = 0, nodules=None,
                       shape: tuple[int, int, int] = (112, 256, 256),
                       spacing: tuple[float, float, float] = (1.4, 1.4, 2.0)):
    """A synthetic chest CT (CtVolume) with planted nodules and its ground truth."""
    from plugins.medical.ct.phantom import make_chest_phantom as _make
    return _make(seed=seed, nodules=nodules, shape=shape, spacing=spacing)


def write_dicom_series(volume: CtVolume, folder: str | Path, patient_name: str = "PHANTOM^CHEST",
                       patient_id: str = "PHANTOM-0001", **tags) -> Path:
    """Write ``volume`` as a CT Image Storage series (one file per slice) into ``folder``."""
    from plugins.medical.ct.dicom_writer import write_series
    return write_series(volume, Path(folder), patient_name=patient_name, patient_id=patient_id,
                        **tags)

