"""Errors the inference core raises on purpose, typed by who can fix them.

``ModelMissing`` and ``NoModelConfigured`` are user errors (a site has to copy or
configure a model); ``QueueFull`` and ``InvalidGeneration`` are transient (the model is
busy, or its output did not validate this time): a worker retries those with backoff.
"""

from __future__ import annotations

from core.errors import TransientError, UserError


class ModelMissing(UserError):
    """A role is configured but its model files or package cannot be found."""


class NoModelConfigured(UserError):
    """No model is configured for a role (typically ``llm``); callers use their deterministic path."""


class QueueFull(TransientError):
    """A model's request queue is full; retry after a short wait."""


class InvalidGeneration(TransientError):
    """A generated answer did not validate against the JSON schema after every repair attempt."""


def role_hint(role: str, degrades: str = "", required_by: tuple[str, ...] = ()) -> str:
    """The sentence every missing-model message ends with: which tasks suffer and how."""
    tasks = ", ".join(required_by) if required_by else "tasks that use this role"
    tail = f" {degrades}" if degrades else ""
    return f"Affected: {tasks}.{tail}"
