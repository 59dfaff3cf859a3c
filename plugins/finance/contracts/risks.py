"""Risk flags from an editable YAML rules file (see rules.yaml for the condition language).

Rules are data so a legal team can change thresholds and add rules without code; the
conditions are a small closed set so a typo fails loudly instead of silently never firing.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from core.errors import UserError

DEFAULT_RULES = Path(__file__).resolve().parent / "rules.yaml"
CONDITIONS = {"clause_present", "clause_absent", "field_missing", "field_below",
              "clause_matches", "clause_binds", "clause_only_party"}
SEVERITIES = {"high", "medium", "low"}


def load_rules(path: Path | None = None) -> list[dict[str, Any]]:
    """Rules from ``path`` (default: the packaged rules.yaml), validated."""
    path = path or DEFAULT_RULES
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise UserError(f"{path}: cannot read the risk rules ({exc})") from exc
    rules = data.get("rules") if isinstance(data, dict) else None
    if not isinstance(rules, list):
        raise UserError(f"{path}: expected a top-level 'rules:' list")
    for rule in rules:
        rid = rule.get("id", "?") if isinstance(rule, dict) else "?"
        if not isinstance(rule, dict) or "id" not in rule or not (
                isinstance(rule.get("when"), dict) or isinstance(rule.get("any"), list)):
            raise UserError(f"{path}: rule {rid} needs an id and a 'when:' map or 'any:' list")
        if rule.get("severity", "medium") not in SEVERITIES:
            raise UserError(f"{path}: rule {rid}: severity must be one of {sorted(SEVERITIES)}")
        for cond in _conditions(rule):
            unknown = set(cond) - CONDITIONS
            if unknown:
                raise UserError(f"{path}: rule {rid}: unknown condition(s) {sorted(unknown)}; "
                                f"known: {sorted(CONDITIONS)}")
    return rules


def _conditions(rule: dict[str, Any]) -> list[dict[str, Any]]:
    return [rule["when"]] if "when" in rule else list(rule["any"])


class RiskContext:
    """What rules look at: clauses by category, fields, and which side is ours."""

    def __init__(self, clauses: dict[str, dict[str, Any]], fields: dict[str, Any],
                 parties: list[dict[str, Any]], our_party: str | None) -> None:
        self.clauses = clauses
        self.fields = fields
        self.our_names, self.their_names = _sides(parties, our_party)

    def evaluate(self, rule: dict[str, Any]) -> dict[str, Any] | None:
        """A risk dict when the rule fires, else None."""
        if "when" in rule:
            evidence = self._all(rule["when"])
        else:
            evidence = next((e for c in rule["any"] if (e := self._all(c)) is not None), None)
        if evidence is None:
            return None
        return {"rule": rule["id"], "severity": rule.get("severity", "medium"),
                "description": rule.get("description", ""), "evidence": evidence}

    def _all(self, conditions: dict[str, Any]) -> dict[str, Any] | None:
        evidence: dict[str, Any] = {}
        for name, arg in conditions.items():
            result = getattr(self, f"_{name}")(arg)
            if result is None:
                return None
            evidence.update(result)
        return evidence

    def _clause(self, category: str) -> dict[str, Any] | None:
        clause = self.clauses.get(category)
        return clause if clause and clause.get("present") else None

    def _quote(self, clause: dict[str, Any]) -> dict[str, Any]:
        return {"category": clause["category"], "text": clause.get("text"),
                "page": clause.get("page"), "bbox": clause.get("bbox")}

    def _clause_present(self, category: str):
        clause = self._clause(category)
        return self._quote(clause) if clause else None

    def _clause_absent(self, category: str):
        return None if self._clause(category) else {"absent": category}

    def _field_missing(self, field: str):
        return None if self.fields.get(field) not in (None, "", []) else {"missing": field}

    def _field_below(self, arg: dict[str, Any]):
        value = self.fields.get(arg["field"])
        if isinstance(value, (int, float)) and value < float(arg["value"]):
            return {"field": arg["field"], "value": value, "limit": arg["value"]}
        return None

    def _clause_matches(self, arg: dict[str, Any]):
        clause = self._clause(arg["category"])
        if clause and re.search(arg["pattern"], clause.get("text") or "", re.IGNORECASE | re.DOTALL):
            return self._quote(clause)
        return None

    def _clause_binds(self, arg: dict[str, Any]):
        clause = self._clause(arg["category"])
        names = self.our_names if arg["party"] == "us" else self.their_names
        if clause and names and _binds(clause.get("text") or "", names):
            return self._quote(clause)
        return None

    def _clause_only_party(self, arg: dict[str, Any]):
        clause = self._clause(arg["category"])
        if not clause:
            return None
        text = clause.get("text") or ""
        mine = self.our_names if arg["party"] == "us" else self.their_names
        other = self.their_names if arg["party"] == "us" else self.our_names
        if mine and _acts(text, mine) and not _acts(text, other) \
                and not re.search(r"\b(?:either|each|any)\s+party\b", text, re.IGNORECASE):
            return self._quote(clause)
        return None


def _sides(parties: list[dict[str, Any]], our_party: str | None) -> tuple[list[str], list[str]]:
    if not our_party:
        return [], []
    ours, theirs = [], []
    key = our_party.strip().lower()
    for p in parties:
        names = [n for n in (p.get("name"), p.get("role")) if n]
        if any(key == n.lower() or key in n.lower() for n in names):
            ours += names
        else:
            theirs += names
    if not ours:
        ours = [our_party]
    return ours, theirs


def _acts(text: str, names: list[str]) -> bool:
    """True when a name is the one holding a right ("Licensor may terminate ...")."""
    return any(re.search(rf"\b{re.escape(n)}\b[^.;]{{0,40}}?\b(?:may|shall\s+have\s+the\s+right|"
                         rf"is\s+entitled|has\s+the\s+right|can|reserves\s+the\s+right)\b",
                         text, re.IGNORECASE) for n in names if n)


def _binds(text: str, names: list[str]) -> bool:
    """True when a name is the subject of an obligation ("Licensee shall not ...")."""
    for n in names:
        if re.search(rf"\b{re.escape(n)}\b[^.;]{{0,40}}?\b(?:shall|will|agrees?|must|may\s+not|"
                     rf"covenants?|hereby\s+assigns?|undertakes?)\b", text, re.IGNORECASE):
            return True
    return False


def evaluate(rules: list[dict[str, Any]], ctx: RiskContext) -> list[dict[str, Any]]:
    """Every rule that fires, with its evidence."""
    return [risk for rule in rules if (risk := ctx.evaluate(rule)) is not None]
