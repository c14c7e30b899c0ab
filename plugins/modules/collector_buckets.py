#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: clickstream.collectors contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: collector_buckets
short_description: Create S3 buckets and keep their ownership, Block Public Access, encryption, policy and tags, in one run
version_added: 1.1.0
description:
  - Keeps each bucket of O(buckets) as given - created where it does not exist, and for each setting given, that setting as
    given. A setting left out is not managed.
  - Compare-first - each bucket's settings are read and only those that differ are written, so a run with nothing to change
    makes no write. A new bucket is created with its Object Ownership, then each other setting given is written once.
  - Several buckets in one module run - a collector's pixel and log buckets cost one Python process and one set of boto3
    clients, where M(amazon.aws.s3_bucket) is one run per bucket that also reads versioning, request payment, ACL,
    acceleration, object lock, inventory and logging, which this module does not manage.
  - Real check mode - the module reads, computes what it would write and returns it, with O(ignore:diff) before and after per
    bucket.
  - Never deletes a bucket, and never touches a bucket of another account (S3 answers it with 403; the module fails and says so).
author:
  - clickstream.collectors maintainers (@clickstream-collectors)
options:
  buckets:
    description:
      - The buckets, in the order they are created.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description:
          - The bucket's name.
        type: str
        required: true
      region:
        description:
          - The bucket's region; the module's O(region) when left out. An existing bucket in another region fails the module
            (S3 cannot move a bucket).
        type: str
      object_ownership:
        description:
          - Object Ownership; C(BucketOwnerEnforced) disables ACLs, C(BucketOwnerPreferred) keeps them (CloudFront standard
            logging, legacy, and a public-read pixel need ACLs). Not managed when left out (S3 creates buckets with
            C(BucketOwnerEnforced)).
        type: str
        choices: [BucketOwnerEnforced, BucketOwnerPreferred, ObjectWriter]
      public_access:
        description:
          - The bucket's four Block Public Access flags. Not managed when left out (S3 creates buckets with all four on).
        type: dict
        suboptions:
          block_public_acls:
            description: Refuse requests that set a public ACL.
            type: bool
            required: true
          ignore_public_acls:
            description: Ignore public ACLs.
            type: bool
            required: true
          block_public_policy:
            description: Refuse a public bucket policy.
            type: bool
            required: true
          restrict_public_buckets:
            description: Restrict access under a public policy to AWS services and the bucket owner's account.
            type: bool
            required: true
      encryption:
        description:
          - Default encryption - V(AES256) is SSE-S3. Not managed when left out (S3 creates buckets with SSE-S3).
        type: str
        choices: [AES256]
      policy:
        description:
          - The whole bucket policy, compared as IAM compares policies. Not managed when left out.
        type: json
      tags:
        description:
          - The bucket's tags.
        type: dict
        default: {}
      purge_tags:
        description:
          - Remove tags not in O(buckets[].tags).
        type: bool
        default: true
notes:
  - Needs C(s3:ListBucket) (HeadBucket), C(s3:CreateBucket), and for the settings given C(s3:GetBucketOwnershipControls),
    C(s3:PutBucketOwnershipControls), C(s3:GetBucketPublicAccessBlock), C(s3:PutBucketPublicAccessBlock),
    C(s3:GetEncryptionConfiguration), C(s3:PutEncryptionConfiguration), C(s3:GetBucketPolicy), C(s3:PutBucketPolicy),
    C(s3:GetBucketTagging) and C(s3:PutBucketTagging).
  - Block Public Access is written before the policy, so that a bucket whose C(block_public_policy) goes from on to off
    accepts a public policy in the same run.
  - To delete a bucket, use M(amazon.aws.s3_bucket) with O(amazon.aws.s3_bucket#module:state=absent).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: A collector's buckets - the public pixel's (ACLs on, public ACLs allowed) and the private, encrypted log bucket
  clickstream.collectors.collector_buckets:
    region: eu-west-1
    buckets:
      - name: acme-collector-prod-pixel
        object_ownership: BucketOwnerPreferred
        public_access:
          block_public_acls: false
          ignore_public_acls: false
          block_public_policy: true
          restrict_public_buckets: true
        tags:
          managed-by: clickstream.collectors
      - name: acme-collector-prod-logs
        object_ownership: BucketOwnerPreferred
        public_access:
          block_public_acls: true
          ignore_public_acls: true
          block_public_policy: true
          restrict_public_buckets: true
        encryption: AES256
        policy: "{{ lookup('ansible.builtin.template', 'log-bucket-policy.json.j2') }}"
        tags:
          managed-by: clickstream.collectors
"""

RETURN = r"""
buckets:
  description: Each bucket after the run (in check mode, as it would be), in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The bucket's name.
      type: str
      sample: acme-collector-prod-logs
    region:
      description: Its region.
      type: str
      sample: eu-west-1
    created:
      description: Whether this run created it (in check mode, would create it).
      type: bool
      sample: false
    changes:
      description: What this run wrote (in check mode, would write), in words; empty when the bucket was as given.
      type: list
      elements: str
      sample: ["its tags differ"]
"""

import json

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import is_ansible_aws_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies
from ansible_collections.amazon.aws.plugins.module_utils.s3 import AnsibleS3PermissionsError
from ansible_collections.amazon.aws.plugins.module_utils.s3 import get_bucket_region
from ansible_collections.amazon.aws.plugins.module_utils.s3 import get_s3_bucket_encryption
from ansible_collections.amazon.aws.plugins.module_utils.s3 import get_s3_bucket_policy
from ansible_collections.amazon.aws.plugins.module_utils.s3 import get_s3_bucket_tagging
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list

from ansible_collections.clickstream.collectors.plugins.module_utils import s3_access
from ansible_collections.clickstream.collectors.plugins.module_utils.errors import ACCESS_DENIED
from ansible_collections.clickstream.collectors.plugins.module_utils.errors import CollectorError
from ansible_collections.clickstream.collectors.plugins.module_utils.errors import ErrorHandler
from ansible_collections.clickstream.collectors.plugins.module_utils.errors import fail

FLAG_OPTIONS = dict(
    block_public_acls="BlockPublicAcls",
    ignore_public_acls="IgnorePublicAcls",
    block_public_policy="BlockPublicPolicy",
    restrict_public_buckets="RestrictPublicBuckets",
)
ARN = "arn:{partition}:s3:::{name}"


# ---------------------------------------------------------------------------------------------
# Reads
# ---------------------------------------------------------------------------------------------


@ErrorHandler.common_error_handler("read bucket {name}", {ACCESS_DENIED: "the caller needs s3:ListBucket on it (HeadBucket)"})
def bucket_region(client, name):
    """The bucket's region; None when it does not exist. A 403 fails: another account's bucket, or no s3:ListBucket."""
    try:
        return get_bucket_region(client, name)
    except is_ansible_aws_error_code(("NoSuchBucket", "404", "NotFound")):
        return None
    except AnsibleS3PermissionsError as e:
        partition = s3_access.partition_for_region(client.meta.region_name)
        raise CollectorError(
            message=(
                f"Cannot read bucket {name}: S3 refused HeadBucket (403). Either the name belongs to another AWS account (bucket names "
                f"are global: choose another name), or the caller lacks s3:ListBucket on {ARN.format(partition=partition, name=name)} "
                "(grant it, as files/iam-policy.json does). Nothing was changed"
            ),
            exception=e.exception,
        ) from e


@ErrorHandler.common_error_handler(
    "read the settings of bucket {name}",
    {
        ACCESS_DENIED: (
            "the caller needs s3:GetBucketOwnershipControls, s3:GetBucketPublicAccessBlock, s3:GetEncryptionConfiguration, "
            "s3:GetBucketPolicy and s3:GetBucketTagging on it"
        )
    },
)
def read_settings(client, name, wanted):
    """The bucket's current value of each setting ``wanted`` manages."""
    current = {"tags": get_s3_bucket_tagging(client, name) or {}}
    if wanted["object_ownership"]:
        current["object_ownership"] = s3_access.get_object_ownership(client, name)
    if wanted["public_access"] is not None:
        current["public_access"] = s3_access.get_public_access_block(client, name)
    if wanted["encryption"]:
        rules = (get_s3_bucket_encryption(client, name) or {}).get("Rules") or [{}]
        current["encryption"] = (rules[0].get("ApplyServerSideEncryptionByDefault") or {}).get("SSEAlgorithm")
    if wanted["policy"] is not None:
        current["policy"] = get_s3_bucket_policy(client, name) or None
    return current


# ---------------------------------------------------------------------------------------------
# Writes
# ---------------------------------------------------------------------------------------------


@ErrorHandler.common_error_handler(
    "create bucket {name} in {region}",
    {
        "BucketAlreadyExists": "the name belongs to another AWS account (bucket names are global): choose another name",
        ("IllegalLocationConstraintException", "InvalidLocationConstraint"): "{region} is not a region S3 creates buckets in",
        "InvalidBucketName": "S3 refused the name; see https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html",
        "TooManyBuckets": "the account has reached its bucket quota: delete unused buckets, or request a higher quota",
        ACCESS_DENIED: "the caller needs s3:CreateBucket on it (and s3:PutBucketOwnershipControls to create it with its Object Ownership)",
    },
)
def create_bucket(client, name, region, ownership):
    """Create the bucket; False when it already was ours (created meanwhile by a concurrent run)."""
    params = {"Bucket": name}
    if region != "us-east-1":
        params["CreateBucketConfiguration"] = {"LocationConstraint": region}
    if ownership:
        params["ObjectOwnership"] = ownership
    try:
        client.create_bucket(aws_retry=True, **params)
    except is_boto3_error_code("BucketAlreadyOwnedByYou"):
        return False
    client.get_waiter("bucket_exists").wait(Bucket=name, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    return True


@ErrorHandler.common_error_handler("set the Object Ownership of bucket {name}", {ACCESS_DENIED: "the caller needs s3:PutBucketOwnershipControls on it"})
def put_ownership(client, name, ownership):
    client.put_bucket_ownership_controls(aws_retry=True, Bucket=name, OwnershipControls={"Rules": [{"ObjectOwnership": ownership}]})


@ErrorHandler.common_error_handler("set the Block Public Access of bucket {name}", {ACCESS_DENIED: "the caller needs s3:PutBucketPublicAccessBlock on it"})
def put_public_access(client, name, flags):
    client.put_public_access_block(aws_retry=True, Bucket=name, PublicAccessBlockConfiguration=flags)


@ErrorHandler.common_error_handler("set the default encryption of bucket {name}", {ACCESS_DENIED: "the caller needs s3:PutEncryptionConfiguration on it"})
def put_encryption(client, name, algorithm):
    client.put_bucket_encryption(
        aws_retry=True, Bucket=name,
        ServerSideEncryptionConfiguration={"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": algorithm}}]},
    )


@ErrorHandler.common_error_handler(
    "write the policy of bucket {name}",
    {
        ACCESS_DENIED: (
            "the caller needs s3:PutBucketPolicy on it; or the policy is public while the bucket's Block Public Access has "
            "block_public_policy on"
        ),
        "MalformedPolicy": "S3 refused the policy as malformed: check its Principal, Action, Resource and Condition",
    },
)
def put_policy(client, name, policy):
    client.put_bucket_policy(aws_retry=True, Bucket=name, Policy=json.dumps(policy))


@ErrorHandler.common_error_handler("delete the policy of bucket {name}", {ACCESS_DENIED: "the caller needs s3:DeleteBucketPolicy on it"})
def delete_policy(client, name):
    client.delete_bucket_policy(aws_retry=True, Bucket=name)


@ErrorHandler.common_error_handler("tag bucket {name}", {ACCESS_DENIED: "the caller needs s3:PutBucketTagging on it"})
def put_tags(client, name, tags):
    if tags:
        client.put_bucket_tagging(aws_retry=True, Bucket=name, Tagging={"TagSet": ansible_dict_to_boto3_tag_list(tags)})
    else:
        client.delete_bucket_tagging(aws_retry=True, Bucket=name)


# ---------------------------------------------------------------------------------------------
# Compare and keep
# ---------------------------------------------------------------------------------------------


def wanted_settings(bucket):
    """The settings of one O(buckets) entry, in S3's terms (None: not managed)."""
    policy = bucket["policy"]
    if isinstance(policy, str):
        policy = json.loads(policy) if policy.strip() else {}
    flags = bucket["public_access"]
    return {
        "object_ownership": bucket["object_ownership"],
        "public_access": None if flags is None else dict((FLAG_OPTIONS[key], bool(value)) for key, value in flags.items()),
        "encryption": bucket["encryption"],
        "policy": policy,
        "tags": dict(bucket["tags"] or {}),
    }


def differences(current, wanted, purge_tags):
    """The settings to write, in order (ownership, Block Public Access, encryption, policy, tags): [(setting, value, words)]."""
    writes = []
    if wanted["object_ownership"] and current.get("object_ownership") != wanted["object_ownership"]:
        writes.append(("object_ownership", wanted["object_ownership"],
                       f"Object Ownership {current.get('object_ownership')} -> {wanted['object_ownership']}"))
    if wanted["public_access"] is not None and current.get("public_access") != wanted["public_access"]:
        changed = sorted(flag for flag, value in wanted["public_access"].items() if (current.get("public_access") or {}).get(flag) != value)
        writes.append(("public_access", wanted["public_access"], f"Block Public Access ({', '.join(changed)})"))
    if wanted["encryption"] and current.get("encryption") != wanted["encryption"]:
        writes.append(("encryption", wanted["encryption"], f"default encryption {current.get('encryption')} -> {wanted['encryption']}"))
    if wanted["policy"] is not None:
        have = current.get("policy")
        if not wanted["policy"]:
            if have:
                writes.append(("policy", None, "its policy removed"))
        elif not have or compare_policies(have, wanted["policy"]):
            writes.append(("policy", wanted["policy"], "its policy"))
    tags = wanted["tags"] if purge_tags else dict(current.get("tags") or {}, **wanted["tags"])
    if tags != dict(current.get("tags") or {}):
        writes.append(("tags", tags, "its tags"))
    return writes


WRITERS = {
    "object_ownership": put_ownership,
    "public_access": put_public_access,
    "encryption": put_encryption,
    "policy": lambda client, name, policy: put_policy(client, name, policy) if policy else delete_policy(client, name),
    "tags": put_tags,
}


def plan_bucket(module, bucket, clients):
    """Read one bucket and compute what to write (no write). Returns the plan."""
    name = bucket["name"]
    region = bucket["region"] or module.region
    if not region:
        module.fail_json(msg=f"Bucket {name} has no region: set buckets[].region or the module's region. Nothing was changed")
    client = clients.get(region) or clients.setdefault(region, s3_access.s3_client(module, region=region))
    wanted = wanted_settings(bucket)
    found = bucket_region(client, name)
    if found and found != region:
        raise CollectorError(
            message=(f"Bucket {name} is in {found}, not {region}: S3 cannot move a bucket. Set its region to {found}, or choose another "
                     "bucket name. Nothing was changed")
        )
    # A new bucket is created with its Object Ownership; each other setting given is then written once (what S3 gives a new
    # bucket by default is not relied on).
    current = read_settings(client, name, wanted) if found else {"object_ownership": wanted["object_ownership"], "tags": {}}
    return {"bucket": bucket, "name": name, "region": region, "client": client, "exists": bool(found), "wanted": wanted, "current": current,
            "writes": differences(current, wanted, bucket["purge_tags"])}


def apply_plan(module, plan):
    """Create the bucket if needed and write what differs (nothing in check mode). Returns (changed, result, before, after)."""
    client, name, current, writes = plan["client"], plan["name"], plan["current"], plan["writes"]
    created = not plan["exists"]
    if created and not module.check_mode and not create_bucket(client, name, plan["region"], plan["wanted"]["object_ownership"]):
        # ours already: a concurrent run created it after the read; compare as for an existing bucket
        created = False
        current = read_settings(client, name, plan["wanted"])
        writes = differences(current, plan["wanted"], plan["bucket"]["purge_tags"])
    if not module.check_mode:
        for setting, value, dummy in writes:
            WRITERS[setting](client, name, value)
    after = dict(current, exists=True, **dict((setting, value) for setting, value, dummy in writes))
    before = {"exists": False} if created else dict(current, exists=True)
    changes = (["created"] if created else []) + [words for dummy, dummy, words in writes]
    return bool(changes), {"name": name, "region": plan["region"], "created": created, "changes": changes}, before, after


def handle_buckets(module):
    """Keep every bucket of O(buckets): all are read before any is written. Returns (changed, result)."""
    clients = {}
    plans = [plan_bucket(module, bucket, clients) for bucket in module.params["buckets"]]
    changed, results, before, after = False, [], {}, {}
    for plan in plans:
        bucket_changed, result, before[plan["name"]], after[plan["name"]] = apply_plan(module, plan)
        changed |= bucket_changed
        results.append(result)
    result = {"buckets": results}
    if module._diff:  # pylint: disable=protected-access
        result["diff"] = {"before": before, "after": after}
    return changed, result


def main():
    flags = dict((key, dict(type="bool", required=True)) for key in FLAG_OPTIONS)
    argument_spec = dict(
        buckets=dict(
            type="list", elements="dict", required=True,
            options=dict(
                name=dict(type="str", required=True),
                region=dict(type="str"),
                object_ownership=dict(type="str", choices=list(s3_access.OWNERSHIP_VALUES)),
                public_access=dict(type="dict", options=flags),
                encryption=dict(type="str", choices=["AES256"]),
                policy=dict(type="json"),
                tags=dict(type="dict", default={}),
                purge_tags=dict(type="bool", default=True),
            ),
        ),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    try:
        changed, result = handle_buckets(module)
    except AnsibleAWSError as e:
        fail(module, e)
    module.exit_json(changed=changed, **result)


if __name__ == "__main__":
    main()
