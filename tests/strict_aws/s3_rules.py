"""S3 rules: the April 2023 defaults, ACL and Block Public Access checks, anonymous access.

Every rule cites its source. The rules only reject or tighten; they never let through what moto rejects.
State is read straight from moto's backends (account 123456789012, partition ``aws``). The ACLs requests carry
are parsed in ``s3_acl``, bucket policies in ``s3_policy``.
"""

from collections.abc import Callable

from moto.core import DEFAULT_ACCOUNT_ID
from moto.s3 import models as s3_models
from moto.s3control.models import s3control_backends

from .operations import Req
from .rules import Rules
from .s3_acl import ACL_OPERATIONS, BODY_ACL_OPERATIONS, OWNER_ID, RequestAcl, acl_from_body, body_acl_root, malformed_acl_body, request_acl
from .s3_policy import policy_allows_anonymous_get, policy_allows_service_get, policy_is_public
from .tag_rules import check_s3_bucket_tagging
from .xmlutil import Response, parse, s3_error

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


class S3Rules(Rules):
    """The S3 rules: checks before moto sees a request, then the April 2023 defaults on a new bucket, the stored
    AccessControlPolicy body, and AWS's AccessDenied document where moto's policy denial has an empty body."""

    SERVICE = "s3"

    def handle(self, req: Req, forward: Callable[[], Response]) -> Response:
        rejected = check(req)
        if rejected is not None:
            return rejected
        resp = forward()
        if req.op.operation == "CreateBucket" and resp.status == 200:
            apply_new_bucket_defaults(req)
        if req.op.operation in BODY_ACL_OPERATIONS and resp.status == 200:
            apply_body_acl(req)
        if resp.status == 403 and not resp.body and req.method != "HEAD":
            return s3_error(403, "AccessDenied", ACCESS_DENIED)
        return resp


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
    if bucket is None or key is None:
        return s3_error(403, "AccessDenied", ACCESS_DENIED, rule="AnonymousAccess", head=head)
    if req.signed_by_service is not None:
        # An origin fetch signed through an origin access control: the bucket policy's grant to the service principal
        # for this distribution (aws:SourceArn), or what anyone may read.
        service, source_arn = req.signed_by_service
        if policy_allows_service_get(bucket.policy, bucket.name, req.key, service, source_arn) or anonymous_readable(bucket, key, req.key):
            return None
        return s3_error(403, "AccessDenied", ACCESS_DENIED, rule="OriginAccessControl", head=head)
    if not anonymous_readable(bucket, key, req.key):
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
