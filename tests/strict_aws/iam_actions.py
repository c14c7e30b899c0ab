"""What AWS authorizes for each request: the IAM action(s), the resource ARN and the request context.

Action names, resource types and condition keys are those of the Service Authorization Reference
(https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html,
https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudfront.html,
https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html);
the operation-to-action rules that differ from the operation's name come from each operation's "Permissions"
section of the API reference (S3: https://docs.aws.amazon.com/AmazonS3/latest/API/API_Operations.html, also in
botocore's service model; CloudFront: API_CreateDistributionWithTags.html). ``tests/iam/test_policy_static.py``
checks every action and resource type named here against parliament's copy of the reference.

:func:`checks` returns None for an operation with no mapping: the enforcer refuses it loudly, so the table
stays complete for every call the project makes.
"""

import xml.etree.ElementTree as ET
from collections.abc import Callable
from urllib.parse import unquote

from moto.core import DEFAULT_ACCOUNT_ID

from .iam_glue_athena_actions import athena_checks, glue_checks
from .iam_logs_actions import logs_checks
from .iam_policy import Check, Context
from .operations import CLOUDFRONT_PREFIX, Req
from .xmlutil import parse, text

ACCOUNT_ID = DEFAULT_ACCOUNT_ID
PARTITION = "aws"
USER_NAME = "moto"
PRINCIPAL_ARN = f"arn:{PARTITION}:iam::{ACCOUNT_ID}:user/{USER_NAME}"

# --- S3 -------------------------------------------------------------------------------------------------------
# Bucket operations (resource arn:aws:s3:::BUCKET) whose IAM action differs from "s3:" + the operation name.
S3_BUCKET_ACTIONS = {
    "HeadBucket": "ListBucket",
    "ListObjects": "ListBucket",
    "ListObjectsV2": "ListBucket",
    "ListObjectVersions": "ListBucketVersions",
    "ListMultipartUploads": "ListBucketMultipartUploads",
    "CreateBucket": "CreateBucket",
    "DeleteBucket": "DeleteBucket",
    "GetBucketAcl": "GetBucketAcl",
    "PutBucketAcl": "PutBucketAcl",
    "GetBucketTagging": "GetBucketTagging",
    "PutBucketTagging": "PutBucketTagging",
    "DeleteBucketTagging": "PutBucketTagging",
    "GetBucketOwnershipControls": "GetBucketOwnershipControls",
    "PutBucketOwnershipControls": "PutBucketOwnershipControls",
    "DeleteBucketOwnershipControls": "PutBucketOwnershipControls",
    "GetPublicAccessBlock": "GetBucketPublicAccessBlock",
    "PutPublicAccessBlock": "PutBucketPublicAccessBlock",
    "DeletePublicAccessBlock": "PutBucketPublicAccessBlock",
    "GetBucketPolicyStatus": "GetBucketPolicyStatus",
    "GetBucketPolicy": "GetBucketPolicy",
    "PutBucketPolicy": "PutBucketPolicy",
    "DeleteBucketPolicy": "DeleteBucketPolicy",
    "GetBucketEncryption": "GetEncryptionConfiguration",
    "PutBucketEncryption": "PutEncryptionConfiguration",
    "DeleteBucketEncryption": "PutEncryptionConfiguration",
    "GetBucketLogging": "GetBucketLogging",
    "PutBucketLogging": "PutBucketLogging",
    "GetBucketVersioning": "GetBucketVersioning",
    "PutBucketVersioning": "PutBucketVersioning",
    "GetBucketLifecycleConfiguration": "GetLifecycleConfiguration",
    "PutBucketLifecycleConfiguration": "PutLifecycleConfiguration",
    "DeleteBucketLifecycle": "PutLifecycleConfiguration",
    "GetBucketLocation": "GetBucketLocation",
    "GetBucketCors": "GetBucketCORS",
    "PutBucketCors": "PutBucketCORS",
    "DeleteBucketCors": "PutBucketCORS",
    "GetBucketWebsite": "GetBucketWebsite",
    "PutBucketWebsite": "PutBucketWebsite",
    "DeleteBucketWebsite": "DeleteBucketWebsite",
    "GetBucketNotificationConfiguration": "GetBucketNotification",
    "PutBucketNotificationConfiguration": "PutBucketNotification",
    "GetBucketReplication": "GetReplicationConfiguration",
    "PutBucketReplication": "PutReplicationConfiguration",
    "DeleteBucketReplication": "PutReplicationConfiguration",
    "GetBucketAccelerateConfiguration": "GetAccelerateConfiguration",
    "PutBucketAccelerateConfiguration": "PutAccelerateConfiguration",
    "GetBucketRequestPayment": "GetBucketRequestPayment",
    "PutBucketRequestPayment": "PutBucketRequestPayment",
    "GetObjectLockConfiguration": "GetBucketObjectLockConfiguration",
    "PutObjectLockConfiguration": "PutBucketObjectLockConfiguration",
    "GetBucketInventoryConfiguration": "GetInventoryConfiguration",
    "PutBucketInventoryConfiguration": "PutInventoryConfiguration",
    "DeleteBucketInventoryConfiguration": "PutInventoryConfiguration",
    "GetBucketMetricsConfiguration": "GetMetricsConfiguration",
    "PutBucketMetricsConfiguration": "PutMetricsConfiguration",
    "DeleteBucketMetricsConfiguration": "PutMetricsConfiguration",
    "GetBucketAnalyticsConfiguration": "GetAnalyticsConfiguration",
    "PutBucketAnalyticsConfiguration": "PutAnalyticsConfiguration",
    "DeleteBucketAnalyticsConfiguration": "PutAnalyticsConfiguration",
    "GetBucketIntelligentTieringConfiguration": "GetIntelligentTieringConfiguration",
    "PutBucketIntelligentTieringConfiguration": "PutIntelligentTieringConfiguration",
    "DeleteBucketIntelligentTieringConfiguration": "PutIntelligentTieringConfiguration",
}
# Object operations (resource arn:aws:s3:::BUCKET/KEY): (action, action when a versionId is given).
S3_OBJECT_ACTIONS = {
    "GetObject": ("GetObject", "GetObjectVersion"),
    "HeadObject": ("GetObject", "GetObjectVersion"),
    "SelectObjectContent": ("GetObject", "GetObject"),
    "PutObject": ("PutObject", "PutObject"),
    "PostObject": ("PutObject", "PutObject"),
    "CopyObject": ("PutObject", "PutObject"),
    "CreateMultipartUpload": ("PutObject", "PutObject"),
    "UploadPart": ("PutObject", "PutObject"),
    "UploadPartCopy": ("PutObject", "PutObject"),
    "CompleteMultipartUpload": ("PutObject", "PutObject"),
    "AbortMultipartUpload": ("AbortMultipartUpload", "AbortMultipartUpload"),
    "ListParts": ("ListMultipartUploadParts", "ListMultipartUploadParts"),
    "DeleteObject": ("DeleteObject", "DeleteObjectVersion"),
    "GetObjectAcl": ("GetObjectAcl", "GetObjectVersionAcl"),
    "PutObjectAcl": ("PutObjectAcl", "PutObjectVersionAcl"),
    "GetObjectTagging": ("GetObjectTagging", "GetObjectVersionTagging"),
    "PutObjectTagging": ("PutObjectTagging", "PutObjectVersionTagging"),
    "DeleteObjectTagging": ("DeleteObjectTagging", "DeleteObjectVersionTagging"),
    "GetObjectAttributes": ("GetObjectAttributes", "GetObjectVersionAttributes"),
    "RestoreObject": ("RestoreObject", "RestoreObject"),
    "GetObjectRetention": ("GetObjectRetention", "GetObjectRetention"),
    "PutObjectRetention": ("PutObjectRetention", "PutObjectRetention"),
    "GetObjectLegalHold": ("GetObjectLegalHold", "GetObjectLegalHold"),
    "PutObjectLegalHold": ("PutObjectLegalHold", "PutObjectLegalHold"),
}
# Account-level Block Public Access through s3control (no resource type: "*").
S3CONTROL_ACTIONS = {
    "GetPublicAccessBlock": "GetAccountPublicAccessBlock",
    "PutPublicAccessBlock": "PutAccountPublicAccessBlock",
    "DeletePublicAccessBlock": "PutAccountPublicAccessBlock",
}
ACL_GRANT_HEADERS = ("x-amz-grant-read", "x-amz-grant-write", "x-amz-grant-read-acp", "x-amz-grant-write-acp", "x-amz-grant-full-control")

# --- CloudFront ----------------------------------------------------------------------------------------------
# Resource type (ARN path segment) of each operation; None: no resource type, the action is authorized on "*".
CLOUDFRONT_RESOURCES = {
    "ListDistributions": None,
    "CreateDistribution": "distribution",
    "CreateDistributionWithTags": "distribution",
    "GetDistribution": "distribution",
    "GetDistributionConfig": "distribution",
    "UpdateDistribution": "distribution",
    "DeleteDistribution": "distribution",
    "CreateInvalidation": "distribution",
    "GetInvalidation": "distribution",
    "ListInvalidations": "distribution",
    "ListResponseHeadersPolicies": None,
    "CreateResponseHeadersPolicy": "response-headers-policy",
    "GetResponseHeadersPolicy": "response-headers-policy",
    "GetResponseHeadersPolicyConfig": "response-headers-policy",
    "UpdateResponseHeadersPolicy": "response-headers-policy",
    "DeleteResponseHeadersPolicy": "response-headers-policy",
    "ListCachePolicies": None,
    "CreateCachePolicy": "cache-policy",
    "GetCachePolicy": "cache-policy",
    "GetCachePolicyConfig": "cache-policy",
    "UpdateCachePolicy": "cache-policy",
    "DeleteCachePolicy": "cache-policy",
    "ListOriginAccessControls": None,
    "CreateOriginAccessControl": None,
    "GetOriginAccessControl": "origin-access-control",
    "GetOriginAccessControlConfig": "origin-access-control",
    "UpdateOriginAccessControl": "origin-access-control",
    "DeleteOriginAccessControl": "origin-access-control",
}
# CreateDistributionWithTags is authorized as CreateDistribution and TagResource (its API reference).
CLOUDFRONT_EXTRA_ACTIONS = {"CreateDistributionWithTags": ("CreateDistribution", "TagResource")}
CLOUDFRONT_TAGGING = ("TagResource", "UntagResource", "ListTagsForResource")
# Operations that send a DistributionConfig (standard logging in it needs the log bucket's ACL permissions).
LOGGING_CONFIG_OPERATIONS = ("CreateDistribution", "CreateDistributionWithTags", "UpdateDistribution")
LOG_BUCKET_DOMAIN_SUFFIX = ".s3.amazonaws.com"

IAM_ACTIONS = {"ListAccountAliases": "ListAccountAliases"}
# sts:GetCallerIdentity needs no permission, and an explicit deny does not stop it (its API reference).
STS_UNAUTHORIZED = {"GetCallerIdentity"}

ResourceTags = Callable[[str], dict[str, str] | None]


def s3_bucket_arn(bucket: str) -> str:
    """arn:aws:s3:::BUCKET"""
    return f"arn:{PARTITION}:s3:::{bucket}"


def s3_object_arn(bucket: str, key: str) -> str:
    """arn:aws:s3:::BUCKET/KEY"""
    return f"arn:{PARTITION}:s3:::{bucket}/{key}"


def cloudfront_arn(resource_type: str, resource_id: str) -> str:
    """arn:aws:cloudfront::ACCOUNT:TYPE/ID (CloudFront ARNs have no region)."""
    return f"arn:{PARTITION}:cloudfront::{ACCOUNT_ID}:{resource_type}/{resource_id}"


def _global_context(req: Req) -> Context:
    context: Context = {
        "aws:PrincipalArn": PRINCIPAL_ARN,
        "aws:PrincipalAccount": ACCOUNT_ID,
        "aws:PrincipalType": "User",
        "aws:username": USER_NAME,
    }
    region = _signing_region(req)
    if region:
        context["aws:RequestedRegion"] = region
    return context


def _signing_region(req: Req) -> str | None:
    authorization = req.headers.get("authorization", "")
    marker = "Credential="
    if marker in authorization:
        scope = authorization.split(marker, 1)[1].split(",", 1)[0].split("/")
        return scope[2] if len(scope) > 3 else None
    credential = req.param("X-Amz-Credential") or ""
    scope = credential.split("/")
    return scope[2] if len(scope) > 3 else None


def _tag_context(tags: dict[str, str], prefix: str) -> Context:
    return {f"{prefix}/{key}": value for key, value in tags.items()}


def _xml_tags(root: ET.Element | None, path: str = ".//Tag") -> dict[str, str]:
    if root is None:
        return {}
    return {text(tag, "Key"): text(tag, "Value") for tag in root.iterfind(path)}


# --- per service ------------------------------------------------------------------------------------------------

def _s3_checks(req: Req) -> list[Check] | None:
    operation = req.op.operation
    base = _global_context(req)
    if operation == "ListBuckets":
        return [Check("s3:ListAllMyBuckets", "*", base)]
    bucket_arn = s3_bucket_arn(req.bucket)
    if operation in S3_BUCKET_ACTIONS:
        context = dict(base)
        for name in ("prefix", "delimiter", "max-keys"):
            if req.param(name) is not None:
                context[f"s3:{name}"] = req.param(name) or ""
        checks = [Check("s3:" + S3_BUCKET_ACTIONS[operation], bucket_arn, context)]
        if operation == "CreateBucket":
            checks += _create_bucket_extras(req, bucket_arn, context)
        return checks
    if operation == "DeleteObjects":
        return _delete_objects_checks(req, base)
    if operation in S3_OBJECT_ACTIONS:
        plain, versioned = S3_OBJECT_ACTIONS[operation]
        action = versioned if req.param("versionId") else plain
        context = dict(base)
        if "x-amz-acl" in req.headers:
            context["s3:x-amz-acl"] = req.headers["x-amz-acl"]
        checks = [Check("s3:" + action, s3_object_arn(req.bucket, req.key), context)]
        if operation in ("PutObject", "CopyObject", "CreateMultipartUpload"):
            if "x-amz-acl" in req.headers or any(h in req.headers for h in ACL_GRANT_HEADERS):
                checks.append(Check("s3:PutObjectAcl", s3_object_arn(req.bucket, req.key), context))
            if "x-amz-tagging" in req.headers:
                checks.append(Check("s3:PutObjectTagging", s3_object_arn(req.bucket, req.key), context))
        if operation in ("CopyObject", "UploadPartCopy"):
            source = unquote(req.headers["x-amz-copy-source"].split("?", 1)[0]).lstrip("/")
            checks.append(Check("s3:GetObject", f"arn:{PARTITION}:s3:::{source}", base))
        if operation == "GetObjectAttributes":
            checks.insert(0, Check("s3:" + ("GetObjectVersion" if req.param("versionId") else "GetObject"),
                                   s3_object_arn(req.bucket, req.key), context))
        return checks
    return None


def _create_bucket_extras(req: Req, bucket_arn: str, context: Context) -> list[Check]:
    """CreateBucket also needs PutBucketAcl for a non-private ACL, PutBucketOwnershipControls for an
    x-amz-object-ownership header, and the Object Lock permissions when Object Lock is enabled."""
    extras = []
    acl = req.headers.get("x-amz-acl")
    if acl is not None:
        context["s3:x-amz-acl"] = acl
    if (acl is not None and acl != "private") or any(h in req.headers for h in ACL_GRANT_HEADERS):
        extras.append(Check("s3:PutBucketAcl", bucket_arn, context))
    ownership = req.headers.get("x-amz-object-ownership")
    if ownership is not None:
        context["s3:x-amz-object-ownership"] = ownership
        extras.append(Check("s3:PutBucketOwnershipControls", bucket_arn, context))
    if req.headers.get("x-amz-bucket-object-lock-enabled", "").lower() == "true":
        extras.append(Check("s3:PutBucketObjectLockConfiguration", bucket_arn, context))
        extras.append(Check("s3:PutBucketVersioning", bucket_arn, context))
    location = text(parse(req.body), "LocationConstraint")
    if location:
        context["s3:locationconstraint"] = location
    return extras


def _delete_objects_checks(req: Req, base: Context) -> list[Check]:
    """One DeleteObject (DeleteObjectVersion with a VersionId) per object named in the body."""
    root = parse(req.body)
    checks = []
    for item in root.iterfind("Object") if root is not None else []:
        action = "s3:DeleteObjectVersion" if text(item, "VersionId") else "s3:DeleteObject"
        checks.append(Check(action, s3_object_arn(req.bucket, text(item, "Key")), base))
    return checks


def _s3control_checks(req: Req) -> list[Check] | None:
    action = S3CONTROL_ACTIONS.get(req.op.operation)
    return None if action is None else [Check("s3:" + action, "*", _global_context(req))]


def _cloudfront_checks(req: Req, resource_tags: ResourceTags) -> list[Check] | None:
    operation = req.op.operation
    base = _global_context(req)
    if operation in CLOUDFRONT_TAGGING:
        return _cloudfront_tagging_checks(req, resource_tags, base)
    if operation not in CLOUDFRONT_RESOURCES:
        return None
    resource_type = CLOUDFRONT_RESOURCES[operation]
    actions = CLOUDFRONT_EXTRA_ACTIONS.get(operation, (operation,))
    if resource_type is None:
        return [Check("cloudfront:" + action, "*", base) for action in actions]
    tail = req.path[len(CLOUDFRONT_PREFIX):].strip("/").split("/")
    creating = operation.startswith("Create") and operation not in ("CreateInvalidation",)
    resource_id = "*" if creating else tail[1]
    arn = cloudfront_arn(resource_type, resource_id)
    context = dict(base)
    tags = resource_tags(arn) if not creating else None
    if tags:
        context.update(_tag_context(tags, "aws:ResourceTag"))
    checks = []
    for action in actions:
        if action == "TagResource":
            request_tags = _xml_tags(parse(req.body), "./Tags/Items/Tag")
            tag_context = {**context, **_tag_context(request_tags, "aws:RequestTag"), "aws:TagKeys": sorted(request_tags)}
            checks.append(Check("cloudfront:TagResource", arn, tag_context))
        else:
            checks.append(Check("cloudfront:" + action, arn, context))
    if operation in LOGGING_CONFIG_OPERATIONS:
        checks += _standard_logging_checks(req, base)
    return checks


def _standard_logging_checks(req: Req, base: Context) -> list[Check]:
    """A distribution config with standard logging (legacy) on also needs s3:GetBucketAcl and s3:PutBucketAcl on the log
    bucket: CloudFront adds its awslogsdelivery grant to the bucket's ACL with the caller's permissions
    (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/standard-logging-legacy-s3.html, "Permissions")."""
    root = parse(req.body)
    logging = root.find(".//Logging") if root is not None else None
    if logging is None or text(logging, "Enabled") != "true":
        return []
    bucket_arn = s3_bucket_arn(text(logging, "Bucket").removesuffix(LOG_BUCKET_DOMAIN_SUFFIX))
    return [Check("s3:GetBucketAcl", bucket_arn, base), Check("s3:PutBucketAcl", bucket_arn, base)]


def _cloudfront_tagging_checks(req: Req, resource_tags: ResourceTags, base: Context) -> list[Check]:
    arn = req.param("Resource") or ""
    context = dict(base)
    context.update(_tag_context(resource_tags(arn) or {}, "aws:ResourceTag"))
    root = parse(req.body)
    if req.op.operation == "TagResource":
        request_tags = _xml_tags(root, "./Items/Tag")
        context.update(_tag_context(request_tags, "aws:RequestTag"))
        context["aws:TagKeys"] = sorted(request_tags)
    elif req.op.operation == "UntagResource":
        context["aws:TagKeys"] = sorted(item.text or "" for item in root.iterfind("./Items/Key")) if root is not None else []
    return [Check("cloudfront:" + req.op.operation, arn, context)]


def checks(req: Req, resource_tags: ResourceTags) -> list[Check] | None:
    """The authorizations AWS performs for ``req`` (an empty list: none needed), or None when unmapped.

    ``resource_tags(arn)`` returns the current tags of a CloudFront resource, or None when it does not exist.
    """
    service = req.op.service
    if service == "s3":
        return _s3_checks(req)
    if service == "s3control":
        return _s3control_checks(req)
    if service == "cloudfront":
        return _cloudfront_checks(req, resource_tags)
    if service == "sts" and req.op.operation in STS_UNAUTHORIZED:
        return []
    if service == "logs":
        return logs_checks(req, _signing_region(req) or "us-east-1", ACCOUNT_ID, _global_context(req))
    if service == "iam" and req.op.operation in IAM_ACTIONS:
        return [Check("iam:" + IAM_ACTIONS[req.op.operation], "*", _global_context(req))]
    if service in ("glue", "athena"):
        mapping = glue_checks if service == "glue" else athena_checks
        return mapping(req, _signing_region(req) or "us-east-1", ACCOUNT_ID, _global_context(req))
    return None
