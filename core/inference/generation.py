"""Text generation: a local causal LM (any HF checkpoint) or an on-prem OpenAI-compatible server.

``complete(messages)`` is the one call both engines answer; the schema-validated
retry/repair loop lives in :mod:`core.inference.jsonout` and works the same on both.
The endpoint is only ever contacted when a site configured it (``backend = "openai"``).
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from core.errors import TransientError, UserError
from core.inference.errors import QueueFull
from core.inference.precision import (
    CALIBRATION_TEXTS,
    PrecisionOutcome,
    cast,
    checked_on_cpu,
    choose_device,
    quantize_checked,
    token_agreement,
)
from core.inference.registry import tensor_bytes
from core.inference.roleconfig import ResolvedRole

log = logging.getLogger("enclave.inference")

Message = dict[str, str]


class LocalCausalLM:
    """A causal LM from a local folder; greedy decoding, left padding so prompts batch."""

    engine = "local-causal-lm"

    def __init__(self, path: Path, role: ResolvedRole) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self._torch = torch
        self.tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
        self.tokenizer.padding_side = "left"
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        model = AutoModelForCausalLM.from_pretrained(str(path), local_files_only=True).eval()
        if model.generation_config.pad_token_id is None:
            model.generation_config.pad_token_id = self.tokenizer.pad_token_id
        limit = getattr(model.config, "max_position_embeddings", None) or getattr(
            model.config, "n_positions", None) or 2048
        self.context_tokens = int(limit)
        device = choose_device(role.device, role.precision, role.name)
        if checked_on_cpu(role.precision, device):
            self.model = model
            self.model, self.outcome = quantize_checked(model, role.name, role.max_drift,
                                                        self._calibration_similarity,
                                                        role.precision)
        else:
            self.model = cast(model, role.precision, device)
            self.outcome = PrecisionOutcome(role.precision, device)

    def render(self, messages: list[Message]) -> str:
        """Messages -> prompt text: the checkpoint's chat template, or plain concatenation."""
        if getattr(self.tokenizer, "chat_template", None):
            return self.tokenizer.apply_chat_template(messages, tokenize=False,
                                                      add_generation_prompt=True)
        return "\n\n".join(m["content"] for m in messages)

    def _generate_ids(self, model, prompts: list[str], max_tokens: int) -> list[list[int]]:
        torch = self._torch
        room = max(1, self.context_tokens - max_tokens)
        enc = self.tokenizer(prompts, return_tensors="pt", padding=True, truncation=True,
                             max_length=room)
        device = next(model.parameters()).device
        enc = {k: v.to(device) for k, v in enc.items()}
        with torch.inference_mode():
            out = model.generate(**enc, max_new_tokens=max_tokens, do_sample=False,
                                 pad_token_id=self.tokenizer.pad_token_id)
        new = out[:, enc["input_ids"].shape[1]:]
        eos = self.tokenizer.eos_token_id
        rows = []
        for row in new.tolist():
            if eos is not None and eos in row:
                row = row[:row.index(eos)]
            rows.append(row)
        return rows

    def _calibration_similarity(self, reference, candidate) -> float:
        prompts = list(CALIBRATION_TEXTS[:6])
        return token_agreement(self._generate_ids(reference, prompts, 8),
                               self._generate_ids(candidate, prompts, 8))

    def complete_batch(self, prompts: list[str], max_tokens: int) -> list[str]:
        """Greedy continuations of already rendered prompts, one forward loop for all."""
        ids = self._generate_ids(self.model, prompts, max_tokens)
        return [self.tokenizer.decode(row, skip_special_tokens=True) for row in ids]

    def size_mb(self) -> float:
        """Resident weight MB."""
        return tensor_bytes(self.model) / 2**20


class OpenAIEndpoint:
    """A configured OpenAI-compatible server (vLLM, Ollama, llama.cpp): chat completions."""

    engine = "openai-endpoint"

    def __init__(self, role: ResolvedRole) -> None:
        import httpx

        url = role.source.rstrip("/")
        if urlparse(url).scheme not in ("http", "https"):
            raise UserError(f"model role {role.name}: endpoint {role.source!r} is not an http(s) "
                            "URL such as http://127.0.0.1:8000/v1")
        if url.endswith("/chat/completions"):
            url = url[: -len("/chat/completions")]
        elif not url.endswith("/v1"):
            url += "/v1"
        self.base_url = url
        headers = {}
        if role.api_key_env:
            key = os.environ.get(role.api_key_env)
            if not key:
                raise UserError(f"model role {role.name}: api_key_env names {role.api_key_env} "
                                "but that environment variable is empty")
            headers["Authorization"] = f"Bearer {key}"
        self.client = httpx.Client(base_url=url, headers=headers, timeout=role.timeout_s,
                                   trust_env=False)  # never route through a site proxy silently
        self.role = role
        self.model_name = role.model
        self.structured = bool(role.extra.get("structured_output", True))
        self.outcome = PrecisionOutcome("remote", "endpoint")
        self._slots = threading.BoundedSemaphore(max(1, role.max_queue))

    def _model(self) -> str:
        if not self.model_name:  # ask the server which model it serves
            data = self._call("GET", "/models")
            models = data.get("data") or []
            if not models:
                raise UserError(f"model role {self.role.name}: {self.base_url} serves no model; "
                                f"set model = \"...\" under [models.{self.role.name}]")
            self.model_name = str(models[0]["id"])
        return self.model_name

    def _call(self, method: str, path: str, payload: dict | None = None) -> dict[str, Any]:
        import httpx
        try:
            response = self.client.request(method, path, json=payload)
        except httpx.HTTPError as exc:
            raise TransientError(f"model role {self.role.name}: endpoint {self.base_url} "
                                 f"unreachable ({exc.__class__.__name__}: {exc})") from exc
        if response.status_code >= 500 or response.status_code == 429:
            raise TransientError(f"model role {self.role.name}: endpoint {self.base_url} answered "
                                 f"{response.status_code}: {response.text[:200]}")
        if response.status_code >= 400:
            raise _ClientError(response.status_code, response.text[:300])
        return response.json()

    def complete(self, messages: list[Message], max_tokens: int,
                 json_schema: dict | None = None) -> str:
        """One chat completion; asks for schema-constrained output where the server supports it."""
        if not self._slots.acquire(blocking=False):
            raise QueueFull(f"model role {self.role.name}: {self.role.max_queue} requests already "
                            "in flight to the endpoint; retry shortly")
        try:
            payload: dict[str, Any] = {"model": self._model(), "messages": messages,
                                       "max_tokens": max_tokens, "temperature": 0}
            if json_schema is not None and self.structured:
                payload["response_format"] = {
                    "type": "json_schema",
                    "json_schema": {"name": "answer", "schema": json_schema, "strict": False}}
            try:
                data = self._call("POST", "/chat/completions", payload)
            except _ClientError as exc:
                if "response_format" not in payload or exc.status != 400:
                    raise UserError(f"model role {self.role.name}: endpoint {self.base_url} "
                                    f"refused the request ({exc.status}): {exc.body}") from None
                self.structured = False  # older servers: fall back to prompt-only JSON
                payload.pop("response_format")
                data = self._call("POST", "/chat/completions", payload)
            return str(data["choices"][0]["message"]["content"] or "")
        finally:
            self._slots.release()

    def size_mb(self) -> float:
        """Nothing resident here: the weights live in the server."""
        return 0.0


class _ClientError(Exception):
    def __init__(self, status: int, body: str) -> None:
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body
