#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: clickstream.collectors contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: collector_distribution
short_description: Manage the CloudFront distribution of a Snowplow CloudFront collector, compare-first
version_added: 1.0.0
description:
  - Creates, updates or deletes the CloudFront distribution that serves a collector's tracking pixel from its S3 bucket
    over HTTP and HTTPS.
  - The distribution is found by its caller reference (its idempotency key). The module builds the desired values of
    the fields it manages, overlays them onto the config AWS returns (so the fields AWS adds and the C(Logging) block,
    which M(clickstream.collectors.cloudfront_logging) manages, are kept) and calls UpdateDistribution only when
    something differs. A rerun without changes makes no write (and on AWS starts no new deployment).
  - Updates send the config's ETag as IfMatch; when someone else updated the distribution meanwhile, the change is
    re-applied to a fresh copy.
  - The default cache behaviour serves HTTP and HTTPS alike (viewer protocol policy C(allow-all); a redirect would log
    every event twice), allows GET and HEAD, does not compress, and uses a cache policy (by default the managed
    C(CachingOptimized), with which query strings are logged without being forwarded or part of the cache key).
  - O(state=absent) disables the distribution, waits until the change is deployed, then deletes it.
author:
  - clickstream.collectors maintainers (@clickstream-collectors)
options:
  state:
    description:
      - Whether the distribution should exist.
    type: str
    choices: [present, absent]
    default: present
  caller_reference:
    description:
      - The distribution's caller reference, unique in the account. The distribution is found by it.
      - ListDistributions summaries lack the caller reference. The module reads only the distributions whose origin is
        O(origin_bucket) or whose comment is O(comment) (one C(GetDistribution) each), so the cost of a run does not grow
        with the number of distributions in the account. Only before creating one in check mode, after CloudFront refused
        to create one with this caller reference (its origin and comment were changed by hand), and with O(state=absent)
        when no candidate has it, is every distribution's config read.
    type: str
    required: true
  distribution_id:
    description:
      - The distribution's id, when known (for example from M(clickstream.collectors.collector_info)); saves the lookup.
      - Its caller reference must be O(caller_reference). When no distribution has this id, it is looked up by caller reference.
    type: str
    version_added: 1.1.0
  origin_bucket:
    description:
      - The S3 bucket holding the pixel. The origin is C(<bucket>.s3.<region>.amazonaws.com) with id C(s3-<bucket>),
        without origin access identity (the pixel is public through its ACL).
      - Required when O(state=present). With O(state=absent) it narrows the lookup by O(caller_reference).
    type: str
  origin_bucket_region:
    description:
      - The region of O(origin_bucket). Required when O(state=present).
    type: str
  comment:
    description:
      - The distribution's comment.
    type: str
    default: ""
  price_class:
    description:
      - Which edge locations serve the distribution.
    type: str
    choices: [PriceClass_100, PriceClass_200, PriceClass_All]
    default: PriceClass_100
  aliases:
    description:
      - Alternate domain names (CNAMEs). When not empty, O(acm_certificate_arn) is required.
    type: list
    elements: str
    default: []
  acm_certificate_arn:
    description:
      - ARN of an issued ACM certificate in us-east-1 covering O(aliases); served with SNI and TLSv1.2_2021 at least.
      - Without aliases the default C(*.cloudfront.net) certificate is used.
    type: str
  enabled:
    description:
      - Whether the distribution serves requests.
    type: bool
    default: true
  http_version:
    description:
      - The highest HTTP version viewers can use.
    type: str
    choices: [http1.1, http2, http3, http2and3]
    default: http2and3
  cache_policy_id:
    description:
      - The cache policy of the default cache behaviour.
      - The default is the managed policy C(CachingOptimized).
    type: str
    default: 658327ea-f89d-4fab-a63d-7e88639e58f6
  response_headers_policy_id:
    description:
      - A response headers policy for the default cache behaviour, for example one sending the header
        C(Cache-Control) with C(no-cache, no-store, must-revalidate) so that browsers never cache the pixel.
      - When omitted (and O(viewer_cache_control) and O(cors_allowed_origins) too), the default cache behaviour has no response
        headers policy.
      - Mutually exclusive with O(viewer_cache_control) and O(cors_allowed_origins).
    type: str
  viewer_cache_control:
    description:
      - A C(Cache-Control) value to send to viewers, for example V(no-cache, no-store, must-revalidate) so that browsers
        never cache the pixel (the edge still caches it; every request is logged either way).
      - The module keeps a custom response headers policy named O(response_headers_policy_name) that sets this header
        (overriding the origin's) and attaches it to the default cache behaviour. With O(state=absent) the policy is
        deleted after the distribution.
      - Mutually exclusive with O(response_headers_policy_id).
    type: str
  cors_allowed_origins:
    description:
      - The web origins whose pages may send tracker requests to the collector, answered with CORS headers by the same
        response headers policy as O(viewer_cache_control). The Snowplow browser trackers (v3 and v4) send their GET
        requests with C(fetch) or C(XMLHttpRequest) in CORS mode, and count a request the browser refuses to read as failed
        (the event is retried and logged again, and the events behind it wait).
      - Explicit origins, such as V(https://www.example.com), as browsers send them in the C(Origin) header
        (C(scheme://host[:port]), no path, no trailing slash). CloudFront answers a request from one of them with
        C(Access-Control-Allow-Origin) set to that origin and C(Access-Control-Allow-Credentials) set to C(true), which the
        trackers' default credentialed requests need. Letters are lowercased and a default port (C(:80), C(:443)) is dropped.
      - A C(*) as the leftmost label, as in V(https://*.example.com), matches the subdomains of that domain (CloudFront
        allows a wildcard only there).
      - V(*) alone allows any origin, without credentials (browsers refuse C(*) on a credentialed request), so the tracker
        must be told to omit credentials (v4 option C(credentials) set to V(omit), v3 option C(withCredentials) set to V(false)).
      - The policy also allows the methods C(GET), C(HEAD) and C(OPTIONS) and the request header C(SP-Anonymous) (sent by
        the trackers' server-side anonymisation), with a preflight cache of 600 seconds, and overrides CORS headers from the
        origin. The distribution itself serves only C(GET) and C(HEAD), so requests needing a preflight are refused.
      - Empty (the default) means no CORS configuration. Changing the origins updates the policy only (one
        UpdateResponseHeadersPolicy); the distribution keeps the same policy and is not updated.
      - Mutually exclusive with O(response_headers_policy_id).
    type: list
    elements: str
    default: []
    version_added: 1.1.0
  response_headers_policy_name:
    description:
      - The name of the response headers policy O(viewer_cache_control) and O(cors_allowed_origins) manage.
      - The default is O(caller_reference) (letters, digits, hyphens and underscores kept) followed by C(-viewer-cache-control)
        (the name the policy had before it also carried CORS; keeping it keeps the distribution's policy).
    type: str
  tags:
    description:
      - Tags of the distribution.
    type: dict
    default: {}
  purge_tags:
    description:
      - Whether to remove tags not in O(tags) or O(ownership_tags).
    type: bool
    default: false
  ownership_tags:
    description:
      - Tags that mark a distribution as managed by the caller. A distribution with this caller reference that lacks
        them is refused (O(state=present) and O(state=absent)) as not managed by this collection, which must not
        change it. They are added to a distribution the module creates.
    type: dict
    default: {}
  wait:
    description:
      - With O(state=present), wait until the distribution is C(Deployed).
      - O(state=absent) always waits for the disabled distribution to deploy before deleting it (unless O(disable_only)).
    type: bool
    default: false
  disable_only:
    description:
      - With O(state=absent), only disable the distribution (the first half of its deletion) and return at once, its status
        C(InProgress) while the change deploys. A later run with O(state=absent) deletes it; once the disabled distribution is
        deployed, that run waits for nothing. This lets a playbook show the wait (as the M(clickstream.collectors.cloudfront_collector)
        role does, polling M(clickstream.collectors.collector_distribution_info)).
      - The response headers policy is kept until the deletion.
    type: bool
    default: false
    version_added: 1.1.0
  wait_timeout:
    description:
      - How many seconds to wait for a deployment.
    type: int
    default: 1800
notes:
  - The caller needs C(cloudfront:ListDistributions), C(cloudfront:GetDistribution), C(cloudfront:GetDistributionConfig),
    C(cloudfront:CreateDistribution), C(cloudfront:UpdateDistribution), C(cloudfront:DeleteDistribution),
    C(cloudfront:ListTagsForResource), C(cloudfront:TagResource) and C(cloudfront:UntagResource).
  - Supports check mode and diff mode. In check mode nothing is written and the result shows what would be.
  - With O(viewer_cache_control) or O(cors_allowed_origins), the caller also needs C(cloudfront:ListResponseHeadersPolicies),
    C(cloudfront:GetResponseHeadersPolicy), C(cloudfront:CreateResponseHeadersPolicy),
    C(cloudfront:UpdateResponseHeadersPolicy) and (with O(state=absent)) C(cloudfront:DeleteResponseHeadersPolicy).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: The collector's distribution
  clickstream.collectors.collector_distribution:
    caller_reference: clickstream-prod-clickstream-prod-pixel
    origin_bucket: clickstream-prod-pixel
    origin_bucket_region: eu-west-1
    comment: Snowplow CloudFront collector (prod)
    ownership_tags:
      managed-by: clickstream.collectors
    tags:
      clickstream-environment: prod

- name: Serve it on a custom domain, telling browsers not to cache the pixel
  clickstream.collectors.collector_distribution:
    caller_reference: clickstream-prod-clickstream-prod-pixel
    origin_bucket: clickstream-prod-pixel
    origin_bucket_region: eu-west-1
    aliases: [c.example.com]
    acm_certificate_arn: arn:aws:acm:us-east-1:123456789012:certificate/0f7e5e56-1111-2222-3333-444455556666
    viewer_cache_control: no-cache, no-store, must-revalidate
    ownership_tags:
      managed-by: clickstream.collectors
    wait: true

- name: Let the trackers on two sites send their default credentialed requests (CORS)
  clickstream.collectors.collector_distribution:
    caller_reference: clickstream-prod-clickstream-prod-pixel
    origin_bucket: clickstream-prod-pixel
    origin_bucket_region: eu-west-1
    viewer_cache_control: no-cache, no-store, must-revalidate
    cors_allowed_origins:
      - https://www.example.com
      - https://shop.example.com
    ownership_tags:
      managed-by: clickstream.collectors

- name: Tear it down (disable, wait for the deployment, delete; then its response headers policy)
  clickstream.collectors.collector_distribution:
    caller_reference: clickstream-prod-clickstream-prod-pixel
    state: absent
    viewer_cache_control: no-cache, no-store, must-revalidate
    ownership_tags:
      managed-by: clickstream.collectors
"""

RETURN = r"""
response_headers_policy:
  description: The response headers policy O(viewer_cache_control) and O(cors_allowed_origins) manage (in check mode, as it would be).
  returned: when O(viewer_cache_control) or O(cors_allowed_origins) is set
  type: dict
  contains:
    id:
      description: The policy id (null when it would be created, in check mode, or after its deletion).
      type: str
      sample: 5cc3b908-e619-4b99-88e5-2cf7f45965bd
    name:
      description: The policy name.
      type: str
      sample: clickstream-prod-clickstream-prod-pixel-viewer-cache-control
    cache_control:
      description: The C(Cache-Control) value viewers get (null when the policy sends none).
      type: str
      sample: no-cache, no-store, must-revalidate
    cors:
      description: The policy's CORS configuration, or null when it has none.
      type: dict
      version_added: 1.1.0
      contains:
        allowed_origins:
          description: The origins answered with CORS headers (C(*) for any).
          type: list
          elements: str
          sample: ["https://www.example.com"]
        allow_credentials:
          description:
            - Whether C(Access-Control-Allow-Credentials) is sent. True for explicit origins; false for C(*), where the
              tracker must omit credentials.
          type: bool
          sample: true
        allowed_methods:
          description: The methods of C(Access-Control-Allow-Methods).
          type: list
          elements: str
          sample: ["GET", "HEAD", "OPTIONS"]
        allowed_headers:
          description: The request headers of C(Access-Control-Allow-Headers).
          type: list
          elements: str
          sample: ["SP-Anonymous"]
        max_age_sec:
          description: The C(Access-Control-Max-Age) of preflight answers.
          type: int
          sample: 600
        origin_override:
          description: Whether the policy's CORS headers replace those of the origin.
          type: bool
          sample: true
distribution:
  description:
    - The distribution (in check mode, as it would be; C(id) is null when it would be created).
    - With O(state=absent), the distribution as last read before its deletion (with O(disable_only), as it is once disabled), or
      empty when there was none.
  returned: always
  type: dict
  contains:
    id:
      description: The distribution id.
      type: str
      sample: E2QWRUHAPOMQZL
    arn:
      description: The distribution ARN.
      type: str
      sample: arn:aws:cloudfront::123456789012:distribution/E2QWRUHAPOMQZL
    domain_name:
      description: The distribution's domain name, which serves the pixel at C(/i).
      type: str
      sample: d111111abcdef8.cloudfront.net
    status:
      description: C(InProgress) while a change deploys, then C(Deployed).
      type: str
      sample: Deployed
    etag:
      description: The current ETag (config version).
      type: str
      sample: E2QWRUHEXAMPLE
    caller_reference:
      description: The caller reference.
      type: str
      sample: clickstream-prod-clickstream-prod-pixel
    enabled:
      description: Whether the distribution serves requests.
      type: bool
      sample: true
    aliases:
      description: Alternate domain names.
      type: list
      elements: str
      sample: []
    price_class:
      description: The price class.
      type: str
      sample: PriceClass_100
    cache_policy_id:
      description: The default cache behaviour's cache policy.
      type: str
      sample: 658327ea-f89d-4fab-a63d-7e88639e58f6
    response_headers_policy_id:
      description:
        - The default cache behaviour's response headers policy, or null.
        - In check mode, when O(viewer_cache_control) or O(cors_allowed_origins) would create the policy, a placeholder naming it.
      type: str
      sample: 5cc3b908-e619-4b99-88e5-2cf7f45965bd
    tags:
      description: The distribution's tags.
      type: dict
      sample: {"managed-by": "clickstream.collectors", "clickstream-environment": "prod"}
"""

import copy

try:
    import botocore  # noqa: F401  pylint: disable=unused-import
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import CACHING_OPTIMIZED_POLICY_ID
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import DeployTimeout
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import cloudfront_client
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import create_distribution_with_tags
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import create_response_headers_policy
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import delete_response_headers_policy
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import find_response_headers_policy
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import delete_distribution
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import ensure_tags
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import find_distribution
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import get_distribution
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import get_tags
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import normalize_config
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import overlay
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import strip_remove
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import update_distribution_config
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import update_response_headers_policy
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import wait_deployed
# The desired config and response headers policy (shared with collector_info, which compares them).
from ansible_collections.clickstream.collectors.plugins.module_utils.distribution_config import build_config
from ansible_collections.clickstream.collectors.plugins.module_utils.distribution_config import distribution_result
from ansible_collections.clickstream.collectors.plugins.module_utils.distribution_config import managed_view
from ansible_collections.clickstream.collectors.plugins.module_utils.distribution_config import manages_policy
from ansible_collections.clickstream.collectors.plugins.module_utils.distribution_config import policy_name
from ansible_collections.clickstream.collectors.plugins.module_utils.distribution_config import policy_patch
from ansible_collections.clickstream.collectors.plugins.module_utils.distribution_config import policy_view
from ansible_collections.clickstream.collectors.plugins.module_utils.distribution_config import same_policy
from ansible_collections.clickstream.collectors.plugins.module_utils.distribution_config import validate_cors_origins


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------


def error_message(code, params, action, label):
    """A message naming the resource, the cause in user terms and the fix, for a CloudFront error code."""
    aliases = ", ".join(params.get("aliases") or [])
    messages = {
        "DistributionAlreadyExists": (
            f"cannot {action} {label}: caller reference {params['caller_reference']} is already used by another distribution "
            "of the account that ListDistributions did not show (created or deleted meanwhile); rerun, or choose another caller_reference"
        ),
        "CNAMEAlreadyExists": (
            f"cannot {action} {label}: an alias ({aliases}) is already used by another distribution, possibly in another account; "
            "remove it from that distribution (or prove domain ownership with a TXT record) or choose other aliases"
        ),
        "InvalidViewerCertificate": (
            f"cannot {action} {label}: certificate {params.get('acm_certificate_arn')} cannot serve the aliases ({aliases}); give an "
            "issued ACM certificate in us-east-1 that covers every alias"
        ),
        "NoSuchCachePolicy": (
            f"cannot {action} {label}: cache policy {params.get('cache_policy_id')} does not exist; give an existing cache policy id "
            f"(the managed CachingOptimized is {CACHING_OPTIMIZED_POLICY_ID})"
        ),
        "NoSuchResponseHeadersPolicy": (
            f"cannot {action} {label}: response headers policy {params.get('response_headers_policy_id')} does not exist; create it "
            "first or give an existing policy id"
        ),
        "AccessDenied": (
            f"cannot {action} {label}: access denied; the caller needs cloudfront:CreateDistribution, cloudfront:UpdateDistribution, "
            "cloudfront:DeleteDistribution, cloudfront:TagResource and cloudfront:UntagResource"
        ),
        "DistributionNotDisabled": (
            f"cannot {action} {label}: it is not disabled and deployed yet; rerun later (teardown disables it, waits, then deletes it)"
        ),
        "PreconditionFailed": (
            f"cannot {action} {label}: it kept changing meanwhile (stale ETag after several re-reads); rerun later"
        ),
        "InvalidArgument": f"cannot {action} {label}: CloudFront refused the settings; check the options named in the message",
    }
    return messages.get(code, f"cannot {action} {label}")


def fail_on(module, exc, action, label):
    code = ""
    if isinstance(exc, botocore.exceptions.ClientError):
        code = exc.response.get("Error", {}).get("Code", "")
    module.fail_json_aws(exc, msg=error_message(code, module.params, action, label))


# ---------------------------------------------------------------------------------------------
# Aspects
# ---------------------------------------------------------------------------------------------


class AlreadyExists(Exception):
    """CloudFront refused to create a second distribution with the caller reference."""


def read_existing(client, module, label, scan_all):
    """Find the distribution: (distribution, etag, tags) or (None, None, {}).

    By distribution_id when given (its caller reference must be caller_reference), else among the ListDistributions
    summaries whose origin is origin_bucket or whose comment is comment; with ``scan_all``, before concluding that there
    is none, every distribution's config is read.
    """
    params = module.params
    distribution = etag = None
    unreadable = []
    try:
        if params["distribution_id"]:
            distribution, etag = get_distribution(client, params["distribution_id"])
            found = distribution["DistributionConfig"].get("CallerReference") if distribution else None
            if distribution is not None and found != params["caller_reference"]:
                module.fail_json(
                    msg=(
                        f"distribution {params['distribution_id']} has caller reference {found}, not {params['caller_reference']}: "
                        "give the id of the distribution with that caller reference, or leave distribution_id out to find it"
                    ),
                    distribution_id=params["distribution_id"],
                )
        if distribution is None:
            distribution, etag = find_distribution(
                client, params["caller_reference"], origin_bucket=params["origin_bucket"], comment=params["comment"] or None,
                scan_all=scan_all, unreadable=unreadable,
            )
        if distribution is None:
            if unreadable:
                module.warn(
                    f"no readable distribution has caller reference {params['caller_reference']}; skipped "
                    f"{len(unreadable)} the caller may not read (cloudfront:GetDistribution or GetDistributionConfig denied: "
                    f"{', '.join(unreadable)})"
                )
            return None, None, {}
        tags = get_tags(client, distribution["ARN"])
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        fail_on(module, e, "read", label)
    return distribution, etag, tags


def check_ownership(module, distribution, tags):
    wanted = module.params["ownership_tags"] or {}
    missing = {k: v for k, v in wanted.items() if tags.get(k) != v}
    if missing:
        module.fail_json(
            msg=(
                f"distribution {distribution['Id']} has caller reference {module.params['caller_reference']} but lacks the ownership "
                f"tags {missing}: it is not managed by this collection and must not be changed; use another caller reference, "
                "or tag it yourself if it really is yours"
            ),
            distribution_id=distribution["Id"],
        )


def handle_create(client, module, label):
    params = module.params
    config = build_config(None, params)
    tags = dict(params["tags"] or {})
    tags.update(params["ownership_tags"] or {})
    diff = {"before": {}, "after": managed_view(config, tags)}
    if module.check_mode:
        return True, distribution_result(None, config, None, tags), diff
    try:
        response = create_distribution_with_tags(client, config, tags)
    except is_boto3_error_code("DistributionAlreadyExists") as e:
        raise AlreadyExists() from e
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:  # pylint: disable=duplicate-except
        fail_on(module, e, "create", label)
    distribution = response["Distribution"]
    return True, distribution_result(distribution, distribution["DistributionConfig"], response.get("ETag"), tags), diff


def handle_update(client, module, label, distribution, etag, tags):
    params = module.params
    current = normalize_config(distribution["DistributionConfig"])
    wanted = build_config(distribution["DistributionConfig"], params)
    config_changed = wanted != current

    desired_tags = dict(params["tags"] or {})
    desired_tags.update(params["ownership_tags"] or {})
    try:
        tags_changed, new_tags = ensure_tags(client, distribution["ARN"], tags, desired_tags, params["purge_tags"], module.check_mode)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        fail_on(module, e, "tag", label)

    diff = {"before": managed_view(current, tags), "after": managed_view(wanted, new_tags)}
    if not config_changed:
        return tags_changed, distribution_result(distribution, distribution["DistributionConfig"], etag, new_tags), diff
    if module.check_mode:
        return True, distribution_result(distribution, wanted, etag, new_tags), diff

    def apply_change(config):
        normalized = normalize_config(config)
        new = build_config(config, params)
        return config if new == normalized else new

    try:
        changed, response = update_distribution_config(client, distribution["Id"], apply_change, config=distribution["DistributionConfig"], etag=etag)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        fail_on(module, e, "update", label)
    if changed:
        distribution, etag = response["Distribution"], response.get("ETag")
    return True, distribution_result(distribution, distribution["DistributionConfig"], etag, new_tags), diff


def handle_wait(client, module, distribution_id, action):
    try:
        return wait_deployed(client, distribution_id, module.params["wait_timeout"])
    except DeployTimeout as e:
        module.fail_json(
            msg=(
                f"{action}, but distribution {e.distribution_id} was still {e.status} after {e.timeout} seconds; it keeps deploying "
                "on its own: rerun later (or raise wait_timeout)"
            ),
            changed=True,
            distribution_id=e.distribution_id,
        )
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        fail_on(module, e, "wait for", f"distribution {distribution_id}")


def handle_response_headers_policy(client, module):
    """Keep the named policy sending viewer_cache_control and the CORS headers of cors_allowed_origins, compare-first.

    Returns (changed, policy id or placeholder, before, after).
    """
    params = module.params
    name = policy_name(params)
    patch = policy_patch(params)
    try:
        policy, etag = find_response_headers_policy(client, name)
        if policy is None:
            config = dict(strip_remove(patch), Name=name)
            after = policy_view(None, name, config)
            if module.check_mode:
                return True, f"(new response headers policy {name})", {}, after
            try:
                policy = create_response_headers_policy(client, config)
                return True, policy["Id"], {}, policy_view(policy["Id"], name, config)
            except is_boto3_error_code("ResponseHeadersPolicyAlreadyExists"):
                # Another run (a second controller) created it since the read: keep that one, compared below.
                policy, etag = find_response_headers_policy(client, name)
                if policy is None:
                    raise
        current = policy["ResponseHeadersPolicyConfig"]
        before = policy_view(policy["Id"], name, current)
        if same_policy(overlay(current, patch), current):
            return False, policy["Id"], before, before
        if not module.check_mode:
            update_response_headers_policy(client, policy["Id"], lambda config: overlay(config, patch), current, etag, same=same_policy)
        return True, policy["Id"], before, policy_view(policy["Id"], name, overlay(current, patch))
    except is_boto3_error_code("InvalidArgument") as e:
        module.fail_json_aws(
            e,
            msg=(
                f"CloudFront refused the settings of response headers policy {name}: check viewer_cache_control (one line) and "
                "cors_allowed_origins (origins such as https://www.example.com, or ['*'] alone)"
            ),
        )
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(
            e,
            msg=(
                f"cannot keep response headers policy {name}: the caller needs cloudfront:ListResponseHeadersPolicies, "
                "cloudfront:GetResponseHeadersPolicy, cloudfront:CreateResponseHeadersPolicy and cloudfront:UpdateResponseHeadersPolicy"
            ),
        )


def remove_response_headers_policy(client, module):
    """Delete the named policy after the distribution; one still used elsewhere is kept with a warning."""
    name = policy_name(module.params)
    try:
        policy, dummy = find_response_headers_policy(client, name)
        if policy is None:
            return False
        if not module.check_mode:
            delete_response_headers_policy(client, name)
        return True
    except is_boto3_error_code("ResponseHeadersPolicyInUse"):
        module.warn(f"response headers policy {name} is still attached to another distribution and was kept; detach it, then rerun")
        return False
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg=f"cannot delete response headers policy {name}: the caller needs cloudfront:DeleteResponseHeadersPolicy")


def ensure_present(client, module):
    params = module.params
    label = f"the distribution with caller reference {params['caller_reference']}"
    # Check mode reads every distribution before saying one would be created; a real run lets CloudFront say so
    # (it refuses a second distribution with a caller reference), which costs no read when there is none.
    distribution, etag, tags = read_existing(client, module, label, scan_all=module.check_mode)
    if distribution is not None:
        check_ownership(module, distribution, tags)
    policy = None
    if manages_policy(params):
        policy_changed, policy_id, policy_before, policy_after = handle_response_headers_policy(client, module)
        params["response_headers_policy_id"] = policy_id
        policy = (policy_changed, policy_before, policy_after)
    if distribution is None:
        try:
            changed, result, diff = handle_create(client, module, label)
        except AlreadyExists:
            # Its origin and comment were changed by hand: every distribution is read to find it.
            distribution, etag, tags = read_existing(client, module, label, scan_all=True)
            if distribution is None:
                module.fail_json(msg=error_message("DistributionAlreadyExists", params, "create", label))
            check_ownership(module, distribution, tags)
    if distribution is not None:
        label = f"distribution {distribution['Id']}"
        changed, result, diff = handle_update(client, module, label, distribution, etag, tags)
    if policy:
        changed = changed or policy[0]
        if policy[1]:
            diff["before"]["response_headers_policy"] = policy[1]
        diff["after"]["response_headers_policy"] = policy[2]
    if params["wait"] and not module.check_mode and result["id"] and result["status"] != "Deployed":
        deployed = handle_wait(client, module, result["id"], "the distribution was written")
        if deployed:
            result["status"] = deployed.get("Status")
    return changed, result, diff, policy[2] if policy else None


def ensure_absent(client, module):
    params = module.params
    label = f"the distribution with caller reference {params['caller_reference']}"
    distribution, etag, tags = read_existing(client, module, label, scan_all=True)
    if distribution is None:
        policy_changed = manages_policy(params) and remove_response_headers_policy(client, module)
        return policy_changed, {}, {"before": {}, "after": {}}
    check_ownership(module, distribution, tags)
    label = f"distribution {distribution['Id']}"
    config = distribution["DistributionConfig"]
    result = distribution_result(distribution, config, etag, tags)
    diff = {"before": managed_view(normalize_config(config), tags), "after": {}}
    if params["disable_only"]:
        diff["after"] = dict(diff["before"], enabled=False)
    if module.check_mode:
        if params["disable_only"]:
            return bool(config.get("Enabled")), dict(result, enabled=False), diff
        if manages_policy(params):
            remove_response_headers_policy(client, module)
        return True, result, diff

    if config.get("Enabled"):

        def disable(current):
            current["Enabled"] = False
            return current

        try:
            changed, response = update_distribution_config(client, distribution["Id"], disable, config=copy.deepcopy(config), etag=etag)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            fail_on(module, e, "disable", label)
        if changed:
            result = distribution_result(response["Distribution"], response["Distribution"]["DistributionConfig"], response.get("ETag"), tags)
        if params["disable_only"]:
            return True, result, diff
    elif params["disable_only"]:
        return False, result, diff
    handle_wait(client, module, distribution["Id"], "the distribution was disabled before its deletion")
    try:
        delete_distribution(client, distribution["Id"])
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        fail_on(module, e, "delete", label)
    if manages_policy(params):
        remove_response_headers_policy(client, module)
    return True, result, diff


def main():
    argument_spec = dict(
        state=dict(type="str", choices=["present", "absent"], default="present"),
        caller_reference=dict(type="str", required=True),
        distribution_id=dict(type="str"),
        origin_bucket=dict(type="str"),
        origin_bucket_region=dict(type="str"),
        comment=dict(type="str", default=""),
        price_class=dict(type="str", choices=["PriceClass_100", "PriceClass_200", "PriceClass_All"], default="PriceClass_100"),
        aliases=dict(type="list", elements="str", default=[]),
        acm_certificate_arn=dict(type="str"),
        enabled=dict(type="bool", default=True),
        http_version=dict(type="str", choices=["http1.1", "http2", "http3", "http2and3"], default="http2and3"),
        cache_policy_id=dict(type="str", default=CACHING_OPTIMIZED_POLICY_ID),
        response_headers_policy_id=dict(type="str"),
        viewer_cache_control=dict(type="str"),
        cors_allowed_origins=dict(type="list", elements="str", default=[]),
        response_headers_policy_name=dict(type="str"),
        tags=dict(type="dict", default={}),
        purge_tags=dict(type="bool", default=False),
        ownership_tags=dict(type="dict", default={}),
        wait=dict(type="bool", default=False),
        disable_only=dict(type="bool", default=False),
        wait_timeout=dict(type="int", default=1800),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        required_if=[("state", "present", ("origin_bucket", "origin_bucket_region"))],
        mutually_exclusive=[("viewer_cache_control", "response_headers_policy_id")],
        supports_check_mode=True,
    )
    params = module.params
    if params["cors_allowed_origins"] and params["response_headers_policy_id"]:
        module.fail_json(
            msg="cors_allowed_origins needs the module's own response headers policy and cannot be combined with "
            "response_headers_policy_id: drop one of them (put the CORS settings in your own policy, or let the module keep one)"
        )
    origins, problem = validate_cors_origins(params["cors_allowed_origins"])
    if problem:
        module.fail_json(msg=problem)
    params["cors_allowed_origins"] = origins
    if params["state"] == "present" and params["aliases"]:
        arn = params["acm_certificate_arn"]
        if not arn:
            module.fail_json(msg="aliases need acm_certificate_arn: give the ARN of an ACM certificate in us-east-1 that covers them")
        arn_parts = arn.split(":")
        if len(arn_parts) < 6 or arn_parts[2] != "acm" or arn_parts[3] != "us-east-1":
            module.fail_json(
                msg=f"acm_certificate_arn {arn} is not an ACM certificate in us-east-1: CloudFront only uses certificates from "
                "ACM in us-east-1; request or import the certificate there"
            )

    client = cloudfront_client(module)
    result = {}
    if params["state"] == "absent":
        changed, distribution, diff = ensure_absent(client, module)
        if manages_policy(params):
            result["response_headers_policy"] = {"id": None, "name": policy_name(params), "cache_control": None, "cors": None}
    else:
        changed, distribution, diff, policy = ensure_present(client, module)
        if policy:
            result["response_headers_policy"] = policy
    result.update(changed=changed, distribution=distribution)
    if module._diff:  # pylint: disable=protected-access
        result["diff"] = diff
    module.exit_json(**result)


if __name__ == "__main__":
    main()
