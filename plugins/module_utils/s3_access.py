# -*- coding: utf-8 -*-

# Copyright: clickstream.collectors contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""S3 access helpers shared by the collection's modules.

Bucket region, Object Ownership, Block Public Access (bucket and account), ACL reads and writes,
and a comparable form of ACL grants. Every AWS call is retried with ``AWSRetry.jittered_backoff``;
the helpers accept a plain boto3 client or one wrapped by ``module.client(..., retry_decorator=...)``.
Errors other than the documented "not configured" codes are raised to the caller, which knows
the resource and the fix to name in its message.
"""

import copy
import ipaddress

from urllib.parse import urlsplit
from urllib.parse import urlunsplit

try:
    import botocore  # noqa: F401  pylint: disable=unused-import
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

ALL_USERS_URI = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED_USERS_URI = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
LOG_DELIVERY_URI = "http://acs.amazonaws.com/groups/s3/LogDelivery"
# CloudFront's awslogsdelivery account, which CloudFront grants FULL_CONTROL on a log bucket.
LOG_DELIVERY_CANONICAL_IDS = {
    "aws": "c4c1ede66af53448b93c283ce9448c4ba468c9432aa01d700d3878632f77d2d0",
    "aws-cn": "a52cb28745c0c06e84ec548334e44bfa7fc2a85c54af20cd59e4969344b7af56",
}
# The canonical user the aws-exec-read canned ACL grants READ (EC2 bundle reads).
AWS_EXEC_READ_CANONICAL_ID = "6aa5a366c34c1cbe25dc49211496e913e0351eb0e8c37aa3477e40942ec6b97c"

PUBLIC_GROUP_URIS = (ALL_USERS_URI, AUTHENTICATED_USERS_URI)
PUBLIC_CANNED_ACLS = ("public-read", "public-read-write", "authenticated-read")
OBJECT_CANNED_ACLS = (
    "private",
    "public-read",
    "public-read-write",
    "authenticated-read",
    "aws-exec-read",
    "bucket-owner-read",
    "bucket-owner-full-control",
)
BUCKET_CANNED_ACLS = ("private", "public-read", "public-read-write", "authenticated-read", "log-delivery-write")

PUBLIC_ACCESS_BLOCK_FLAGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
OWNERSHIP_VALUES = ("BucketOwnerEnforced", "BucketOwnerPreferred", "ObjectWriter")


def partition_for_region(region):
    """Return the AWS partition ("aws", "aws-cn" or "aws-us-gov") a region belongs to."""
    region = region or ""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


# ---------------------------------------------------------------------------------------------
# Bucket region, ownership, Block Public Access
# ---------------------------------------------------------------------------------------------


@AWSRetry.jittered_backoff()
def _get_bucket_location(client, bucket):
    return client.get_bucket_location(Bucket=bucket)


def get_bucket_region(client, bucket):
    """Return the bucket's region (GetBucketLocation: None/"" is us-east-1, the legacy "EU" is eu-west-1)."""
    location = _get_bucket_location(client, bucket).get("LocationConstraint")
    if not location:
        return "us-east-1"
    if location == "EU":
        return "eu-west-1"
    return location


@AWSRetry.jittered_backoff()
def _get_bucket_ownership_controls(client, bucket):
    return client.get_bucket_ownership_controls(Bucket=bucket)


def get_object_ownership(client, bucket):
    """Return the bucket's Object Ownership.

    A bucket without ownership controls (created before April 2023 and never changed) behaves as
    "ObjectWriter", which is what this returns for OwnershipControlsNotFoundError.
    """
    try:
        response = _get_bucket_ownership_controls(client, bucket)
    except is_boto3_error_code("OwnershipControlsNotFoundError"):
        return "ObjectWriter"
    rules = response.get("OwnershipControls", {}).get("Rules") or []
    if not rules:
        return "ObjectWriter"
    return rules[0].get("ObjectOwnership", "ObjectWriter")


@AWSRetry.jittered_backoff()
def put_object_ownership(client, bucket, ownership):
    """Set the bucket's Object Ownership (one of OWNERSHIP_VALUES)."""
    client.put_bucket_ownership_controls(
        Bucket=bucket,
        OwnershipControls={"Rules": [{"ObjectOwnership": ownership}]},
    )


def _complete_public_access_block(config):
    config = config or {}
    return dict((flag, bool(config.get(flag, False))) for flag in PUBLIC_ACCESS_BLOCK_FLAGS)


@AWSRetry.jittered_backoff()
def _get_public_access_block(client, bucket):
    return client.get_public_access_block(Bucket=bucket)


def get_public_access_block(client, bucket):
    """Return the bucket's four Block Public Access flags (all False when none is configured)."""
    try:
        response = _get_public_access_block(client, bucket)
    except is_boto3_error_code("NoSuchPublicAccessBlockConfiguration"):
        return _complete_public_access_block({})
    return _complete_public_access_block(response.get("PublicAccessBlockConfiguration"))


@AWSRetry.jittered_backoff()
def put_public_access_block(client, bucket, config):
    """Write the bucket's Block Public Access configuration (the four flags; missing ones are False)."""
    client.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration=_complete_public_access_block(config),
    )


# ---------------------------------------------------------------------------------------------
# Account-level Block Public Access (s3control)
# ---------------------------------------------------------------------------------------------


def _is_ip_or_localhost(host):
    host = host.strip("[]")
    if host.lower() == "localhost":
        return True
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def strip_account_host_prefix(url):
    """Return ``url`` without a leading ``<account-id>.`` label when the rest of the host is an IP or localhost.

    botocore addresses s3control at ``<account-id>.<endpoint host>``. A host prefix cannot apply to an
    IP literal (the name would not resolve), so against such a local endpoint the label is dropped; real
    AWS host names (``<account-id>.s3-control.<region>.amazonaws.com``) are left untouched.
    """
    parts = urlsplit(url)
    userinfo, at, netloc = parts.netloc.rpartition("@")
    label, dot, rest = netloc.partition(".")
    if not dot or not label.isdigit():
        return url
    # rest is host[:port]; the host may be a bracketed IPv6 literal.
    if rest.startswith("["):
        host = rest[: rest.find("]") + 1]
    else:
        host = rest.rsplit(":", 1)[0] if rest.count(":") == 1 else rest
    if not _is_ip_or_localhost(host):
        return url
    return urlunsplit((parts.scheme, userinfo + at + rest, parts.path, parts.query, parts.fragment))


def _s3control_host_hook(request, **kwargs):
    new_url = strip_account_host_prefix(request.url)
    if new_url != request.url:
        request.url = new_url
        for header in list(request.headers.keys()):
            if header.lower() == "host":
                request.headers[header] = urlsplit(new_url).netloc


def register_s3control_host_hook(client):
    """Register the IP-literal host fix on an s3control client (plain or retry-wrapped); return the client."""
    raw = getattr(client, "client", client)
    raw.meta.events.register("before-send.s3-control.*", _s3control_host_hook)
    return client


@AWSRetry.jittered_backoff()
def _get_caller_account(sts):
    return sts.get_caller_identity()["Account"]


@AWSRetry.jittered_backoff()
def _get_account_public_access_block(s3control, account_id):
    return s3control.get_public_access_block(AccountId=account_id)


def account_public_access_block(module, account_id=None):
    """Return the caller account's four Block Public Access flags (s3control GetPublicAccessBlock).

    The account id comes from STS GetCallerIdentity when not given. An account without a
    configuration (NoSuchPublicAccessBlockConfiguration) gives all False. Other errors, such as
    AccessDenied when the caller lacks s3:GetAccountPublicAccessBlock or sts:GetCallerIdentity,
    are raised for the caller to handle.
    """
    if not account_id:
        account_id = _get_caller_account(module.client("sts"))
    s3control = register_s3control_host_hook(module.client("s3control"))
    try:
        response = _get_account_public_access_block(s3control, account_id)
    except is_boto3_error_code("NoSuchPublicAccessBlockConfiguration"):
        return _complete_public_access_block({})
    return _complete_public_access_block(response.get("PublicAccessBlockConfiguration"))


# ---------------------------------------------------------------------------------------------
# ACLs
# ---------------------------------------------------------------------------------------------


def _acl_policy(response):
    return {"Owner": dict(response.get("Owner") or {}), "Grants": list(response.get("Grants") or [])}


@AWSRetry.jittered_backoff()
def _get_bucket_acl(client, bucket):
    return client.get_bucket_acl(Bucket=bucket)


def get_bucket_acl(client, bucket):
    """Return the bucket's ACL as {"Owner": {...}, "Grants": [...]}."""
    return _acl_policy(_get_bucket_acl(client, bucket))


@AWSRetry.jittered_backoff()
def put_bucket_acl(client, bucket, acl):
    """Write a full bucket ACL (AccessControlPolicy={"Owner": ..., "Grants": [...]})."""
    client.put_bucket_acl(Bucket=bucket, AccessControlPolicy={"Owner": acl["Owner"], "Grants": acl["Grants"]})


@AWSRetry.jittered_backoff()
def _get_object_acl(client, bucket, key):
    return client.get_object_acl(Bucket=bucket, Key=key)


def get_object_acl(client, bucket, key):
    """Return the object's ACL as {"Owner": {...}, "Grants": [...]}."""
    return _acl_policy(_get_object_acl(client, bucket, key))


@AWSRetry.jittered_backoff()
def put_object_canned_acl(client, bucket, key, acl):
    """Apply a canned ACL to an object."""
    client.put_object_acl(Bucket=bucket, Key=key, ACL=acl)


_OBJECT_GRANT_HEADERS = {
    "FULL_CONTROL": "GrantFullControl",
    "READ": "GrantRead",
    "READ_ACP": "GrantReadACP",
    "WRITE_ACP": "GrantWriteACP",
}


def grant_headers(grants):
    """Return PutObjectAcl's Grant* arguments (``id="..."``, ``uri="..."``, ``emailAddress="..."``) for grants.

    Grant headers say the same as an AccessControlPolicy body, and some S3-compatible endpoints
    (moto among them) honour only the headers. Raises ValueError for a permission objects do not have.
    """
    headers = {}
    for grant in normalize_grants(grants):
        grantee = grant["Grantee"]
        if grant["Permission"] not in _OBJECT_GRANT_HEADERS:
            raise ValueError(f"permission {grant['Permission']!r} cannot be granted on an object")
        if grantee["Type"] == "Group":
            value = f'uri="{grantee["URI"]}"'
        elif grantee["Type"] == "AmazonCustomerByEmail":
            value = f'emailAddress="{grantee["EmailAddress"]}"'
        else:
            value = f'id="{grantee["ID"]}"'
        name = _OBJECT_GRANT_HEADERS[grant["Permission"]]
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


@AWSRetry.jittered_backoff()
def put_object_grants(client, bucket, key, grants):
    """Replace the object's ACL with exactly ``grants`` (sent as Grant* headers)."""
    client.put_object_acl(Bucket=bucket, Key=key, **grant_headers(grants))


def _grantee_key(grantee):
    grantee_type = grantee.get("Type")
    if not grantee_type:
        if grantee.get("URI"):
            grantee_type = "Group"
        elif grantee.get("EmailAddress"):
            grantee_type = "AmazonCustomerByEmail"
        else:
            grantee_type = "CanonicalUser"
    if grantee_type == "Group":
        return grantee_type, "URI", grantee.get("URI")
    if grantee_type == "AmazonCustomerByEmail":
        return grantee_type, "EmailAddress", grantee.get("EmailAddress")
    return grantee_type, "ID", grantee.get("ID")


def normalize_grant(grant):
    """Return one grant as {"Grantee": {"Type": ..., "ID"|"URI"|"EmailAddress": ...}, "Permission": ...}."""
    grantee_type, field, value = _grantee_key(grant.get("Grantee") or {})
    return {"Grantee": {"Type": grantee_type, field: value}, "Permission": grant.get("Permission")}


def _grant_sort_key(grant):
    grantee = grant["Grantee"]
    grantee_type, field, value = _grantee_key(grantee)
    return (grantee_type, field, value or "", grant.get("Permission") or "")


def normalize_grants(grants):
    """Return grants in a canonical, sorted, duplicate-free form that compares with ==.

    DisplayName (which AWS fills in or omits at will) is dropped; Type and the grantee's
    ID, URI or EmailAddress, and the Permission, are kept.
    """
    seen = []
    for grant in grants or []:
        normalized = normalize_grant(grant)
        if normalized not in seen:
            seen.append(normalized)
    return sorted(seen, key=_grant_sort_key)


def _user_grant(canonical_id, permission):
    return {"Grantee": {"Type": "CanonicalUser", "ID": canonical_id}, "Permission": permission}


def _group_grant(uri, permission):
    return {"Grantee": {"Type": "Group", "URI": uri}, "Permission": permission}


def grants_for_canned_acl(acl, owner_id, bucket_owner_id=None):
    """Return (normalized) the grants AWS stores for a canned ACL applied by ``owner_id``.

    ``bucket_owner_id`` matters only for bucket-owner-read and bucket-owner-full-control on an
    object written by another account; it defaults to the owner.
    """
    grants = [_user_grant(owner_id, "FULL_CONTROL")]
    bucket_owner_id = bucket_owner_id or owner_id
    if acl == "private":
        pass
    elif acl == "public-read":
        grants.append(_group_grant(ALL_USERS_URI, "READ"))
    elif acl == "public-read-write":
        grants.append(_group_grant(ALL_USERS_URI, "READ"))
        grants.append(_group_grant(ALL_USERS_URI, "WRITE"))
    elif acl == "authenticated-read":
        grants.append(_group_grant(AUTHENTICATED_USERS_URI, "READ"))
    elif acl == "aws-exec-read":
        grants.append(_user_grant(AWS_EXEC_READ_CANONICAL_ID, "READ"))
    elif acl == "bucket-owner-read":
        if bucket_owner_id != owner_id:
            grants.append(_user_grant(bucket_owner_id, "READ"))
    elif acl == "bucket-owner-full-control":
        if bucket_owner_id != owner_id:
            grants.append(_user_grant(bucket_owner_id, "FULL_CONTROL"))
    elif acl == "log-delivery-write":
        grants.append(_group_grant(LOG_DELIVERY_URI, "WRITE"))
        grants.append(_group_grant(LOG_DELIVERY_URI, "READ_ACP"))
    else:
        raise ValueError(f"unknown canned ACL {acl!r}")
    return normalize_grants(grants)


def grants_are_public(grants):
    """True when any grant goes to the AllUsers or AuthenticatedUsers group."""
    return any(g["Grantee"].get("URI") in PUBLIC_GROUP_URIS for g in normalize_grants(grants))


def add_grants(acl_policy, grants):
    """Add the grants missing from ``acl_policy``; never drop existing ones.

    Returns (changed, new_policy); ``new_policy`` is a copy, ready for put_bucket_acl.
    """
    new_policy = {"Owner": copy.deepcopy(acl_policy.get("Owner") or {}), "Grants": copy.deepcopy(acl_policy.get("Grants") or [])}
    present = normalize_grants(new_policy["Grants"])
    changed = False
    for grant in normalize_grants(grants):
        if grant not in present:
            new_policy["Grants"].append(grant)
            present.append(grant)
            changed = True
    return changed, new_policy
