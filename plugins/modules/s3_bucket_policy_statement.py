#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: clickstream.collectors contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: s3_bucket_policy_statement
short_description: Keep one statement of an S3 bucket policy, by its Sid, leaving the other statements as they are
version_added: 1.1.0
description:
  - Adds, replaces or removes the statement with O(sid) in a bucket's policy. Every other statement of the policy is kept
    as it is, so that a bucket policy the user or another tool wrote loses nothing.
  - M(amazon.aws.s3_bucket)'s C(policy) option replaces the whole policy; this module changes one statement.
  - Compare-first - the statement is compared with the one in the policy (as IAM compares them, lists of one value and the
    value alone alike), and the policy is written only when it differs. Removing the last statement deletes the policy.
  - Made for the statement that lets CloudFront read a private origin bucket through an origin access control (principal
    service C(cloudfront.amazonaws.com), condition C(AWS:SourceArn) the distribution's ARN).
author:
  - clickstream.collectors maintainers (@clickstream-collectors)
options:
  bucket:
    description:
      - The bucket whose policy holds the statement.
    type: str
    required: true
  sid:
    description:
      - The statement's C(Sid), which identifies it in the policy.
    type: str
    required: true
  statement:
    description:
      - The statement (C(Effect), C(Principal), C(Action), C(Resource), C(Condition)...), without C(Sid) (O(sid) is set).
      - Required with O(state=present).
    type: dict
  state:
    description:
      - V(present) keeps the statement as given; V(absent) removes it (nothing happens when there is none).
    type: str
    default: present
    choices: [present, absent]
notes:
  - Check mode computes the policy it would write and writes nothing; a bucket that does not exist yet is reported as a
    change in check mode, and fails the module otherwise.
  - Needs C(s3:GetBucketPolicy), C(s3:PutBucketPolicy) and, when the last statement goes, C(s3:DeleteBucketPolicy).
  - A policy that makes the bucket public is refused by S3 while the bucket's C(BlockPublicPolicy) is on; a statement for a
    service principal restricted by C(AWS:SourceArn) is not public.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Let CloudFront (this distribution only) read the private pixel bucket through its origin access control
  clickstream.collectors.s3_bucket_policy_statement:
    bucket: acme-collector-prod-pixel
    sid: CloudFrontOriginAccessControl
    statement:
      Effect: Allow
      Principal:
        Service: cloudfront.amazonaws.com
      Action: s3:GetObject
      Resource: arn:aws:s3:::acme-collector-prod-pixel/*
      Condition:
        StringEquals:
          AWS:SourceArn: arn:aws:cloudfront::123456789012:distribution/E2QWRUHAPOMQZL

- name: Remove that statement (the other statements stay)
  clickstream.collectors.s3_bucket_policy_statement:
    bucket: acme-collector-prod-pixel
    sid: CloudFrontOriginAccessControl
    state: absent
"""

RETURN = r"""
policy:
  description: The bucket policy after the run (in check mode, as it would be); null when the bucket has none.
  returned: always
  type: dict
  sample: {"Version": "2012-10-17", "Statement": [{"Sid": "CloudFrontOriginAccessControl", "Effect": "Allow"}]}
write:
  description: The write made (or, in check mode, that would be made) - C(put), C(delete) or C(none).
  returned: always
  type: str
  sample: put
"""

import json

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.clickstream.collectors.plugins.module_utils import s3_access
from ansible_collections.clickstream.collectors.plugins.module_utils.errors import ACCESS_DENIED
from ansible_collections.clickstream.collectors.plugins.module_utils.errors import ErrorHandler
from ansible_collections.clickstream.collectors.plugins.module_utils.errors import fail

POLICY_VERSION = "2012-10-17"
MISSING_BUCKET = object()


@ErrorHandler.common_error_handler("read the policy of bucket {bucket}", {ACCESS_DENIED: "the caller needs s3:GetBucketPolicy on it"})
def read_policy(client, bucket):
    """The bucket's policy as a dict, None when it has none, MISSING_BUCKET when the bucket does not exist."""
    try:
        return json.loads(client.get_bucket_policy(Bucket=bucket)["Policy"])
    except is_boto3_error_code("NoSuchBucketPolicy"):
        return None
    except is_boto3_error_code("NoSuchBucket"):
        return MISSING_BUCKET


@ErrorHandler.common_error_handler(
    "write the policy of bucket {bucket}",
    {
        ACCESS_DENIED: (
            "the caller needs s3:PutBucketPolicy on it; or the statement makes the bucket public while its Block Public Access "
            "has BlockPublicPolicy on (restrict a statement with a wildcard principal by a condition such as AWS:SourceArn)"
        ),
        "MalformedPolicy": "S3 refused the statement as malformed: check its Principal, Action, Resource and Condition",
        "NoSuchBucket": "bucket {bucket} does not exist. Create it first (amazon.aws.s3_bucket)",
    },
)
def put_policy(client, bucket, policy):
    client.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))


@ErrorHandler.common_error_handler("delete the policy of bucket {bucket}", {ACCESS_DENIED: "the caller needs s3:DeleteBucketPolicy on it"})
def delete_policy(client, bucket):
    client.delete_bucket_policy(Bucket=bucket)


def desired_policy(current, sid, statement):
    """The policy with the statement ``sid`` set to ``statement`` (None: removed), the others kept in their order."""
    current = current or {"Version": POLICY_VERSION, "Statement": []}
    statements = current.get("Statement") or []
    statements = statements if isinstance(statements, list) else [statements]
    kept = [item for item in statements if item.get("Sid") != sid]
    if statement is not None:
        position = next((index for index, item in enumerate(statements) if item.get("Sid") == sid), len(kept))
        kept.insert(min(position, len(kept)), dict({"Sid": sid}, **statement))
    return dict(current, Statement=kept) if kept else None


def handle_statement(client, module):
    """Keep the statement as O(state) says. Returns (changed, result)."""
    bucket, sid = module.params["bucket"], module.params["sid"]
    statement = module.params["statement"] if module.params["state"] == "present" else None
    current = read_policy(client, bucket)
    if current is MISSING_BUCKET:
        if not module.check_mode:
            module.fail_json(msg=f"Cannot keep statement {sid} in the policy of bucket {bucket}: the bucket does not exist. Create it first.")
        current = None
    existing = [item for item in (current or {}).get("Statement") or [] if isinstance(item, dict) and item.get("Sid") == sid]
    if statement is None:
        changed = bool(existing)
    else:
        changed = len(existing) != 1 or not s3_access.same_statement(dict(existing[0]), dict({"Sid": sid}, **statement))
    wanted = desired_policy(current, sid, statement) if changed else current
    write = "none"
    if changed:
        write = "put" if wanted else "delete"
        if not module.check_mode:
            if wanted:
                put_policy(client, bucket, wanted)
            else:
                delete_policy(client, bucket)
    result = {"policy": wanted, "write": write}
    if module._diff:  # pylint: disable=protected-access
        result["diff"] = {"before": {"statement": existing[0] if existing else None},
                          "after": {"statement": dict({"Sid": sid}, **statement) if statement is not None else None}}
    return changed, result


def main():
    argument_spec = dict(
        bucket=dict(type="str", required=True),
        sid=dict(type="str", required=True),
        statement=dict(type="dict"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, required_if=[("state", "present", ("statement",))], supports_check_mode=True)
    if module.params["statement"] and "Sid" in module.params["statement"]:
        module.fail_json(msg="statement must not carry a Sid: the module sets it from sid")
    try:
        changed, result = handle_statement(s3_access.s3_client(module), module)
    except AnsibleAWSError as e:
        fail(module, e)
    module.exit_json(changed=changed, **result)


if __name__ == "__main__":
    main()
