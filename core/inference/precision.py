"""Devices and precisions: int8 (per-token dynamic) on CPU, bf16 on CPUs with bf16 units, fp16/bf16 on a GPU.

A reduced-precision model on CPU (int8, or bf16 where the CPU multiplies bf16 in hardware)
is only accepted after it was compared with its own fp32 weights on a small calibration
sample: mean cosine for embedders, greedy-token agreement for generators. Past the role's
``max_drift`` the reduced copy is refused with a warning and the fp32 model serves instead,
so a bad quantization never silently degrades answers.
"""

from __future__ import annotations

import copy
import functools
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


# /proc/cpuinfo flags of CPUs that multiply bf16 matrices in hardware (oneDNN uses them)
_BF16_CPU_FLAGS = ("amx_bf16", "avx512_bf16")


@functools.cache
def _cpu_flags() -> frozenset[str]:
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="ignore") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("flags"):
                    return frozenset(line.split(":", 1)[1].split())
    except OSError:
        pass
    return frozenset()


def cpu_native_bf16() -> bool:
    """True when this CPU has bf16 matrix instructions (AMX-BF16 or AVX512-BF16).

    Without them torch emulates bf16 on CPU and it is slower than fp32, which is why bf16
    is otherwise a GPU-only precision; with them (Intel Sapphire Rapids and later, AMD Zen 4
    and later) a bf16 MiniLM runs 1.5-3x faster than fp32 at ~0.9999 cosine.
    """
    return any(flag in _cpu_flags() for flag in _BF16_CPU_FLAGS)


def cpu_amx_bf16() -> bool:
    """True when this CPU has AMX-BF16 tiles, where bf16 beats int8 on batches.

    Measured with ``bench/inference.py``: on an AMX CPU bf16 MiniLM ran ~2.2x fp32 at batch
    16; on an AMD EPYC with AVX512-BF16 only, bf16 gave 1.5x / 1.6x at batch 1 / 16 against
    int8's 2.1x / 2.1x, so there ``auto`` stays int8.
    """
    return "amx_bf16" in _cpu_flags()


def choose_device(requested: str, precision: str, role: str) -> str:
    """Resolve ``auto`` to cuda/cpu; int8 runs on CPU only, bf16 on a GPU or a bf16-capable CPU."""
    if precision == "int8":
        if requested.startswith("cuda"):
            log.warning("role %s: int8 dynamic quantization runs on CPU; ignoring device=%s",
                        role, requested)
        return "cpu"
    if precision in ("fp16", "bf16"):
        wants_cpu = requested == "cpu" or (requested == "auto" and not cuda_available())
        if precision == "bf16" and wants_cpu and cpu_native_bf16():
            return "cpu"
        if not cuda_available():
            needs = ("a CUDA GPU or a CPU with bf16 matrix units (AMX-BF16 / AVX512-BF16)"
                     if precision == "bf16" else "a CUDA GPU")
            raise UserError(
                f"model role {role}: precision {precision} needs {needs} and this machine has "
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
    """What ``auto`` means for a role: fp16 on a CUDA GPU; on CPU bf16 or int8 for encoders.

    Encoders are served at reduced precision on CPU because there the work is per-token
    matrix products that batching cannot shrink: bf16 where the CPU has AMX-BF16 tiles
    (~2.2x fp32 on a batch, cosine ~0.9999), otherwise dynamic int8 (~2-2.6x, cosine ~0.997;
    on AVX512-BF16 without AMX int8 is the faster of the two, see :func:`cpu_amx_bf16`).
    The drift check in :func:`quantize_checked` still refuses the reduced copy if a model
    degrades. Generators and Whisper stay fp32 on CPU (token agreement drifts more).
    """
    if precision != "auto":
        return precision
    if device.startswith("cuda") or (device == "auto" and cuda_available()):
        return "fp16"
    if kind not in ENCODER_KINDS:
        return "fp32"
    return "bf16" if cpu_amx_bf16() else "int8"


def checked_on_cpu(precision: str, device: str) -> bool:
    """True when a model at ``precision`` on ``device`` is built from fp32 and drift-checked."""
    return precision == "int8" or (precision == "bf16" and device == "cpu")


def quantize_int8(module: Any, for_compile: bool = False) -> Any:
    """A copy of ``module`` with every ``nn.Linear`` swapped for :class:`Int8Linear` (CPU).

    ``for_compile`` picks the ``torch._int_mm`` kernel, which ``torch.compile`` fuses with the
    quantize/dequantize steps around it (it cannot lower the pre-packed oneDNN weight).

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
                setattr(parent, name, _int8_linear_class()(child, packed=not for_compile))
    return quantized


def _int8_linear_class() -> type:
    """Build (once) the int8 Linear class; defined lazily so importing this module skips torch."""
    global _INT8_LINEAR
    if _INT8_LINEAR is not None:
        return _INT8_LINEAR
    import torch

    packed_ok = _onednn_int8_available()

    class Int8Linear(torch.nn.Module):
        """int8 weights (per output channel) x int8 activations (per token), int32 accumulate.

        The product runs in oneDNN's int8 kernel on a pre-packed weight where torch has it
        (with AMX: ~1.2x ``torch._int_mm`` for one sentence, ~1.8x on 1,000 rows; used only
        where a timed product shows it faster, see ``_onednn_int8_available``),
        with the per-channel weight scales applied inside the kernel; ``torch._int_mm``
        otherwise. Either way the per-token activation scale is applied afterwards, so a
        row's result never depends on the other rows of its batch.
        """

        def __init__(self, linear: torch.nn.Linear, packed: bool = True) -> None:
            super().__init__()
            weight = linear.weight.detach().float()
            scale = weight.abs().amax(dim=1).clamp(min=1e-12) / 127.0
            q = torch.round(weight / scale[:, None]).clamp(-127, 127).to(torch.int8)
            self.in_features, self.out_features = linear.in_features, linear.out_features
            self.packed = packed and packed_ok
            if self.packed:
                self.register_buffer("weight_packed", torch.ops.onednn.qlinear_prepack(q, None))
                self.register_buffer("weight_zero_points",
                                     torch.zeros(self.out_features, dtype=torch.long))
            else:
                self.register_buffer("weight_int8_t", q.t().contiguous())  # (in, out)
            # weight scale / 127 folds the activation side's 1/127 into one multiply
            self.register_buffer("weight_scale", scale / 127.0)
            bias = linear.bias.detach().float().clone() if linear.bias is not None else None
            self.register_buffer("bias", bias)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            flat = x.reshape(-1, self.in_features).float()
            if flat.shape[0] == 0:
                return x.new_zeros(*x.shape[:-1], self.out_features)
            absmax = flat.abs().amax(1, keepdim=True).clamp_(min=1e-12)
            q = (flat * (127.0 / absmax)).round_().to(torch.int8)
            if self.packed:
                out = torch.ops.onednn.qlinear_pointwise(
                    q, 1.0, 0, self.weight_packed, self.weight_scale, self.weight_zero_points,
                    None, 1.0, 0, torch.float32, "none", [], "")
            else:
                out = torch._int_mm(q, self.weight_int8_t).to(torch.float32)
                out.mul_(self.weight_scale)
            out = out.mul_(absmax) if self.bias is None else torch.addcmul(self.bias, out, absmax)
            return out.reshape(*x.shape[:-1], self.out_features).to(x.dtype)

    _INT8_LINEAR = Int8Linear
    return Int8Linear


_INT8_LINEAR: type | None = None


def _onednn_int8_available() -> bool:
    """True when torch's oneDNN int8 Linear (pre-packed weight, fp32 out) is exact and faster.

    Faster is measured, not assumed: oneDNN's fast s8 x s8 kernels need AMX; on a CPU with
    only AVX512-VNNI it falls back to its reference kernel, which ran 32 x 384 @ 384 x 1536
    in 400 ms where ``torch._int_mm`` took 0.3 ms. One MiniLM-sized product is timed both
    ways once per process (a few ms, or one slow call when only the reference exists).
    """
    return _onednn_int8_exact() and _onednn_int8_faster()


def _onednn_int8_exact() -> bool:
    import torch
    try:
        weight = torch.tensor([[1, -2, 3], [4, 5, -6]], dtype=torch.int8)
        rows = torch.tensor([[7, 8, -9]], dtype=torch.int8)
        out = torch.ops.onednn.qlinear_pointwise(
            rows, 1.0, 0, torch.ops.onednn.qlinear_prepack(weight, None), torch.ones(2),
            torch.zeros(2, dtype=torch.long), None, 1.0, 0, torch.float32, "none", [], "")
        return out.tolist() == [[-36.0, 122.0]]
    except (AttributeError, RuntimeError, NotImplementedError):
        return False


@functools.cache
def _onednn_int8_faster(rows: int = 32, inner: int = 384, outer: int = 1536) -> bool:
    import time

    import torch
    gen = torch.Generator().manual_seed(0)
    weight = torch.randint(-127, 128, (outer, inner), dtype=torch.int8, generator=gen)
    x = torch.randint(-127, 128, (rows, inner), dtype=torch.int8, generator=gen)
    packed, scales = torch.ops.onednn.qlinear_prepack(weight, None), torch.ones(outer)
    zeros, weight_t = torch.zeros(outer, dtype=torch.long), weight.t().contiguous()

    def onednn() -> None:
        torch.ops.onednn.qlinear_pointwise(x, 1.0, 0, packed, scales, zeros, None, 1.0, 0,
                                           torch.float32, "none", [], "")

    def int_mm() -> None:
        torch._int_mm(x, weight_t)

    def timed_ms(call) -> float:
        started = time.perf_counter()
        call()
        return (time.perf_counter() - started) * 1000

    int_mm()
    baseline = min(timed_ms(int_mm) for _ in range(5))
    if timed_ms(onednn) > 50 * baseline + 50:  # the first call builds the kernel; the
        return False  # reference kernel is hundreds of times slower: one call tells
    return min(timed_ms(onednn) for _ in range(5)) < baseline


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


def compiled_drift_bound(reduced_drift: float, compiled_drift: float) -> float:
    """Upper bound on a compiled model's drift from fp32, from two measured drifts.

    Drift is ``1 - cosine``; on unit vectors the chord ``sqrt(2 * drift)`` is a distance,
    so chord(compiled, fp32) <= chord(compiled, eager) + chord(eager, fp32), i.e.
    drift(compiled, fp32) <= (sqrt(reduced_drift) + sqrt(compiled_drift))**2 row by row.
    The fp32 model is gone by the time the compiled one is checked; this bound lets the
    same ``max_drift`` the user set for quantization decide.
    """
    return (max(reduced_drift, 0.0) ** 0.5 + max(compiled_drift, 0.0) ** 0.5) ** 2


def token_agreement(a: list[list[int]], b: list[list[int]]) -> float:
    """Share of positions where two greedy generations chose the same token."""
    same = total = 0
    for x, y in zip(a, b, strict=True):
        n = max(len(x), len(y))
        total += n
        same += sum(1 for i in range(min(len(x), len(y))) if x[i] == y[i])
    return same / total if total else 1.0


def quantize_checked(module: Any, role: str, max_drift: float,
                     similarity: Callable[[Any, Any], float],
                     precision: str = "int8",
                     for_compile: bool = False) -> tuple[Any, PrecisionOutcome]:
    """Reduce an fp32 CPU module to int8 (or bf16) and keep it only when drift <= max_drift.

    Drift is ``1 - similarity(fp32, reduced)``; ``similarity(reference, candidate)`` runs the
    calibration sample through both modules and returns mean cosine (embedders) or token
    agreement (generators).
    """
    if precision == "int8":
        reduced = quantize_int8(module, for_compile=for_compile)
    elif precision == "bf16":
        import torch
        reduced = copy.deepcopy(module).to(torch.bfloat16)
    else:
        raise ValueError(f"no CPU reduction to {precision}")
    drift = 1.0 - similarity(module, reduced)
    if drift > max_drift:
        log.warning("model role %s: %s refused, drift %.4f > max_drift %.4f on the calibration "
                    "sample; serving fp32 instead", role, precision, drift, max_drift)
        return module, PrecisionOutcome("fp32", "cpu", drift,
                                        f"{precision} refused: drift {drift:.4f} > {max_drift}")
    return reduced, PrecisionOutcome(precision, "cpu", drift, f"{precision} drift {drift:.4f}")
