"""IAM policy evaluation for one identity-based policy: explicit deny, then allow, else implicit deny.

Implements what the policies of this project use, as the IAM User Guide specifies it
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html):

- ``Action``/``NotAction`` (case-insensitive, ``*`` and ``?`` wildcards) and ``Resource``/``NotResource``
  (case-sensitive, wildcards; the partition, service, region and account segments of an ARN match one by one,
  the resource part as a whole);
- ``Condition`` operators ``String(Not)Equals(IgnoreCase)``, ``String(Not)Like``, ``Arn(Not)Equals``, ``Arn(Not)Like``,
  ``Bool`` and ``Null``, each with ``IfExists``, and the ``ForAllValues:``/``ForAnyValue:`` set qualifiers
  (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html,
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html):
  a key absent from the request context makes a positive operator false and a negated one true; several values
  for one key are ORed (NORed for a negated operator); keys and operators are ANDed.

Anything else (policy variables, numeric/date/IP operators, ``Principal`` in an identity policy) is refused when
the policy is set, so a policy is never evaluated more permissively than AWS would.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

Context = dict[str, str | list[str]]

_STRING_OPERATORS = {
    "StringEquals": (False, False, False),  # (negated, ignore case, wildcards)
    "StringNotEquals": (True, False, False),
    "StringEqualsIgnoreCase": (False, True, False),
    "StringNotEqualsIgnoreCase": (True, True, False),
    "StringLike": (False, False, True),
    "StringNotLike": (True, False, True),
    "ArnEquals": (False, False, True),
    "ArnNotEquals": (True, False, True),
    "ArnLike": (False, False, True),
    "ArnNotLike": (True, False, True),
    "Bool": (False, True, False),
}
_STATEMENT_KEYS = {"Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Condition"}


class PolicyError(ValueError):
    """The policy document is malformed or uses something this evaluator does not implement."""


@dataclass(frozen=True)
class Check:
    """One authorization AWS performs for a request: an action on a resource with a request context."""

    action: str
    resource: str
    context: Context = field(default_factory=dict)


@dataclass(frozen=True)
class Decision:
    """The outcome for one check: ``allow``, ``explicit`` (denied by a Deny statement) or ``implicit``."""

    check: Check
    outcome: str
    sid: str | None = None

    @property
    def allowed(self) -> bool:
        """True when the check is allowed."""
        return self.outcome == "allow"


def _as_list(value: Any, what: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value and all(isinstance(item, str) for item in value):
        return value
    raise PolicyError(f"{what} must be a string or a non-empty list of strings, got {value!r}")


def _glob(pattern: str, value: str, ignore_case: bool = False) -> bool:
    """IAM wildcard match: ``*`` any run of characters, ``?`` one character, nothing else special."""
    regex = "".join(".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern)
    return re.fullmatch(regex, value, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL) is not None


def action_matches(pattern: str, action: str) -> bool:
    """``s3:Get*`` matches ``s3:GetObject``; case-insensitive as IAM action names are."""
    return pattern == "*" or _glob(pattern, action, ignore_case=True)


def resource_matches(pattern: str, arn: str) -> bool:
    """ARN match: the first five segments one by one, the resource part (which may hold ``:``) as a whole."""
    if pattern == "*":
        return True
    if arn == "*":
        # A request on "*" (an action without a resource type) is matched only by a pattern matching every resource.
        return False
    pattern_parts = pattern.split(":", 5)
    arn_parts = arn.split(":", 5)
    if len(pattern_parts) != 6 or len(arn_parts) != 6:
        return _glob(pattern, arn)
    return all(_glob(p, a) for p, a in zip(pattern_parts, arn_parts))


def _values_match(operator: str, request_value: str, policy_values: list[str]) -> bool:
    """Whether one request value matches any of the policy's values under the (positive form of) operator."""
    _negated, ignore_case, wildcards = _STRING_OPERATORS[operator]
    for policy_value in policy_values:
        if wildcards:
            if _glob(policy_value, request_value, ignore_case):
                return True
        elif ignore_case:
            if policy_value.lower() == request_value.lower():
                return True
        elif policy_value == request_value:
            return True
    return False


def _parse_operator(name: str) -> tuple[str | None, str, bool]:
    qualifier = None
    if ":" in name:
        qualifier, name = name.split(":", 1)
        if qualifier not in ("ForAllValues", "ForAnyValue"):
            raise PolicyError(f"unknown condition set qualifier {qualifier!r}")
    if_exists = name.endswith("IfExists") and name != "IfExists"
    if if_exists:
        name = name[: -len("IfExists")]
    if name != "Null" and name not in _STRING_OPERATORS:
        raise PolicyError(f"condition operator {name!r} is not implemented by the strict layer's IAM evaluation")
    return qualifier, name, if_exists


def _condition_holds(operator_name: str, key: str, policy_values: list[str], context: Context) -> bool:
    qualifier, operator, if_exists = _parse_operator(operator_name)
    present = key in context or key.lower() in {k.lower() for k in context}
    value = next((v for k, v in context.items() if k.lower() == key.lower()), None)
    if operator == "Null":
        wanted_absent = policy_values[0].lower() == "true"
        return (not present) == wanted_absent
    negated = _STRING_OPERATORS[operator][0]
    if not present:
        if qualifier == "ForAllValues":
            return True
        if qualifier == "ForAnyValue":
            return False
        return if_exists or negated
    values = value if isinstance(value, list) else [value]
    if qualifier == "ForAllValues":
        return all(_values_match(operator, v, policy_values) != negated for v in values)
    if qualifier == "ForAnyValue":
        return any(_values_match(operator, v, policy_values) != negated for v in values)
    matched = any(_values_match(operator, v, policy_values) for v in values)
    return not matched if negated else matched


@dataclass(frozen=True)
class Statement:
    """One validated statement."""

    sid: str | None
    effect: str
    actions: tuple[str, ...]
    not_action: bool
    resources: tuple[str, ...]
    not_resource: bool
    conditions: tuple[tuple[str, str, tuple[str, ...]], ...]

    def applies(self, check: Check) -> bool:
        """Whether the statement's Action, Resource and Condition all match the check."""
        action_hit = any(action_matches(p, check.action) for p in self.actions)
        if action_hit == self.not_action:
            return False
        resource_hit = any(resource_matches(p, check.resource) for p in self.resources)
        if resource_hit == self.not_resource:
            return False
        return all(_condition_holds(op, key, list(values), check.context) for op, key, values in self.conditions)


def _parse_statement(raw: Any, index: int) -> Statement:
    if not isinstance(raw, dict):
        raise PolicyError(f"Statement {index} is not an object")
    unknown = set(raw) - _STATEMENT_KEYS
    if unknown:
        raise PolicyError(f"Statement {index}: {sorted(unknown)} not allowed in an identity-based policy")
    if raw.get("Effect") not in ("Allow", "Deny"):
        raise PolicyError(f"Statement {index}: Effect must be Allow or Deny")
    if ("Action" in raw) == ("NotAction" in raw):
        raise PolicyError(f"Statement {index}: exactly one of Action and NotAction")
    if ("Resource" in raw) == ("NotResource" in raw):
        raise PolicyError(f"Statement {index}: exactly one of Resource and NotResource")
    actions = _as_list(raw.get("Action", raw.get("NotAction")), f"Statement {index} Action")
    resources = _as_list(raw.get("Resource", raw.get("NotResource")), f"Statement {index} Resource")
    conditions = []
    condition = raw.get("Condition", {})
    if not isinstance(condition, dict):
        raise PolicyError(f"Statement {index}: Condition must be an object")
    for operator, pairs in condition.items():
        _parse_operator(operator)
        if not isinstance(pairs, dict) or not pairs:
            raise PolicyError(f"Statement {index}: Condition {operator} must map keys to values")
        for key, values in pairs.items():
            values = [str(v).lower() if isinstance(v, bool) else v for v in (values if isinstance(values, list) else [values])]
            values = _as_list(values, f"Statement {index} Condition {operator} {key}")
            if any("${" in v for v in values):
                raise PolicyError(f"Statement {index}: policy variables are not implemented ({key})")
            conditions.append((operator, key, tuple(values)))
    for value in (*actions, *resources):
        if "${" in value:
            raise PolicyError(f"Statement {index}: policy variables are not implemented ({value})")
    return Statement(raw.get("Sid"), raw["Effect"], tuple(actions), "NotAction" in raw, tuple(resources),
                     "NotResource" in raw, tuple(conditions))


class Policy:
    """A validated identity-based policy document."""

    def __init__(self, document: Any):
        if not isinstance(document, dict) or "Statement" not in document:
            raise PolicyError("a policy document is an object with a Statement")
        if document.get("Version", "2012-10-17") != "2012-10-17":
            raise PolicyError("Version must be 2012-10-17")
        raw = document["Statement"]
        raw_statements = raw if isinstance(raw, list) else [raw]
        self.document = document
        self.statements = [_parse_statement(item, index) for index, item in enumerate(raw_statements)]

    def decide(self, check: Check) -> Decision:
        """Explicit deny over allow over implicit deny."""
        allowed_by = None
        for statement in self.statements:
            if statement.applies(check):
                if statement.effect == "Deny":
                    return Decision(check, "explicit", statement.sid)
                allowed_by = allowed_by or statement.sid or "(no Sid)"
        if allowed_by is not None:
            return Decision(check, "allow", allowed_by)
        return Decision(check, "implicit")

    def decide_all(self, checks: Iterable[Check]) -> list[Decision]:
        """One decision per check, in order."""
        return [self.decide(check) for check in checks]
