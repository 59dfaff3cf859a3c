"""Devices and precisions: int8 dynamic quantization on CPU, fp16/bf16 on a GPU, drift checks.

A quantized model is only accepted after it was compared with its own fp32 weights on a
small calibration sample: mean cosine for embedders, greedy-token agreement for
generators. Past the role's ``max_drift`` the quantized copy is refused with a warning
and the fp32 model serves instead, so a bad quantization never silently degrades answers.
"""

from __future__ import annotations

import copy
import logging
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.errors import UserError

log = logging.getLogger("enclave.inference")

# Short texts across the four domains: enough to see quantization drift, quick to run.
CALIBRATION_TEXTS: tuple[str, ...] = (
    "Either party may terminate this Agreement upon ninety (90) days prior written notice.",
    "The Licensee shall indemnify and hold harmless the Licensor against all third-party claims.",
    "This Agreement shall be governed by the laws of the State of Delaware.",
    "Wire transfer of 9,800 USD to an account opened three days ago.",
    "CT of the head without contrast shows no acute intracranial haemorrhage.",
    "Patient reports chest pain radiating to the left arm since this morning.",
    "Outer race defect frequency visible at 107 Hz on the drive-end bearing.",
    "Scratch about four centimetres long on the hot-rolled steel strip near the edge.",
    "Truck 12 is delayed by forty minutes at the depot; re-plan the afternoon routes.",
    "Delivery window for customer 57 is between 10:00 and 12:30.",
    "hello",
    "The quick brown fox jumps over the lazy dog.",
    "Operator note: vibration on pump three increased after the bearing was replaced.",
    "Renewal is automatic for successive one-year terms unless notice is given.",
    "Suspicious structuring: several cash deposits just under the reporting threshold.",
    "No evidence of fracture. Mild mucosal thickening in the maxillary sinuses.",
)


@dataclass(frozen=True)
class PrecisionOutcome:
    """What precision a model actually runs at, and why (for the status table)."""

    precision: str
    device: str
    drift: float | None = None
    note: str = ""


def cuda_available() -> bool:
    """True when torch sees a CUDA device."""
    try:
        import torch
        return bool(torch.cuda.is_available())
    except ImportError:
        return False


def choose_device(requested: str, precision: str, role: str) -> str:
    """Resolve ``auto`` to cuda/cpu; int8 dynamic quantization runs on CPU only."""
    if precision == "int8":
        if requested.startswith("cuda"):
            log.warning("role %s: int8 dynamic quantization runs on CPU; ignoring device=%s",
                        role, requested)
        return "cpu"
    if precision in ("fp16", "bf16"):
        if not cuda_available():
            raise UserError(
                f"model role {role}: precision {precision} needs a CUDA GPU and this machine has "
                f"none; set precision = \"int8\" or \"fp32\" under [models.{role}] in "
                f"enclave.toml (or ENCLAVE_MODEL_{role.upper().replace('.', '_')}_PRECISION)")
        return requested if requested.startswith("cuda") else "cuda"
    if requested == "auto":
        return "cuda" if cuda_available() else "cpu"
    if requested.startswith("cuda") and not cuda_available():
        raise UserError(f"model role {role}: device {requested} requested but no CUDA GPU is "
                        f"visible; set device = \"auto\" or \"cpu\" under [models.{role}]")
    return requested


def quantize_int8(module: Any) -> Any:
    """A copy of ``module`` with every ``nn.Linear`` dynamically quantized to int8 (CPU).

    Weights are quantized per output channel and activations over the full 8-bit range:
    torch's stock dynamic Linear uses 7-bit activations (``reduce_range=True``), which on
    MiniLM costs ~0.03 of mean cosine against fp32 instead of ~0.008. The drift check
    that follows catches the rare layer where full range saturates.
    """
    import torch
    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

    with warnings.catch_warnings():  # torch.ao points at torchao; the eager API still works
        warnings.simplefilter("ignore")
        quantized = quantize_dynamic(copy.deepcopy(module),
                                     {torch.nn.Linear: per_channel_dynamic_qconfig},
                                     dtype=torch.qint8)
    full_range = _full_range_linear()
    for sub in quantized.modules():
        if type(sub) is full_range.__base__:
            sub.__class__ = full_range
    return quantized


def _full_range_linear() -> type:
    import torch
    import torch.ao.nn.quantized.dynamic as nnqd

    global _FULL_RANGE
    if _FULL_RANGE is None:
        class FullRangeDynamicLinear(nnqd.Linear):
            """Dynamic int8 Linear that quantizes activations with all 256 levels."""

            def forward(self, x: torch.Tensor) -> torch.Tensor:
                y = torch.ops.quantized.linear_dynamic(
                    x, self._packed_params._packed_params, reduce_range=False)
                return y.to(x.dtype)

        _FULL_RANGE = FullRangeDynamicLinear
    return _FULL_RANGE


_FULL_RANGE: type | None = None


def cast(module: Any, precision: str, device: str) -> Any:
    """Move a module to its device and floating precision (fp16/bf16 only reach here on CUDA)."""
    import torch
    dtype = {"fp16": torch.float16, "bf16": torch.bfloat16}.get(precision, torch.float32)
    return module.to(device=device, dtype=dtype)


def mean_cosine(a: np.ndarray, b: np.ndarray) -> float:
    """Mean row-wise cosine similarity of two equally shaped matrices."""
    a = a.astype(np.float64)
    b = b.astype(np.float64)
    a = a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-12)
    b = b / np.maximum(np.linalg.norm(b, axis=1, keepdims=True), 1e-12)
    return float(np.clip(np.mean(np.sum(a * b, axis=1)), -1.0, 1.0))


def token_agreement(a: list[list[int]], b: list[list[int]]) -> float:
    """Share of positions where two greedy generations chose the same token."""
    same = total = 0
    for x, y in zip(a, b, strict=True):
        n = max(len(x), len(y))
        total += n
        same += sum(1 for i in range(min(len(x), len(y))) if x[i] == y[i])
    return same / total if total else 1.0


def quantize_checked(module: Any, role: str, max_drift: float,
                     similarity: Callable[[Any, Any], float]) -> tuple[Any, PrecisionOutcome]:
    """Quantize to int8 and keep it only when ``1 - similarity(fp32, int8) <= max_drift``.

    ``similarity(reference, candidate)`` runs the calibration sample through both
    modules and returns mean cosine (embedders) or token agreement (generators).
    """
    quantized = quantize_int8(module)
    drift = 1.0 - similarity(module, quantized)
    if drift > max_drift:
        log.warning("model role %s: int8 refused, drift %.4f > max_drift %.4f on the calibration "
                    "sample; serving fp32 instead", role, drift, max_drift)
        return module, PrecisionOutcome("fp32", "cpu", drift,
                                        f"int8 refused: drift {drift:.4f} > {max_drift}")
    return quantized, PrecisionOutcome("int8", "cpu", drift, f"int8 drift {drift:.4f}")
