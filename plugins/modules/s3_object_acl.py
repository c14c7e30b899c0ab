#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: clickstream.collectors contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: s3_object_acl
short_description: Apply a canned ACL to an S3 object, and only where AWS will honour it
version_added: 1.0.0
description:
  - Applies a canned ACL (for the collector's pixel, V(public-read)) to one S3 object.
  - Idempotent by comparing the object's grants with the grants AWS stores for the canned ACL
    (owner C(FULL_CONTROL), plus C(AllUsers) C(READ) for V(public-read)); it writes only when they differ.
  - Since April 2023 new buckets have Object Ownership C(BucketOwnerEnforced) (ACLs disabled) and all four
    Block Public Access flags on. Where the bucket's Object Ownership is C(BucketOwnerEnforced), or (for a public ACL)
    its Block Public Access has C(BlockPublicAcls) or C(IgnorePublicAcls) on, the module fails naming the setting
    and the fix. With O(prepare_bucket=true) it changes exactly those settings and nothing else, in the order AWS
    accepts (Object Ownership to C(BucketOwnerPreferred), then C(BlockPublicAcls) and C(IgnorePublicAcls) to false,
    then the object ACL). C(BlockPublicPolicy) and C(RestrictPublicBuckets) are never changed.
  - For a public ACL it also reads the account-level Block Public Access (STS C(GetCallerIdentity), then s3control
    C(GetPublicAccessBlock)). When that blocks or ignores public ACLs, no bucket setting can help, and the module fails
    pointing to the alternative, a private bucket behind CloudFront origin access control. If the caller may not read
    the account setting (C(AccessDenied)), the module warns and goes on.
  - After a write it reads the grants back and fails unless AWS stored them, so it never reports success for an ACL
    AWS would reject or ignore.
author:
  - clickstream.collectors maintainers (@clickstream-collectors)
options:
  bucket:
    description:
      - Name of the bucket holding the object.
    type: str
    required: true
  key:
    description:
      - Object key. The collector's pixel is C(i).
    type: str
    required: true
  acl:
    description:
      - The canned ACL the object must have. V(public-read), V(public-read-write) and V(authenticated-read) are public.
    type: str
    required: true
    choices: [private, public-read, public-read-write, authenticated-read, aws-exec-read, bucket-owner-read, bucket-owner-full-control]
  prepare_bucket:
    description:
      - Change the bucket settings that would stop the ACL from taking effect, and only those.
      - Object Ownership C(BucketOwnerEnforced) becomes C(BucketOwnerPreferred) (when a write is needed).
      - For a public ACL, the bucket's C(BlockPublicAcls) and C(IgnorePublicAcls) become false; the other two flags are left as they are.
      - Account-level Block Public Access is never changed.
    type: bool
    default: false
notes:
  - Check mode reads everything, skips only writes, and returns the would-be grants and bucket changes. A bucket or object
    that does not exist yet (for example because the task creating it is skipped under C(--check)) is reported as a change,
    with the owner's canonical id unknown (null), not as an error.
  - Permissions used - C(s3:GetObjectAcl), C(s3:PutObjectAcl), C(s3:GetBucketOwnershipControls), C(s3:GetBucketPublicAccessBlock),
    with O(prepare_bucket=true) C(s3:PutBucketOwnershipControls) and C(s3:PutBucketPublicAccessBlock), for public ACLs
    C(sts:GetCallerIdentity) and C(s3:GetAccountPublicAccessBlock), and C(s3:GetBucketAcl) for the C(bucket-owner-*) ACLs.
  - Making the pixel public with an ACL is how Snowplow's CloudFront collector was built. Where public ACLs are not wanted or
    not allowed, keep the bucket private and let CloudFront read it through origin access control.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Make the pixel public, enabling ACLs on the bucket if needed
  clickstream.collectors.s3_object_acl:
    bucket: acme-collector-prod-pixel
    key: i
    acl: public-read
    prepare_bucket: true

- name: Make the pixel private again (bucket settings are left alone)
  clickstream.collectors.s3_object_acl:
    bucket: acme-collector-prod-pixel
    key: i
    acl: private
"""

RETURN = r"""
bucket:
  description: The bucket name.
  returned: always
  type: str
  sample: acme-collector-prod-pixel
key:
  description: The object key.
  returned: always
  type: str
  sample: i
acl:
  description: The canned ACL requested.
  returned: always
  type: str
  sample: public-read
grants:
  description:
    - The object's grants after the run (in check mode, the would-be grants), sorted, without display names.
  returned: always
  type: list
  elements: dict
  sample: [
    {"grantee": {"type": "CanonicalUser", "id": "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a"}, "permission": "FULL_CONTROL"},
    {"grantee": {"type": "Group", "uri": "http://acs.amazonaws.com/groups/global/AllUsers"}, "permission": "READ"}
  ]
bucket_settings_changed:
  description:
    - The bucket settings changed (in check mode, that would be changed), with their new values; empty when none.
    - Keys are C(object_ownership), C(block_public_acls) and C(ignore_public_acls).
  returned: always
  type: dict
  sample: {"object_ownership": "BucketOwnerPreferred", "block_public_acls": false, "ignore_public_acls": false}
account_public_access_block:
  description:
    - The account-level Block Public Access flags read for a public ACL; null when not read (non-public ACL, or AccessDenied).
  returned: always
  type: dict
  sample: {"block_public_acls": false, "ignore_public_acls": false, "block_public_policy": false, "restrict_public_buckets": false}
"""

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import is_ansible_aws_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.s3 import get_s3_bucket_acl
from ansible_collections.amazon.aws.plugins.module_utils.s3 import get_s3_object_acl
from ansible_collections.amazon.aws.plugins.module_utils.s3 import put_s3_bucket_ownership
from ansible_collections.amazon.aws.plugins.module_utils.s3 import put_s3_bucket_public_access

from ansible_collections.clickstream.collectors.plugins.module_utils import s3_access
from ansible_collections.clickstream.collectors.plugins.module_utils.errors import ACCESS_DENIED
from ansible_collections.clickstream.collectors.plugins.module_utils.errors import ErrorHandler
from ansible_collections.clickstream.collectors.plugins.module_utils.errors import fail

SNAKE_FLAGS = {"BlockPublicAcls": "block_public_acls", "IgnorePublicAcls": "ignore_public_acls"}
OAC_HINT = (
    "Keep the bucket private and let CloudFront read the object through origin access control (OAC) instead, "
    "or ask the account's administrators to turn those account-level flags off"
)
# Right after a bucket setting changed, S3 may still answer as before for a moment: PutObjectAcl retries these then.
SETTLING_CODES = ("AccessDenied", "AccessControlListNotSupported")


def snake_grants(grants):
    return [camel_dict_to_snake_dict(g) for g in grants]


@ErrorHandler.common_error_handler(
    "read the Object Ownership and Block Public Access settings of bucket {bucket}",
    {ACCESS_DENIED: "the caller needs s3:GetBucketOwnershipControls and s3:GetBucketPublicAccessBlock"},
)
def read_bucket_settings(client, bucket):
    """Return {"ownership": ..., "public_access_block": {...}}, or None when the bucket does not exist."""
    try:
        ownership = s3_access.get_object_ownership(client, bucket)
    except is_boto3_error_code("NoSuchBucket"):
        return None
    return {"ownership": ownership, "public_access_block": s3_access.get_public_access_block(client, bucket)}


@ErrorHandler.common_error_handler("read the ACL of s3://{bucket}/{key}", {ACCESS_DENIED: "the caller needs s3:GetObjectAcl (and s3:ListBucket)"})
def read_object_acl(client, bucket, key):
    """Return the object's ACL ({"Owner", "Grants"}), or None when the object or its bucket does not exist."""
    try:
        return get_s3_object_acl(client, bucket, key) or None
    except is_ansible_aws_error_code("NoSuchKey"):
        return None


@ErrorHandler.common_error_handler("read the account-level Block Public Access (s3control GetPublicAccessBlock)")
def check_account_block(module, acl):
    """Fail when account-level Block Public Access stops a public ACL. Returns the flags read, or None."""
    if acl not in s3_access.PUBLIC_CANNED_ACLS:
        return None
    sts, s3control = s3_access.account_clients(module)
    try:
        flags = s3_access.account_public_access_block(s3control, sts.get_caller_identity(aws_retry=True)["Account"])
    except is_boto3_error_code(ACCESS_DENIED):
        module.warn(
            "Could not read the account-level Block Public Access (AccessDenied on sts:GetCallerIdentity or "
            "s3:GetAccountPublicAccessBlock). If it blocks public ACLs, the object stays private even though its ACL is public; "
            "the grants are still read back after the write."
        )
        return None
    on = [flag for flag in ("BlockPublicAcls", "IgnorePublicAcls") if flags.get(flag)]
    if on:
        module.fail_json(
            msg=(
                f"Cannot make s3://{module.params['bucket']}/{module.params['key']} {acl}: the account-level Block Public Access "
                f"has {' and '.join(on)} on, which overrides every bucket setting (prepare_bucket cannot change it). {OAC_HINT}."
            ),
            account_public_access_block=camel_dict_to_snake_dict(flags),
        )
    return flags


def bucket_blockers(settings, acl, write_needed):
    """The bucket settings that stop ``acl`` from taking effect: a list of (setting, new value)."""
    blockers = []
    public = acl in s3_access.PUBLIC_CANNED_ACLS
    if settings["ownership"] == "BucketOwnerEnforced" and (write_needed or public):
        blockers.append(("ObjectOwnership", "BucketOwnerPreferred"))
    if public:
        pab = settings["public_access_block"]
        if pab["BlockPublicAcls"] and write_needed:
            blockers.append(("BlockPublicAcls", False))
        if pab["IgnorePublicAcls"]:
            blockers.append(("IgnorePublicAcls", False))
    return blockers


def blocker_message(module, blockers):
    bucket, key, acl = module.params["bucket"], module.params["key"], module.params["acl"]
    reasons = []
    names = [name for name, dummy in blockers]
    if "ObjectOwnership" in names:
        reasons.append("its Object Ownership is BucketOwnerEnforced (ACLs disabled: S3 answers AccessControlListNotSupported)")
    pab = [name for name in names if name in ("BlockPublicAcls", "IgnorePublicAcls")]
    if pab:
        what = {"BlockPublicAcls": "BlockPublicAcls (S3 rejects public ACLs)", "IgnorePublicAcls": "IgnorePublicAcls (S3 ignores public ACLs)"}
        reasons.append("its Block Public Access has " + " and ".join(what[n] for n in pab) + " on")
    fixes = []
    if "ObjectOwnership" in names:
        fixes.append("Object Ownership to BucketOwnerPreferred")
    if pab:
        fixes.append(" and ".join(pab) + " to false (BlockPublicPolicy and RestrictPublicBuckets stay as they are)")
    return (
        f"Cannot apply the {acl} ACL to s3://{bucket}/{key}: bucket {bucket} " + "; ".join(reasons) + ". "
        f"Set prepare_bucket: true to change {' and '.join(fixes)}, or keep the bucket private and serve the object through "
        "CloudFront origin access control."
    )


@ErrorHandler.common_error_handler("read the owner of bucket {bucket}", {ACCESS_DENIED: "the caller needs s3:GetBucketAcl for {acl}"})
def desired_grants(client, bucket, acl, acl_policy):
    """The grants AWS stores for the canned ``acl`` on the object whose ACL is ``acl_policy`` (None: not there yet)."""
    owner_id = ((acl_policy or {}).get("Owner") or {}).get("ID")
    bucket_owner_id = None
    if acl in ("bucket-owner-read", "bucket-owner-full-control") and acl_policy is not None:
        bucket_owner_id = (get_s3_bucket_acl(client, bucket).get("Owner") or {}).get("ID")
    return s3_access.grants_for_canned_acl(acl, owner_id, bucket_owner_id)


@ErrorHandler.common_error_handler(
    "change the settings of bucket {bucket} that stop the ACL",
    {ACCESS_DENIED: "the caller needs s3:PutBucketOwnershipControls and s3:PutBucketPublicAccessBlock on it"},
)
def apply_bucket_changes(client, module, bucket, settings, blockers):
    """Write the bucket settings in the order AWS accepts. Returns the changed settings (snake_case keys)."""
    changed = {}
    names = dict(blockers)
    if "ObjectOwnership" in names:
        changed["object_ownership"] = names["ObjectOwnership"]
        if not module.check_mode:
            put_s3_bucket_ownership(client, bucket, names["ObjectOwnership"])
    flags = [name for name in ("BlockPublicAcls", "IgnorePublicAcls") if name in names]
    if flags:
        new_pab = dict(settings["public_access_block"], **dict.fromkeys(flags, False))
        changed.update((SNAKE_FLAGS[name], False) for name in flags)
        if not module.check_mode:
            put_s3_bucket_public_access(client, bucket, new_pab)
    return changed


@ErrorHandler.common_error_handler(
    "apply the {acl} ACL to s3://{bucket}/{key}",
    {
        "AccessControlListNotSupported": "S3 rejected it: the bucket does not allow ACLs (BucketOwnerEnforced). Set prepare_bucket: true",
        ACCESS_DENIED: (
            "S3 denied it: either the caller lacks s3:PutObjectAcl, or Block Public Access (bucket or account) blocks public ACLs. "
            "Set prepare_bucket: true for the bucket flags; for the account, " + OAC_HINT
        ),
    },
)
def put_acl(client, bucket, key, acl):
    """PutObjectAcl with a canned ACL.

    Not amazon.aws's put_s3_object_acl: right after a bucket setting changed, the caller passes a client that retries
    AccessDenied and AccessControlListNotSupported while the change takes effect.
    """
    client.put_object_acl(aws_retry=True, Bucket=bucket, Key=key, ACL=acl)


def verify_acl(client, module, wanted):
    bucket, key = module.params["bucket"], module.params["key"]
    got = s3_access.normalize_grants((read_object_acl(client, bucket, key) or {}).get("Grants"))
    if got != wanted:
        module.fail_json(
            msg=(
                f"S3 accepted the {module.params['acl']} ACL on s3://{bucket}/{key} but does not store it (grants read back differ): "
                "something in the bucket or account overrides ACLs. Check Object Ownership and Block Public Access."
            ),
            grants=snake_grants(got),
            wanted_grants=snake_grants(wanted),
        )
    return got


def settings_view(settings):
    if settings is None:
        return {}
    return {"object_ownership": settings["ownership"], "public_access_block": camel_dict_to_snake_dict(settings["public_access_block"])}


def acl_result(module, changed_settings, before, after, account_flags):
    """The module's result: grants after the run, the bucket settings changed, diff (grants and bucket settings)."""
    result = {
        "grants": snake_grants(after["grants"]),
        "bucket_settings_changed": changed_settings,
        "account_public_access_block": camel_dict_to_snake_dict(account_flags) if account_flags is not None else None,
    }
    if module._diff:  # pylint: disable=protected-access
        result["diff"] = {
            "before": {"grants": snake_grants(before["grants"]), "bucket": settings_view(before["settings"])},
            "after": {"grants": snake_grants(after["grants"]), "bucket": settings_view(after["settings"])},
        }
    return result


def handle_acl(client, module):
    """Make the object's ACL the canned one, changing the bucket settings that stop it when allowed. -> (changed, result)"""
    bucket, key, acl = module.params["bucket"], module.params["key"], module.params["acl"]
    settings = read_bucket_settings(client, bucket)
    account_flags = check_account_block(module, acl)
    policy = read_object_acl(client, bucket, key) if settings is not None else None

    if policy is None and not module.check_mode:
        where = f"bucket {bucket} does not exist" if settings is None else f"object {key} does not exist in bucket {bucket}"
        module.fail_json(
            msg=f"Cannot apply the {acl} ACL to s3://{bucket}/{key}: {where}. Create it first (clickstream.collectors.tracking_pixel uploads the pixel)."
        )
    if settings is None:
        # Check mode before the bucket exists (its task is skipped under --check): report the would-be ACL.
        wanted = desired_grants(client, bucket, acl, None)
        return True, acl_result(module, {}, {"grants": [], "settings": None}, {"grants": wanted, "settings": None}, account_flags)

    # In check mode the object may not exist yet (uploaded by an earlier task that check mode skipped).
    before_grants = s3_access.normalize_grants(policy["Grants"]) if policy is not None else []
    wanted = desired_grants(client, bucket, acl, policy)
    write_needed = before_grants != wanted
    blockers = bucket_blockers(settings, acl, write_needed)
    if blockers and not module.params["prepare_bucket"]:
        module.fail_json(msg=blocker_message(module, blockers), bucket_settings=settings_view(settings))

    changed_settings = apply_bucket_changes(client, module, bucket, settings, blockers)
    after_settings = {
        "ownership": changed_settings.get("object_ownership", settings["ownership"]),
        "public_access_block": dict(settings["public_access_block"], **{n: False for n in SNAKE_FLAGS if SNAKE_FLAGS[n] in changed_settings}),
    }
    after_grants = wanted if write_needed else before_grants
    if write_needed and not module.check_mode:
        writer = client
        if changed_settings:
            writer = s3_access.s3_client(module, extra_codes=SETTLING_CODES, retries=6, delay=1, max_delay=8)
        put_acl(writer, bucket, key, acl)
        after_grants = verify_acl(client, module, wanted)
    before = {"grants": before_grants, "settings": settings}
    after = {"grants": after_grants, "settings": after_settings}
    return write_needed or bool(changed_settings), acl_result(module, changed_settings, before, after, account_flags)


def main():
    argument_spec = dict(
        bucket=dict(type="str", required=True),
        key=dict(type="str", required=True, no_log=False),
        acl=dict(type="str", required=True, choices=list(s3_access.OBJECT_CANNED_ACLS)),
        prepare_bucket=dict(type="bool", default=False),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    try:
        changed, result = handle_acl(s3_access.s3_client(module), module)
    except AnsibleAWSError as e:
        fail(module, e)
    module.exit_json(changed=changed, bucket=module.params["bucket"], key=module.params["key"], acl=module.params["acl"], **result)


if __name__ == "__main__":
    main()
