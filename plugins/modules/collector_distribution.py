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
    type: str
    required: true
  origin_bucket:
    description:
      - The S3 bucket holding the pixel. The origin is C(<bucket>.s3.<region>.amazonaws.com) with id C(s3-<bucket>),
        without origin access identity (the pixel is public through its ACL).
      - Required when O(state=present).
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
      - O(state=absent) always waits for the disabled distribution to deploy before deleting it.
    type: bool
    default: false
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
    - With O(state=absent), the distribution as last read before its deletion, or empty when there was none.
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
import re

try:
    import botocore  # noqa: F401  pylint: disable=unused-import
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import CACHING_OPTIMIZED_POLICY_ID
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import LEGACY_CACHE_KEYS
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import REMOVE
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import allowed_methods
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import DeployTimeout
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import cloudfront_client
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import create_distribution_with_tags
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import create_response_headers_policy
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import delete_response_headers_policy
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import find_response_headers_policy
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import delete_distribution
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import desired_logging
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import ensure_tags
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import find_distribution_id
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import get_distribution
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import get_tags
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import normalize_config
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import overlay
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import strip_remove
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import update_distribution_config
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import update_response_headers_policy
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import wait_deployed

SERVED_METHODS = ("GET", "HEAD")
MIN_TLS = "TLSv1.2_2021"
POLICY_COMMENTS = {
    (True, False): "Cache-Control for the viewers of a clickstream.collectors collector pixel",
    (False, True): "CORS for the trackers of a clickstream.collectors collector pixel",
    (True, True): "Cache-Control and CORS for the viewers of a clickstream.collectors collector pixel",
}
# CORS of the collector's response headers policy. The trackers' GETs are simple requests (no preflight) unless they
# carry a header such as SP-Anonymous (server-side anonymisation); CloudFront needs at least one allowed header and
# refuses "*" as a header when credentials are allowed. Methods: what the pixel serves, and the preflight.
CORS_METHODS = ("GET", "HEAD", "OPTIONS")
CORS_HEADERS = ("SP-Anonymous",)
CORS_MAX_AGE_SEC = 600
ORIGIN_PATTERN = re.compile(
    r"^(?P<scheme>https?)://(?P<host>(?:\*\.)?[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*)"
    r"(?::(?P<port>[0-9]{1,5}))?$"
)
DEFAULT_PORTS = {"http": "80", "https": "443"}


# ---------------------------------------------------------------------------------------------
# Desired config
# ---------------------------------------------------------------------------------------------


def origin_id(params):
    return f"s3-{params['origin_bucket']}"


def desired_origin(params):
    return {
        "Id": origin_id(params),
        "DomainName": f"{params['origin_bucket']}.s3.{params['origin_bucket_region']}.amazonaws.com",
        "OriginPath": "",
        "S3OriginConfig": {"OriginAccessIdentity": ""},
        "CustomOriginConfig": REMOVE,
    }


def desired_cache_behaviour(params):
    patch = {
        "TargetOriginId": origin_id(params),
        "ViewerProtocolPolicy": "allow-all",
        "AllowedMethods": allowed_methods(SERVED_METHODS, SERVED_METHODS),
        "CachePolicyId": params["cache_policy_id"],
        "ResponseHeadersPolicyId": params["response_headers_policy_id"] or REMOVE,
        "Compress": False,
    }
    for key in LEGACY_CACHE_KEYS:
        patch[key] = REMOVE
    return patch


def desired_viewer_certificate(params):
    if params["aliases"]:
        return {
            "CloudFrontDefaultCertificate": False,
            "ACMCertificateArn": params["acm_certificate_arn"],
            "SSLSupportMethod": "sni-only",
            "MinimumProtocolVersion": MIN_TLS,
        }
    return {"CloudFrontDefaultCertificate": True}


def viewer_certificate_matches(current, desired):
    """Whether the current ViewerCertificate block already gives the desired certificate (extra AWS fields ignored)."""
    current = current or {}
    if desired.get("CloudFrontDefaultCertificate"):
        return bool(current.get("CloudFrontDefaultCertificate"))
    return not current.get("CloudFrontDefaultCertificate") and all(
        current.get(key) == desired[key] for key in ("ACMCertificateArn", "SSLSupportMethod", "MinimumProtocolVersion")
    )


def desired_aliases(params):
    aliases = sorted(set(params["aliases"]))
    if not aliases:
        return {"Quantity": 0}
    return {"Quantity": len(aliases), "Items": aliases}


def build_config(current, params):
    """Return the DistributionConfig to have: ``current`` (normalized, or None for a new one) with the managed fields set.

    Fields the module does not manage are kept as they are, among them the Logging block
    (clickstream.collectors.cloudfront_logging's) and the fields AWS fills in.
    """
    creating = current is None
    current = normalize_config(current) if current else {}
    result = overlay(
        current,
        {
            "Comment": params["comment"],
            "Enabled": params["enabled"],
            "PriceClass": params["price_class"],
            "HttpVersion": params["http_version"],
        },
    )
    if creating:
        result["CallerReference"] = params["caller_reference"]
        result["Logging"] = desired_logging(False)

    current_aliases = (current.get("Aliases") or {}).get("Items") or []
    wanted_aliases = desired_aliases(params)
    if creating or sorted(current_aliases) != (wanted_aliases.get("Items") or []):
        result["Aliases"] = wanted_aliases

    wanted_certificate = desired_viewer_certificate(params)
    if not viewer_certificate_matches(current.get("ViewerCertificate"), wanted_certificate):
        result["ViewerCertificate"] = wanted_certificate

    # One origin: the pixel bucket, keeping the fields AWS added to it (timeouts, Origin Shield...).
    existing_origins = (current.get("Origins") or {}).get("Items") or []
    existing = next((o for o in existing_origins if o.get("Id") == origin_id(params)), {})
    origin = overlay(existing, desired_origin(params))
    result["Origins"] = {"Quantity": 1, "Items": [origin]}

    behaviour_patch = desired_cache_behaviour(params)
    if creating:
        result["DefaultCacheBehavior"] = strip_remove(behaviour_patch)
    else:
        result["DefaultCacheBehavior"] = overlay(current.get("DefaultCacheBehavior") or {}, behaviour_patch)
    return result


def managed_view(config, tags):
    """The managed fields of a config, in the module's terms (for diff)."""
    if not config:
        return {}
    origins = (config.get("Origins") or {}).get("Items") or [{}]
    behaviour = config.get("DefaultCacheBehavior") or {}
    certificate = config.get("ViewerCertificate") or {}
    return {
        "caller_reference": config.get("CallerReference"),
        "comment": config.get("Comment"),
        "enabled": config.get("Enabled"),
        "price_class": config.get("PriceClass"),
        "http_version": config.get("HttpVersion"),
        "aliases": sorted((config.get("Aliases") or {}).get("Items") or []),
        "acm_certificate_arn": None if certificate.get("CloudFrontDefaultCertificate") else certificate.get("ACMCertificateArn"),
        "origins": [{"id": o.get("Id"), "domain_name": o.get("DomainName")} for o in origins],
        "viewer_protocol_policy": behaviour.get("ViewerProtocolPolicy"),
        "allowed_methods": sorted((behaviour.get("AllowedMethods") or {}).get("Items") or []),
        "cache_policy_id": behaviour.get("CachePolicyId"),
        "response_headers_policy_id": behaviour.get("ResponseHeadersPolicyId") or None,
        "compress": behaviour.get("Compress"),
        "tags": dict(tags or {}),
    }


def distribution_result(distribution, config, etag, tags):
    distribution = distribution or {}
    behaviour = config.get("DefaultCacheBehavior") or {}
    return {
        "id": distribution.get("Id"),
        "arn": distribution.get("ARN"),
        "domain_name": distribution.get("DomainName"),
        "status": distribution.get("Status"),
        "etag": etag,
        "caller_reference": config.get("CallerReference"),
        "enabled": config.get("Enabled"),
        "aliases": sorted((config.get("Aliases") or {}).get("Items") or []),
        "price_class": config.get("PriceClass"),
        "cache_policy_id": behaviour.get("CachePolicyId"),
        "response_headers_policy_id": behaviour.get("ResponseHeadersPolicyId") or None,
        "tags": dict(tags or {}),
    }


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


def read_existing(client, module, label):
    """Find the distribution by caller reference: (distribution, etag, tags) or (None, None, {})."""
    try:
        distribution_id = find_distribution_id(client, caller_reference=module.params["caller_reference"])
        if not distribution_id:
            return None, None, {}
        distribution, etag = get_distribution(client, distribution_id)
        if distribution is None:
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
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
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


def manages_policy(params):
    """Whether the module keeps a response headers policy of its own (Cache-Control and/or CORS)."""
    return bool(params["viewer_cache_control"] or params["cors_allowed_origins"])


def policy_name(params):
    if params["response_headers_policy_name"]:
        return params["response_headers_policy_name"]
    return re.sub(r"[^A-Za-z0-9_-]", "-", params["caller_reference"])[:107] + "-viewer-cache-control"


def validate_cors_origins(origins):
    """Return (origins as browsers send them, sorted and deduplicated, None) or (None, a message naming the fix)."""
    origins = [str(origin).strip() for origin in origins or []]
    if "*" in origins:
        if set(origins) != {"*"}:
            return None, (
                "cors_allowed_origins: '*' allows every origin (without credentials) and cannot be combined with other origins; "
                "give either ['*'] or a list of origins such as ['https://www.example.com']"
            )
        return ["*"], None
    normalized = set()
    for origin in origins:
        match = ORIGIN_PATTERN.match(origin.lower())
        port = match.group("port") if match else None
        # CloudFront takes * only as the leftmost label of a domain (*.example.org), not of a top-level domain.
        wildcard_tld = match is not None and match.group("host").startswith("*.") and "." not in match.group("host")[2:]
        if not match or wildcard_tld or (port is not None and not 0 < int(port) < 65536):
            return None, (
                f"cors_allowed_origins: {origin!r} is not a web origin; give scheme://host[:port] with scheme http or https, without "
                "a path or a trailing slash, as browsers send it in the Origin header (for example https://www.example.com, or "
                "https://*.example.com for its subdomains), or ['*'] alone for any origin"
            )
        if port is not None and port == DEFAULT_PORTS[match.group("scheme")]:
            port = None
        normalized.add(f"{match.group('scheme')}://{match.group('host')}" + (f":{port}" if port else ""))
    return sorted(normalized), None


def desired_cors(origins):
    """The CorsConfig for these (validated) origins, or None for no CORS."""
    if not origins:
        return None
    return {
        "AccessControlAllowOrigins": {"Quantity": len(origins), "Items": list(origins)},
        "AccessControlAllowHeaders": {"Quantity": len(CORS_HEADERS), "Items": list(CORS_HEADERS)},
        "AccessControlAllowMethods": {"Quantity": len(CORS_METHODS), "Items": list(CORS_METHODS)},
        "AccessControlAllowCredentials": origins != ["*"],
        "AccessControlMaxAgeSec": CORS_MAX_AGE_SEC,
        "OriginOverride": True,
    }


def policy_patch(params):
    """The parts of the policy config the module manages (REMOVE: what must not be there)."""
    cache_control, cors = params["viewer_cache_control"], desired_cors(params["cors_allowed_origins"])
    patch = {"Comment": POLICY_COMMENTS[(bool(cache_control), bool(cors))], "CustomHeadersConfig": REMOVE, "CorsConfig": REMOVE}
    if cache_control:
        header = {"Header": "Cache-Control", "Value": cache_control, "Override": True}
        patch["CustomHeadersConfig"] = {"Quantity": 1, "Items": [header]}
    if cors:
        patch["CorsConfig"] = cors
    return patch


def _items(block):
    return list((block or {}).get("Items") or [])


def cors_view(cors):
    """A CorsConfig in the module's terms (lists sorted: CloudFront matches them as sets), or None."""
    if not cors:
        return None
    return {
        "allowed_origins": sorted(_items(cors.get("AccessControlAllowOrigins"))),
        "allow_credentials": bool(cors.get("AccessControlAllowCredentials")),
        "allowed_methods": sorted(method.upper() for method in _items(cors.get("AccessControlAllowMethods"))),
        "allowed_headers": sorted(_items(cors.get("AccessControlAllowHeaders")), key=str.lower),
        "max_age_sec": cors.get("AccessControlMaxAgeSec"),
        "origin_override": bool(cors.get("OriginOverride")),
    }


def policy_view(policy_id, name, config):
    items = _items((config or {}).get("CustomHeadersConfig"))
    value = next((h.get("Value") for h in items if h.get("Header", "").lower() == "cache-control"), None)
    return {"id": policy_id, "name": name, "cache_control": value, "cors": cors_view((config or {}).get("CorsConfig"))}


def same_policy(config, other):
    """Whether two policy configs agree on everything the module manages (in CloudFront's terms, not list order or case)."""

    def key(value):
        view = policy_view(None, None, value)
        if view["cors"]:
            view["cors"]["allowed_headers"] = sorted(header.lower() for header in view["cors"]["allowed_headers"])
        return (value or {}).get("Comment"), view

    return key(config) == key(other)


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
            policy = create_response_headers_policy(client, config)
            return True, policy["Id"], {}, policy_view(policy["Id"], name, config)
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
    distribution, etag, tags = read_existing(client, module, label)
    if distribution is not None:
        check_ownership(module, distribution, tags)
    policy = None
    if manages_policy(params):
        policy_changed, policy_id, policy_before, policy_after = handle_response_headers_policy(client, module)
        params["response_headers_policy_id"] = policy_id
        policy = (policy_changed, policy_before, policy_after)
    if distribution is None:
        changed, result, diff = handle_create(client, module, label)
    else:
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
    distribution, etag, tags = read_existing(client, module, label)
    if distribution is None:
        policy_changed = manages_policy(params) and remove_response_headers_policy(client, module)
        return policy_changed, {}, {"before": {}, "after": {}}
    check_ownership(module, distribution, tags)
    label = f"distribution {distribution['Id']}"
    config = distribution["DistributionConfig"]
    result = distribution_result(distribution, config, etag, tags)
    diff = {"before": managed_view(normalize_config(config), tags), "after": {}}
    if module.check_mode:
        if manages_policy(params):
            remove_response_headers_policy(client, module)
        return True, result, diff

    if config.get("Enabled"):

        def disable(current):
            current["Enabled"] = False
            return current

        try:
            update_distribution_config(client, distribution["Id"], disable, config=copy.deepcopy(config), etag=etag)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            fail_on(module, e, "disable", label)
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
