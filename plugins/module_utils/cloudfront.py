# -*- coding: utf-8 -*-

# Copyright: clickstream.collectors contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""CloudFront helpers shared by the collection's modules.

Finding a distribution (by id, alias or caller reference), reading its config with the ETag, writing with IfMatch
(``if_match_write``: compare first, re-read and re-apply the change when someone else updated the resource
meanwhile, 412 PreconditionFailed), waiting until it is Deployed, tags, response headers policies, and the pure
functions that overlay the fields a module manages onto the config AWS returns.

CloudFront is a global service: its API is signed in us-east-1 whatever region the play uses. Clients come from
``cloudfront_client()`` (``AWSRetry.jittered_backoff``, which retries Throttling and 5xx) and every call passes
``aws_retry=True``. Errors are raised to the caller, whose ``ErrorHandler`` names the resource and the fix.
"""

import copy
import time

try:
    import botocore  # noqa: F401  pylint: disable=unused-import
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.botocore import paginated_query_with_retries
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

from ansible_collections.clickstream.collectors.plugins.module_utils.errors import CollectorError
from ansible_collections.clickstream.collectors.plugins.module_utils import session

CLOUDFRONT_REGION = "us-east-1"
# Managed cache policy "CachingOptimized": query strings are logged but neither forwarded nor in the cache key.
CACHING_OPTIMIZED_POLICY_ID = "658327ea-f89d-4fab-a63d-7e88639e58f6"
# How many times an update re-reads the config and retries after 412 PreconditionFailed.
MAX_UPDATE_ATTEMPTS = 5
LOG_BUCKET_DOMAIN_SUFFIX = ".s3.amazonaws.com"
# Legacy cache settings AWS omits when a cache policy is attached (moto returns them anyway).
LEGACY_CACHE_KEYS = ("ForwardedValues", "MinTTL", "DefaultTTL", "MaxTTL")
# The order in which AWS returns AllowedMethods/CachedMethods items, whatever order was sent (real
# get-distribution-config output: HEAD, GET; HEAD, GET, OPTIONS; all seven as below). Methods compare as sets.
AWS_METHOD_ORDER = ("HEAD", "DELETE", "POST", "GET", "OPTIONS", "PUT", "PATCH")

# Marks a key that overlay() removes from the current config.
REMOVE = object()


class DeployTimeout(CollectorError):
    """The distribution was still InProgress when the wait ran out (after ``done``, what the module did): the module
    fails, reporting its change."""

    def __init__(self, distribution_id, timeout, status, done="the distribution was written"):
        super().__init__(
            message=(
                f"{done}, but distribution {distribution_id} was still {status} after {timeout} seconds; it keeps deploying on "
                "its own: rerun later (or raise wait_timeout)"
            ),
            changed=True,
            distribution_id=distribution_id,
        )
        self.distribution_id = distribution_id
        self.timeout = timeout
        self.status = status


def cloudfront_client(module):
    """A CloudFront client (us-east-1, the global API's signing region) whose ``aws_retry=True`` calls are retried on
    Throttling (in AWSRetry's own list) and 5xx."""
    return session.aws_client(module, "cloudfront", region=CLOUDFRONT_REGION, retry_decorator=AWSRetry.jittered_backoff())


def if_match_write(read, write, apply_change, same, current=None, max_attempts=MAX_UPDATE_ATTEMPTS):
    """Write a CloudFront resource with IfMatch, compare-first, re-reading and re-applying the change on 412.

    ``read()`` returns (config, etag); ``write(config, etag)`` writes with that ETag as IfMatch; ``apply_change(config)``
    gets a copy of the current config and returns the one to have; ``same(new, current)`` tells that nothing needs
    writing. ``current``, when given, is the (config, etag) the caller has just read, saving the first read.
    Returns (changed, write's response); (False, None) when the change is already there (someone else made it
    meanwhile). After ``max_attempts`` stale ETags the last PreconditionFailed is raised.
    """
    for attempt in range(max_attempts):
        config, etag = current if attempt == 0 and current and None not in current else read()
        new_config = apply_change(copy.deepcopy(config))
        if same(new_config, config):
            return False, None
        try:
            return True, write(new_config, etag)
        except is_boto3_error_code("PreconditionFailed"):
            if attempt + 1 >= max_attempts:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


# ---------------------------------------------------------------------------------------------
# Reads
# ---------------------------------------------------------------------------------------------


def list_distributions(client):
    """Every distribution summary of the account: ListDistributions, all pages (amazon.aws's paginated_query_with_retries)."""
    result = paginated_query_with_retries(client, "list_distributions", retry_decorator=AWSRetry.jittered_backoff())
    return result.get("DistributionList", {}).get("Items") or []


def get_distribution(client, distribution_id):
    """Return (distribution, etag) from GetDistribution, or (None, None) when it does not exist."""
    try:
        response = client.get_distribution(aws_retry=True, Id=distribution_id)
    except is_boto3_error_code("NoSuchDistribution"):
        return None, None
    return response["Distribution"], response.get("ETag")


def get_distribution_config(client, distribution_id):
    """Return (config, etag) from GetDistributionConfig; NoSuchDistribution is raised."""
    response = client.get_distribution_config(aws_retry=True, Id=distribution_id)
    return response["DistributionConfig"], response.get("ETag")


def find_distribution_id(client, distribution_id=None, alias=None, caller_reference=None, unreadable=None):
    """Return the id of the distribution with this id, alias or caller reference, or None.

    An id is returned as given (GetDistribution then tells whether it exists). An alias is looked up in
    the ListDistributions summaries. A caller reference is not in the summaries: each distribution's
    config is read (GetDistributionConfig) until one matches. A distribution the caller may not read
    (AccessDenied, as under a policy scoped to the collection's own tagged distributions) is skipped and
    its id appended to ``unreadable``, when given.
    """
    if distribution_id:
        return distribution_id
    summaries = list_distributions(client)
    if alias:
        # Not amazon.aws's CloudFrontFactsServiceManager.get_distribution_id_from_domain_name: it also lists streaming
        # distributions (an API retired in 2020, which local endpoints lack) and fails the module itself.
        wanted = alias.lower().rstrip(".")
        for summary in summaries:
            items = (summary.get("Aliases") or {}).get("Items") or []
            if wanted in [item.lower() for item in items]:
                return summary["Id"]
        return None
    if caller_reference:
        return next((s["Id"] for s in summaries if _caller_reference(client, s["Id"], unreadable) == caller_reference), None)
    raise ValueError("one of distribution_id, alias or caller_reference is required")


def _caller_reference(client, distribution_id, unreadable=None):
    """A distribution's caller reference (GetDistributionConfig); None when it was deleted since the list, or when the
    caller may not read it (its id then appended to ``unreadable``, when given)."""
    try:
        return get_distribution_config(client, distribution_id)[0].get("CallerReference")
    except is_boto3_error_code(["NoSuchDistribution", "AccessDenied"]) as e:
        if unreadable is not None and e.response["Error"]["Code"] == "AccessDenied":
            unreadable.append(distribution_id)
        return None


def origin_bucket_of(domain_name):
    """The bucket name of an S3 origin domain (``<bucket>.s3.<region>.amazonaws.com``, ``<bucket>.s3.amazonaws.com``,
    ``<bucket>.s3-<region>.amazonaws.com``), or None for another origin."""
    name, sep, rest = (domain_name or "").lower().partition(".s3")
    if not sep or not rest or rest[0] not in ".-":
        return None
    return name


def candidate_ids(summaries, origin_bucket=None, comment=None):
    """Ids of the summaries that may be the collector's distribution: an origin in ``origin_bucket`` first, then the
    ``comment``. ListDistributions summaries carry origins and comments but not the caller reference."""
    by_origin, by_comment = [], []
    wanted = (origin_bucket or "").lower()
    for summary in summaries:
        origins = (summary.get("Origins") or {}).get("Items") or []
        if wanted and any(origin_bucket_of(origin.get("DomainName")) == wanted for origin in origins):
            by_origin.append(summary["Id"])
        elif comment and summary.get("Comment") == comment:
            by_comment.append(summary["Id"])
    return by_origin + by_comment


def find_distribution(client, caller_reference, origin_bucket=None, comment=None, scan_all=False, unreadable=None):
    """Find the distribution with this caller reference; return (distribution, etag) from GetDistribution, or (None, None).

    ListDistributions summaries lack the caller reference, so reading every distribution would cost one read per
    distribution in the account. Instead the candidates (an origin in ``origin_bucket``, or the ``comment``) are read,
    one GetDistribution each, which also returns the config, the ETag and the status: one read when the distribution is
    the collector's. Only with ``scan_all`` (before concluding that it does not exist: check mode, teardown, or after
    CloudFront refused a second distribution with this caller reference) is every other distribution's config read;
    one the caller may not read is skipped, its id appended to ``unreadable`` when given.
    """
    summaries = list_distributions(client)
    candidates = candidate_ids(summaries, origin_bucket, comment)
    for distribution_id in candidates:
        distribution, etag = get_distribution(client, distribution_id)
        if distribution and distribution["DistributionConfig"].get("CallerReference") == caller_reference:
            return distribution, etag
    if scan_all:
        for summary in summaries:
            if summary["Id"] not in candidates and _caller_reference(client, summary["Id"], unreadable) == caller_reference:
                return get_distribution(client, summary["Id"])
    return None, None


def ownership_problem(tags, ownership_tags):
    """The ownership tags a distribution (or bucket) lacks or has with another value: {} when it is the caller's."""
    tags = tags or {}
    return dict((key, value) for key, value in (ownership_tags or {}).items() if tags.get(key) != value)


# ---------------------------------------------------------------------------------------------
# Writes
# ---------------------------------------------------------------------------------------------


def update_distribution_config(client, distribution_id, apply_change, config=None, etag=None, max_attempts=MAX_UPDATE_ATTEMPTS):
    """UpdateDistribution with IfMatch (``if_match_write``); configs compare in AWS's representation.

    ``config`` and ``etag``, when given, are the values the caller has just read. Returns (changed, response), the
    response being UpdateDistribution's (``Distribution`` and ``ETag``), or (False, None).
    """
    return if_match_write(
        lambda: get_distribution_config(client, distribution_id),
        lambda new, tag: client.update_distribution(aws_retry=True, Id=distribution_id, DistributionConfig=new, IfMatch=tag),
        apply_change,
        lambda new, old: normalize_config(new) == normalize_config(old),
        current=(config, etag),
        max_attempts=max_attempts,
    )


def delete_distribution(client, distribution_id, max_attempts=MAX_UPDATE_ATTEMPTS):
    """Delete a (disabled, deployed) distribution with a fresh ETag (``if_match_write``); False when it was already gone.

    DistributionNotDisabled is raised to the caller.
    """
    try:
        if_match_write(
            lambda: get_distribution_config(client, distribution_id),
            lambda config, tag: client.delete_distribution(aws_retry=True, Id=distribution_id, IfMatch=tag),
            lambda config: config,
            lambda new, old: False,
            max_attempts=max_attempts,
        )
    except is_boto3_error_code("NoSuchDistribution"):
        return False
    return True


def create_distribution_with_tags(client, config, tags):
    """CreateDistributionWithTags; returns the response (``Distribution``, ``ETag``, ``Location``)."""
    return client.create_distribution_with_tags(
        aws_retry=True, DistributionConfigWithTags={"DistributionConfig": config, "Tags": {"Items": ansible_dict_to_boto3_tag_list(tags)}}
    )


def wait_deployed(client, distribution_id, timeout, done="the distribution was written", sleep=time.sleep, clock=time.monotonic):
    """Poll GetDistribution until Status is Deployed; return the distribution, or raise DeployTimeout.

    The delay starts at 1 second and doubles up to 30 (a deployment takes minutes on AWS; local endpoints answer in
    a few reads). Not boto3's distribution_deployed waiter: its fixed delay (60 seconds by default) either keeps a
    local endpoint waiting a minute per deployment or polls AWS's rate-limited control plane every few seconds for
    minutes.
    """
    deadline = clock() + timeout
    delay = 1
    while True:
        distribution, dummy = get_distribution(client, distribution_id)
        if distribution is None:
            return None
        if distribution.get("Status") == "Deployed":
            return distribution
        remaining = deadline - clock()
        if remaining <= 0:
            raise DeployTimeout(distribution_id, timeout, distribution.get("Status"), done)
        sleep(min(delay, remaining))
        delay = min(delay * 2, 30)


# ---------------------------------------------------------------------------------------------
# Tags
# ---------------------------------------------------------------------------------------------


def get_tags(client, arn):
    """Return the distribution's tags as a dict."""
    return boto3_tag_list_to_ansible_dict(client.list_tags_for_resource(aws_retry=True, Resource=arn).get("Tags", {}).get("Items") or [])


def ensure_tags(client, arn, current, desired, purge, check_mode):
    """Bring tags to ``desired`` (keeping others unless ``purge``); return (changed, resulting tags)."""
    to_add, to_remove = compare_aws_tags(current, desired, purge_tags=purge)
    result = dict(current)
    for key in to_remove:
        result.pop(key, None)
    result.update(to_add)
    if not to_add and not to_remove:
        return False, result
    if not check_mode:
        if to_remove:
            client.untag_resource(aws_retry=True, Resource=arn, TagKeys={"Items": sorted(to_remove)})
        if to_add:
            client.tag_resource(aws_retry=True, Resource=arn, Tags={"Items": ansible_dict_to_boto3_tag_list(to_add)})
    return True, result


# ---------------------------------------------------------------------------------------------
# Pure config functions
# ---------------------------------------------------------------------------------------------


def overlay(current, patch):
    """Return ``current`` with ``patch`` applied: dicts merge key by key, other values replace, REMOVE deletes.

    Fields the patch does not name (those AWS adds, or those another module manages) are kept.
    """
    result = copy.deepcopy(current) if isinstance(current, dict) else {}
    for key, value in patch.items():
        if value is REMOVE:
            result.pop(key, None)
        elif isinstance(value, dict):
            result[key] = overlay(result.get(key), value)
        else:
            result[key] = copy.deepcopy(value)
    return result


def strip_remove(patch):
    """Return ``patch`` without REMOVE markers (what to send when there is no current config)."""
    result = {}
    for key, value in patch.items():
        if value is REMOVE:
            continue
        result[key] = strip_remove(value) if isinstance(value, dict) else copy.deepcopy(value)
    return result


def aws_methods(methods):
    """HTTP methods (any order, any case) as AWS returns them: each once, in AWS's own order."""
    wanted = {method.upper() for method in methods or []}
    ordered = [method for method in AWS_METHOD_ORDER if method in wanted]
    return ordered + sorted(wanted - set(AWS_METHOD_ORDER))


def allowed_methods(allowed, cached):
    """An AllowedMethods block (with its CachedMethods) in AWS's representation."""
    allowed, cached = aws_methods(allowed), aws_methods(cached)
    return {"Quantity": len(allowed), "Items": allowed, "CachedMethods": {"Quantity": len(cached), "Items": cached}}


def _normalize_methods(behaviour):
    block = behaviour.get("AllowedMethods")
    if not isinstance(block, dict) or "Items" not in block:
        return
    block["Items"] = aws_methods(block["Items"])
    cached = block.get("CachedMethods")
    if isinstance(cached, dict) and "Items" in cached:
        cached["Items"] = aws_methods(cached["Items"])


def normalize_config(config):
    """Return a copy of a DistributionConfig in AWS's own representation, for comparisons.

    AllowedMethods/CachedMethods items are put in AWS's order, so that methods compare as sets (AWS returns
    them in its own order whatever order was sent). A cache behaviour with a cache policy carries no legacy
    ForwardedValues/TTLs on AWS (some emulators return them), and an S3 origin without S3OriginConfig or
    CustomOriginConfig is an S3 origin with an empty OriginAccessIdentity (which AWS returns explicitly).
    """
    config = copy.deepcopy(config)
    behaviours = [config.get("DefaultCacheBehavior") or {}] + list((config.get("CacheBehaviors") or {}).get("Items") or [])
    for behaviour in behaviours:
        if behaviour.get("CachePolicyId"):
            for key in LEGACY_CACHE_KEYS:
                behaviour.pop(key, None)
        _normalize_methods(behaviour)
    for origin in (config.get("Origins") or {}).get("Items") or []:
        if "S3OriginConfig" not in origin and "CustomOriginConfig" not in origin:
            origin["S3OriginConfig"] = {"OriginAccessIdentity": ""}
    return config


def log_bucket_domain(bucket):
    """The Logging.Bucket value CloudFront requires for a bucket name."""
    return f"{bucket}{LOG_BUCKET_DOMAIN_SUFFIX}"


def desired_logging(enabled, bucket=None, prefix="", include_cookies=False):
    """The Logging block to store; disabled logging is stored by AWS with empty bucket and prefix."""
    if not enabled:
        return {"Enabled": False, "IncludeCookies": False, "Bucket": "", "Prefix": ""}
    return {"Enabled": True, "IncludeCookies": bool(include_cookies), "Bucket": log_bucket_domain(bucket), "Prefix": prefix or ""}


def logging_settings(logging_block):
    """The Logging block in the module's terms (snake_case, bucket as a name)."""
    logging_block = logging_block or {}
    bucket = logging_block.get("Bucket") or ""
    if bucket.endswith(LOG_BUCKET_DOMAIN_SUFFIX):
        bucket = bucket[: -len(LOG_BUCKET_DOMAIN_SUFFIX)]
    return {
        "enabled": bool(logging_block.get("Enabled", False)),
        "bucket": bucket,
        "bucket_domain": logging_block.get("Bucket") or "",
        "prefix": logging_block.get("Prefix") or "",
        "include_cookies": bool(logging_block.get("IncludeCookies", False)),
    }


# ---------------------------------------------------------------------------------------------
# Response headers policies
# ---------------------------------------------------------------------------------------------


def find_response_headers_policy_summary(client, name):
    """The custom response headers policy named ``name`` from the ListResponseHeadersPolicies pages (its ``Id`` and
    ``ResponseHeadersPolicyConfig``, no ETag: read-only callers save the GetResponseHeadersPolicy), or None.

    Pages by Marker: boto3 has no paginator for ListResponseHeadersPolicies (so no paginated_query_with_retries).
    """
    kwargs = {"Type": "custom"}
    while True:
        page = client.list_response_headers_policies(aws_retry=True, **kwargs).get("ResponseHeadersPolicyList") or {}
        for item in page.get("Items") or []:
            policy = item.get("ResponseHeadersPolicy") or {}
            if (policy.get("ResponseHeadersPolicyConfig") or {}).get("Name") == name:
                return policy
        if not page.get("NextMarker"):
            return None
        kwargs["Marker"] = page["NextMarker"]


def find_response_headers_policy(client, name):
    """Return (policy, etag) of the custom response headers policy named ``name``, or (None, None)."""
    summary = find_response_headers_policy_summary(client, name)
    if summary is None:
        return None, None
    response = client.get_response_headers_policy(aws_retry=True, Id=summary["Id"])
    return response["ResponseHeadersPolicy"], response.get("ETag")


def create_response_headers_policy(client, config):
    """CreateResponseHeadersPolicy; returns the policy."""
    return client.create_response_headers_policy(aws_retry=True, ResponseHeadersPolicyConfig=config)["ResponseHeadersPolicy"]


def update_response_headers_policy(client, policy_id, apply_change, config, etag, same, max_attempts=MAX_UPDATE_ATTEMPTS):
    """UpdateResponseHeadersPolicy with IfMatch (``if_match_write``); ``same(new, current)`` compares what the caller
    manages. Returns (changed, policy)."""

    def read():
        response = client.get_response_headers_policy(aws_retry=True, Id=policy_id)
        return response["ResponseHeadersPolicy"]["ResponseHeadersPolicyConfig"], response.get("ETag")

    def write(new, tag):
        return client.update_response_headers_policy(aws_retry=True, Id=policy_id, ResponseHeadersPolicyConfig=new, IfMatch=tag)

    changed, response = if_match_write(read, write, apply_change, same, current=(config, etag), max_attempts=max_attempts)
    return changed, (response or {}).get("ResponseHeadersPolicy")


def delete_response_headers_policy(client, name):
    """Delete the custom response headers policy named ``name``; False when there is none.

    ResponseHeadersPolicyInUse (still attached to a distribution) is raised to the caller.
    """
    policy, etag = find_response_headers_policy(client, name)
    if policy is None:
        return False
    client.delete_response_headers_policy(aws_retry=True, Id=policy["Id"], IfMatch=etag)
    return True


# ---------------------------------------------------------------------------------------------
# Origin access controls (a private S3 origin that CloudFront reads with signed requests)
# ---------------------------------------------------------------------------------------------

# What an S3 origin's OAC is made of (aws-facts.md, "CloudFront distributions"): sign every request with SigV4.
S3_OAC_CONFIG = {"SigningProtocol": "sigv4", "SigningBehavior": "always", "OriginAccessControlOriginType": "s3"}


def find_origin_access_control(client, name):
    """The summary (``Id``, ``Name``, signing settings) of the origin access control named ``name``, or None.

    Pages by Marker: boto3 has no paginator for ListOriginAccessControls.
    """
    kwargs = {}
    while True:
        page = client.list_origin_access_controls(aws_retry=True, **kwargs).get("OriginAccessControlList") or {}
        for item in page.get("Items") or []:
            if item.get("Name") == name:
                return item
        if not page.get("NextMarker"):
            return None
        kwargs["Marker"] = page["NextMarker"]


def create_origin_access_control(client, name, description=""):
    """CreateOriginAccessControl for an S3 origin (sigv4, always); returns the OAC (``Id``, ``OriginAccessControlConfig``)."""
    config = dict(S3_OAC_CONFIG, Name=name, Description=description)
    return client.create_origin_access_control(aws_retry=True, OriginAccessControlConfig=config)["OriginAccessControl"]


def delete_origin_access_control(client, oac_id):
    """DeleteOriginAccessControl with the ETag GetOriginAccessControl gives (IfMatch).

    OriginAccessControlInUse (a distribution still uses it) is raised to the caller.
    """
    etag = client.get_origin_access_control(aws_retry=True, Id=oac_id).get("ETag")
    client.delete_origin_access_control(aws_retry=True, Id=oac_id, IfMatch=etag)
