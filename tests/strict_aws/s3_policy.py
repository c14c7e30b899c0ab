"""S3 bucket policies as the rules read them: whether one is public (Block Public Access), whether it lets anyone
read an object, and moto's blindness to a TLS-only statement's Condition.

https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status
"""

import json
import threading
from fnmatch import fnmatchcase

from moto.iam.access_control import IAMPolicy
from moto.s3 import models as s3_models

# Condition keys that make a wildcard-principal statement non-public, from
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status
RESTRICTING_CONDITION_KEYS = {
    "aws:sourceip", "aws:sourcearn", "aws:sourcevpc", "aws:sourcevpce", "aws:sourceowner", "aws:sourceaccount",
    "aws:userid", "aws:principalarn", "aws:principalaccount", "aws:principalorgid", "aws:principalorgpaths",
    "s3:dataaccesspointarn", "s3:dataaccesspointaccount", "aws:sourceorgid", "aws:sourceorgpaths",
}


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _statements(policy: str | bytes | None) -> list[dict]:
    if not policy:
        return []
    try:
        doc = json.loads(policy)
    except (ValueError, TypeError):
        return []
    return [s for s in _as_list(doc.get("Statement")) if isinstance(s, dict)]


def _wildcard_principal(statement: dict) -> bool:
    principal = statement.get("Principal")
    if principal == "*":
        return True
    return isinstance(principal, dict) and "*" in _as_list(principal.get("AWS"))


def _restricting(statement: dict) -> bool:
    for operator in (statement.get("Condition") or {}).values():
        if isinstance(operator, dict) and any(key.lower() in RESTRICTING_CONDITION_KEYS for key in operator):
            return True
    return False


def policy_is_public(policy: str | bytes | None) -> bool:
    """A policy is public when an Allow statement has a wildcard principal and no restricting condition
    (https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status)."""
    return any(s.get("Effect") == "Allow" and _wildcard_principal(s) and not _restricting(s) for s in _statements(policy))


def _matches(patterns, value: str) -> bool:
    return any(fnmatchcase(value.lower() if p.lower().startswith("s3:") else value, p.lower() if p.lower().startswith("s3:") else p)
               for p in _as_list(patterns))


def policy_allows_anonymous_get(policy: bytes | None, bucket: str, key: str) -> bool:
    """True when a public Allow statement grants s3:GetObject on the object and no public Deny applies."""
    resource = f"arn:aws:s3:::{bucket}/{key}"
    allowed = False
    for statement in _statements(policy):
        if not _wildcard_principal(statement) or _restricting(statement):
            continue
        if not (_matches(statement.get("Action"), "s3:GetObject") and _matches(statement.get("Resource"), resource)):
            continue
        if statement.get("Effect") == "Deny" and not statement.get("Condition"):
            return False
        if statement.get("Effect") == "Allow":
            allowed = True
    return allowed


def _condition_holds(statement: dict, context: dict[str, str]) -> bool:
    """Whether a statement's Condition holds for ``context`` (lower-case keys): StringEquals/ArnEquals/ArnLike/StringLike
    on the keys given; any other operator, or a key the context lacks, does not hold (refused, as unknown)."""
    for operator, pairs in (statement.get("Condition") or {}).items():
        if not isinstance(pairs, dict):
            return False
        for key, values in pairs.items():
            value = context.get(key.lower())
            if value is None:
                return False
            if operator in ("StringEquals", "ArnEquals"):
                if value not in [str(v) for v in _as_list(values)]:
                    return False
            elif operator in ("StringLike", "ArnLike"):
                if not any(fnmatchcase(value, str(v)) for v in _as_list(values)):
                    return False
            else:
                return False
    return True


def policy_allows_service_get(policy: bytes | None, bucket: str, key: str, service: str, source_arn: str) -> bool:
    """True when an Allow statement grants s3:GetObject on the object to the service principal, its Condition holding
    for aws:SourceArn (and aws:SourceAccount), and no Deny statement for that principal applies: an origin access
    control's signed fetch (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-restricting-access-to-s3.html)."""
    resource = f"arn:aws:s3:::{bucket}/{key}"
    context = {"aws:sourcearn": source_arn, "aws:sourceaccount": source_arn.split(":")[4] if source_arn.count(":") >= 5 else ""}
    allowed = False
    for statement in _statements(policy):
        principal = statement.get("Principal")
        services = _as_list(principal.get("Service")) if isinstance(principal, dict) else []
        if principal != "*" and service not in services and not _wildcard_principal(statement):
            continue
        if not (_matches(statement.get("Action"), "s3:GetObject") and _matches(statement.get("Resource"), resource)):
            continue
        if statement.get("Effect") == "Deny" and _condition_holds(statement, context):
            return False
        if statement.get("Effect") == "Allow" and _condition_holds(statement, context):
            allowed = True
    return allowed


# --- TLS-only bucket policies -------------------------------------------------------------------
# moto applies a bucket policy's Deny statements without evaluating their Condition, so the common
# TLS-only statement (Deny when aws:SecureTransport is "false") makes moto refuse every object call.
# Clients of real AWS always use HTTPS; the plain-HTTP hop to this server is an artifact of the test
# double, so requests served by the layer count as secure transport. While the layer handles a
# request (thread-local flag), bucket-permission checks drop statements whose only condition is
# aws:SecureTransport and whose value does not match "true". The stored policy is never changed, and
# moto used without the layer (the flag unset) keeps its own behaviour.
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html (aws:SecureTransport)

_LAYER = threading.local()
_ORIGINAL_GET_PERMISSION = s3_models.FakeBucket.get_permission


def _transport_condition(statement: dict) -> str | None:
    condition = statement.get("Condition")
    if not isinstance(condition, dict) or list(condition) != ["Bool"] or not isinstance(condition["Bool"], dict):
        return None
    values = {k.lower(): v for k, v in condition["Bool"].items()}
    if list(values) != ["aws:securetransport"]:
        return None
    return str(_as_list(values["aws:securetransport"])[0]).lower()


def _get_permission_secure(self, action: str, resource: str):
    if not getattr(_LAYER, "secure", False) or self.policy is None:
        return _ORIGINAL_GET_PERMISSION(self, action, resource)
    doc = json.loads(self.policy)
    statements = [s for s in _as_list(doc.get("Statement")) if _transport_condition(s) in (None, "true")]
    return IAMPolicy(json.dumps({**doc, "Statement": statements})).is_action_permitted(action, resource)


def install_secure_transport_patch() -> None:
    """Install the thread-local aware permission check once.

    pytest can import this package under two names (``tests.strict_aws`` and ``strict_aws``); the first
    installed patch stays, and :class:`secure_transport` sets the flag of whichever patch is installed.
    """
    if getattr(s3_models.FakeBucket.get_permission, "layer_flag", None) is None:
        _get_permission_secure.layer_flag = _LAYER
        s3_models.FakeBucket.get_permission = _get_permission_secure


class secure_transport:  # pylint: disable=invalid-name
    """Context manager marking the current thread as serving a request through the layer."""

    def __init__(self):
        self.flag = s3_models.FakeBucket.get_permission.layer_flag

    def __enter__(self):
        self.flag.secure = True
        return self

    def __exit__(self, *exc):
        self.flag.secure = False
