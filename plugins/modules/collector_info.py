#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: clickstream.collectors contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: collector_info
short_description: Read a whole collector in one pass, and say which parts already are as the settings want them
version_added: 1.1.0
description:
  - Reads everything a Snowplow CloudFront collector is made of, in one module run and without writing, in check mode or
    not - the caller's account (STS) and its account-level Block Public Access; the pixel bucket (tags, Object Ownership,
    Block Public Access); the pixel object (bytes checksum, headers, ACL); the log bucket (tags, Object Ownership, Block
    Public Access, encryption, policy, lifecycle rules, ACL); the distribution, found by caller reference (see
    O(caller_reference)), with its tags, logging settings and response headers policy.
  - Buckets and the distribution are returned with their ownership verdict (whether they carry O(ownership_tags)).
  - With O(compare=true) it also compares each part with the settings given, using the comparisons of the modules that
    would change them, and returns RV(in_sync) - the pixel bucket (with its Object Ownership and Block Public Access)
    and the log bucket as M(clickstream.collectors.collector_buckets) keeps them, the log expiry rule as M(community.aws.s3_lifecycle) does,
    the pixel and its ACL as M(clickstream.collectors.tracking_pixel) with C(acl) does, the distribution and its response headers
    policy as M(clickstream.collectors.collector_distribution), and logging as M(clickstream.collectors.cloudfront_logging).
    A playbook then runs only the modules of the parts that differ - on a rerun with nothing to change, this module run
    is the only one. A part is reported in sync only when every setting matches; any doubt reports it as differing, and
    the module that changes it decides.
  - The parts are read side by side (one thread each), so that the waits of their calls overlap.
  - The action plugin resolves O(pixel.src) on the controller (the play's and roles' C(files/) folders), as
    M(clickstream.collectors.tracking_pixel) does, and passes the bytes to the module.
author:
  - clickstream.collectors maintainers (@clickstream-collectors)
options:
  caller_reference:
    description:
      - The caller reference of the collector's distribution. ListDistributions summaries lack it, so the module reads only
        the distributions whose origin is O(pixel_bucket) or whose comment is O(distribution.comment) (one C(GetDistribution)
        each); the cost does not grow with the number of distributions in the account, apart from ListDistributions pages
        (100 distributions a page). A distribution whose origin and comment were both changed by hand is not found here;
        M(clickstream.collectors.collector_distribution) finds it before it would create a second one.
    type: str
    required: true
  ownership_tags:
    description:
      - Tags marking the buckets and the distribution as the caller's; RV(pixel_bucket.owned), C(log_bucket.owned) and
        C(distribution.owned) say whether they carry them. They are part of the tags the buckets and the distribution must have.
    type: dict
    default: {}
  pixel_bucket:
    description:
      - The bucket holding the pixel (the distribution's origin).
    type: str
    required: true
  pixel_key:
    description:
      - The pixel's object key.
    type: str
    default: i
  log_bucket:
    description:
      - The log bucket; empty when there is none to read (a collector without logging).
    type: str
    default: ""
  log_bucket_region:
    description:
      - The region of O(log_bucket); default the module's region.
    type: str
  compare:
    description:
      - Whether to compare the parts with the settings below and return RV(in_sync) and RV(differences).
    type: bool
    default: true
  tags:
    description:
      - Tags the buckets and the distribution have besides O(ownership_tags); other tags are removed (purged) by the
        modules that keep them.
    type: dict
    default: {}
  identity_tags:
    description:
      - Tags naming the collector whatever its buckets are called (for example C(clickstream-collector) with the inventory
        host's name). When no distribution has O(caller_reference) (a new collector, or one whose pixel bucket was renamed),
        the ListDistributions summaries whose comment starts with O(identity_comment_prefix) are candidates, and those
        carrying these tags and O(ownership_tags) are returned as RV(previous_distributions) (one C(ListTagsForResource)
        per candidate; never a read of every distribution).
      - Empty means no such search.
    type: dict
    default: {}
    version_added: 1.1.0
  identity_comment_prefix:
    description:
      - The start of the comment of this collector's distributions, whatever their origin (see O(identity_tags)).
    type: str
    default: ""
    version_added: 1.1.0
  pixel:
    description:
      - The pixel as it should be.
    type: dict
    default: {}
    suboptions:
      src:
        description:
          - Controller path of the pixel file (default the collection's C(files/i), Snowplow's pixel).
        type: path
      content_base64:
        description:
          - The pixel's bytes, base64-encoded (the action plugin sets it from O(pixel.src)).
        type: str
      content_type:
        description:
          - Its C(Content-Type).
        type: str
        default: image/gif
      cache_control:
        description:
          - Its C(Cache-Control); not compared when not set.
        type: str
  origin_access:
    description:
      - How CloudFront reads the pixel bucket, compared in RV(in_sync) (C(pixel_bucket), C(pixel), C(distribution),
        C(origin_access), C(account)).
    type: dict
    default: {}
    version_added: 1.1.0
    suboptions:
      mode:
        description:
          - V(public_acl) - the pixel is public (C(public-read) ACL), the bucket has ACLs enabled (C(BucketOwnerPreferred)) and
            public ACLs allowed, the origin has no origin access control, and the bucket policy has no statement O(origin_access.policy_sid).
          - V(oac) - the bucket keeps every Block Public Access flag on and ACLs disabled (C(BucketOwnerEnforced)), the origin uses
            the origin access control O(origin_access.control_name), and the bucket policy statement O(origin_access.policy_sid)
            allows C(s3:GetObject) to C(cloudfront.amazonaws.com) for this distribution only (C(AWS:SourceArn)).
        type: str
        choices: [public_acl, oac]
        default: public_acl
      control_name:
        description:
          - The origin access control's name (V(oac)); read with C(cloudfront:ListOriginAccessControls).
        type: str
        default: ""
      policy_sid:
        description:
          - The C(Sid) of the bucket policy statement that lets CloudFront read the bucket (V(oac)), removed in V(public_acl) mode.
        type: str
        default: CloudFrontOriginAccessControl
  log_bucket_settings:
    description:
      - The log bucket as it should be - private (all four Block Public Access flags), SSE-S3, Object Ownership
        C(BucketOwnerPreferred), this policy, and a lifecycle rule expiring the logs.
    type: dict
    default: {}
    suboptions:
      policy:
        description:
          - The bucket policy (JSON), compared as M(clickstream.collectors.collector_buckets) compares policies.
          - C(__ACCOUNT_ID__) in it stands for the caller's account id (read by this module), so that a policy naming the account
            can be compared before the account is known.
        type: json
      object_ownership:
        description:
          - The Object Ownership the log bucket should have (C(BucketOwnerEnforced) under standard logging v2, which
            M(clickstream.collectors.cloudfront_log_delivery) sets).
        type: str
        choices: [BucketOwnerPreferred, BucketOwnerEnforced, ObjectWriter]
        default: BucketOwnerPreferred
        version_added: 1.1.0
      expiration_days:
        description:
          - Days after which log files expire (rule O(log_bucket_settings.expiry_rule_id)); 0 means no such rule.
        type: int
        default: 0
      expiry_rule_id:
        description:
          - The id of the lifecycle rule.
        type: str
        default: clickstream-log-expiry
      expiry_prefix:
        description:
          - The prefix the lifecycle rule applies to.
        type: str
        default: ""
  logging:
    description:
      - The distribution's standard logging as it should be (into O(log_bucket) when enabled).
    type: dict
    default: {}
    suboptions:
      enabled:
        description:
          - Whether logging is on.
        type: bool
        default: true
      prefix:
        description:
          - The log file prefix.
        type: str
        default: ""
      include_cookies:
        description:
          - Whether cookies are logged.
        type: bool
        default: false
  log_delivery:
    description:
      - The distribution's standard logging (v2) as it should be, in the terms of M(clickstream.collectors.cloudfront_log_delivery)
        (into O(log_bucket) under O(logging.prefix)), compared in C(in_sync.log_delivery).
      - Read only when the distribution exists (CloudWatch Logs in us-east-1; with O(log_delivery.enabled=false) one
        DescribeDeliverySources call, to find a delivery to remove).
    type: dict
    default: {}
    version_added: 1.1.0
    suboptions:
      enabled:
        description:
          - Whether the logs go through standard logging v2; V(false) wants no delivery source for the distribution.
        type: bool
        default: false
      output_format:
        description:
          - The destination's output format.
        type: str
        choices: [json, parquet, w3c, plain]
        default: json
      record_fields:
        description:
          - The delivery's record fields, in order.
        type: list
        elements: str
        default: []
      suffix_path:
        description:
          - The delivery's suffix path.
        type: str
        default: "{DistributionId}/{yyyy}/{MM}/{dd}/{HH}"
      hive_compatible_path:
        description:
          - Whether paths are Hive-compatible.
        type: bool
        default: true
  distribution:
    description:
      - The distribution as it should be, in the terms of M(clickstream.collectors.collector_distribution), whose options of
        the same names these are (its origin is O(pixel_bucket)).
    type: dict
    default: {}
    suboptions:
      origin_bucket_region:
        description:
          - The region of O(pixel_bucket); default the module's region.
        type: str
      comment:
        description:
          - The distribution's comment (also used to find it).
        type: str
        default: ""
      price_class:
        description:
          - The price class.
        type: str
        choices: [PriceClass_100, PriceClass_200, PriceClass_All]
        default: PriceClass_100
      aliases:
        description:
          - Alternate domain names.
        type: list
        elements: str
        default: []
      acm_certificate_arn:
        description:
          - ACM certificate for the aliases.
        type: str
      enabled:
        description:
          - Whether it serves requests.
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
          - The default cache behaviour's cache policy (default the managed C(CachingOptimized)).
        type: str
        default: 658327ea-f89d-4fab-a63d-7e88639e58f6
      viewer_cache_control:
        description:
          - The C(Cache-Control) of the collector's response headers policy.
        type: str
      cors_allowed_origins:
        description:
          - The CORS origins of the collector's response headers policy.
        type: list
        elements: str
        default: []
      response_headers_policy_name:
        description:
          - The name of that policy (default derived from O(caller_reference), as M(clickstream.collectors.collector_distribution) does).
        type: str
notes:
  - Permissions used - C(sts:GetCallerIdentity), C(s3:GetAccountPublicAccessBlock); on the buckets C(s3:ListBucket)
    (HeadBucket), C(s3:GetBucketTagging), C(s3:GetBucketOwnershipControls), C(s3:GetBucketPublicAccessBlock), and on the log bucket also
    C(s3:GetEncryptionConfiguration), C(s3:GetBucketPolicy), C(s3:GetLifecycleConfiguration) and C(s3:GetBucketAcl); on the
    pixel C(s3:GetObject) and C(s3:GetObjectAcl); C(cloudfront:ListDistributions), C(cloudfront:GetDistribution),
    C(cloudfront:ListTagsForResource) and C(cloudfront:ListResponseHeadersPolicies).
  - A bucket whose HeadBucket answers 403 (another account's, or the caller lacks C(s3:ListBucket) on it) is returned with
    RV(pixel_bucket.exists) true, RV(pixel_bucket.accessible) false and RV(pixel_bucket.owned) false.
  - Supports check mode; it returns the same results as a normal run.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: What is there, and what differs from the prod collector's settings
  clickstream.collectors.collector_info:
    caller_reference: clickstream-collector-prod-acme-clickstream-pixel
    ownership_tags:
      managed-by: clickstream.collectors
      clickstream-environment: prod
    pixel_bucket: acme-clickstream-pixel
    log_bucket: acme-clickstream-logs
    pixel:
      cache_control: max-age=86400
    logging:
      prefix: cloudfront/
    distribution:
      comment: clickstream collector prod (acme-clickstream-pixel)
      viewer_cache_control: no-cache, no-store, must-revalidate
      cors_allowed_origins: ["*"]
  register: collector

- name: Upload the pixel only when it differs
  clickstream.collectors.tracking_pixel:
    bucket: acme-clickstream-pixel
    cache_control: max-age=86400
  when: not collector.in_sync.pixel

- name: The distribution's domain
  ansible.builtin.debug:
    msg: "{{ collector.distribution.domain_name | default('no distribution yet') }}"
"""

RETURN = r"""
account:
  description: The caller's account.
  returned: always
  type: dict
  contains:
    id:
      description: The account id.
      type: str
      sample: "123456789012"
    arn:
      description: The caller's ARN.
      type: str
      sample: arn:aws:iam::123456789012:user/deployer
    partition:
      description: The partition of the caller's ARN.
      type: str
      sample: aws
    public_access_block:
      description: The account-level Block Public Access flags (snake_case), or null when the caller may not read them.
      type: dict
      sample: {"block_public_acls": false, "ignore_public_acls": false, "block_public_policy": false, "restrict_public_buckets": false}
pixel_bucket:
  description: The pixel bucket.
  returned: always
  type: dict
  contains:
    name:
      description: Its name.
      type: str
    exists:
      description: Whether it exists (also when another account owns it).
      type: bool
    accessible:
      description: Whether the caller could read it (false for another account's bucket); absent when it does not exist.
      type: bool
    owned:
      description: Whether it carries every one of O(ownership_tags) (false for another account's bucket; null when it does not exist).
      type: bool
    missing_ownership_tags:
      description: The ownership tags it lacks or has with another value.
      type: dict
    region:
      description: Its region.
      type: str
    tags:
      description: Its tags.
      type: dict
    object_ownership:
      description: Its Object Ownership.
      type: str
    public_access_block:
      description: Its Block Public Access flags (snake_case).
      type: dict
    policy:
      description: Its bucket policy, null when it has none.
      type: dict
      version_added: 1.1.0
  sample: {"name": "acme-clickstream-pixel", "exists": true, "owned": true, "region": "eu-west-1"}
origin_access_control:
  description: The origin access control named O(origin_access.control_name) (its C(id) and C(name)), or an empty dict.
  returned: always
  type: dict
  sample: {"id": "E2QWRUHAPOMQZL", "name": "clickstream-prod-acme-pixel"}
  version_added: 1.1.0
previous_distributions:
  description:
    - Distributions of the same collector (O(identity_tags)) with another caller reference, found only when none has
      O(caller_reference) - left behind when the pixel bucket was renamed.
  returned: always
  type: list
  elements: dict
  version_added: 1.1.0
  contains:
    id:
      description: The distribution's id.
      type: str
    domain_name:
      description: Its domain name.
      type: str
    comment:
      description: Its comment.
      type: str
    origin_buckets:
      description: The S3 buckets of its origins (the old pixel bucket).
      type: list
      elements: str
    log_bucket:
      description: The bucket it logs to, empty when logging is off.
      type: str
  sample: [{"id": "E2QWRUHAPOMQZL", "domain_name": "d111111abcdef8.cloudfront.net", "origin_buckets": ["acme-old-pixel"]}]
pixel:
  description: The pixel object.
  returned: always
  type: dict
  contains:
    exists:
      description: Whether it exists.
      type: bool
    size:
      description: Its size in bytes.
      type: int
    etag:
      description: Its ETag, without quotes.
      type: str
    content_type:
      description: Its C(Content-Type).
      type: str
    cache_control:
      description: Its C(Cache-Control).
      type: str
    sha256:
      description: The SHA-256 M(clickstream.collectors.tracking_pixel) stored in its metadata.
      type: str
    grants:
      description: Its ACL grants (snake_case).
      type: list
      elements: dict
    desired_sha256:
      description: The SHA-256 of the pixel given (O(pixel.src)); what a smoke test expects CloudFront to serve.
      type: str
  sample: {"exists": true, "size": 43, "content_type": "image/gif", "desired_sha256": "caa849b1..."}
log_bucket:
  description: The log bucket (empty when O(log_bucket) is empty); the keys of RV(pixel_bucket), and its encryption, policy, lifecycle rules and grants.
  returned: always
  type: dict
  sample: {"name": "acme-clickstream-logs", "exists": true, "owned": true, "encryption": "AES256"}
distribution:
  description:
    - The distribution (as M(clickstream.collectors.collector_distribution_info) returns it) with C(distribution.owned) and
      C(distribution.missing_ownership_tags), or an empty dict when it was not found.
  returned: always
  type: dict
  sample: {"id": "E2QWRUHAPOMQZL", "domain_name": "d111111abcdef8.cloudfront.net", "status": "Deployed", "owned": true}
log_delivery:
  description:
    - The distribution's standard logging (v2) - C(source), C(destination), C(delivery) as
      M(clickstream.collectors.cloudfront_log_delivery) returns them (null when absent); empty when the distribution does not exist.
  returned: always
  type: dict
  version_added: 1.1.0
  sample: {"source": null, "destination": null, "delivery": null}
response_headers_policy:
  description: The collector's response headers policy (id and name), or null when there is none or none is wanted.
  returned: always
  type: dict
  sample: {"id": "5cc3b908-e619-4b99-88e5-2cf7f45965bd", "name": "clickstream-collector-prod-acme-clickstream-pixel-viewer-cache-control"}
in_sync:
  description:
    - With O(compare=true), for each part whether it already is as the settings want it (its module would change nothing) -
      C(account), C(pixel_bucket), C(log_bucket), C(log_expiry), C(pixel), C(distribution), C(origin_access), C(logging),
      C(log_delivery).
      C(log_bucket) and C(log_expiry) are true when O(log_bucket) is empty.
    - C(account) is false when the account itself stops the collector as configured (its account-level Block Public Access
      blocks or ignores the public ACL the pixel needs, in V(public_acl) mode); no module changes that, so a playbook should
      stop there.
    - C(origin_access) is the pixel bucket's policy statement O(origin_access.policy_sid), as
      M(clickstream.collectors.s3_bucket_policy_statement) keeps it (present in V(oac) mode, absent otherwise).
    - Empty with O(compare=false).
  returned: always
  type: dict
  sample: {"account": true, "pixel_bucket": true, "log_bucket": true, "log_expiry": true, "pixel": false, "distribution": true, "logging": true}
differences:
  description: For each part not in sync, what differs, in words.
  returned: always
  type: dict
  sample: {"pixel": ["the pixel's grants differ from public-read"]}
"""

import base64
import concurrent.futures
import hashlib
import json
import re

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import is_ansible_aws_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies
from ansible_collections.amazon.aws.plugins.module_utils.s3 import AnsibleS3PermissionsError
from ansible_collections.amazon.aws.plugins.module_utils.s3 import get_bucket_region
from ansible_collections.amazon.aws.plugins.module_utils.s3 import get_s3_bucket_acl
from ansible_collections.amazon.aws.plugins.module_utils.s3 import get_s3_bucket_encryption
from ansible_collections.amazon.aws.plugins.module_utils.s3 import get_s3_bucket_policy
from ansible_collections.amazon.aws.plugins.module_utils.s3 import get_s3_bucket_tagging
from ansible_collections.amazon.aws.plugins.module_utils.s3 import get_s3_object_acl
from ansible_collections.amazon.aws.plugins.module_utils.s3 import head_s3_object

from ansible_collections.clickstream.collectors.plugins.module_utils import log_delivery
from ansible_collections.clickstream.collectors.plugins.module_utils import s3_access
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import CACHING_OPTIMIZED_POLICY_ID
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import cloudfront_client
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import desired_logging
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import find_distribution
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import find_origin_access_control
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import find_response_headers_policy_summary
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import get_distribution_config
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import get_tags
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import list_distributions
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import logging_settings
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import origin_bucket_of
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import normalize_config
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import overlay
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import ownership_problem
from ansible_collections.clickstream.collectors.plugins.module_utils.distribution_config import build_config
from ansible_collections.clickstream.collectors.plugins.module_utils.distribution_config import distribution_facts
from ansible_collections.clickstream.collectors.plugins.module_utils.distribution_config import manages_policy
from ansible_collections.clickstream.collectors.plugins.module_utils.distribution_config import policy_name
from ansible_collections.clickstream.collectors.plugins.module_utils.distribution_config import policy_patch
from ansible_collections.clickstream.collectors.plugins.module_utils.distribution_config import same_policy
from ansible_collections.clickstream.collectors.plugins.module_utils.distribution_config import validate_cors_origins
from ansible_collections.clickstream.collectors.plugins.module_utils.errors import ACCESS_DENIED
from ansible_collections.clickstream.collectors.plugins.module_utils.errors import ErrorHandler
from ansible_collections.clickstream.collectors.plugins.module_utils.errors import fail
from ansible_collections.clickstream.collectors.plugins.module_utils.facts import STANDARD_LOGGING_UNSUPPORTED_REGIONS

# What clickstream.collectors.tracking_pixel stores and compares (its CHECKSUM_KEY, MD5_ETAG).
CHECKSUM_KEY = "pixel-sha256"
MD5_ETAG = re.compile(r"^[0-9a-f]{32}$")
# The log bucket as the role's collector_buckets task keeps it.
LOG_BUCKET_PUBLIC_ACCESS = dict((flag, True) for flag in s3_access.PUBLIC_ACCESS_BLOCK_FLAGS)
LOG_BUCKET_OWNERSHIP = "BucketOwnerPreferred"
LOG_BUCKET_ENCRYPTION = "AES256"
PIXEL_ACL = "public-read"
# The pixel bucket as the role's collector_buckets task keeps it: ACLs enabled, public ACLs neither blocked nor ignored,
# public policies still blocked.
PIXEL_BUCKET_OWNERSHIP = "BucketOwnerPreferred"
PIXEL_BUCKET_PUBLIC_ACCESS = {"BlockPublicAcls": False, "IgnorePublicAcls": False, "BlockPublicPolicy": True, "RestrictPublicBuckets": True}
# In oac mode the pixel bucket stays private: ACLs disabled, every Block Public Access flag on.
PRIVATE_PIXEL_BUCKET_OWNERSHIP = "BucketOwnerEnforced"
PRIVATE_PIXEL_BUCKET_PUBLIC_ACCESS = dict((flag, True) for flag in s3_access.PUBLIC_ACCESS_BLOCK_FLAGS)
DENIED = ACCESS_DENIED + ("Forbidden", "AllAccessDisabled")
BUCKET_PERMISSIONS = (
    "the caller needs s3:ListBucket, s3:GetBucketTagging, s3:GetBucketOwnershipControls, s3:GetBucketPublicAccessBlock and "
    "s3:GetBucketPolicy on it, and on the log bucket s3:GetEncryptionConfiguration, s3:GetLifecycleConfiguration and s3:GetBucketAcl"
)


# ---------------------------------------------------------------------------------------------
# Reads (run side by side in threads; each raises a CollectorError naming the part and the permissions)
# ---------------------------------------------------------------------------------------------


@ErrorHandler.common_error_handler("read the account", {ACCESS_DENIED: "the caller needs sts:GetCallerIdentity and s3:GetAccountPublicAccessBlock"})
def read_account(sts, s3control):
    identity = sts.get_caller_identity(aws_retry=True)
    account = {"id": identity["Account"], "arn": identity["Arn"], "partition": identity["Arn"].split(":")[1]}
    try:
        account["public_access_block"] = s3_access.account_public_access_block(s3control, identity["Account"])
    except is_boto3_error_code(DENIED):
        account["public_access_block"] = None  # as s3_object_acl: warn-worthy, not fatal
    return account


@ErrorHandler.common_error_handler("read bucket {name}", {ACCESS_DENIED: BUCKET_PERMISSIONS})
def read_bucket(s3, name, full):
    """The bucket's state; ``full`` adds what the log bucket needs (encryption, policy, lifecycle, ACL)."""
    bucket = {"name": name, "exists": False}
    try:
        region = get_bucket_region(s3, name)
    except is_ansible_aws_error_code(("NoSuchBucket", "404", "NotFound")):
        return bucket
    except AnsibleS3PermissionsError:
        return dict(bucket, exists=True, accessible=False)
    bucket.update(exists=True, accessible=True, region=region)
    bucket["tags"] = get_s3_bucket_tagging(s3, name)
    bucket["object_ownership"] = s3_access.get_object_ownership(s3, name)
    bucket["public_access_block"] = s3_access.get_public_access_block(s3, name)
    bucket["policy"] = get_s3_bucket_policy(s3, name) or None
    if full:
        rules = (get_s3_bucket_encryption(s3, name) or {}).get("Rules") or [{}]
        bucket["encryption"] = (rules[0].get("ApplyServerSideEncryptionByDefault") or {}).get("SSEAlgorithm")
        bucket["lifecycle_rules"] = lifecycle_rules(s3, name)
        bucket["acl"] = get_s3_bucket_acl(s3, name)
    return bucket


def lifecycle_rules(s3, name):
    """The bucket's lifecycle rules ([] without a configuration); amazon.aws has no lifecycle reader."""
    try:
        return s3.get_bucket_lifecycle_configuration(aws_retry=True, Bucket=name).get("Rules") or []
    except is_boto3_error_code("NoSuchLifecycleConfiguration"):
        return []


@ErrorHandler.common_error_handler("read the pixel s3://{bucket}/{key}", {ACCESS_DENIED: "the caller needs s3:GetObject, s3:GetObjectAcl and s3:ListBucket"})
def read_pixel(s3, bucket, key):
    """HeadObject and the object ACL, or {"exists": False}."""
    try:
        head = head_s3_object(s3, bucket, key)
    except AnsibleS3PermissionsError:
        # Another account's bucket (the ownership verdict says so), or a caller without s3:GetObject: tracking_pixel,
        # run because the pixel is not in sync, names the permission.
        return {"exists": False, "denied": True}
    if not head:
        return {"exists": False}
    return {"exists": True, "head": head, "acl": get_s3_object_acl(s3, bucket, key)}


@ErrorHandler.common_error_handler(
    "read the collector's distribution",
    {
        ACCESS_DENIED: (
            "the caller needs cloudfront:ListDistributions, cloudfront:GetDistribution, cloudfront:ListTagsForResource, "
            "cloudfront:ListResponseHeadersPolicies and (origin access control) cloudfront:ListOriginAccessControls"
        )
    },
)
def read_distribution(cloudfront, params, distribution_params):
    distribution, etag = find_distribution(
        cloudfront, params["caller_reference"], origin_bucket=params["pixel_bucket"], comment=distribution_params["comment"] or None
    )
    result = {"distribution": distribution, "etag": etag, "tags": {}, "policy": None, "previous": []}
    if distribution is not None:
        result["tags"] = get_tags(cloudfront, distribution["ARN"])
    elif params["identity_tags"] and params["identity_comment_prefix"]:
        result["previous"] = find_previous(cloudfront, params)
    if params["compare"] and manages_policy(distribution_params):
        result["policy"] = find_response_headers_policy_summary(cloudfront, policy_name(distribution_params))
    result["oac"] = None
    if params["origin_access"]["mode"] == "oac" and params["origin_access"]["control_name"]:
        result["oac"] = find_origin_access_control(cloudfront, params["origin_access"]["control_name"])
    return result


def find_previous(cloudfront, params):
    """This collector's distributions under another caller reference: among the summaries whose comment starts with
    identity_comment_prefix, those tagged with identity_tags and ownership_tags (one tag read each, one config read for
    each match). Summaries lack tags and caller references; the comment keeps the candidates to this environment's."""
    wanted = dict(params["ownership_tags"] or {}, **params["identity_tags"])
    pixel_bucket = params["pixel_bucket"].lower()
    found = []
    for summary in list_distributions(cloudfront):
        origins = [origin_bucket_of(origin.get("DomainName")) for origin in (summary.get("Origins") or {}).get("Items") or []]
        if not (summary.get("Comment") or "").startswith(params["identity_comment_prefix"]) or pixel_bucket in origins:
            continue
        try:
            tags = get_tags(cloudfront, summary["ARN"])
            if ownership_problem(tags, wanted):
                continue
            config, dummy = get_distribution_config(cloudfront, summary["Id"])
        except is_boto3_error_code(["AccessDenied", "NoSuchDistribution", "NoSuchResource"]):
            continue  # not the caller's to read (so not this collector's), or deleted meanwhile
        logging = logging_settings(config.get("Logging"))
        found.append({
            "id": summary["Id"], "domain_name": summary.get("DomainName"), "comment": summary.get("Comment") or "",
            "origin_buckets": [bucket for bucket in origins if bucket], "log_bucket": logging["bucket"] if logging["enabled"] else "",
        })
    return found


def read_all(module, clients, distribution_params):
    """Read every part, side by side; return {part: state}. The first failed read raises its CollectorError."""
    params = module.params
    jobs = {
        "account": lambda: read_account(clients["sts"], clients["s3control"]),
        "pixel_bucket": lambda: read_bucket(clients["s3"], params["pixel_bucket"], full=False),
        "pixel": lambda: read_pixel(clients["s3"], params["pixel_bucket"], params["pixel_key"]),
        "distribution": lambda: read_distribution(clients["cloudfront"], params, distribution_params),
    }
    if params["log_bucket"]:
        jobs["log_bucket"] = lambda: read_bucket(clients["s3_logs"], params["log_bucket"], full=True)
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        futures = dict((pool.submit(job), part) for part, job in jobs.items())
        return dict((futures[future], future.result()) for future in concurrent.futures.as_completed(futures))


# ---------------------------------------------------------------------------------------------
# Verdicts: each returns what differs (an empty list when the part is in sync)
# ---------------------------------------------------------------------------------------------


def tags_differ(current, wanted):
    """The modules purge other tags: in sync only with exactly these tags."""
    return dict(current or {}) != dict(wanted)


def bucket_differences(bucket, wanted_tags):
    """A bucket as collector_buckets keeps it (name, tags)."""
    if not bucket.get("exists"):
        return [f"bucket {bucket['name']} does not exist"]
    if not bucket.get("accessible"):
        return [f"bucket {bucket['name']} cannot be read (another account's?)"]
    return ["its tags differ"] if tags_differ(bucket.get("tags"), wanted_tags) else []


def log_bucket_differences(bucket, wanted_tags, policy, ownership=LOG_BUCKET_OWNERSHIP):
    """The log bucket as the role's collector_buckets task keeps it."""
    differences = bucket_differences(bucket, wanted_tags)
    if not bucket.get("exists") or not bucket.get("accessible"):
        return differences
    if ownership and bucket["object_ownership"] != ownership:
        differences.append(f"Object Ownership is {bucket['object_ownership']}, not {ownership}")
    if bucket["public_access_block"] != LOG_BUCKET_PUBLIC_ACCESS:
        differences.append("Block Public Access is not fully on")
    if bucket.get("encryption") != LOG_BUCKET_ENCRYPTION:
        differences.append(f"default encryption is {bucket.get('encryption')}, not {LOG_BUCKET_ENCRYPTION}")
    if policy is not None:
        wanted = json.loads(policy) if isinstance(policy, str) else policy
        if not wanted and bucket.get("policy"):
            differences.append("it has a policy, and none is wanted")
        elif wanted and compare_policies(bucket.get("policy") or {}, wanted):
            differences.append("its policy differs")
    return differences


def expiry_differences(bucket, rule_id, prefix, days):
    """The lifecycle rule as community.aws.s3_lifecycle keeps it (rule_id, prefix, expiration_days, status enabled)."""
    if not bucket.get("exists") or not bucket.get("accessible"):
        return [f"bucket {bucket['name']} does not exist"] if days else []
    rules = [rule for rule in bucket.get("lifecycle_rules") or [] if rule.get("ID") == rule_id]
    if not days:
        return [f"lifecycle rule {rule_id} exists, and no expiry is wanted"] if rules else []
    wanted = {"ID": rule_id, "Filter": {"Prefix": prefix}, "Status": "Enabled", "Expiration": {"Days": days}}
    if rules != [wanted]:
        return [f"lifecycle rule {rule_id} is not an expiry after {days} days of {prefix!r}"]
    return []


def pixel_differences(pixel, content, content_type, cache_control):
    """The object as clickstream.collectors.tracking_pixel keeps it (bytes, Content-Type, Cache-Control, its checksum)."""
    if not pixel.get("exists"):
        return ["the pixel does not exist"]
    head = pixel["head"]
    metadata = dict((key.lower(), value) for key, value in (head.get("Metadata") or {}).items())
    sha256 = hashlib.sha256(content).hexdigest()
    etag = (head.get("ETag") or "").strip('"')
    etag_is_md5 = bool(MD5_ETAG.match(etag)) and head.get("ServerSideEncryption") not in ("aws:kms", "aws:kms:dsse") and not head.get(
        "SSECustomerAlgorithm")
    differences = []
    if head.get("ContentLength") != len(content):
        differences.append("its size differs")
    elif etag_is_md5 and etag != hashlib.md5(content).hexdigest():  # nosec - S3's ETag is an MD5; compared only
        differences.append("its bytes differ")
    elif not etag_is_md5 and metadata.get(CHECKSUM_KEY) != sha256:
        differences.append("its checksum differs")
    if head.get("ContentType") != content_type:
        differences.append(f"Content-Type is {head.get('ContentType')}, not {content_type}")
    if cache_control is not None and head.get("CacheControl") != cache_control:
        differences.append(f"Cache-Control is {head.get('CacheControl')}, not {cache_control}")
    if metadata.get(CHECKSUM_KEY) != sha256:
        differences.append("its stored checksum differs")
    return differences


def pixel_bucket_differences(bucket, wanted_tags, mode="public_acl"):
    """The pixel bucket as the role's collector_buckets task keeps it (tags, Object Ownership, Block Public Access)."""
    differences = bucket_differences(bucket, wanted_tags)
    if not bucket.get("exists") or not bucket.get("accessible"):
        return differences
    ownership = PRIVATE_PIXEL_BUCKET_OWNERSHIP if mode == "oac" else PIXEL_BUCKET_OWNERSHIP
    flags = PRIVATE_PIXEL_BUCKET_PUBLIC_ACCESS if mode == "oac" else PIXEL_BUCKET_PUBLIC_ACCESS
    if bucket["object_ownership"] != ownership:
        differences.append(f"Object Ownership is {bucket['object_ownership']}, not {ownership}")
    if bucket["public_access_block"] != flags:
        wrong = sorted(flag for flag, value in flags.items() if bucket["public_access_block"].get(flag) != value)
        differences.append(f"Block Public Access differs ({', '.join(wrong)})")
    return differences


def pixel_acl_differences(pixel):
    """The object's ACL as clickstream.collectors.tracking_pixel keeps it with acl: public-read."""
    if not pixel.get("exists"):
        return []  # the upload sets it
    owner_id = (pixel["acl"].get("Owner") or {}).get("ID")
    if s3_access.normalize_grants(pixel["acl"].get("Grants")) != s3_access.grants_for_canned_acl(PIXEL_ACL, owner_id):
        return [f"the pixel's grants differ from {PIXEL_ACL}"]
    return []


def oac_statement(bucket, distribution_arn, partition="aws"):
    """The pixel bucket's policy statement (without Sid) letting CloudFront read it for this distribution only, as the
    role writes it (aws-facts.md: principal cloudfront.amazonaws.com, condition AWS:SourceArn)."""
    return {
        "Effect": "Allow",
        "Principal": {"Service": "cloudfront.amazonaws.com"},
        "Action": "s3:GetObject",
        "Resource": f"arn:{partition}:s3:::{bucket}/*",
        "Condition": {"StringEquals": {"AWS:SourceArn": distribution_arn}},
    }


def origin_access_differences(bucket, distribution_read, origin_access, partition="aws"):
    """The pixel bucket's policy statement origin_access.policy_sid as clickstream.collectors.s3_bucket_policy_statement keeps it."""
    sid = origin_access["policy_sid"]
    statements = (bucket.get("policy") or {}).get("Statement") or []
    statements = statements if isinstance(statements, list) else [statements]
    found = [item for item in statements if isinstance(item, dict) and item.get("Sid") == sid]
    if origin_access["mode"] != "oac":
        return [f"the pixel bucket's policy has statement {sid}, and the pixel is public (public_acl)"] if found else []
    if not bucket.get("exists") or not bucket.get("accessible"):
        return [f"bucket {bucket['name']} does not exist"]
    distribution = distribution_read["distribution"]
    if distribution is None:
        return ["the distribution does not exist, so its ARN is not known yet"]
    wanted = dict({"Sid": sid}, **oac_statement(bucket["name"], distribution["ARN"], partition))
    if len(found) != 1 or not s3_access.same_statement(found[0], wanted):
        return [f"the pixel bucket's policy lacks statement {sid} letting this distribution read the pixel"]
    return []


def account_differences(account):
    """What in the account stops the collector as configured: account-level Block Public Access against a public pixel."""
    flags = account.get("public_access_block") or {}
    on = [flag for flag in ("BlockPublicAcls", "IgnorePublicAcls") if flags.get(flag)]
    return [f"the account's Block Public Access has {' and '.join(on)} on: public ACLs cannot work"] if on else []


def distribution_differences(read, params, wanted_tags):
    """The distribution and its response headers policy as clickstream.collectors.collector_distribution keeps them."""
    distribution = read["distribution"]
    if distribution is None:
        return ["the distribution does not exist"]
    differences = []
    if params.get("origin_access_control_name") and read.get("oac") is None:
        differences.append(f"origin access control {params['origin_access_control_name']} does not exist")
    if manages_policy(params):
        policy = read["policy"]
        if policy is None:
            return [f"response headers policy {policy_name(params)} does not exist"]
        current = policy["ResponseHeadersPolicyConfig"]
        if not same_policy(overlay(current, policy_patch(params)), current):
            differences.append(f"response headers policy {policy_name(params)} differs")
    config = distribution["DistributionConfig"]
    current = normalize_config(config)
    wanted = build_config(config, params, read["policy"]["Id"] if manages_policy(params) else None)
    changed = sorted(key for key in set(current) | set(wanted) if current.get(key) != wanted.get(key))
    if changed:
        differences.append(f"its config differs ({', '.join(changed)})")
    if tags_differ(read["tags"], wanted_tags):
        differences.append("its tags differ")
    return differences


def logging_differences(read, log_bucket, logging, partition):
    """Standard logging as clickstream.collectors.cloudfront_logging keeps it (manage_bucket)."""
    distribution = read["distribution"]
    if distribution is None:
        return ["the distribution does not exist"]
    differences = []
    enabled = logging["enabled"]
    wanted = desired_logging(enabled, log_bucket.get("name"), logging["prefix"], logging["include_cookies"])
    if (distribution["DistributionConfig"].get("Logging") or {}) != wanted:
        differences.append("its Logging settings differ")
    if enabled:
        if not log_bucket.get("exists") or not log_bucket.get("accessible"):
            return differences + [f"log bucket {log_bucket.get('name')} does not exist"]
        if log_bucket["region"] in STANDARD_LOGGING_UNSUPPORTED_REGIONS:
            differences.append(f"log bucket {log_bucket['name']} is in {log_bucket['region']}, where CloudFront cannot deliver logs")
        if log_bucket["object_ownership"] == "BucketOwnerEnforced":
            differences.append("the log bucket has ACLs disabled (BucketOwnerEnforced)")
        acl = log_bucket["acl"]
        owner_id = (acl.get("Owner") or {}).get("ID")
        delivery_id = s3_access.LOG_DELIVERY_CANONICAL_IDS.get(partition, s3_access.LOG_DELIVERY_CANONICAL_IDS["aws"])
        wanted_grants = [{"Grantee": {"Type": "CanonicalUser", "ID": delivery_id}, "Permission": "FULL_CONTROL"}]
        if owner_id:
            wanted_grants.insert(0, {"Grantee": {"Type": "CanonicalUser", "ID": owner_id}, "Permission": "FULL_CONTROL"})
        if s3_access.add_grants(acl, wanted_grants)[0]:
            differences.append("the log bucket's ACL lacks the FULL_CONTROL grants of its owner and of CloudFront's awslogsdelivery")
    return differences


def compare_all(module, reads, content, distribution_params):
    params = module.params
    mode = params["origin_access"]["mode"]
    wanted_tags = dict(params["tags"] or {})
    wanted_tags.update(params["ownership_tags"] or {})
    settings = params["log_bucket_settings"]
    logging = params["logging"]
    log_bucket = reads.get("log_bucket") or {}
    differences = {
        "account": account_differences(reads["account"]) if mode == "public_acl" else [],
        "pixel_bucket": pixel_bucket_differences(reads["pixel_bucket"], wanted_tags, mode),
        "pixel": (pixel_differences(reads["pixel"], content, params["pixel"]["content_type"], params["pixel"]["cache_control"])
                  + (pixel_acl_differences(reads["pixel"]) if mode == "public_acl" else [])),
        "distribution": distribution_differences(reads["distribution"], distribution_params, wanted_tags),
        "origin_access": origin_access_differences(reads["pixel_bucket"], reads["distribution"], params["origin_access"],
                                                   reads["account"].get("partition") or "aws"),
        "log_bucket": [],
        "log_expiry": [],
        "logging": [],
    }
    if params["log_bucket"]:
        policy = settings["policy"]
        if policy is not None and "__ACCOUNT_ID__" in policy:
            policy = policy.replace("__ACCOUNT_ID__", reads["account"]["id"])
        differences["log_bucket"] = log_bucket_differences(log_bucket, wanted_tags, policy, settings["object_ownership"])
        differences["log_expiry"] = expiry_differences(log_bucket, settings["expiry_rule_id"], settings["expiry_prefix"], settings["expiration_days"])
    partition = s3_access.partition_for_region(log_bucket.get("region") or params["log_bucket_region"] or module.region)
    differences["logging"] = logging_differences(reads["distribution"], log_bucket or {"name": params["log_bucket"]}, logging, partition)
    differences["log_delivery"] = log_delivery_differences(reads, params, partition)
    return differences


@ErrorHandler.common_error_handler(
    "read the collector's standard logging (v2) in us-east-1",
    {ACCESS_DENIED: "the caller needs logs:DescribeDeliverySources, logs:DescribeDeliveries and logs:GetDeliveryDestination"},
)
def read_log_delivery(module, distribution_read):
    """The distribution's standard logging (v2) state, or None when there is no distribution."""
    distribution = distribution_read["distribution"]
    if distribution is None:
        return None
    settings = module.params["log_delivery"]
    name = log_delivery.default_name(distribution["Id"])
    return log_delivery.read_state(log_delivery.logs_client(module), distribution["ARN"], destination_name=name,
                                   sources_only=not settings["enabled"])


def log_delivery_differences(reads, params, partition):
    """Standard logging (v2) as clickstream.collectors.cloudfront_log_delivery keeps it (manage_bucket)."""
    state = reads.get("log_delivery")
    settings = params["log_delivery"]
    if state is None:
        return ["the distribution does not exist"] if settings["enabled"] else []
    if not settings["enabled"]:
        return log_delivery.differences(state, None)
    distribution = reads["distribution"]["distribution"]
    name = log_delivery.default_name(distribution["Id"])
    wanted = log_delivery.wanted_state(distribution["ARN"], state["source"]["name"] if state["source"] else name, params["log_bucket"],
                                       params["logging"]["prefix"], settings["output_format"], settings["record_fields"],
                                       settings["suffix_path"], settings["hive_compatible_path"], partition)
    wanted["destination"]["name"] = name
    found = log_delivery.differences(state, wanted)
    log_bucket = reads.get("log_bucket") or {}
    if log_bucket.get("exists") and log_bucket.get("accessible") and log_bucket["object_ownership"] != "BucketOwnerEnforced":
        found.append(f"the log bucket has ACLs enabled ({log_bucket['object_ownership']}); standard logging v2 wants BucketOwnerEnforced")
    return found


# ---------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------


def bucket_result(bucket, ownership_tags):
    result = dict((key, value) for key, value in bucket.items() if key != "acl")
    if not bucket.get("exists"):
        return dict(result, owned=None, missing_ownership_tags={})
    if not bucket.get("accessible"):
        return dict(result, owned=False, missing_ownership_tags=dict(ownership_tags or {}))
    missing = ownership_problem(bucket.get("tags"), ownership_tags)
    result.update(owned=not missing, missing_ownership_tags=missing)
    result["public_access_block"] = camel_dict_to_snake_dict(bucket["public_access_block"])
    if "acl" in bucket:
        result["grants"] = [camel_dict_to_snake_dict(grant) for grant in bucket["acl"].get("Grants") or []]
    return result


def pixel_result(pixel, content):
    result = {"exists": pixel.get("exists", False), "desired_sha256": hashlib.sha256(content).hexdigest() if content is not None else None}
    if pixel.get("exists"):
        head = pixel["head"]
        metadata = dict((key.lower(), value) for key, value in (head.get("Metadata") or {}).items())
        result.update(
            size=head.get("ContentLength"), etag=(head.get("ETag") or "").strip('"'), content_type=head.get("ContentType"),
            cache_control=head.get("CacheControl"), sha256=metadata.get(CHECKSUM_KEY),
            grants=[camel_dict_to_snake_dict(grant) for grant in pixel["acl"].get("Grants") or []],
        )
    return result


def distribution_result_of(read, ownership_tags):
    if read["distribution"] is None:
        return {}
    facts = distribution_facts(read["distribution"], read["etag"], read["tags"])
    missing = ownership_problem(read["tags"], ownership_tags)
    facts.update(owned=not missing, missing_ownership_tags=missing)
    return facts


def pixel_content(module):
    encoded = module.params["pixel"]["content_base64"]
    if encoded is None:
        return None
    try:
        return base64.b64decode(encoded, validate=True)
    except (ValueError, TypeError):
        module.fail_json(msg="pixel.content_base64 is not valid base64: give pixel.src, or the pixel's bytes base64-encoded")
    return None  # not reached


def main():
    argument_spec = dict(
        caller_reference=dict(type="str", required=True),
        ownership_tags=dict(type="dict", default={}),
        pixel_bucket=dict(type="str", required=True),
        pixel_key=dict(type="str", default="i", no_log=False),
        log_bucket=dict(type="str", default=""),
        log_bucket_region=dict(type="str"),
        compare=dict(type="bool", default=True),
        tags=dict(type="dict", default={}),
        identity_tags=dict(type="dict", default={}),
        identity_comment_prefix=dict(type="str", default=""),
        pixel=dict(type="dict", default={}, options=dict(
            src=dict(type="path"),
            content_base64=dict(type="str"),
            content_type=dict(type="str", default="image/gif"),
            cache_control=dict(type="str"),
        )),
        origin_access=dict(type="dict", default={}, options=dict(
            mode=dict(type="str", choices=["public_acl", "oac"], default="public_acl"),
            control_name=dict(type="str", default=""),
            policy_sid=dict(type="str", default="CloudFrontOriginAccessControl"),
        )),
        log_bucket_settings=dict(type="dict", default={}, options=dict(
            policy=dict(type="json"),
            object_ownership=dict(type="str", choices=["BucketOwnerPreferred", "BucketOwnerEnforced", "ObjectWriter"], default=LOG_BUCKET_OWNERSHIP),
            expiration_days=dict(type="int", default=0),
            expiry_rule_id=dict(type="str", default="clickstream-log-expiry"),
            expiry_prefix=dict(type="str", default=""),
        )),
        logging=dict(type="dict", default={}, options=dict(
            enabled=dict(type="bool", default=True),
            prefix=dict(type="str", default=""),
            include_cookies=dict(type="bool", default=False),
        )),
        log_delivery=dict(type="dict", default={}, options=dict(
            enabled=dict(type="bool", default=False),
            output_format=dict(type="str", choices=list(log_delivery.OUTPUT_FORMATS), default="json"),
            record_fields=dict(type="list", elements="str", default=[]),
            suffix_path=dict(type="str", default=log_delivery.DEFAULT_SUFFIX_PATH),
            hive_compatible_path=dict(type="bool", default=True),
        )),
        distribution=dict(type="dict", default={}, options=dict(
            origin_bucket_region=dict(type="str"),
            comment=dict(type="str", default=""),
            price_class=dict(type="str", choices=["PriceClass_100", "PriceClass_200", "PriceClass_All"], default="PriceClass_100"),
            aliases=dict(type="list", elements="str", default=[]),
            acm_certificate_arn=dict(type="str"),
            enabled=dict(type="bool", default=True),
            http_version=dict(type="str", choices=["http1.1", "http2", "http3", "http2and3"], default="http2and3"),
            cache_policy_id=dict(type="str", default=CACHING_OPTIMIZED_POLICY_ID),
            viewer_cache_control=dict(type="str"),
            cors_allowed_origins=dict(type="list", elements="str", default=[]),
            response_headers_policy_name=dict(type="str"),
        )),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    content = pixel_content(module)
    if params["compare"] and content is None:
        module.fail_json(msg="compare needs the pixel: give pixel.src (the action plugin reads it) or pixel.content_base64")

    # collector_distribution's parameters, for its own comparison functions.
    distribution_params = dict(params["distribution"], caller_reference=params["caller_reference"], origin_bucket=params["pixel_bucket"],
                               response_headers_policy_id=None)
    distribution_params["origin_bucket_region"] = distribution_params["origin_bucket_region"] or module.region
    origins, problem = validate_cors_origins(distribution_params["cors_allowed_origins"])
    if problem:
        module.fail_json(msg=problem)
    distribution_params["cors_allowed_origins"] = origins

    sts, s3control = s3_access.account_clients(module)
    clients = {
        "sts": sts,
        "s3control": s3control,
        "s3": s3_access.s3_client(module),
        "s3_logs": s3_access.s3_client(module, params["log_bucket_region"] or module.region),
        "cloudfront": cloudfront_client(module),
    }
    try:
        reads = read_all(module, clients, distribution_params)
        reads["log_delivery"] = read_log_delivery(module, reads["distribution"])
    except AnsibleAWSError as e:
        fail(module, e)
    if params["origin_access"]["mode"] == "oac":
        # collector_distribution's parameters: the OAC it would use (a placeholder naming it when it does not exist yet).
        oac = reads["distribution"]["oac"]
        distribution_params["origin_access_control_name"] = params["origin_access"]["control_name"]
        distribution_params["origin_access_control_id"] = oac["Id"] if oac else f"(new origin access control {params['origin_access']['control_name']})"

    account = dict(reads["account"])
    if account["public_access_block"] is not None:
        account["public_access_block"] = camel_dict_to_snake_dict(account["public_access_block"])
    result = {
        "changed": False,
        "account": account,
        "pixel_bucket": bucket_result(reads["pixel_bucket"], params["ownership_tags"]),
        "pixel": pixel_result(reads["pixel"], content),
        "log_bucket": bucket_result(reads["log_bucket"], params["ownership_tags"]) if params["log_bucket"] else {},
        "distribution": distribution_result_of(reads["distribution"], params["ownership_tags"]),
        "log_delivery": log_delivery.describe(reads["log_delivery"]) if reads["log_delivery"] is not None else {},
        "previous_distributions": reads["distribution"]["previous"],
        "origin_access_control": ({"id": reads["distribution"]["oac"]["Id"], "name": reads["distribution"]["oac"]["Name"]}
                                  if reads["distribution"]["oac"] else {}),
        "response_headers_policy": None,
        "in_sync": {},
        "differences": {},
    }
    policy = reads["distribution"]["policy"]
    if policy is not None:
        result["response_headers_policy"] = {"id": policy["Id"], "name": policy["ResponseHeadersPolicyConfig"].get("Name")}
    if params["compare"]:
        differences = compare_all(module, reads, content, distribution_params)
        result["in_sync"] = dict((part, not found) for part, found in differences.items())
        result["differences"] = dict((part, found) for part, found in differences.items() if found)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
