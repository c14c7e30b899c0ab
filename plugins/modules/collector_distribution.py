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
    something differs. O(initial_logging) sets that block once, when the module creates the distribution. A rerun
    without changes makes no write (and on AWS starts no new deployment).
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
  origin_access_control_name:
    description:
      - The name of the origin access control (OAC) the origin uses, for a private origin bucket (Block Public Access on,
        ACLs disabled). CloudFront then signs its fetches (SigV4, always), and the bucket policy must allow C(s3:GetObject)
        to the service principal C(cloudfront.amazonaws.com) with C(AWS:SourceArn) set to the distribution's ARN
        (RV(distribution.arn)).
      - An OAC with this name is used when it exists, else created (C(s3), C(always), C(sigv4)); with O(state=absent) it is
        deleted after the distribution (kept, with a warning, when another distribution still uses it).
      - Empty (the default) means no OAC. CloudFront fetches anonymously and the object must be public; an OAC set before
        is taken off the origin (the OAC itself is kept).
    type: str
    default: ""
    version_added: 1.1.0
  ownership_tags:
    description:
      - Tags that mark a distribution as managed by the caller. A distribution with this caller reference that lacks
        them is refused (O(state=present) and O(state=absent)) as not managed by this collection, which must not
        change it. They are added to a distribution the module creates.
      - They are kept on the distribution as if they were in O(tags), also when O(tags) is not set, and O(purge_tags)
        never removes them.
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
  initial_logging:
    description:
      - Standard logging (legacy) for a distribution the module creates, so that a new collector logs from its first
        request without a second deployment (one CreateDistribution instead of a create and an update).
      - Used only when the distribution is created. The C(Logging) block of an existing distribution is left as it is;
        M(clickstream.collectors.cloudfront_logging) manages it, and also repairs the log bucket's grants.
      - The log bucket must exist, have ACLs enabled (Object Ownership C(BucketOwnerPreferred)) and be in a region that can
        receive standard logs. CloudFront adds the C(FULL_CONTROL) grant for its C(awslogsdelivery) account to the bucket's
        ACL, with the caller's C(s3:GetBucketAcl) and C(s3:PutBucketAcl) permissions on the bucket.
    type: dict
    version_added: 1.1.0
    suboptions:
      bucket:
        description:
          - The log bucket's name.
        type: str
        required: true
      prefix:
        description:
          - Prefix of the log file names, for example C(cloudfront/).
        type: str
        default: ""
      include_cookies:
        description:
          - Whether cookies are included in the logs.
        type: bool
        default: false
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
  - amazon.aws.tags
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

- name: A new collector that logs from its first request (one CreateDistribution; later changes via cloudfront_logging)
  clickstream.collectors.collector_distribution:
    caller_reference: clickstream-prod-clickstream-prod-pixel
    origin_bucket: clickstream-prod-pixel
    origin_bucket_region: eu-west-1
    initial_logging:
      bucket: clickstream-prod-logs
      prefix: cloudfront/

- name: Tear it down (disable, wait for the deployment, delete; then its response headers policy)
  clickstream.collectors.collector_distribution:
    caller_reference: clickstream-prod-clickstream-prod-pixel
    state: absent
    viewer_cache_control: no-cache, no-store, must-revalidate
    ownership_tags:
      managed-by: clickstream.collectors
"""

RETURN = r"""
created:
  description:
    - Whether the module created the distribution (in check mode, would create it), with O(initial_logging) as its logging.
    - V(false) when it existed, also when another run created it first and the module adopted it.
  returned: when O(state=present)
  type: bool
  sample: true
  version_added: 1.1.0
origin_access_control:
  description: The origin access control the origin uses (O(origin_access_control_name)); in check mode, before its creation, the id names it.
  returned: when O(origin_access_control_name) is set and O(state=present)
  type: dict
  contains:
    id:
      description: The OAC id.
      type: str
      sample: E2QWRUHAPOMQZL
    name:
      description: The OAC name.
      type: str
      sample: clickstream-prod-acme-pixel
  version_added: 1.1.0
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
    comment:
      description: The distribution's comment.
      type: str
      sample: clickstream collector prod (acme-clickstream-pixel)
      version_added: 1.1.0
    http_version:
      description: The highest HTTP version viewers can use.
      type: str
      sample: http2and3
      version_added: 1.1.0
    acm_certificate_arn:
      description: The ACM certificate serving O(aliases), or null with the default C(*.cloudfront.net) certificate.
      type: str
      sample: null
      version_added: 1.1.0
    origins:
      description: The distribution's origins, each with its C(id) and C(domain_name).
      type: list
      elements: dict
      sample: [{"id": "s3-acme-clickstream-pixel", "domain_name": "acme-clickstream-pixel.s3.eu-west-1.amazonaws.com"}]
      version_added: 1.1.0
    viewer_protocol_policy:
      description: The default cache behaviour's viewer protocol policy.
      type: str
      sample: allow-all
      version_added: 1.1.0
    allowed_methods:
      description: The methods the default cache behaviour allows, sorted.
      type: list
      elements: str
      sample: ["GET", "HEAD"]
      version_added: 1.1.0
    compress:
      description: Whether the default cache behaviour compresses.
      type: bool
      sample: false
      version_added: 1.1.0
"""

import copy
import re

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import CACHING_OPTIMIZED_POLICY_ID
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import cloudfront_client
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import create_distribution_with_tags
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import create_origin_access_control
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import create_response_headers_policy
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import delete_distribution
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import delete_origin_access_control
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import delete_response_headers_policy
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import ensure_tags
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import find_distribution
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import find_origin_access_control
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import find_response_headers_policy
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import get_distribution
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import get_tags
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import normalize_config
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import overlay
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import ownership_problem
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
from ansible_collections.clickstream.collectors.plugins.module_utils.errors import ACCESS_DENIED
from ansible_collections.clickstream.collectors.plugins.module_utils.errors import CollectorError
from ansible_collections.clickstream.collectors.plugins.module_utils.errors import ErrorHandler
from ansible_collections.clickstream.collectors.plugins.module_utils.errors import fail
from ansible_collections.clickstream.collectors.plugins.module_utils.facts import ACM_CERTIFICATE_ARN_PATTERN

# The fix for each CloudFront error code, in the user's terms (formatted with the call's arguments, ``module`` among them).
FIXES = {
    "DistributionAlreadyExists": (
        "caller reference {module.params[caller_reference]} is already used by another distribution of the account that "
        "ListDistributions did not show (created or deleted meanwhile); rerun, or choose another caller_reference"
    ),
    "CNAMEAlreadyExists": (
        "an alias ({module.params[aliases]}) is already used by another distribution, possibly in another account; remove it "
        "from that distribution (or prove domain ownership with a TXT record) or choose other aliases"
    ),
    "InvalidViewerCertificate": (
        "certificate {module.params[acm_certificate_arn]} cannot serve the aliases ({module.params[aliases]}); give an issued "
        "ACM certificate in us-east-1 that covers every alias"
    ),
    "NoSuchCachePolicy": (
        "cache policy {module.params[cache_policy_id]} does not exist; give an existing cache policy id (the managed "
        f"CachingOptimized is {CACHING_OPTIMIZED_POLICY_ID})"
    ),
    "NoSuchResponseHeadersPolicy": (
        "response headers policy {module.params[response_headers_policy_id]} does not exist; create it first or give an existing policy id"
    ),
    ACCESS_DENIED: (
        "access denied; the caller needs cloudfront:ListDistributions, cloudfront:GetDistribution, cloudfront:CreateDistribution, "
        "cloudfront:UpdateDistribution, cloudfront:DeleteDistribution, cloudfront:ListTagsForResource, cloudfront:TagResource "
        "and cloudfront:UntagResource"
    ),
    "DistributionNotDisabled": "it is not disabled and deployed yet; rerun later (teardown disables it, waits, then deletes it)",
    "PreconditionFailed": "it kept changing meanwhile (stale ETag after several re-reads); rerun later",
    "InvalidArgument": "CloudFront refused the settings; check the options named in the message",
}
OAC_PERMISSIONS = (
    "the caller needs cloudfront:ListOriginAccessControls, cloudfront:GetOriginAccessControl, "
    "cloudfront:CreateOriginAccessControl and cloudfront:DeleteOriginAccessControl"
)
POLICY_PERMISSIONS = (
    "the caller needs cloudfront:ListResponseHeadersPolicies, cloudfront:GetResponseHeadersPolicy, "
    "cloudfront:CreateResponseHeadersPolicy, cloudfront:UpdateResponseHeadersPolicy and cloudfront:DeleteResponseHeadersPolicy"
)


class AlreadyExists(Exception):
    """CloudFront refused to create a second distribution with the caller reference."""


# ---------------------------------------------------------------------------------------------
# The distribution
# ---------------------------------------------------------------------------------------------


@ErrorHandler.common_error_handler("read {label}", FIXES)
def read_existing(client, module, label, scan_all):
    """Find the distribution: (distribution, etag, tags) or (None, None, {}).

    By distribution_id when given (its caller reference must be caller_reference), else among the ListDistributions
    summaries whose origin is origin_bucket or whose comment is comment; with ``scan_all``, before concluding that there
    is none, every distribution's config is read.
    """
    params = module.params
    distribution = etag = None
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
    unreadable = []
    if distribution is None:
        distribution, etag = find_distribution(client, params["caller_reference"], origin_bucket=params["origin_bucket"],
                                               comment=params["comment"] or None, scan_all=scan_all, unreadable=unreadable)
    if distribution is None:
        if unreadable:
            module.warn(
                f"no readable distribution has caller reference {params['caller_reference']}; skipped {len(unreadable)} the caller "
                f"may not read (cloudfront:GetDistributionConfig denied: {', '.join(unreadable)})"
            )
        return None, None, {}
    return distribution, etag, get_tags(client, distribution["ARN"])


def check_ownership(module, distribution, tags):
    missing = ownership_problem(tags, module.params["ownership_tags"])
    if missing:
        module.fail_json(
            msg=(
                f"distribution {distribution['Id']} has caller reference {module.params['caller_reference']} but lacks the ownership "
                f"tags {missing}: it is not managed by this collection and must not be changed; use another caller reference, "
                "or tag it yourself if it really is yours"
            ),
            distribution_id=distribution["Id"],
        )


def desired_tags(params):
    """(tags to have, purge others): O(tags) and the ownership tags; without O(tags), tags are not purged."""
    return dict(params["tags"] or {}, **(params["ownership_tags"] or {})), bool(params["purge_tags"] and params["tags"] is not None)


@ErrorHandler.common_error_handler("create {label}", FIXES)
def handle_create(client, module, label, policy_id=None):
    """Create the distribution (with its tags). Returns (changed, {"distribution", "diff"})."""
    config = build_config(None, module.params, policy_id)
    tags = desired_tags(module.params)[0]
    diff = {"before": {}, "after": managed_view(config, tags)}
    if module.check_mode:
        return True, {"distribution": distribution_result(None, config, None, tags), "diff": diff}
    try:
        response = create_distribution_with_tags(client, config, tags)
    except is_boto3_error_code("DistributionAlreadyExists") as e:
        raise AlreadyExists() from e
    distribution = response["Distribution"]
    return True, {"distribution": distribution_result(distribution, distribution["DistributionConfig"], response.get("ETag"), tags), "diff": diff}


@ErrorHandler.common_error_handler("tag {label}", FIXES)
def handle_tags(client, module, label, distribution, tags):
    """Bring the tags to O(tags) and the ownership tags. Returns (changed, the tags after)."""
    wanted, purge = desired_tags(module.params)
    return ensure_tags(client, distribution["ARN"], tags, wanted, purge, module.check_mode)


@ErrorHandler.common_error_handler("update {label}", FIXES)
def handle_update(client, module, label, distribution, etag, tags, policy_id=None):
    """Update the managed fields and the tags, compare-first. Returns (changed, {"distribution", "diff"})."""
    params = module.params
    current = normalize_config(distribution["DistributionConfig"])
    wanted = build_config(distribution["DistributionConfig"], params, policy_id)
    tags_changed, new_tags = handle_tags(client, module, label, distribution, tags)
    diff = {"before": managed_view(current, tags), "after": managed_view(wanted, new_tags)}
    if wanted == current or module.check_mode:
        config = distribution["DistributionConfig"] if wanted == current else wanted
        return tags_changed or wanted != current, {"distribution": distribution_result(distribution, config, etag, new_tags), "diff": diff}

    def apply_change(config):
        return build_config(config, params, policy_id)

    changed, response = update_distribution_config(client, distribution["Id"], apply_change, config=distribution["DistributionConfig"], etag=etag)
    if changed:
        distribution, etag = response["Distribution"], response.get("ETag")
    return True, {"distribution": distribution_result(distribution, distribution["DistributionConfig"], etag, new_tags), "diff": diff}


@ErrorHandler.common_error_handler("read distribution {distribution_id} while waiting for its deployment", FIXES)
def await_deployment(client, module, distribution_id, done):
    """Wait until the distribution is Deployed; the distribution as last read (DeployTimeout: still deploying)."""
    return wait_deployed(client, distribution_id, module.params["wait_timeout"], done=done)


@ErrorHandler.common_error_handler("disable {label}", FIXES)
def disable(client, label, distribution, etag):
    """Disable the distribution (IfMatch). Returns (changed, UpdateDistribution's response or None)."""
    def apply_change(current):
        current["Enabled"] = False
        return current

    return update_distribution_config(client, distribution["Id"], apply_change, config=copy.deepcopy(distribution["DistributionConfig"]), etag=etag)


@ErrorHandler.common_error_handler("delete {label}", FIXES)
def delete(client, label, distribution_id):
    delete_distribution(client, distribution_id)


# ---------------------------------------------------------------------------------------------
# The response headers policy
# ---------------------------------------------------------------------------------------------


@ErrorHandler.common_error_handler(
    "keep response headers policy {name}",
    {
        "InvalidArgument": (
            "CloudFront refused its settings: check viewer_cache_control (one line) and cors_allowed_origins (origins such as "
            "https://www.example.com, or ['*'] alone)"
        ),
        ACCESS_DENIED: POLICY_PERMISSIONS,
    },
)
def handle_response_headers_policy(client, module, name):
    """Keep the named policy sending viewer_cache_control and the CORS headers of cors_allowed_origins, compare-first.

    Returns (changed, {"id": the policy id (a placeholder naming it when check mode would create it), "before", "after"}).
    """
    patch = policy_patch(module.params)
    policy, etag = find_response_headers_policy(client, name)
    if policy is None:
        config = dict(strip_remove(patch), Name=name)
        if module.check_mode:
            return True, {"id": f"(new response headers policy {name})", "before": {}, "after": policy_view(None, name, config)}
        try:
            policy = create_response_headers_policy(client, config)
            return True, {"id": policy["Id"], "before": {}, "after": policy_view(policy["Id"], name, config)}
        except is_boto3_error_code("ResponseHeadersPolicyAlreadyExists"):
            # Another run (a second controller) created it since the read: keep that one, compared below.
            policy, etag = find_response_headers_policy(client, name)
            if policy is None:
                raise
    current = policy["ResponseHeadersPolicyConfig"]
    before, after = policy_view(policy["Id"], name, current), policy_view(policy["Id"], name, overlay(current, patch))
    changed = not same_policy(overlay(current, patch), current)
    if changed and not module.check_mode:
        update_response_headers_policy(client, policy["Id"], lambda config: overlay(config, patch), current, etag, same=same_policy)
    return changed, {"id": policy["Id"], "before": before, "after": after if changed else before}


@ErrorHandler.common_error_handler("delete response headers policy {name}", {ACCESS_DENIED: POLICY_PERMISSIONS})
def remove_response_headers_policy(client, module, name):
    """Delete the named policy after the distribution; one still used elsewhere is kept with a warning. -> changed"""
    policy, dummy = find_response_headers_policy(client, name)
    if policy is None:
        return False
    if module.check_mode:
        return True
    try:
        return delete_response_headers_policy(client, name)
    except is_boto3_error_code("ResponseHeadersPolicyInUse"):
        module.warn(f"response headers policy {name} is still attached to another distribution and was kept; detach it, then rerun")
        return False


# ---------------------------------------------------------------------------------------------
# The origin access control
# ---------------------------------------------------------------------------------------------


@ErrorHandler.common_error_handler("keep origin access control {name}", {ACCESS_DENIED: OAC_PERMISSIONS})
def handle_origin_access_control(client, module, name):
    """The id of the OAC named ``name``, created when missing (a placeholder naming it in check mode). -> (changed, id)"""
    found = find_origin_access_control(client, name)
    if found is not None:
        return False, found["Id"]
    if module.check_mode:
        return True, f"(new origin access control {name})"
    try:
        return True, create_origin_access_control(client, name, "clickstream.collectors: the collector's private pixel bucket")["Id"]
    except is_boto3_error_code("OriginAccessControlAlreadyExists"):
        # Another run created it since the read: use that one.
        found = find_origin_access_control(client, name)
        if found is None:
            raise
        return False, found["Id"]


@ErrorHandler.common_error_handler("delete origin access control {name}", {ACCESS_DENIED: OAC_PERMISSIONS})
def remove_origin_access_control(client, module, name):
    """Delete the named OAC after the distribution; one still used elsewhere is kept with a warning. -> changed"""
    found = find_origin_access_control(client, name)
    if found is None:
        return False
    if module.check_mode:
        return True
    try:
        delete_origin_access_control(client, found["Id"])
    except is_boto3_error_code("OriginAccessControlInUse"):
        module.warn(f"origin access control {name} is still used by another distribution and was kept; detach it, then rerun")
        return False
    return True


# ---------------------------------------------------------------------------------------------
# The states
# ---------------------------------------------------------------------------------------------


def ensure_present(client, module):
    """The distribution (and the policy the module keeps) as the options say. Returns (changed, result)."""
    params = module.params
    label = f"the distribution with caller reference {params['caller_reference']}"
    # Check mode reads every distribution before saying one would be created; a real run lets CloudFront say so
    # (it refuses a second distribution with a caller reference), which costs no read when there is none.
    distribution, etag, tags = read_existing(client, module, label, module.check_mode)
    if distribution is not None:
        check_ownership(module, distribution, tags)
    policy_changed, policy = False, None
    if manages_policy(params):
        policy_changed, policy = handle_response_headers_policy(client, module, policy_name(params))
    policy_id = policy["id"] if policy else params["response_headers_policy_id"]
    created = False
    oac_changed = False
    if params["origin_access_control_name"]:
        oac_changed, params["origin_access_control_id"] = handle_origin_access_control(client, module, params["origin_access_control_name"])
    if distribution is None:
        try:
            changed, result = handle_create(client, module, label, policy_id)
            created = True
        except AlreadyExists as e:
            # Its origin and comment were changed by hand: every distribution is read to find it.
            distribution, etag, tags = read_existing(client, module, label, True)
            if distribution is None:
                raise CollectorError(message=f"Cannot create {label}: " + FIXES["DistributionAlreadyExists"].format(module=module)) from e
            check_ownership(module, distribution, tags)
    if distribution is not None:
        changed, result = handle_update(client, module, f"distribution {distribution['Id']}", distribution, etag, tags, policy_id)
    if policy:
        if policy["before"]:
            result["diff"]["before"]["response_headers_policy"] = policy["before"]
        result["diff"]["after"]["response_headers_policy"] = policy["after"]
        result["response_headers_policy"] = policy["after"]
    result["created"] = created
    found = result["distribution"]
    if params["wait"] and not module.check_mode and found["id"] and found["status"] != "Deployed":
        deployed = await_deployment(client, module, found["id"], "the distribution was written")
        if deployed:
            found["status"] = deployed.get("Status")
    if params["origin_access_control_name"]:
        result["origin_access_control"] = {"id": params["origin_access_control_id"], "name": params["origin_access_control_name"]}
    return changed or policy_changed or oac_changed, result


def ensure_absent(client, module):
    """Disable, wait for and delete the distribution, then the policy the module keeps. Returns (changed, result)."""
    params = module.params
    label = f"the distribution with caller reference {params['caller_reference']}"
    result = {"distribution": {}, "diff": {"before": {}, "after": {}}}
    if manages_policy(params):
        result["response_headers_policy"] = {"id": None, "name": policy_name(params), "cache_control": None, "cors": None}
    distribution, etag, tags = read_existing(client, module, label, True)
    if distribution is None:
        removed = manages_policy(params) and remove_response_headers_policy(client, module, policy_name(params))
        if params["origin_access_control_name"]:
            removed = remove_origin_access_control(client, module, params["origin_access_control_name"]) or removed
        return removed, result
    check_ownership(module, distribution, tags)
    label = f"distribution {distribution['Id']}"
    config = distribution["DistributionConfig"]
    result.update(distribution=distribution_result(distribution, config, etag, tags))
    result["diff"]["before"] = managed_view(normalize_config(config), tags)
    if params["disable_only"]:
        # The first half of a deletion: the response headers policy stays until the distribution is deleted.
        result["diff"]["after"] = dict(result["diff"]["before"], enabled=False)
        if not config.get("Enabled"):
            return False, result
        if module.check_mode:
            return True, dict(result, distribution=dict(result["distribution"], enabled=False))
        changed, response = disable(client, label, distribution, etag)
        if changed:
            disabled = response["Distribution"]
            result["distribution"] = distribution_result(disabled, disabled["DistributionConfig"], response.get("ETag"), tags)
        return True, result
    if not module.check_mode:
        if config.get("Enabled"):
            disable(client, label, distribution, etag)
        await_deployment(client, module, distribution["Id"], "the distribution was disabled before its deletion")
        delete(client, label, distribution["Id"])
    if manages_policy(params):
        remove_response_headers_policy(client, module, policy_name(params))
    if params["origin_access_control_name"]:
        remove_origin_access_control(client, module, params["origin_access_control_name"])
    return True, result


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
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        origin_access_control_name=dict(type="str", default=""),
        ownership_tags=dict(type="dict", default={}),
        wait=dict(type="bool", default=False),
        disable_only=dict(type="bool", default=False),
        wait_timeout=dict(type="int", default=1800),
        initial_logging=dict(type="dict", options=dict(
            bucket=dict(type="str", required=True),
            prefix=dict(type="str", default=""),
            include_cookies=dict(type="bool", default=False),
        )),
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
    problem = validate_cors_origins(params["cors_allowed_origins"])[1]
    if problem:
        module.fail_json(msg=problem)
    if params["state"] == "present" and params["aliases"]:
        arn = params["acm_certificate_arn"]
        if not arn:
            module.fail_json(msg="aliases need acm_certificate_arn: give the ARN of an ACM certificate in us-east-1 that covers them")
        if not re.match(ACM_CERTIFICATE_ARN_PATTERN, arn):
            module.fail_json(
                msg=f"acm_certificate_arn {arn} is not an ACM certificate in us-east-1: CloudFront only uses certificates from "
                "ACM in us-east-1; request or import the certificate there"
            )

    try:
        if params["state"] == "absent":
            changed, result = ensure_absent(cloudfront_client(module), module)
        else:
            changed, result = ensure_present(cloudfront_client(module), module)
    except AnsibleAWSError as e:
        fail(module, e)
    diff = result.pop("diff")
    if module._diff:  # pylint: disable=protected-access
        result["diff"] = diff
    module.exit_json(changed=changed, **result)


if __name__ == "__main__":
    main()
