"""Task functions of the CT capability: ``medical.ct`` and ``medical.deidentify``."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from core.errors import UserError
from core.tasks import TaskContext
from plugins.medical.ct.analysis import analyse_volume
from plugins.medical.ct.loader import load_ct
from plugins.medical.ct.models import CtParams, CtResult, DeidParams, DeidResult
from plugins.medical.ct.segmentation import Grid

SEGMENTATION_KIND = "segmentation"


def run_ct(ctx: TaskContext, inputs: list[Path], params: CtParams) -> CtResult:
    """Load the study, measure it, write key images and a viewer volume as artefacts."""
    path = inputs[0]

    def loading(done: float, total: float, message: str) -> None:
        ctx.progress(0.4 * done / max(total, 1), 1.0, message)

    def analysing(done: float, total: float, message: str) -> None:
        ctx.progress(0.4 + 0.6 * done / max(total, 1), 1.0, message)

    volume = load_ct(path, loading)
    ctx.log.info("loaded series %s: %s voxels, spacing %s mm", volume.series_uid, volume.shape,
                 volume.spacing_mm)

    def sink(name: str, image) -> None:
        image.save(ctx.artifact(name, kind="image/png",
                                description="key image (draft, for physician review)"))

    mask_model, method = None, "classical"
    if params.segmentation_role:
        mask_model = _site_model(ctx, params.segmentation_role)
        method = f"model:{params.segmentation_role}"
    result = analyse_volume(volume, params, progress=analysing, image_sink=sink,
                            mask_model=mask_model, method=method)
    _save_viewer_volume(ctx, volume)
    return result


def _save_viewer_volume(ctx: TaskContext, volume) -> None:
    """A <=256-pixel int16 copy for the review page's slice viewer (no DICOM re-reading)."""
    step = max(1, int(np.ceil(max(volume.shape[1], volume.shape[2]) / 256)))
    hu = volume.hu[:, ::step, ::step]
    sx, sy, sz = volume.spacing_mm
    np.savez_compressed(
        ctx.artifact("viewer_volume.npz", kind="application/x-npz",
                     description="int16 HU volume (z, y, x) for the slice viewer"),
        hu=np.clip(np.round(hu), -1024, 3071).astype(np.int16),
        spacing_mm=np.array([sx * step, sy * step, sz]), origin_mm=np.array(volume.origin_mm),
        orientation=np.array(volume.orientation), step=np.array(step))


def _site_model(ctx: TaskContext, role: str):
    """A site's TorchScript lung model through the inference core (loaded once, budgeted).

    Contract: input float32 tensor (1, 1, z, y, x) of HU on the analysis grid; output a
    tensor of the same spatial shape (or with one channel) whose values > 0.5 are lung.
    The file is ``[models.<role>] source`` in enclave.toml, else ``models/<role>.pt``.
    """
    from core.config import get_settings

    settings = get_settings()
    source = settings.section(f"models.{role}").get("source") or str(
        settings.models_dir / f"{role}.pt")
    path = Path(source)
    if not path.is_file():
        raise UserError(f"{path}: segmentation model for role {role!r} not found; copy a "
                        f"TorchScript file there or drop segmentation_role to use the "
                        "classical path")

    def loader():
        import torch
        model = torch.jit.load(str(path), map_location="cpu")
        model.eval()
        return model

    size_mb = path.stat().st_size / 1e6
    try:
        model = ctx.models.get_model(role, loader, size_mb=size_mb)
    except (ImportError, AttributeError):  # inference core not installed in this build
        ctx.log.warning("inference core unavailable; loading %s directly", path)
        model = loader()
    except LookupError as exc:
        raise UserError(f"segmentation role {role!r} is not a registered model role ({exc}); "
                        "use 'ct_lung_segmentation' or register the role") from exc
    except RuntimeError as exc:  # torch.jit.load on a file that is not TorchScript
        raise UserError(f"{path}: not a loadable TorchScript model ({exc})") from exc

    def predict(grid: Grid) -> np.ndarray:
        import torch
        with torch.inference_mode():
            out = model(torch.from_numpy(np.ascontiguousarray(grid.hu))[None, None])
        arr = out.detach().cpu().numpy()
        while arr.ndim > 3:
            arr = arr[0]
        return arr > 0.5

    return predict


def run_deidentify(ctx: TaskContext, inputs: list[Path], params: DeidParams) -> DeidResult:
    """De-identify DICOM files (folders, zips) and record text with the project's key."""
    from plugins.medical.ct.deid.runner import deidentify_inputs
    return deidentify_inputs(ctx, inputs, params)
