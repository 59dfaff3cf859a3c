"""JSON answers from language models: extract, validate against a schema, ask for repairs.

Models wrap JSON in prose or code fences and leave trailing commas; those are fixed
locally first. When the object still does not validate, the validation error goes
back to the model as a follow-up turn, up to the role's ``json_retries``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from core.inference.errors import InvalidGeneration

Message = dict[str, str]


def schema_instruction(json_schema: dict) -> str:
    """The sentence appended to a prompt that asks for schema-valid JSON only."""
    return ("\n\nAnswer with a single JSON value and nothing else. It must validate against "
            f"this JSON Schema:\n{json.dumps(json_schema, separators=(',', ':'))}")


def extract_json(text: str) -> Any:
    """Parse the first JSON object/array in ``text`` (code fences, prose, trailing commas ok)."""
    fenced = re.search(r"```(?:json)?\s*(.*?)```", text, re.S)
    candidate = fenced.group(1) if fenced else text
    for opener, closer in (("{", "}"), ("[", "]")):
        start = candidate.find(opener)
        end = candidate.rfind(closer)
        if start != -1 and end > start:
            snippet = candidate[start:end + 1]
            for attempt in (snippet, re.sub(r",\s*([}\]])", r"\1", snippet)):
                try:
                    return json.loads(attempt)
                except json.JSONDecodeError:
                    continue
    return json.loads(candidate.strip())  # raises JSONDecodeError with a position


def check_schema(json_schema: dict) -> Any:
    """A validator for the schema; a malformed schema is the caller's bug (ValueError)."""
    from jsonschema import exceptions, validators

    cls = validators.validator_for(json_schema)
    try:
        cls.check_schema(json_schema)
    except exceptions.SchemaError as exc:
        raise ValueError(f"json_schema is not a valid JSON Schema: {exc.message}") from exc
    return cls(json_schema)


def generate_json(complete: Callable[[list[Message]], str], prompt: str, json_schema: dict,
                  retries: int, role: str) -> Any:
    """Run the generate -> validate -> repair loop; raise InvalidGeneration when it never validates."""
    validator = check_schema(json_schema)
    messages: list[Message] = [{"role": "user", "content": prompt + schema_instruction(json_schema)}]
    problem = ""
    for _attempt in range(retries + 1):
        answer = complete(messages)
        try:
            value = extract_json(answer)
        except json.JSONDecodeError as exc:
            problem = f"the answer is not valid JSON ({exc.msg} at position {exc.pos})"
        else:
            errors = sorted(validator.iter_errors(value), key=lambda e: list(e.path))
            if not errors:
                return value
            first = errors[0]
            where = "/".join(str(p) for p in first.path) or "the top level"
            problem = f"the JSON does not match the schema at {where}: {first.message}"
        messages = messages + [
            {"role": "assistant", "content": answer},
            {"role": "user", "content": f"That answer is invalid: {problem}. Reply with the "
                                        "corrected JSON only."}]
    raise InvalidGeneration(f"model role {role}: no schema-valid JSON after {retries + 1} "
                            f"attempts; last problem: {problem}. Use the deterministic path or "
                            "configure a stronger model.")
