#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: clickstream.collectors contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: cloudfront_log_delivery
short_description: Manage CloudFront standard logging (v2) of a distribution into S3
version_added: 1.1.0
description:
  - Keeps the CloudWatch Logs "vended" log delivery of one CloudFront distribution into an S3 bucket - the delivery
    source (the distribution, log type C(ACCESS_LOGS)), an S3 delivery destination (bucket and prefix, output format) and
    the delivery between them (record fields, suffix path, Hive-compatible paths). Every call goes to CloudWatch Logs in
    us-east-1, the only region CloudFront delivery sources can be created in, whatever the module's region.
  - Compare-first - a rerun with nothing to change only reads. A destination whose output format or bucket must change is
    deleted and created again (AWS does not change a destination's format), after its delivery; changed record fields or
    paths replace the delivery.
  - A distribution has at most one delivery source; an existing one (any name) is adopted.
  - With O(manage_bucket=true) the log bucket is made the way v2 delivery wants it - ACLs disabled (Object Ownership
    C(BucketOwnerEnforced)), after removing grants to anyone but the owner (such as legacy logging's C(awslogsdelivery)
    grant), which S3 requires before it disables ACLs. The bucket policy must let C(delivery.logs.amazonaws.com) put the log
    files (see notes); the module does not write bucket policies.
  - O(state=absent) deletes the distribution's deliveries, its delivery source and the module's destination (O(name)); the
    bucket and the logs already delivered stay.
author:
  - clickstream.collectors maintainers (@clickstream-collectors)
options:
  distribution_id:
    description:
      - The id of the distribution (for example C(E2QWRUHAPOMQZL)).
    type: str
    required: true
  state:
    description:
      - V(present) delivers the access logs into O(bucket); V(absent) removes the delivery, source and destination.
    type: str
    choices: [present, absent]
    default: present
  name:
    description:
      - The name of the delivery source and destination; default C(clickstream-<distribution_id>).
    type: str
  bucket:
    description:
      - The S3 bucket receiving the logs. Required when O(state=present).
    type: str
  bucket_region:
    description:
      - The region of O(bucket), for O(manage_bucket); default the module's region.
    type: str
  prefix:
    description:
      - Where in the bucket the logs go (a folder; leading and trailing slashes are ignored).
    type: str
    default: ""
  output_format:
    description:
      - The format of the log files. C(parquet) is for Athena and other columnar readers; C(json) is one object per line.
      - Changing it recreates the destination.
    type: str
    choices: [json, parquet, w3c, plain]
    default: json
  record_fields:
    description:
      - The fields of each record, in order. Default every field, without C(cs(Cookie)).
      - Leave out C(c-ip), C(x-forwarded-for) and C(cs(Cookie)) to keep visitors' IP addresses and cookies out of the logs;
        C(c-country) keeps the country.
    type: list
    elements: str
  suffix_path:
    description:
      - The path under O(prefix), with the variables C({DistributionId}), C({yyyy}), C({MM}), C({dd}), C({HH}) and
        C({accountid}).
    type: str
    default: "{DistributionId}/{yyyy}/{MM}/{dd}/{HH}"
  hive_compatible_path:
    description:
      - Write the path's variables as C(key=value) folders (C(year=2025/month=01/...)), which Athena and Glue read as partitions.
    type: bool
    default: true
  manage_bucket:
    description:
      - Whether to disable ACLs on O(bucket) (Object Ownership C(BucketOwnerEnforced)), removing grants to others first.
    type: bool
    default: true
notes:
  - The caller needs, in us-east-1, C(logs:DescribeDeliverySources), C(logs:DescribeDeliveries), C(logs:GetDeliveryDestination),
    C(logs:PutDeliverySource), C(logs:PutDeliveryDestination), C(logs:CreateDelivery), C(logs:DeleteDelivery),
    C(logs:DeleteDeliverySource) and C(logs:DeleteDeliveryDestination); C(cloudfront:GetDistribution) and
    C(cloudfront:AllowVendedLogDeliveryForResource) on the distribution; with O(manage_bucket) C(s3:GetBucketOwnershipControls),
    C(s3:PutBucketOwnershipControls), C(s3:GetBucketAcl) and C(s3:PutBucketAcl) on the bucket.
  - The bucket policy must allow principal C(delivery.logs.amazonaws.com) C(s3:PutObject) on C(arn:aws:s3:::BUCKET/PREFIX/*) with
    the conditions C(s3:x-amz-acl = bucket-owner-full-control), C(aws:SourceAccount = ACCOUNT) and
    C(aws:SourceArn) like C(arn:aws:logs:us-east-1:ACCOUNT:delivery-source:*); without it AWS delivers nothing.
  - Unlike legacy logging, v2 can write into buckets in opt-in regions such as eu-south-1 and eu-south-2.
  - Supports check mode and diff mode.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Deliver the collector's access logs as parquet, without IP addresses
  clickstream.collectors.cloudfront_log_delivery:
    distribution_id: E2QWRUHAPOMQZL
    bucket: clickstream-prod-logs
    bucket_region: eu-south-1
    prefix: cloudfront
    output_format: parquet
    record_fields: [date, time, x-edge-location, cs-method, cs(Host), cs-uri-stem, sc-status, cs(Referer),
                    cs(User-Agent), cs-uri-query, x-edge-request-id, c-country]

- name: Back to legacy logging - remove the v2 delivery
  clickstream.collectors.cloudfront_log_delivery:
    distribution_id: E2QWRUHAPOMQZL
    state: absent
"""

RETURN = r"""
source:
  description: The delivery source (null when there is none).
  returned: always
  type: dict
  sample: {"name": "clickstream-E2QWRUHAPOMQZL", "arn": "arn:aws:logs:us-east-1:123456789012:delivery-source:clickstream-E2QWRUHAPOMQZL",
           "resource_arns": ["arn:aws:cloudfront::123456789012:distribution/E2QWRUHAPOMQZL"]}
destination:
  description: The S3 delivery destination (null when there is none).
  returned: always
  type: dict
  sample: {"name": "clickstream-E2QWRUHAPOMQZL", "output_format": "json", "resource_arn": "arn:aws:s3:::clickstream-prod-logs/cloudfront"}
delivery:
  description: The delivery (null when there is none); in check mode, as the change would make it (without an id).
  returned: always
  type: dict
  sample: {"id": "abcdefgh12345678", "record_fields": ["date", "time", "c-country"], "suffix_path": "{DistributionId}/{yyyy}/{MM}/{dd}/{HH}",
           "hive_compatible_path": true}
bucket:
  description: The log bucket's Object Ownership and grants after the change (with O(manage_bucket) and O(state=present)).
  returned: when O(manage_bucket=true) and O(state=present)
  type: dict
  sample: {"name": "clickstream-prod-logs", "object_ownership": "BucketOwnerEnforced", "grants": []}
"""

import re

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.clickstream.collectors.plugins.module_utils import log_delivery
from ansible_collections.clickstream.collectors.plugins.module_utils import s3_access
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import cloudfront_client
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import get_distribution
from ansible_collections.clickstream.collectors.plugins.module_utils.errors import ACCESS_DENIED
from ansible_collections.clickstream.collectors.plugins.module_utils.errors import CollectorError
from ansible_collections.clickstream.collectors.plugins.module_utils.errors import ErrorHandler
from ansible_collections.clickstream.collectors.plugins.module_utils.errors import fail


# Every call below is decorated with the collection's error handler (module_utils/errors.py): an AWS error leaves it as a
# CollectorError naming the resource and the fix, caught once in main().
LOGS_PERMISSION_FIX = (
    "the caller needs logs:{operation} in us-east-1 (PutDeliverySource also needs cloudfront:AllowVendedLogDeliveryForResource "
    "on the distribution)"
)


@ErrorHandler.common_error_handler(
    "read distribution {distribution_id}", {ACCESS_DENIED: "the caller needs cloudfront:GetDistribution on it"}
)
def read_distribution(client, distribution_id):
    distribution, dummy = get_distribution(client, distribution_id)
    if distribution is None:
        raise CollectorError(message=f"Distribution {distribution_id} not found (NoSuchDistribution): check the id and the AWS account")
    return distribution


@ErrorHandler.common_error_handler(
    "read the log delivery of {distribution_arn} in us-east-1",
    {ACCESS_DENIED: "the caller needs logs:DescribeDeliverySources, logs:DescribeDeliveries and logs:GetDeliveryDestination there"},
)
def read_delivery(logs, distribution_arn, name):
    return log_delivery.read_state(logs, distribution_arn, destination_name=name)


@ErrorHandler.common_error_handler("{operation} for the standard logging (v2) of distribution {distribution_id}", {ACCESS_DENIED: LOGS_PERMISSION_FIX})
def logs_call(logs, operation, distribution_id, **kwargs):  # pylint: disable=unused-argument
    """One CloudWatch Logs delivery call (``operation`` as the API names it), retried on throttling."""
    return getattr(logs, re.sub(r"(?<!^)(?=[A-Z])", "_", operation).lower())(aws_retry=True, **kwargs)


def _bucket_view(name, ownership, grants):
    return {"name": name, "object_ownership": ownership, "grants": s3_access.normalize_grants(grants)}


@ErrorHandler.common_error_handler(
    "read log bucket {bucket}",
    {("NoSuchBucket", "404"): "it does not exist: create it first; nothing was changed",
     ACCESS_DENIED: "the caller needs s3:GetBucketOwnershipControls and s3:GetBucketAcl on it"},
)
def read_bucket(s3, bucket):
    return s3_access.get_object_ownership(s3, bucket), s3.get_bucket_acl(Bucket=bucket)


@ErrorHandler.common_error_handler(
    "disable ACLs on log bucket {bucket} (standard logging v2 writes without ACLs)",
    {ACCESS_DENIED: ("the caller needs s3:PutBucketAcl (to remove legacy logging's awslogsdelivery grant) and "
                     "s3:PutBucketOwnershipControls on it")},
)
def disable_acls(s3, bucket, acl, owner_only):
    if len(owner_only) != len(acl["Grants"]):
        s3_access.put_bucket_acl(s3, bucket, {"Owner": acl["Owner"], "Grants": owner_only})
    s3.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})


def handle_bucket(module):
    """ACLs disabled on the log bucket, grants to others removed first. Returns (changed, {"before", "after"})."""
    params = module.params
    bucket = params["bucket"]
    s3 = s3_access.s3_client(module, params["bucket_region"] or module.region)
    ownership, acl = read_bucket(s3, bucket)
    before = _bucket_view(bucket, ownership, acl["Grants"])
    if ownership == "BucketOwnerEnforced":
        return False, {"before": before, "after": before}
    owner_id = (acl.get("Owner") or {}).get("ID")
    owner_only = [g for g in acl["Grants"] if g.get("Grantee", {}).get("ID") == owner_id and g.get("Grantee", {}).get("Type") == "CanonicalUser"]
    after = _bucket_view(bucket, "BucketOwnerEnforced", owner_only)
    if not module.check_mode:
        disable_acls(s3, bucket, acl, owner_only)
    return True, {"before": before, "after": after}


def handle_present(module, logs, state, wanted):
    """Bring source, destination and delivery to ``wanted``. Returns (changed, state after)."""
    changed = False
    distribution_id = module.params["distribution_id"]
    name = wanted["destination"]["name"]
    destination = log_delivery.destination_by_name(state, name)
    recreate = destination is not None and not log_delivery.destination_matches(destination, wanted["destination"])
    keep = [d for d in log_delivery.s3_deliveries(state)
            if destination is not None and not recreate and log_delivery.delivery_matches(d, destination["arn"], wanted["delivery"])]
    keep = keep[:1]
    drop = [d for d in state["deliveries"]
            if d not in keep and (d in log_delivery.s3_deliveries(state) or (destination and d["deliveryDestinationArn"] == destination["arn"]))]
    after = {"source": state["source"], "deliveries": [d for d in state["deliveries"] if d not in drop], "destinations": dict(state["destinations"])}
    for delivery in drop:
        changed = True
        if not module.check_mode:
            logs_call(logs, "DeleteDelivery", distribution_id, id=delivery["id"])
    if recreate:
        changed = True
        del after["destinations"][destination["arn"]]
        if not module.check_mode:
            logs_call(logs, "DeleteDeliveryDestination", distribution_id, name=name)
        destination = None
    if destination is None:
        changed = True
        new = dict(wanted["destination"], deliveryDestinationType="S3",
                   deliveryDestinationConfiguration={"destinationResourceArn": wanted["destination"]["destinationResourceArn"]})
        new.pop("destinationResourceArn")
        account = (after["source"] or wanted["source"])["resourceArns"][0].split(":")[4]
        new["arn"] = f"arn:aws:logs:{log_delivery.LOGS_REGION}:{account}:delivery-destination:{name}"
        if not module.check_mode:
            new = logs_call(logs, "PutDeliveryDestination", distribution_id, name=name, outputFormat=wanted["destination"]["outputFormat"],
                            deliveryDestinationConfiguration=new["deliveryDestinationConfiguration"])["deliveryDestination"]
        after["destinations"][new["arn"]] = new
        destination = new
    if state["source"] is None:
        changed = True
        after["source"] = dict(wanted["source"])
        if not module.check_mode:
            after["source"] = logs_call(logs, "PutDeliverySource", distribution_id, name=wanted["source"]["name"], logType=log_delivery.LOG_TYPE,
                                        resourceArn=wanted["source"]["resourceArns"][0])["deliverySource"]
    if not keep:
        changed = True
        created = dict(wanted["delivery"], deliveryDestinationArn=destination["arn"], deliveryDestinationType="S3",
                       deliverySourceName=after["source"]["name"])
        if not module.check_mode:
            created = logs_call(logs, "CreateDelivery", distribution_id, deliverySourceName=after["source"]["name"],
                                deliveryDestinationArn=destination["arn"], **wanted["delivery"])["delivery"]
        after["deliveries"].append(created)
    return changed, after


def handle_absent(module, logs, state, name):
    """Delete the source's deliveries, the source and the module's destination. Returns (changed, state after)."""
    changed = False
    distribution_id = module.params["distribution_id"]
    ours = log_delivery.destination_by_name(state, name)
    for delivery in state["deliveries"]:
        changed = True
        if not module.check_mode:
            logs_call(logs, "DeleteDelivery", distribution_id, id=delivery["id"])
    if state["source"] is not None:
        changed = True
        if not module.check_mode:
            logs_call(logs, "DeleteDeliverySource", distribution_id, name=state["source"]["name"])
    if ours is not None:
        changed = True
        if not module.check_mode:
            logs_call(logs, "DeleteDeliveryDestination", distribution_id, name=name)
    return changed, {"source": None, "deliveries": [], "destinations": {}}


def main():
    argument_spec = dict(
        distribution_id=dict(type="str", required=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        name=dict(type="str"),
        bucket=dict(type="str"),
        bucket_region=dict(type="str"),
        prefix=dict(type="str", default=""),
        output_format=dict(type="str", choices=list(log_delivery.OUTPUT_FORMATS), default="json"),
        record_fields=dict(type="list", elements="str"),
        suffix_path=dict(type="str", default=log_delivery.DEFAULT_SUFFIX_PATH),
        hive_compatible_path=dict(type="bool", default=True),
        manage_bucket=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, required_if=[("state", "present", ("bucket",))], supports_check_mode=True)
    params = module.params
    name = params["name"] or log_delivery.default_name(params["distribution_id"])
    try:
        run(module, name)
    except AnsibleAWSError as e:
        fail(module, e)


def run(module, name):
    params = module.params
    distribution = read_distribution(cloudfront_client(module), params["distribution_id"])
    distribution_arn = distribution["ARN"]
    logs = log_delivery.logs_client(module)
    state = read_delivery(logs, distribution_arn, name)
    result = {"changed": False}
    diff = {"before": log_delivery.describe(state), "after": {}}

    if params["state"] == "present":
        bucket_changed = False
        if params["manage_bucket"]:
            bucket_changed, bucket = handle_bucket(module)
            diff["before"]["bucket"] = bucket["before"]
            diff["after"]["bucket"] = bucket["after"]
            result["bucket"] = bucket["after"]
        fields = params["record_fields"] if params["record_fields"] is not None else log_delivery.record_fields("full")
        partition = distribution_arn.split(":")[1]
        wanted = log_delivery.wanted_state(distribution_arn, state["source"]["name"] if state["source"] else name, params["bucket"],
                                           params["prefix"], params["output_format"], fields, params["suffix_path"],
                                           params["hive_compatible_path"], partition)
        wanted["destination"]["name"] = name
        changed, after = handle_present(module, logs, state, wanted)
        result["changed"] = changed or bucket_changed
    else:
        result["changed"], after = handle_absent(module, logs, state, name)

    described = log_delivery.describe(after)
    diff["after"].update(described)
    result.update(described)
    if module._diff:  # pylint: disable=protected-access
        result["diff"] = diff
    module.exit_json(**result)


if __name__ == "__main__":
    main()
