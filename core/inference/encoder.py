"""Text encoders: the packaged MiniLM or any local Hugging Face encoder -> sentence embeddings.

Loaded with plain ``transformers`` (``local_files_only``) rather than through
sentence-transformers so the core controls batching, precision and padding itself;
the pooling (mean or CLS) and L2 normalisation follow the checkpoint's
sentence-transformers files when present, mean pooling otherwise.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
import time
from pathlib import Path

import numpy as np

from core.inference.batcher import token_chunks
from core.inference.precision import (
    CALIBRATION_TEXTS,
    PrecisionOutcome,
    cast,
    checked_on_cpu,
    choose_device,
    compiled_drift_bound,
    mean_cosine,
    quantize_checked,
)
from core.inference.registry import tensor_bytes
from core.inference.roleconfig import ResolvedRole

log = logging.getLogger("enclave.inference")


def _sentence_transformers_layout(path: Path) -> tuple[str, bool, int | None]:
    """(pooling, normalize, max_seq_length) from a sentence-transformers folder, if any."""
    pooling, normalize, max_len = "mean", False, None
    modules_file = path / "modules.json"
    if modules_file.is_file():
        modules = json.loads(modules_file.read_text())
        normalize = any(m.get("type", "").endswith("Normalize") for m in modules)
        for m in modules:
            if m.get("type", "").endswith("Pooling"):
                cfg_file = path / m.get("path", "") / "config.json"
                if cfg_file.is_file():
                    cfg = json.loads(cfg_file.read_text())
                    if cfg.get("pooling_mode_cls_token"):
                        pooling = "cls"
    sbert = path / "sentence_bert_config.json"
    if sbert.is_file():
        max_len = json.loads(sbert.read_text()).get("max_seq_length")
    return pooling, normalize, max_len


class TextEncoder:
    """A loaded encoder: ``embed(texts)`` -> float32 (n, d) in one forward pass."""

    def __init__(self, path: Path, role: ResolvedRole) -> None:
        import torch
        from transformers import AutoModel, AutoTokenizer

        self.path = path
        self.tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
        model = AutoModel.from_pretrained(str(path), local_files_only=True).eval()
        self.pooling, self.normalize, max_len = _sentence_transformers_layout(path)
        limit = getattr(model.config, "max_position_embeddings", 512) or 512
        self.max_length = int(min(max_len or limit, limit, 8192))
        self.dimension = int(model.config.hidden_size)
        self.max_batch_tokens = int(role.max_batch_tokens)
        self._torch = torch
        device = choose_device(role.device, role.precision, role.name)
        if checked_on_cpu(role.precision, device):
            self.model = model  # needed by the calibration pass below
            self.model, self.outcome = quantize_checked(model, role.name, role.max_drift,
                                                        self._calibration_similarity,
                                                        role.precision, role.compile)
        else:
            self.model = cast(model, role.precision, device)
            self.outcome = PrecisionOutcome(role.precision, device)
        self.device = self.outcome.device
        self.max_drift = float(role.max_drift)
        self.compiled = threading.Event()  # set once the compile attempt has finished
        if role.compile:
            threading.Thread(target=self._compile_in_background, args=(role.name,),
                             name=f"compile-{role.name}", daemon=True).start()
        else:
            self.compiled.set()

    def _compile_in_background(self, role_name: str) -> None:
        """``torch.compile`` the served model off the request path, then swap it in.

        Inductor fuses the many small elementwise steps (per-token int8 quantize/dequantize,
        GELU, layer norm) that dominate a CPU forward pass: int8 MiniLM for one sentence runs
        ~2x faster compiled. Compiling takes 15-60 s of CPU, so requests are served by the
        eager model meanwhile; the compiled one is kept only if, on the calibration sample
        (batch of one and of many: both shapes get compiled here), its distance from the
        eager model plus the eager model's own drift from fp32 stays within ``max_drift``
        (``compiled_drift_bound``): inductor fuses int8 rounding steps differently, so a
        compiled int8 model is not bit-equal to its eager self, only as close to fp32.
        """
        started = time.monotonic()
        try:
            import torch
            compiled = torch.compile(self.model, dynamic=True)
            texts = list(CALIBRATION_TEXTS)
            eager_rows = self._forward(self.model, texts)
            rows = self._forward(compiled, texts)
            single = self._forward(compiled, texts[:1])
            drift = 1.0 - min(mean_cosine(eager_rows, rows), mean_cosine(eager_rows[:1], single))
            bound = compiled_drift_bound(self.outcome.drift or 0.0, drift)
            if bound > self.max_drift:
                log.warning("model role %s: compiled model differs from eager (1 - cosine %.4f;"
                            " bound on drift from fp32 %.4f > max_drift %.4f); keeping eager",
                            role_name, drift, bound, self.max_drift)
                return
            self.model = compiled
            note = "; ".join(n for n in (self.outcome.note, "compiled") if n)
            self.outcome = dataclasses.replace(self.outcome, note=note)
            log.info("model role %s: serving the compiled model (torch.compile took %.0f s,"
                     " drift bound %.4f)", role_name, time.monotonic() - started, bound)
        except Exception as exc:  # a missing C++ compiler, an unsupported op: eager serves on
            log.warning("model role %s: torch.compile failed (%s); serving the eager model",
                        role_name, str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        finally:
            self.compiled.set()

    def _calibration_similarity(self, reference, candidate) -> float:
        texts = list(CALIBRATION_TEXTS)
        return mean_cosine(self._forward(reference, texts), self._forward(candidate, texts))

    def _forward(self, model, texts: list[str]) -> np.ndarray:
        enc = self.tokenizer(texts, padding=True, truncation=True, max_length=self.max_length,
                             return_tensors="pt")
        return self._pool(model, enc)

    def _pool(self, model, enc) -> np.ndarray:
        """One forward pass over a padded batch -> pooled (and normalised) float32 rows."""
        torch = self._torch
        device = next(model.parameters()).device if any(True for _ in model.parameters()) \
            else torch.device("cpu")
        enc = {k: v.to(device) for k, v in enc.items()}
        with torch.inference_mode():
            # pool in fp32: summing up to max_length bf16/fp16 rows would lose the low bits
            hidden = model(**enc).last_hidden_state.float()
            if self.pooling == "cls":
                pooled = hidden[:, 0]
            else:
                mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            if self.normalize:
                pooled = torch.nn.functional.normalize(pooled, p=2, dim=1)
        return pooled.float().cpu().numpy().astype(np.float32, copy=False)

    def embed(self, texts: list[str]) -> np.ndarray:
        """Embed a batch of texts: tokenized once, run in chunks of similar token counts.

        The micro-batcher hands over whatever arrived together; padding them all to the
        longest would waste most of the work on CPU, so texts are ordered by their real token
        count and cut into forward passes of at most ``max_batch_tokens`` padded tokens.
        """
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        enc = self.tokenizer(list(texts), truncation=True, max_length=self.max_length)
        lengths = [len(ids) for ids in enc["input_ids"]]
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for chunk in token_chunks(lengths, self.max_batch_tokens):
            part = {key: [values[i] for i in chunk] for key, values in enc.items()}
            out[chunk] = self._pool(self.model, self.tokenizer.pad(part, return_tensors="pt"))
        return out

    def size_mb(self) -> float:
        """Resident weight MB (after quantization)."""
        return tensor_bytes(self.model) / 2**20
