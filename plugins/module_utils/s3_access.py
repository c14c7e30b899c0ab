# -*- coding: utf-8 -*-

# Copyright: clickstream.collectors contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""S3 access helpers shared by the collection's modules, beside amazon.aws's ``module_utils/s3.py``.

The modules call amazon.aws's S3 helpers where they do the job (bucket region by HeadBucket, ownership controls
write, Block Public Access read and write, ACL reads, head and delete object, bucket name validation). What is here
is what amazon.aws does not have: the account-level Block Public Access read, a comparable form of ACL grants,
the grants AWS stores for a canned ACL, full-policy ACL writes, and the reads that must answer at once for a
bucket that does not exist. Each says why it is not the amazon.aws helper.

Retries: clients come from ``s3_client()`` (``AWSRetry.jittered_backoff`` that also retries S3's 503 ``SlowDown``,
which AWSRetry does not by default) and every call here passes ``aws_retry=True``, as amazon.aws's modules do. The
client retries the calls amazon.aws's S3 helpers make too (they call it without ``aws_retry``, and their own
``AWSRetry`` decorator leaves out ``SlowDown``). Errors are raised to the caller, whose ``ErrorHandler`` names the
resource and the fix.
"""

import copy
import functools
import ipaddress
import json

from urllib.parse import urlsplit
from urllib.parse import urlunsplit

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper
from ansible_collections.amazon.aws.plugins.module_utils.s3 import get_s3_bucket_public_access_block
from ansible_collections.clickstream.collectors.plugins.module_utils import session

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
# S3 answers 503 SlowDown when it throttles; AWSRetry retries Throttling, InternalError and the like, not SlowDown. A HEAD
# answer has no body: its SlowDown or InternalError comes as the bare status code.
S3_RETRY_CODES = ("SlowDown", "503", "500")


def partition_for_region(region):
    """Return the AWS partition ("aws", "aws-cn" or "aws-us-gov") a region belongs to."""
    region = region or ""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


class RetryingEveryCall(RetryingBotoClientWrapper):
    """amazon.aws's retrying client, retrying every call: ``aws_retry`` defaults to true.

    amazon.aws's S3 helpers call the client without ``aws_retry`` and retry with an ``AWSRetry`` that does not know
    ``SlowDown``; through this client their calls are retried on it too.
    """

    def _create_optional_retry_wrapper_function(self, unwrapped):
        retrying = self.retry(unwrapped)

        @functools.wraps(unwrapped)
        def wrapper(*args, aws_retry=True, **kwargs):  # pylint: disable=unused-argument
            return retrying(*args, **kwargs)

        return wrapper


def s3_client(module, region=None, extra_codes=(), **retry):
    """An S3 client whose every call is retried on throttling (SlowDown included), 5xx and ``extra_codes``;
    ``region`` for a bucket in another region than the module's."""
    decorator = AWSRetry.jittered_backoff(catch_extra_error_codes=list(S3_RETRY_CODES + tuple(extra_codes)), **retry)
    client = session.aws_client(module, "s3", region=region, retry_decorator=decorator)
    return RetryingEveryCall(getattr(client, "client", client), decorator)


# ---------------------------------------------------------------------------------------------
# Ownership and Block Public Access
# ---------------------------------------------------------------------------------------------


def get_object_ownership(client, bucket):
    """Return the bucket's Object Ownership; NoSuchBucket is raised at once.

    Not amazon.aws's get_s3_bucket_ownership_controls: that one retries NoSuchBucket for minutes (it serves buckets
    just created), while check mode reads buckets that do not exist yet. A bucket without ownership controls
    (created before April 2023 and never changed) behaves as "ObjectWriter", which is what this returns then.
    """
    try:
        response = client.get_bucket_ownership_controls(aws_retry=True, Bucket=bucket)
    except is_boto3_error_code("OwnershipControlsNotFoundError"):
        return "ObjectWriter"
    rules = response.get("OwnershipControls", {}).get("Rules") or []
    return rules[0].get("ObjectOwnership", "ObjectWriter") if rules else "ObjectWriter"


def complete_public_access_block(config):
    """The four Block Public Access flags of a configuration; a flag it does not set, or no configuration, is False."""
    config = config or {}
    return dict((flag, bool(config.get(flag, False))) for flag in PUBLIC_ACCESS_BLOCK_FLAGS)


def get_public_access_block(client, bucket):
    """Return the bucket's four Block Public Access flags (amazon.aws's read; all False when none is configured)."""
    return complete_public_access_block(get_s3_bucket_public_access_block(client, bucket))


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


def account_clients(module):
    """(sts, s3control) clients, retried as s3_client() retries; s3control with the IP-endpoint host fix."""
    retry = AWSRetry.jittered_backoff()
    sts = session.aws_client(module, "sts", retry_decorator=retry)
    return sts, register_s3control_host_hook(session.aws_client(module, "s3control", retry_decorator=retry))


def account_public_access_block(s3control, account_id):
    """Return the account's four Block Public Access flags (s3control GetPublicAccessBlock).

    amazon.aws has no account-level read. An account without a configuration (NoSuchPublicAccessBlockConfiguration)
    gives all False. Other errors, such as AccessDenied without s3:GetAccountPublicAccessBlock, are raised.
    """
    try:
        response = s3control.get_public_access_block(aws_retry=True, AccountId=account_id)
    except is_boto3_error_code("NoSuchPublicAccessBlockConfiguration"):
        return complete_public_access_block({})
    return complete_public_access_block(response.get("PublicAccessBlockConfiguration"))


# ---------------------------------------------------------------------------------------------
# ACLs (reads: amazon.aws's get_s3_bucket_acl and get_s3_object_acl)
# ---------------------------------------------------------------------------------------------


def put_bucket_acl(client, bucket, acl):
    """Write a full bucket ACL (AccessControlPolicy={"Owner": ..., "Grants": [...]}).

    Not amazon.aws's put_s3_bucket_acl, which applies a canned ACL only: adding the log-delivery grant must keep
    every grant the bucket has.
    """
    client.put_bucket_acl(aws_retry=True, Bucket=bucket, AccessControlPolicy={"Owner": acl["Owner"], "Grants": acl["Grants"]})


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


def put_object_grants(client, bucket, key, grants):
    """Replace the object's ACL with exactly ``grants`` (sent as Grant* headers).

    Not amazon.aws's put_s3_object_acl, which applies a canned ACL only.
    """
    client.put_object_acl(aws_retry=True, Bucket=bucket, Key=key, **grant_headers(grants))


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


# ---------------------------------------------------------------------------------------------
# Bucket policy statements
# ---------------------------------------------------------------------------------------------


def canonical_statement(value):
    """A policy statement in a form that compares as IAM reads it: one-element lists as their value, list items and keys sorted."""
    if isinstance(value, dict):
        return dict((key, canonical_statement(item)) for key, item in sorted(value.items()))
    if isinstance(value, list):
        items = sorted((canonical_statement(item) for item in value), key=lambda item: json.dumps(item, sort_keys=True))
        return items[0] if len(items) == 1 else items
    return value


def same_statement(current, wanted):
    """Whether two policy statements say the same (clickstream.collectors.s3_bucket_policy_statement and collector_info)."""
    return canonical_statement(current) == canonical_statement(wanted)
