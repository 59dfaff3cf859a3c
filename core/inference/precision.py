"""Devices and precisions: int8 (per-token dynamic) quantization on CPU, fp16/bf16 on a GPU, drift checks.

A quantized model is only accepted after it was compared with its own fp32 weights on a
small calibration sample: mean cosine for embedders, greedy-token agreement for
generators. Past the role's ``max_drift`` the quantized copy is refused with a warning
and the fp32 model serves instead, so a bad quantization never silently degrades answers.
"""

from __future__ import annotations

import copy
import logging
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


ENCODER_KINDS = ("embedder", "classifier")


def resolve_precision(precision: str, device: str, kind: str) -> str:
    """What ``auto`` means for a role: fp16 on a CUDA GPU; on CPU int8 for encoders, else fp32.

    Encoders are served int8 on CPU because there the work is per-token matrix products that
    batching cannot shrink, and dynamic int8 cuts them ~2.5x at ~0.99 cosine; the drift check
    in :func:`quantize_checked` still refuses the quantized copy if a model degrades.
    Generators and Whisper stay fp32 on CPU (token agreement drifts more than embeddings).
    """
    if precision != "auto":
        return precision
    if device.startswith("cuda") or (device == "auto" and cuda_available()):
        return "fp16"
    return "int8" if kind in ENCODER_KINDS else "fp32"


def quantize_int8(module: Any) -> Any:
    """A copy of ``module`` with every ``nn.Linear`` swapped for :class:`Int8Linear` (CPU).

    Weights are int8 per output channel and activations are quantized per token (one scale
    per row), so a text's embedding does not depend on which other texts shared its batch:
    torch's stock dynamic Linear uses one activation scale for the whole batch tensor, which
    makes results shift with the batcher's grouping. Per-token scales are also closer to
    fp32 (~0.995 mean cosine on MiniLM against ~0.992 per-tensor).
    """
    import torch

    quantized = copy.deepcopy(module)
    for parent in list(quantized.modules()):
        for name, child in list(parent.named_children()):
            if type(child) is torch.nn.Linear:
                setattr(parent, name, _int8_linear_class()(child))
    return quantized


def _int8_linear_class() -> type:
    """Build (once) the int8 Linear class; defined lazily so importing this module skips torch."""
    global _INT8_LINEAR
    if _INT8_LINEAR is not None:
        return _INT8_LINEAR
    import torch

    class Int8Linear(torch.nn.Module):
        """int8 weights (per output channel) x int8 activations (per token), int32 accumulate."""

        def __init__(self, linear: torch.nn.Linear) -> None:
            super().__init__()
            weight = linear.weight.detach().float()
            scale = weight.abs().amax(dim=1).clamp(min=1e-12) / 127.0
            q = torch.round(weight / scale[:, None]).clamp(-127, 127).to(torch.int8)
            self.in_features, self.out_features = linear.in_features, linear.out_features
            self.register_buffer("weight_int8_t", q.t().contiguous())  # (in, out) for _int_mm
            # weight scale / 127 folds the activation side's 1/127 into one multiply
            self.register_buffer("weight_scale", scale / 127.0)
            bias = linear.bias.detach().float().clone() if linear.bias is not None else None
            self.register_buffer("bias", bias)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            flat = x.reshape(-1, self.in_features).float()
            if flat.shape[0] == 0:
                return x.new_zeros(*x.shape[:-1], self.out_features)
            # amax/amin beat vector_norm(inf) ~20x on CPU; every op here is one pass
            absmax = torch.maximum(flat.amax(1, keepdim=True), -flat.amin(1, keepdim=True))
            absmax.clamp_(min=1e-12)
            q = (flat * (127.0 / absmax)).round_().to(torch.int8)
            out = torch._int_mm(q, self.weight_int8_t).to(torch.float32)
            out.mul_(self.weight_scale).mul_(absmax)
            if self.bias is not None:
                out.add_(self.bias)
            return out.reshape(*x.shape[:-1], self.out_features).to(x.dtype)

    _INT8_LINEAR = Int8Linear
    return Int8Linear


_INT8_LINEAR: type | None = None


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
