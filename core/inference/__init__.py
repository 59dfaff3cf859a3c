"""The one shared on-prem inference core: roles -> models -> batched engines.

``get_core()`` returns the process-wide :class:`InferenceCore`; tasks reach it as
``ctx.models``. It serves ``embed``, ``classify``, ``transcribe`` and ``generate`` for
named roles (``embedder``, ``asr``, ``llm``, plugin roles), and ``get_model`` for models
plugins own. Configuration: ``[models.<role>]`` in enclave.toml and
``ENCLAVE_MODEL_<ROLE>_<KEY>`` variables (see :mod:`core.inference.roleconfig`);
``ENCLAVE_MODEL_MEMORY_MB`` is the memory budget. Nothing is fetched from the internet.
"""

from __future__ import annotations

import threading

from core.inference.batcher import Handle
from core.inference.core import InferenceCore
from core.inference.errors import InvalidGeneration, ModelMissing, NoModelConfigured, QueueFull
from core.inference.heads import Classification, LinearHead
from core.inference.roles import RoleSpec
from core.inference.speech import Transcript, Word

__all__ = [
    "Classification", "Handle", "InferenceCore", "InvalidGeneration", "LinearHead",
    "ModelMissing", "NoModelConfigured", "QueueFull", "RoleSpec", "Transcript", "Word",
    "get_core", "reset_core",
]

_core: InferenceCore | None = None
_core_lock = threading.Lock()


def get_core() -> InferenceCore:
    """The process-wide inference core, created on first use (thread-safe)."""
    global _core
    with _core_lock:
        if _core is None:
            _core = InferenceCore()
        return _core


def reset_core() -> None:
    """Unload every model and forget the core (tests, settings changes); the next get_core() rebuilds."""
    global _core
    with _core_lock:
        core, _core = _core, None
    if core is not None:
        core.shutdown()
