#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: clickstream.collectors contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: cloudfront_logging
short_description: Manage the standard (legacy) access logging of a CloudFront distribution
version_added: 1.0.0
description:
  - Turns CloudFront standard logging to S3 on or off for one distribution, changing only its C(Logging)
    block (GetDistributionConfig, then UpdateDistribution with the ETag as IfMatch; when someone else
    updated the distribution meanwhile the change is re-applied to a fresh copy).
  - With O(manage_bucket=true) it also makes the log bucket able to receive logs. ACLs are enabled
    (Object Ownership C(BucketOwnerPreferred)) where they are disabled, and C(FULL_CONTROL) grants for the
    bucket owner and for CloudFront's C(awslogsdelivery) account are added to the bucket ACL, keeping
    every existing grant.
  - It refuses a log bucket in a region that cannot receive standard logs, and a missing bucket, before
    touching the distribution.
  - O(enabled=false) turns logging off and leaves the bucket and the logs already delivered alone.
author:
  - clickstream.collectors maintainers (@clickstream-collectors)
options:
  distribution_id:
    description:
      - The id of the distribution (for example C(E2QWRUHAPOMQZL)).
      - Exactly one of O(distribution_id), O(alias) and O(caller_reference) is required.
    type: str
  alias:
    description:
      - An alternate domain name (CNAME) of the distribution, to find it by.
    type: str
  caller_reference:
    description:
      - The caller reference the distribution was created with, to find it by.
    type: str
  enabled:
    description:
      - Whether standard logging is on.
      - When V(false), the C(Logging) block is stored as AWS stores disabled logging (no bucket, no prefix)
        and the log bucket is not read or changed.
    type: bool
    default: true
  bucket:
    description:
      - The name of the S3 bucket receiving the logs. The module gives CloudFront C(<bucket>.s3.amazonaws.com).
      - C(<bucket>.s3.amazonaws.com) is accepted too. Required when O(enabled=true).
    type: str
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
  manage_bucket:
    description:
      - Whether to make the log bucket able to receive logs (Object Ownership C(BucketOwnerPreferred) where ACLs
        are disabled, FULL_CONTROL grants for the owner and C(awslogsdelivery) added to its ACL).
      - When V(false) the bucket is only checked; a bucket with ACLs disabled is refused.
    type: bool
    default: true
  wait:
    description:
      - Wait until the distribution is C(Deployed) after a change.
    type: bool
    default: false
  wait_timeout:
    description:
      - How many seconds to wait when O(wait=true).
    type: int
    default: 1800
notes:
  - The caller needs C(cloudfront:GetDistribution), C(cloudfront:GetDistributionConfig), C(cloudfront:UpdateDistribution)
    (and C(cloudfront:ListDistributions) to find a distribution by alias or caller reference), and on the log bucket
    C(s3:ListBucket) (its region is read with HeadBucket), C(s3:GetBucketOwnershipControls), C(s3:PutBucketOwnershipControls),
    C(s3:GetBucketAcl) and C(s3:PutBucketAcl).
  - Buckets in af-south-1, ap-east-1, ap-southeast-3, eu-south-1, me-south-1 and the newer opt-in regions cannot
    receive standard (legacy) logs; use a log bucket in another region or standard logging v2.
  - Supports check mode and diff mode.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Send the collector's access logs to its log bucket
  clickstream.collectors.cloudfront_logging:
    caller_reference: "clickstream-prod-pixel-bucket"
    bucket: clickstream-prod-logs
    prefix: cloudfront/

- name: Turn logging on for a distribution found by its alias, waiting for the deployment
  clickstream.collectors.cloudfront_logging:
    alias: c.example.com
    bucket: clickstream-prod-logs
    wait: true

- name: Turn logging off (the bucket and its logs stay)
  clickstream.collectors.cloudfront_logging:
    distribution_id: E2QWRUHAPOMQZL
    enabled: false
"""

RETURN = r"""
distribution_id:
  description: The id of the distribution.
  returned: always
  type: str
  sample: E2QWRUHAPOMQZL
domain_name:
  description: The distribution's domain name.
  returned: always
  type: str
  sample: d111111abcdef8.cloudfront.net
status:
  description: The distribution's status after the change (C(InProgress) while a change deploys).
  returned: always
  type: str
  sample: Deployed
etag:
  description: The distribution's current ETag (its config version).
  returned: always
  type: str
  sample: E2QWRUHEXAMPLE
logging:
  description: The logging settings (in check mode, those the change would give).
  returned: always
  type: dict
  contains:
    enabled:
      description: Whether standard logging is on.
      type: bool
      sample: true
    bucket:
      description: The log bucket's name (empty when logging is off).
      type: str
      sample: clickstream-prod-logs
    bucket_domain:
      description: The C(Logging.Bucket) value CloudFront stores.
      type: str
      sample: clickstream-prod-logs.s3.amazonaws.com
    prefix:
      description: The log file name prefix.
      type: str
      sample: cloudfront/
    include_cookies:
      description: Whether cookies are logged.
      type: bool
      sample: false
bucket:
  description: The log bucket as the module left it (not returned when O(enabled=false)).
  returned: when O(enabled=true)
  type: dict
  contains:
    name:
      description: The bucket name.
      type: str
      sample: clickstream-prod-logs
    region:
      description: The bucket's region.
      type: str
      sample: eu-west-1
    object_ownership:
      description: The bucket's Object Ownership.
      type: str
      sample: BucketOwnerPreferred
    grants:
      description:
        - The bucket ACL's grants, sorted, without display names, in the shape M(clickstream.collectors.s3_object_acl) returns
          grants (C(grantee) with C(type) and C(id) or C(uri), C(permission)).
        - Before 1.1.0 the keys were CamelCase (C(Grantee), C(Type), C(ID), C(URI), C(Permission)).
      type: list
      elements: dict
      sample: [{"grantee": {"type": "CanonicalUser", "id": "c4c1ede66af53448b93c283ce9448c4ba468c9432aa01d700d3878632f77d2d0"}, "permission": "FULL_CONTROL"}]
"""

import re

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.s3 import get_bucket_region
from ansible_collections.amazon.aws.plugins.module_utils.s3 import get_s3_bucket_acl
from ansible_collections.amazon.aws.plugins.module_utils.s3 import put_s3_bucket_ownership
from ansible_collections.amazon.aws.plugins.module_utils.s3 import validate_bucket_name

from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import LOG_BUCKET_DOMAIN_SUFFIX
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import cloudfront_client
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import desired_logging
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import find_distribution_id
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import get_distribution
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import logging_settings
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import update_distribution_config
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import wait_deployed
from ansible_collections.clickstream.collectors.plugins.module_utils.errors import ACCESS_DENIED
from ansible_collections.clickstream.collectors.plugins.module_utils.errors import ErrorHandler
from ansible_collections.clickstream.collectors.plugins.module_utils.errors import fail
from ansible_collections.clickstream.collectors.plugins.module_utils.facts import STANDARD_LOGGING_UNSUPPORTED_REGIONS
from ansible_collections.clickstream.collectors.plugins.module_utils.s3_access import LOG_DELIVERY_CANONICAL_IDS
from ansible_collections.clickstream.collectors.plugins.module_utils.s3_access import add_grants
from ansible_collections.clickstream.collectors.plugins.module_utils.s3_access import get_object_ownership
from ansible_collections.clickstream.collectors.plugins.module_utils.s3_access import normalize_grants
from ansible_collections.clickstream.collectors.plugins.module_utils.s3_access import partition_for_region
from ansible_collections.clickstream.collectors.plugins.module_utils.s3_access import put_bucket_acl
from ansible_collections.clickstream.collectors.plugins.module_utils.s3_access import s3_client

IP_ADDRESS = re.compile(r"^\d+\.\d+\.\d+\.\d+$")
NOT_CHANGED = "the distribution was not changed"


def normalize_bucket(module, bucket):
    """Return the bucket name from a name or from ``<name>.s3.amazonaws.com``; fail on anything else."""
    name = bucket.strip()
    if name.endswith(LOG_BUCKET_DOMAIN_SUFFIX):
        name = name[: -len(LOG_BUCKET_DOMAIN_SUFFIX)]
    # amazon.aws's validate_bucket_name checks the length, the characters and the last one. S3 also wants a letter or
    # digit first, no "..", no IP address; a name with amazonaws.com in it is an endpoint (regional, website, dualstack).
    if validate_bucket_name(name) or not name[:1].isalnum() or ".." in name or IP_ADDRESS.match(name) or "amazonaws.com" in name:
        module.fail_json(
            msg=(
                f"bucket {bucket!r} is not an S3 bucket name: give the log bucket's name (3-63 lowercase letters, digits, "
                f"dots or hyphens, for example my-logs) or its domain my-logs{LOG_BUCKET_DOMAIN_SUFFIX}; other domains "
                "(regional S3 endpoints, website endpoints, URLs) are not accepted by CloudFront"
            )
        )
    return name


@ErrorHandler.common_error_handler(
    "use {bucket} as the log bucket",
    {
        ("NoSuchBucket", "404", "NotFound"): (
            f"bucket {{bucket}} does not exist: create it first (for example with amazon.aws.s3_bucket) or give the name of an "
            f"existing bucket; {NOT_CHANGED}"
        ),
        ACCESS_DENIED: (
            "the caller needs s3:ListBucket and s3:GetBucketOwnershipControls on it, and CloudFront logging needs s3:GetBucketAcl "
            "and s3:PutBucketAcl on it; grant them (or run with a role that has them)"
        ),
    },
)
def read_log_bucket(module, bucket):
    """Read the log bucket's region (HeadBucket), ownership and ACL; fail when it cannot receive logs.

    Returns (client in the bucket's region, state dict with name, region, object_ownership, acl).
    """
    s3 = s3_client(module)
    region = get_bucket_region(s3, bucket)
    if region in STANDARD_LOGGING_UNSUPPORTED_REGIONS:
        module.fail_json(
            msg=(
                f"log bucket {bucket} is in {region}, a region where CloudFront cannot deliver standard (legacy) logs: "
                "use a log bucket in another region (for example eu-west-1 or us-east-1), or standard logging v2 "
                f"(CloudWatch Logs delivery), which can write there; {NOT_CHANGED}"
            ),
            bucket_region=region,
        )
    if region != module.region:
        s3 = s3_client(module, region)
    ownership = get_object_ownership(s3, bucket)
    # GetBucketAcl answers on buckets with ACLs disabled too (the owner's FULL_CONTROL grant).
    acl = get_s3_bucket_acl(s3, bucket)
    return s3, {"name": bucket, "region": region, "object_ownership": ownership, "acl": acl}


def _bucket_view(state, grants):
    return {
        "name": state["name"],
        "region": state["region"],
        "object_ownership": state["object_ownership"],
        "grants": [camel_dict_to_snake_dict(grant) for grant in normalize_grants(grants)],
    }


@ErrorHandler.common_error_handler(
    "make log bucket {state[name]} receive CloudFront's logs",
    {
        ACCESS_DENIED: (
            "the caller needs s3:PutBucketOwnershipControls on it to enable ACLs, and CloudFront logging needs s3:GetBucketAcl and "
            "s3:PutBucketAcl on it to add the awslogsdelivery grant; grant them"
        ),
        "AccessControlListNotSupported": "it still has ACLs disabled: set its Object Ownership to BucketOwnerPreferred and retry",
    },
)
def handle_bucket(s3, module, state):
    """Make the log bucket receive logs: ACLs enabled and owner + awslogsdelivery FULL_CONTROL grants.

    Returns (changed, {"before": ..., "after": ...}), the bucket's ownership and grants before and after.
    """
    bucket, ownership, acl = state["name"], state["object_ownership"], state["acl"]
    before = _bucket_view(state, acl["Grants"])
    if not module.params["manage_bucket"]:
        if ownership == "BucketOwnerEnforced":
            module.fail_json(
                msg=(
                    f"log bucket {bucket} has ACLs disabled (Object Ownership BucketOwnerEnforced) and CloudFront can only "
                    "deliver standard logs to a bucket with ACLs enabled: set manage_bucket: true, or set the bucket's "
                    f"Object Ownership to BucketOwnerPreferred; {NOT_CHANGED}"
                )
            )
        return False, {"before": before, "after": before}

    ownership_changed = ownership == "BucketOwnerEnforced"
    after_state = dict(state, object_ownership="BucketOwnerPreferred" if ownership_changed else ownership)
    if ownership_changed and not module.check_mode:
        put_s3_bucket_ownership(s3, bucket, "BucketOwnerPreferred")

    owner_id = (acl.get("Owner") or {}).get("ID")
    log_delivery_id = LOG_DELIVERY_CANONICAL_IDS.get(partition_for_region(state["region"]), LOG_DELIVERY_CANONICAL_IDS["aws"])
    wanted = [{"Grantee": {"Type": "CanonicalUser", "ID": log_delivery_id}, "Permission": "FULL_CONTROL"}]
    if owner_id:
        wanted.insert(0, {"Grantee": {"Type": "CanonicalUser", "ID": owner_id}, "Permission": "FULL_CONTROL"})
    grants_changed, new_acl = add_grants(acl, wanted)
    if grants_changed and not module.check_mode:
        put_bucket_acl(s3, bucket, new_acl)
    return ownership_changed or grants_changed, {"before": before, "after": _bucket_view(after_state, new_acl["Grants"])}


def distribution_label(params):
    if params["distribution_id"]:
        return f"distribution {params['distribution_id']}"
    if params["alias"]:
        return f"distribution with alias {params['alias']}"
    return f"distribution with caller reference {params['caller_reference']}"


@ErrorHandler.common_error_handler("read {label}", {ACCESS_DENIED: "the caller needs cloudfront:GetDistribution and cloudfront:ListDistributions"})
def find_distribution(client, module, label):
    """(distribution, etag) of the distribution the options name; fails when there is none."""
    params = module.params
    distribution_id = find_distribution_id(
        client, distribution_id=params["distribution_id"], alias=params["alias"], caller_reference=params["caller_reference"]
    )
    distribution, etag = get_distribution(client, distribution_id) if distribution_id else (None, None)
    if distribution is None:
        module.fail_json(msg=f"{label} not found (NoSuchDistribution): check the id, alias or caller reference and the AWS account")
    return distribution, etag


@ErrorHandler.common_error_handler(
    "set the logging of distribution {distribution[Id]}",
    {
        "InvalidArgument": (
            f"CloudFront refused the logging settings: the log bucket must exist, be named <bucket>{LOG_BUCKET_DOMAIN_SUFFIX}, "
            "have ACLs enabled (Object Ownership BucketOwnerPreferred; manage_bucket: true does it) and be in a region that supports "
            "standard logging"
        ),
        "PreconditionFailed": "it kept changing while logging was being set (stale ETag after several re-reads): retry later",
        "NoSuchDistribution": "it was deleted while logging was being set",
        ACCESS_DENIED: "the caller needs cloudfront:UpdateDistribution, and s3:GetBucketAcl and s3:PutBucketAcl on the log bucket",
    },
)
def handle_logging(client, module, distribution, etag, wanted):
    """Set the distribution's Logging block to ``wanted``; returns (changed, (distribution, etag))."""
    current = distribution["DistributionConfig"].get("Logging") or {}
    if current == wanted:
        return False, (distribution, etag)
    if module.check_mode:
        return True, (dict(distribution, DistributionConfig=dict(distribution["DistributionConfig"], Logging=wanted)), etag)

    def apply_change(config):
        config["Logging"] = wanted
        return config

    changed, response = update_distribution_config(client, distribution["Id"], apply_change, config=distribution["DistributionConfig"], etag=etag)
    if not changed:
        return False, (distribution, etag)
    return True, (response["Distribution"], response.get("ETag"))


@ErrorHandler.common_error_handler("read distribution {distribution[Id]} while waiting for its deployment")
def await_deployment(client, module, distribution):
    """Wait until the distribution is Deployed; returns it as last read (DeployTimeout: still deploying)."""
    return wait_deployed(client, distribution["Id"], module.params["wait_timeout"], done="logging was set") or distribution


def run(module):
    """Prepare the log bucket, then set the distribution's logging. Returns (changed, result)."""
    params = module.params
    enabled = params["enabled"]
    bucket = normalize_bucket(module, params["bucket"]) if enabled else None
    result = {}
    diff = {"before": {}, "after": {}}
    bucket_changed = False
    if enabled:
        # The bucket is checked (and prepared) before the distribution is touched.
        s3, state = read_log_bucket(module, bucket)
        bucket_changed, bucket_diff = handle_bucket(s3, module, state)
        diff["before"]["bucket"], diff["after"]["bucket"] = bucket_diff["before"], bucket_diff["after"]
        result["bucket"] = bucket_diff["after"]

    client = cloudfront_client(module)
    distribution, etag = find_distribution(client, module, distribution_label(params))
    wanted = desired_logging(enabled, bucket, params["prefix"], params["include_cookies"])
    diff["before"]["logging"] = logging_settings(distribution["DistributionConfig"].get("Logging"))
    logging_changed, (distribution, etag) = handle_logging(client, module, distribution, etag, wanted)
    diff["after"]["logging"] = logging_settings(distribution["DistributionConfig"].get("Logging"))
    if params["wait"] and not module.check_mode and distribution.get("Status") != "Deployed":
        distribution = await_deployment(client, module, distribution)

    result.update(
        distribution_id=distribution["Id"],
        domain_name=distribution.get("DomainName"),
        status=distribution.get("Status"),
        etag=etag,
        logging=logging_settings(distribution["DistributionConfig"].get("Logging")),
    )
    if module._diff:  # pylint: disable=protected-access
        result["diff"] = diff
    return bucket_changed or logging_changed, result


def main():
    argument_spec = dict(
        distribution_id=dict(type="str"),
        alias=dict(type="str"),
        caller_reference=dict(type="str"),
        enabled=dict(type="bool", default=True),
        bucket=dict(type="str"),
        prefix=dict(type="str", default=""),
        include_cookies=dict(type="bool", default=False),
        manage_bucket=dict(type="bool", default=True),
        wait=dict(type="bool", default=False),
        wait_timeout=dict(type="int", default=1800),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        mutually_exclusive=[("distribution_id", "alias", "caller_reference")],
        required_one_of=[("distribution_id", "alias", "caller_reference")],
        required_if=[("enabled", True, ("bucket",))],
        supports_check_mode=True,
    )
    try:
        changed, result = run(module)
    except AnsibleAWSError as e:
        fail(module, e)
    module.exit_json(changed=changed, **result)


if __name__ == "__main__":
    main()
