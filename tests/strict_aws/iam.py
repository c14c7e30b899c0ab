"""IAM enforcement in the strict layer: off by default; on, every signed request is authorized against one
identity-based policy, the caller's only policy, as AWS would authorize it.

A test says "the caller has exactly this identity policy" with ``POST /_strict/iam`` and
``{"policy": <policy document>}`` (``{"policy": null}`` turns enforcement off; ``/_strict/reset`` too).
``"access_key_id": "AKID"`` gives one caller (the access key of its credentials) its own policy, so tests can
run side by side; ``"audit": {"name": <policy document>}`` also evaluates other policies for the same requests
without enforcing them. ``GET /_strict/iam`` returns the policies and the refusals since the last reset.

Refusals have AWS's shape (https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html):
403 ``AccessDenied`` with "User: ARN is not authorized to perform: ACTION on resource: RESOURCE because no
identity-based policy allows the ACTION action" (or "with an explicit deny in an identity-based policy");
S3 quotes the resource ARN and answers a HEAD with no body
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/troubleshoot-403-errors.html). An operation without a
mapping in ``iam_actions`` is answered 501 ``NotImplemented`` (rule ``IamUnmapped``), never let through.

Unsigned (anonymous) requests are not subject to identity policies and are left to the S3 rules.
"""

import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from moto.cloudfront.models import cloudfront_backends

from . import iam_actions
from .iam_policy import Decision, Policy, PolicyError
from .logs_rules import logs_error
from .operations import Req
from .rules import Rules
from .xmlutil import Response, cloudfront_error, query_error, s3_error

DENIED_RULE = "IamAccessDenied"
UNMAPPED_RULE = "IamUnmapped"

# Services of the JSON protocol whose refusals are 400 AccessDeniedException (CloudWatch Logs, Glue and Athena API
# references, "Common Errors").
JSON_SERVICES = ("logs", "glue", "athena")


def cloudfront_resource_tags(arn: str) -> dict[str, str] | None:
    """Current tags of a distribution known to moto, or None when ``arn`` names no such distribution."""
    backend = cloudfront_backends[iam_actions.ACCOUNT_ID][iam_actions.PARTITION]
    prefix = iam_actions.cloudfront_arn("distribution", "")
    if not arn.startswith(prefix) or arn[len(prefix):] not in backend.distributions:
        return None
    return backend.tagger.get_tag_dict_for_resource(arn)


def denial_message(decision: Decision, quote_resource: bool) -> str:
    """AWS's access denied message for an identity-based policy."""
    action = decision.check.action
    resource = f'"{decision.check.resource}"' if quote_resource else decision.check.resource
    reason = ("with an explicit deny in an identity-based policy" if decision.outcome == "explicit"
              else f"because no identity-based policy allows the {action} action")
    return f"User: {iam_actions.PRINCIPAL_ARN} is not authorized to perform: {action} on resource: {resource} {reason}"


def access_denied(req: Req, decision: Decision) -> Response:
    """The service's AccessDenied answer for the first refused check of ``req``."""
    service = req.op.service
    if service == "s3":
        resp = s3_error(403, "AccessDenied", denial_message(decision, quote_resource=True), head=req.method == "HEAD")
    elif service == "cloudfront":
        resp = cloudfront_error(403, "AccessDenied", denial_message(decision, quote_resource=False))
    elif service in JSON_SERVICES:  # JSON protocol; AccessDeniedException is 400 (the APIs' Common Errors)
        resp = logs_error(400, "AccessDeniedException", denial_message(decision, quote_resource=False), DENIED_RULE)
    else:
        resp = query_error(service, 403, "AccessDenied", denial_message(decision, quote_resource=False))
    resp.rule = DENIED_RULE
    return resp


def unmapped(req: Req) -> Response:
    """Loud refusal of an operation the IAM mapping does not know."""
    message = (f"strict_aws IAM evaluation: no IAM mapping for {req.op.service} {req.op.operation} "
               f"({req.method} {req.path}); add it to tests/strict_aws/iam_actions.py")
    if req.op.service == "s3":
        resp = s3_error(501, "NotImplemented", message, head=req.method == "HEAD")
    elif req.op.service == "cloudfront":
        resp = cloudfront_error(501, "NotImplemented", message)
    elif req.op.service in JSON_SERVICES:
        resp = logs_error(501, "NotImplemented", message, UNMAPPED_RULE)
    else:
        resp = query_error(req.op.service, 501, "NotImplemented", message)
    resp.rule = UNMAPPED_RULE
    return resp


@dataclass
class CallerPolicies:
    """What one caller (or every caller without its own) is evaluated against."""

    policy: Policy
    audit: dict[str, Policy] = field(default_factory=dict)


def access_key_id(req: Req) -> str | None:
    """The access key id of a SigV4-signed request (header or presigned URL)."""
    match = re.search(r"Credential=([^/,\s]+)/", req.headers.get("authorization", ""))
    if match:
        return match.group(1)
    credential = req.param("X-Amz-Credential")
    return credential.split("/", 1)[0] if credential else None


class IamEnforcer(Rules):
    """The callers' identity policies (none: IAM not evaluated) and the authorization of each request.

    As rules: it sees the signed AWS requests (not the edge's viewer requests, not the layer's own requests) and
    refuses those the caller's policy does not allow, before the service's rules and moto.
    """

    def claims(self, req: Req) -> bool:
        return not req.internal and not req.op.anonymous and req.op.service != "cloudfront-edge"

    def handle(self, req: Req, forward: Callable[[], Response]) -> Response:
        return self.authorize(req) or forward()

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.default: CallerPolicies | None = None
        self.callers: dict[str, CallerPolicies] = {}
        self.denied: list[dict[str, Any]] = []
        self.audit_denied: dict[str, list[dict[str, Any]]] = {}
        self.evaluated = 0

    def set_policy(self, document: Any, access_key: str | None = None, audit: dict[str, Any] | None = None) -> None:
        """Evaluate the signed requests of ``access_key`` (None: of every caller without its own policy) against
        ``document`` from now on; None stops evaluating them. ``audit`` names further policies that are evaluated
        for the same requests and never enforced: their refusals are listed under their name in :meth:`state`."""
        if document is None:
            if audit:
                raise PolicyError("audit policies need an enforced policy")
            settings = None
        else:
            settings = CallerPolicies(Policy(document), {name: Policy(doc) for name, doc in (audit or {}).items()})
        with self._lock:
            if access_key is None:
                self.default = settings
            elif settings is None:
                self.callers.pop(access_key, None)
            else:
                self.callers[access_key] = settings
            for name in (audit or {}):
                self.audit_denied[name] = []

    def reset(self) -> None:
        """Back to the start-up state: IAM not evaluated, nothing recorded."""
        with self._lock:
            self.default = None
            self.callers = {}
            self.denied = []
            self.audit_denied = {}
            self.evaluated = 0

    def state(self) -> dict[str, Any]:
        """The policies, how many requests were evaluated and the refusals (enforced and audited) since the reset."""
        with self._lock:
            return {
                "policy": None if self.default is None else self.default.policy.document,
                "callers": {key: value.policy.document for key, value in self.callers.items()},
                "evaluated": self.evaluated,
                "denied": [dict(item) for item in self.denied],
                "audit": {name: [dict(item) for item in items] for name, items in self.audit_denied.items()},
            }

    def authorize(self, req: Req) -> Response | None:
        """None when ``req`` may proceed; otherwise the refusal. Call with the layer's lock held."""
        if req.op.anonymous:
            return None
        key = access_key_id(req)
        settings = self.callers.get(key or "", self.default)
        if settings is None:
            return None
        needed = iam_actions.checks(req, cloudfront_resource_tags)
        with self._lock:
            self.evaluated += 1
        if needed is None:
            self._record(self.denied, req, key, None)
            return unmapped(req)
        for name, audited in settings.audit.items():
            refused = next((d for d in audited.decide_all(needed) if not d.allowed), None)
            if refused is not None:
                self._record(self.audit_denied.setdefault(name, []), req, key, refused)
        for decision in settings.policy.decide_all(needed):
            if not decision.allowed:
                self._record(self.denied, req, key, decision)
                return access_denied(req, decision)
        return None

    def _record(self, into: list[dict[str, Any]], req: Req, key: str | None, decision: Decision | None) -> None:
        entry = {"access_key_id": key, "service": req.op.service, "operation": req.op.operation,
                 "method": req.method, "path": req.path}
        if decision is None:
            entry["rule"] = UNMAPPED_RULE
        else:
            entry.update(rule=DENIED_RULE, action=decision.check.action, resource=decision.check.resource,
                         outcome=decision.outcome, message=denial_message(decision, req.op.service == "s3"))
        with self._lock:
            into.append(entry)

    def control(self, method: str, body: bytes) -> tuple[int, Any]:
        """``GET``: the state. ``POST {"policy": doc-or-null}``, optionally with ``"access_key_id"`` (that caller
        only) and ``"audit": {name: doc}``: set what the requests are evaluated against (400 when not valid)."""
        if method == "GET":
            return 200, self.state()
        if method != "POST":
            return 405, {"error": "use GET or POST"}
        try:
            settings = json.loads(body or b"{}")
            if not isinstance(settings, dict) or "policy" not in settings or set(settings) - {"policy", "access_key_id", "audit"}:
                raise PolicyError('send {"policy": <identity-based policy document, or null>} with optional '
                                  '"access_key_id" and "audit": {<name>: <policy document>}')
            self.set_policy(settings["policy"], settings.get("access_key_id"), settings.get("audit"))
        except (ValueError, TypeError) as exc:
            return 400, {"error": str(exc)}
        return 200, self.state()
