"""InferenceCore: the one object tasks talk to for embeddings, classification, speech and text.

Each API call resolves its role, turns it into a *model key* (engine + weights folder or
endpoint + precision + device) so roles mapped to the same weights share one copy,
loads the model through the registry (once, within the memory budget) and queues the
work on that model's micro-batcher. Statistics are kept per role and per model.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable, Hashable, Iterable
from pathlib import Path
from typing import Any

import numpy as np

from core.errors import UserError
from core.inference import sources
from core.inference.batcher import Handle, LatencyStats, MicroBatcher
from core.inference.errors import ModelMissing, NoModelConfigured, role_hint
from core.inference.heads import Classification, check_head, load_head
from core.inference.jsonout import generate_json
from core.inference.precision import resolve_precision
from core.inference.registry import ModelRegistry, files_size_mb
from core.inference.roleconfig import ResolvedRole, RoleTable, env_prefix
from core.inference.roles import RoleSpec
from core.inference.speech import Transcript, hints_key, to_16k_mono

log = logging.getLogger("enclave.inference")


class InferenceCore:
    """Process-wide model host: roles -> loaded models -> batchers; see the package docs."""

    def __init__(self, roles: Iterable[RoleSpec] | None = None, *, memory_mb: float | None = None,
                 models_toml: dict[str, Any] | None = None) -> None:
        from core.config import get_settings, offline_environment

        offline_environment()
        _apply_torch_threads()
        self.roles = RoleTable(roles, models_toml)
        self.registry = ModelRegistry(memory_mb if memory_mb is not None
                                      else get_settings().model_memory_mb)
        self._batchers: dict[Hashable, MicroBatcher] = {}
        self._role_stats: dict[str, LatencyStats] = {}
        self._role_keys: dict[str, Hashable] = {}
        self._plugin_models: dict[str, float | None] = {}  # get_model roles -> declared size
        self._pinned_roles: set[str] = set()
        self._plans: dict[tuple[str, str], tuple[Hashable, Callable, float]] = {}
        self._lock = threading.RLock()

    # -- roles and keys ------------------------------------------------------------------
    def role(self, name: str) -> ResolvedRole:
        """The resolved configuration of one role."""
        return self.roles.get(name)

    def _stats(self, role: str) -> LatencyStats:
        with self._lock:
            return self._role_stats.setdefault(role, LatencyStats())

    def _require(self, role: ResolvedRole, api: str) -> None:
        if role.configured:
            return
        how = (f"set backend = \"local\" and source = \"<model folder under "
               f"ENCLAVE_HOME/models>\" or backend = \"openai\" and source = "
               f"\"http://127.0.0.1:8000/v1\" under [models.{role.name}] in enclave.toml "
               f"(or {env_prefix(role.name)}BACKEND / {env_prefix(role.name)}SOURCE)")
        message = (f"no model configured for role {role.name} (needed by {api}): {how}. "
                   + role_hint(role.name, role.degrades, role.required_by))
        if api == "generate":
            raise NoModelConfigured(message)
        raise ModelMissing(message)

    def _key_and_loader(self, role: ResolvedRole, api: str) -> tuple[Hashable, Callable, float]:
        """(model key, loader, pre-load MB estimate) for the engine ``api`` needs."""
        self._require(role, api)
        role = dataclasses.replace(role, precision=resolve_precision(role.precision, role.device,
                                                                     role.kind))
        if role.backend == "openai":
            if api != "generate":
                raise UserError(f"model role {role.name}: an OpenAI-compatible endpoint is used "
                                f"for text generation only, not {api}; point this role at a "
                                "packaged model or a local directory")
            from core.inference.generation import OpenAIEndpoint
            key = ("openai", role.source.rstrip("/"), role.model)
            return key, lambda: OpenAIEndpoint(role), 0.0
        path = sources.model_dir(role)
        if role.backend == "packaged":
            family = "sphinx" if role.source == "pocketsphinx" else "encoder"
        else:
            family = sources.checkpoint_family(path)
        wanted = {"embed": ("encoder",), "classify": ("encoder",),
                  "transcribe": ("sphinx", "whisper"), "generate": ("causal_lm",)}[api]
        if family not in wanted:
            raise UserError(f"model role {role.name}: {path} holds a {family} model but {api} "
                            f"needs {' or '.join(wanted)}; map the role to a suitable model")
        key = (family, str(path.resolve()), role.precision, role.device)
        estimate = files_size_mb(path) if family != "sphinx" else 40.0
        if family == "encoder":
            from core.inference.encoder import TextEncoder
            return key, lambda: TextEncoder(path, role), estimate
        if family == "sphinx":
            from core.inference.speech import SphinxRecognizer
            return key, lambda: SphinxRecognizer(path), estimate
        if family == "whisper":
            from core.inference.speech import WhisperRecognizer
            return key, lambda: WhisperRecognizer(path, role), estimate
        from core.inference.generation import LocalCausalLM
        return key, lambda: LocalCausalLM(path, role), estimate

    def _model(self, role: ResolvedRole, api: str) -> tuple[Hashable, Any]:
        """Load (once) the model serving ``role`` for ``api``; returns (key, model)."""
        plan = self._plans.get((role.name, api))
        if plan is None:  # resolving reads files: do it once per role and API, not per request
            plan = self._key_and_loader(role, api)
            with self._lock:
                self._plans[(role.name, api)] = plan
        key, loader, estimate = plan
        with self._lock:
            self._role_keys[role.name] = key
        pinned = role.pinned or role.name in self._pinned_roles
        model = self.registry.acquire(key, loader, role=role.name, estimate_mb=estimate,
                                      pinned=pinned, keep_alive_s=role.keep_alive_s)
        return key, model

    def _batcher(self, role: ResolvedRole, key: Hashable, api: str) -> MicroBatcher:
        with self._lock:
            batcher = self._batchers.get(key)
            if batcher is not None:
                return batcher

            def process(units: list[Any], group: Hashable) -> list[Any]:
                _, model = self._model(role, api)  # reloads if evicted meanwhile
                if api in ("embed", "classify"):
                    return list(model.embed(units))
                if api == "transcribe":
                    return model.transcribe_batch(units, group)
                return model.complete_batch(units, int(group))

            length = (lambda a: int(a.size)) if api == "transcribe" else len
            batcher = MicroBatcher(f"{role.name}:{key[0]}", process,
                                   max_batch_size=role.max_batch_size,
                                   max_wait_ms=role.max_wait_ms, max_queue=role.max_queue,
                                   unit_length=length, workers=role.workers,
                                   # encoders split their batch by real token counts themselves
                                   max_batch_tokens=0)
            self._batchers[key] = batcher
            return batcher

    # -- embeddings ----------------------------------------------------------------------
    def submit_embed(self, texts: list[str] | str, role: str = "embedder",
                     priority: str = "interactive") -> Handle:
        """Queue texts for embedding; the handle's ``result()`` is float32 (n, d)."""
        if isinstance(texts, str):
            texts = [texts]
        texts = [str(t) for t in texts]
        spec = self.role(role)
        key, model = self._model(spec, "embed")
        batcher = self._batcher(spec, key, "embed")
        dim = model.dimension
        size = batcher.max_batch_size
        futures = []
        try:
            for start in range(0, len(texts), size):
                futures.append(batcher.submit(texts[start:start + size], priority=priority,
                                              stats=(self._stats(role),)))
        except Exception:
            for fut in futures:
                fut.cancel()
            raise

        def combine(parts: list[list[np.ndarray]]) -> np.ndarray:
            rows = [row for part in parts for row in part]
            return np.vstack(rows).astype(np.float32) if rows else np.zeros((0, dim), np.float32)
        return Handle(futures, combine)

    def embed(self, texts: list[str] | str, role: str = "embedder",
              priority: str = "interactive") -> np.ndarray:
        """Embeddings, one float32 row per text; thread-safe, batched with other callers."""
        return self.submit_embed(texts, role=role, priority=priority).result()

    def classify(self, texts: list[str], head: Any, role: str = "embedder",
                 priority: str = "interactive") -> Classification:
        """Embed texts and apply a small trained head (object with predict_proba, or a file path)."""
        if isinstance(head, (str, Path)):
            path = Path(head).expanduser().resolve()
            head = self.get_model(f"head:{path}", lambda: load_head(path))
        check_head(head)
        scores = np.asarray(head.predict_proba(self.embed(texts, role=role, priority=priority)))
        classes = [str(c) for c in head.classes_]
        labels = [classes[int(i)] for i in np.argmax(scores, axis=1)] if len(scores) else []
        return Classification(labels, scores, classes)

    # -- speech --------------------------------------------------------------------------
    def submit_transcribe(self, audio: np.ndarray, sample_rate_hz: int, role: str = "asr",
                          words: dict[str, str] | None = None,
                          language_model: Path | str | None = None,
                          priority: str = "interactive") -> Handle:
        """Queue one clip for recognition; the handle's ``result()`` is a Transcript."""
        samples = to_16k_mono(audio, sample_rate_hz)
        group = hints_key(words, language_model)
        spec = self.role(role)
        key, _ = self._model(spec, "transcribe")
        fut = self._batcher(spec, key, "transcribe").submit([samples], group=group,
                                                            priority=priority,
                                                            stats=(self._stats(role),))
        return Handle([fut], lambda parts: parts[0][0])

    def transcribe(self, audio: np.ndarray, sample_rate_hz: int, role: str = "asr",
                   words: dict[str, str] | None = None, language_model: Path | str | None = None,
                   priority: str = "interactive") -> Transcript:
        """Speech to text (+ word timings): pocketsphinx by default, Whisper when configured."""
        return self.submit_transcribe(audio, sample_rate_hz, role, words, language_model,
                                      priority).result()

    # -- generation ----------------------------------------------------------------------
    def generate(self, prompt: str, json_schema: dict | None = None, role: str = "llm",
                 max_tokens: int | None = None, priority: str = "interactive") -> str | Any:
        """Text, or JSON validated against ``json_schema`` (with repair turns).

        Raises NoModelConfigured when the role maps to no model: callers then use their
        deterministic path. Raises InvalidGeneration when no answer validated.
        """
        spec = self.role(role)
        key, model = self._model(spec, "generate")
        limit = int(max_tokens or spec.max_tokens)
        stats = self._stats(role)

        if key[0] == "openai":
            def complete(messages: list[dict[str, str]]) -> str:
                started = time.monotonic()
                ok = False
                try:
                    text = model.complete(messages, limit, json_schema)
                    ok = True
                    return text
                finally:
                    stats.record((time.monotonic() - started) * 1000.0, ok=ok)
        else:
            batcher = self._batcher(spec, key, "generate")

            def complete(messages: list[dict[str, str]]) -> str:
                rendered = model.render(messages)
                fut = batcher.submit([rendered], group=limit, priority=priority, stats=(stats,))
                return fut.result()[0]

        if json_schema is None:
            return complete([{"role": "user", "content": prompt}])
        return generate_json(complete, prompt, json_schema, spec.json_retries, role)

    # -- plugin-owned models -------------------------------------------------------------
    def get_model(self, role: str, loader: Callable[[], Any], size_mb: float | None = None) -> Any:
        """A plugin's own model, loaded lazily once, counted in the budget, evictable (LRU).

        The first loader registered for a role wins; keep the returned object only for
        the duration of one task, and ask again next time (it may have been evicted).
        """
        started = time.monotonic()
        spec = self.role(role)
        key = ("plugin", role)
        with self._lock:
            self._plugin_models.setdefault(role, size_mb)
            self._role_keys[role] = key
        pinned = spec.pinned or role in self._pinned_roles
        try:
            model = self.registry.acquire(key, loader, role=role, size_mb=size_mb,
                                          estimate_mb=size_mb or spec.size_mb, pinned=pinned,
                                          keep_alive_s=spec.keep_alive_s)
        except Exception:
            self._stats(role).record((time.monotonic() - started) * 1000.0, ok=False)
            raise
        self._stats(role).record((time.monotonic() - started) * 1000.0)
        return model

    # -- management ----------------------------------------------------------------------
    def load(self, role: str, api: str | None = None) -> float:
        """Load a role's model now (warm-up); returns seconds spent (0 when already resident)."""
        spec = self.role(role)
        api = api or {"asr": "transcribe", "llm": "generate"}.get(spec.kind, "embed")
        started = time.perf_counter()
        self._model(spec, api)
        return time.perf_counter() - started

    def pin(self, role: str, pinned: bool = True) -> None:
        """Keep a role's model resident (never evicted or idle-unloaded) - or release it."""
        with self._lock:
            (self._pinned_roles.add if pinned else self._pinned_roles.discard)(role)
            key = self._role_keys.get(role)
        if key is not None:
            self.registry.set_pinned(key, pinned)

    def unload(self, role: str) -> bool:
        """Unload the model serving ``role`` (other roles sharing it lose it too)."""
        key = self._role_keys.get(role)
        return self.registry.unload(key, "unloaded on request") if key is not None else False

    def shutdown(self) -> None:
        """Cancel queued work, stop batchers and unload every model."""
        with self._lock:
            batchers, self._batchers = list(self._batchers.values()), {}
        for batcher in batchers:
            batcher.close()
        self.registry.clear()

    def status(self) -> list[dict[str, Any]]:
        """One row per role (configured or used), for ``enclave models`` and the UI."""
        from core.inference.status import status_rows
        return status_rows(self)


def _apply_torch_threads() -> None:
    """Honour ENCLAVE_TORCH_THREADS (torch intra-op threads for the whole process).

    On a CPU shared with other busy processes, 2+ intra-op threads stall at every
    parallel region waiting for a descheduled sibling (measured on the 2-core dev box:
    MiniLM batch-1 970 ms with 2 threads vs 44 ms with 1); one thread per batcher
    worker (``workers`` per role) behaves far better there.
    """
    import os
    value = os.environ.get("ENCLAVE_TORCH_THREADS")
    if value:
        import torch
        torch.set_num_threads(max(1, int(value)))
