"""Model roles: what a task asks the inference core for, by name, not by checkpoint.

Plugins declare roles (``embedder``, ``asr``, ``llm``, ``clause_classifier``,
``vision.<line>``, ...) through the host's ``enclave_register_models`` hook; sites map
roles to concrete models in ``enclave.toml`` under ``[models.<role>]``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class RoleSpec:
    """A model role and its defaults; a site's ``[models.<name>]`` table overrides them."""

    name: str
    kind: str  # "embedder" | "asr" | "llm" | "classifier" | "vision" | "segmentation" | ...
    description: str = ""
    backend: str = "packaged"  # "packaged" | "local" | "openai" | "none"
    source: str = ""  # package name, local directory, or endpoint URL
    required_by: tuple[str, ...] = ()  # task names that need this role
    degrades: str = ""  # what happens to those tasks when the role is missing
    options: dict[str, Any] = field(default_factory=dict)  # max_batch_size, precision, ...
