"""S3 rules: the April 2023 defaults, ACL and Block Public Access checks, anonymous access.

Every rule cites its source. The rules only reject or tighten; they never let through what moto rejects.
State is read straight from moto's backends (account 123456789012, partition ``aws``).
"""

import json
import threading
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from moto.core import DEFAULT_ACCOUNT_ID
from moto.iam.access_control import IAMPolicy
from moto.s3 import models as s3_models
from moto.s3control.models import s3control_backends

from .operations import Req
from .tag_rules import check_s3_bucket_tagging
from .xmlutil import Response, parse, s3_error

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
PUBLIC_GROUPS = {ALL_USERS, AUTHENTICATED_USERS}
PUBLIC_CANNED_ACLS = {"public-read", "public-read-write", "authenticated-read"}
OWNER_ID = s3_models.OWNER
GRANT_HEADERS = {
    "x-amz-grant-read": "READ",
    "x-amz-grant-write": "WRITE",
    "x-amz-grant-read-acp": "READ_ACP",
    "x-amz-grant-write-acp": "WRITE_ACP",
    "x-amz-grant-full-control": "FULL_CONTROL",
}
ACL_OPERATIONS = {"PutObject", "PutObjectAcl", "PutBucketAcl", "CopyObject", "CreateMultipartUpload"}
BODY_ACL_OPERATIONS = {"PutObjectAcl", "PutBucketAcl"}
ACL_PERMISSIONS = {"READ", "WRITE", "READ_ACP", "WRITE_ACP", "FULL_CONTROL"}
# Grantee xsi:type -> the element that names the grantee
# (https://docs.aws.amazon.com/AmazonS3/latest/API/API_Grantee.html).
GRANTEE_TYPES = {"CanonicalUser": "ID", "Group": "URI", "AmazonCustomerByEmail": "EmailAddress"}
MALFORMED_ACL = "The XML you provided was not well-formed or did not validate against our published schema"
# Condition keys that make a wildcard-principal statement non-public, from
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status
RESTRICTING_CONDITION_KEYS = {
    "aws:sourceip", "aws:sourcearn", "aws:sourcevpc", "aws:sourcevpce", "aws:sourceowner", "aws:sourceaccount",
    "aws:userid", "aws:principalarn", "aws:principalaccount", "aws:principalorgid", "aws:principalorgpaths",
    "s3:dataaccesspointarn", "s3:dataaccesspointaccount", "aws:sourceorgid", "aws:sourceorgpaths",
}
ACCESS_DENIED = "Access Denied"


def s3_backend():
    """moto's S3 backend for the default account."""
    return s3_models.s3_backends[DEFAULT_ACCOUNT_ID]["aws"]


def get_bucket(name: str):
    """moto's FakeBucket called ``name``, or None."""
    return s3_backend().buckets.get(name) if name else None


def ownership(bucket) -> str:
    """Object Ownership of a bucket; no ownership controls means ObjectWriter (ACLs enabled)."""
    rule = bucket.ownership_rule
    if isinstance(rule, dict):
        rule = rule.get("ObjectOwnership")
    return rule or "ObjectWriter"


def bpa_flag(bucket, flag: str) -> bool:
    """A Block Public Access flag, on when set on the bucket or on the account (s3control).

    https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html
    ("Amazon S3 applies the most restrictive combination of the bucket-level and account-level settings").
    """
    account = s3control_backends[DEFAULT_ACCOUNT_ID]["aws"].public_access_block
    for block in (bucket.public_access_block if bucket is not None else None, account):
        if block is not None and getattr(block, flag):
            return True
    return False


@dataclass
class RequestAcl:
    """The ACL a request carries: a canned ACL and/or explicit grants (kind, value, permission)."""

    canned: str | None = None
    grants: list[tuple[str, str, str]] = field(default_factory=list)

    def owner_full_control_only(self) -> bool:
        """True for bucket-owner-full-control or its XML/grant-header equivalent (the only ACL allowed
        when ACLs are disabled, https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html)."""
        if self.canned is not None:
            return self.canned == "bucket-owner-full-control" and not self.grants
        return bool(self.grants) and all(g == ("id", OWNER_ID, "FULL_CONTROL") for g in self.grants)

    def is_public(self) -> bool:
        """True for a public canned ACL or a grant to AllUsers/AuthenticatedUsers."""
        return self.canned in PUBLIC_CANNED_ACLS or any(kind == "uri" and value in PUBLIC_GROUPS for kind, value, _permission in self.grants)


def _grants_from_header(value: str, permission: str) -> list[tuple[str, str, str]]:
    grants = []
    for part in value.split(","):
        kind, _equals, raw = part.strip().partition("=")
        if raw:
            grants.append((kind.strip().lower().replace("emailaddress", "email"), raw.strip().strip('"'), permission))
    return grants


def _grants_from_body(root: ET.Element) -> list[tuple[str, str, str]]:
    grants = []
    for grant in root.iter("Grant"):
        grantee = grant.find("Grantee")
        permission = (grant.findtext("Permission") or "").strip()
        if grantee is None:
            continue
        for tag, kind in (("ID", "id"), ("URI", "uri"), ("EmailAddress", "email")):
            value = grantee.findtext(tag)
            if value:
                grants.append((kind, value.strip(), permission))
                break
    return grants


def _headers_carry_acl(req: Req) -> bool:
    return "x-amz-acl" in req.headers or any(header in req.headers for header in GRANT_HEADERS)


def body_acl_root(req: Req) -> ET.Element | None:
    """The parsed AccessControlPolicy body of a PutObjectAcl/PutBucketAcl without ACL headers (S3 reads
    the body only then: https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectAcl.html)."""
    if req.op.operation not in BODY_ACL_OPERATIONS or _headers_carry_acl(req):
        return None
    return parse(req.body)


def request_acl(req: Req) -> RequestAcl | None:
    """The ACL carried by ``req`` (x-amz-acl, x-amz-grant-* headers, or an AccessControlPolicy body)."""
    acl = RequestAcl(canned=req.headers.get("x-amz-acl"))
    for header, permission in GRANT_HEADERS.items():
        if header in req.headers:
            acl.grants += _grants_from_header(req.headers[header], permission)
    root = body_acl_root(req)
    if root is not None:
        acl.grants = _grants_from_body(root)
        return acl
    if acl.canned is None and not acl.grants:
        return None
    return acl


def _grantee_type(grantee: ET.Element) -> str:
    """The grantee's ``xsi:type`` attribute (namespace-qualified or not)."""
    for name, value in grantee.attrib.items():
        if name == "type" or name.endswith("}type"):
            return value
    return ""


def malformed_acl_body(req: Req) -> Response | None:
    """400 MalformedACLError for an ACL body that does not follow the AccessControlPolicy schema
    (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html: MalformedACLError), as moto does
    for PutBucketAcl: root AccessControlPolicy with an Owner, valid permissions and grantee types."""
    if req.op.operation not in BODY_ACL_OPERATIONS or _headers_carry_acl(req):
        return None
    root = parse(req.body)
    if root is not None and root.tag == "AccessControlPolicy" and root.find("Owner") is not None \
            and all(_valid_grant(grant) for grant in root.iter("Grant")):
        return None
    return s3_error(400, "MalformedACLError", MALFORMED_ACL, rule="MalformedAclBody")


def _valid_grant(grant: ET.Element) -> bool:
    grantee = grant.find("Grantee")
    if grantee is None or (grant.findtext("Permission") or "").strip() not in ACL_PERMISSIONS:
        return False
    tag = GRANTEE_TYPES.get(_grantee_type(grantee))
    return tag is not None and bool((grantee.findtext(tag) or "").strip())


def acl_from_body(root: ET.Element) -> s3_models.FakeAcl:
    """moto's ACL model of a (validated) AccessControlPolicy body, grants in document order."""
    grants = []
    for grant in root.iter("Grant"):
        grantee = grant.find("Grantee")
        display_name = (grantee.findtext("DisplayName") or "").strip()
        if _grantee_type(grantee) == "Group":
            fake = s3_models.FakeGrantee(uri=(grantee.findtext("URI") or "").strip())
        else:
            fake = s3_models.FakeGrantee(grantee_id=(grantee.findtext("ID") or "").strip(), display_name=display_name)
        grants.append(s3_models.FakeGrant([fake], [(grant.findtext("Permission") or "").strip()]))
    return s3_models.FakeAcl(grants)


def apply_body_acl(req: Req) -> None:
    """After moto accepted PutObjectAcl/PutBucketAcl: store the body's grants.

    moto's PutObjectAcl reads only the x-amz-acl / x-amz-grant-* headers and, without them, gives the
    object the bucket's ACL; S3 stores the AccessControlPolicy body
    (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectAcl.html). moto already stores a
    PutBucketAcl body; it is stored again here the same way, so both operations share one model.
    """
    root = body_acl_root(req)
    if root is None:
        return
    acl = acl_from_body(root)
    if req.op.operation == "PutBucketAcl":
        bucket = get_bucket(req.bucket)
        if bucket is not None:
            bucket.acl = acl
        return
    try:
        key = s3_backend().get_object(req.bucket, req.key, version_id=req.param("versionId"))
    except s3_models.S3ClientError:
        key = None
    if key is not None:
        key.acl = acl


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


def check(req: Req) -> Response | None:
    """Apply the S3 rules before moto sees the request; a Response means 'rejected'."""
    if req.op.anonymous:
        return check_anonymous(req)
    operation = req.op.operation
    if operation == "CreateBucket":
        return check_create_bucket(req)
    bucket = get_bucket(req.bucket)
    if bucket is None:
        return None  # moto answers NoSuchBucket
    if operation in ACL_OPERATIONS:
        return check_acl(req, bucket)
    if operation == "PutBucketPolicy":
        # https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html
        # BlockPublicPolicy: "Amazon S3 rejects calls to PUT Bucket policy if the specified bucket policy allows public access."
        if bpa_flag(bucket, "block_public_policy") and policy_is_public(req.body):
            return s3_error(403, "AccessDenied", ACCESS_DENIED, rule="BlockPublicPolicy")
    if operation == "PutBucketOwnershipControls":
        return check_ownership_controls(req, bucket)
    if operation == "PutBucketTagging":
        return check_s3_bucket_tagging(parse(req.body))
    return None


def check_create_bucket(req: Req) -> Response | None:
    """CreateBucket with an ACL: ACLs cannot be set when ownership is (by default) BucketOwnerEnforced,
    and public ACLs are refused because new buckets get Block Public Access.

    https://docs.aws.amazon.com/AmazonS3/latest/userguide/create-bucket-faq.html and
    https://aws.amazon.com/blogs/aws/heads-up-amazon-s3-security-changes-are-coming-in-april-of-2023/
    """
    acl = request_acl(req)
    if acl is None or (acl.canned in ("private", "bucket-owner-full-control") and not acl.grants):
        return None
    if req.headers.get("x-amz-object-ownership", "BucketOwnerEnforced") == "BucketOwnerEnforced":
        return s3_error(400, "InvalidBucketAclWithObjectOwnership",
                        "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting", rule="CreateBucketAclWithOwnerEnforced")
    if acl.is_public():
        return s3_error(400, "InvalidBucketAclWithBlockPublicAccessError",
                        "Bucket cannot have public ACLs set with BlockPublicAccess enabled", rule="CreateBucketPublicAcl")
    return email_grantee(acl)


def check_acl(req: Req, bucket) -> Response | None:
    """ACLs on a BucketOwnerEnforced bucket, and public ACLs under BlockPublicAcls."""
    rejected = malformed_acl_body(req)
    if rejected is not None:
        return rejected
    acl = request_acl(req)
    if acl is None:
        return None
    # https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html
    # "requests to set ACLs or update ACLs fail and return the AccessControlListNotSupported error code"
    # (only bucket-owner-full-control, or its XML equivalent, is accepted).
    if ownership(bucket) == "BucketOwnerEnforced" and not acl.owner_full_control_only():
        return s3_error(400, "AccessControlListNotSupported", "The bucket does not allow ACLs", rule="AclOnBucketOwnerEnforced")
    # https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html
    # BlockPublicAcls: "PUT Bucket acl and PUT Object acl calls fail if the specified ACL is public",
    # "PUT Object calls fail if the request includes a public ACL".
    if acl.is_public() and bpa_flag(bucket, "block_public_acls"):
        return s3_error(403, "AccessDenied", ACCESS_DENIED, rule="BlockPublicAcls")
    return email_grantee(acl)


def email_grantee(acl: RequestAcl) -> Response | None:
    """Email grantees (x-amz-grant-*: emailAddress=..., or AmazonCustomerByEmail in a body).

    https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectAcl.html: "As of October 1, 2025, Amazon S3
    has discontinued support for Email Grantee Access Control Lists (ACLs) ... the request will receive an
    HTTP 405 (Method Not Allowed) error" in the Regions that supported them; no other Region ever did
    (https://docs.aws.amazon.com/AmazonS3/latest/API/API_Grantee.html). moto stores the address as a group URI.
    The status is documented; the error code is S3's usual one for 405.
    """
    if any(kind == "email" for kind, _value, _permission in acl.grants):
        return s3_error(405, "MethodNotAllowed", "The specified method is not allowed against this resource.", rule="EmailGrantee")
    return None


def check_ownership_controls(req: Req, bucket) -> Response | None:
    """Switching to BucketOwnerEnforced while the bucket ACL grants anyone but the owner.

    https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-ownership-migrating-acls-prerequisites.html
    ("If your bucket ACL grants access outside of your account ... InvalidBucketAclWithObjectOwnership").
    """
    root = parse(req.body)
    if root is None or (root.findtext(".//ObjectOwnership") or "").strip() != "BucketOwnerEnforced":
        return None
    for grant in bucket.acl.grants if bucket.acl else []:
        for grantee in grant.grantees:
            if grantee.uri or grantee.id != OWNER_ID:
                return s3_error(400, "InvalidBucketAclWithObjectOwnership",
                                "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting",
                                rule="OwnerEnforcedWithForeignGrants")
    return None


def check_anonymous(req: Req) -> Response | None:
    """Unsigned requests: only GET/HEAD of a readable object pass.

    https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html (ACLs disabled: ACLs no longer affect access),
    https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html (IgnorePublicAcls,
    RestrictPublicBuckets), https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html (AllUsers READ).
    """
    operation = req.op.operation
    head = req.method == "HEAD"
    if req.method == "OPTIONS":
        return None  # CORS preflight is unsigned by design
    if operation not in ("GetObject", "HeadObject"):
        return s3_error(403, "AccessDenied", ACCESS_DENIED, rule="AnonymousAccess", head=head)
    bucket = get_bucket(req.bucket)
    key = None
    if bucket is not None:
        try:
            key = s3_backend().get_object(req.bucket, req.key)
        except s3_models.S3ClientError:
            key = None
    if bucket is None or key is None or not anonymous_readable(bucket, key, req.key):
        return s3_error(403, "AccessDenied", ACCESS_DENIED, rule="AnonymousAccess", head=head)
    return None


def anonymous_readable(bucket, key, key_name: str) -> bool:
    """Whether an unsigned GET of this object is allowed by its ACL or by a public bucket policy."""
    by_acl = (
        key.acl is not None and key.acl.public_read
        and ownership(bucket) != "BucketOwnerEnforced"
        and not bpa_flag(bucket, "ignore_public_acls")
    )
    by_policy = (
        policy_allows_anonymous_get(bucket.policy, bucket.name, key_name)
        and not bpa_flag(bucket, "restrict_public_buckets")
    )
    return by_acl or by_policy


def apply_new_bucket_defaults(req: Req) -> None:
    """After a successful CreateBucket: Object Ownership BucketOwnerEnforced (unless the request chose one)
    and all four Block Public Access flags on.

    https://docs.aws.amazon.com/AmazonS3/latest/userguide/create-bucket-faq.html
    https://aws.amazon.com/about-aws/whats-new/2022/12/amazon-s3-automatically-enable-block-public-access-disable-access-control-lists-buckets-april-2023/
    """
    bucket = get_bucket(req.bucket)
    if bucket is None:
        return
    bucket.ownership_rule = req.headers.get("x-amz-object-ownership") or "BucketOwnerEnforced"
    bucket.public_access_block = s3_models.PublicAccessBlock(True, True, True, True)


def add_grant(bucket_name: str, canonical_id: str, permission: str = "FULL_CONTROL", display_name: str = "") -> bool:
    """Add a canonical-user grant to a bucket ACL, keeping existing grants; False if the bucket is missing."""
    bucket = get_bucket(bucket_name)
    if bucket is None:
        return False
    if bucket.acl is None:
        bucket.acl = s3_models.get_canned_acl("private")
    for grant in bucket.acl.grants:
        if permission in grant.permissions and any(g.id == canonical_id for g in grant.grantees):
            return True
    grantee = s3_models.FakeGrantee(grantee_id=canonical_id, display_name=display_name)
    bucket.acl.grants.append(s3_models.FakeGrant([grantee], [permission]))
    return True


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
