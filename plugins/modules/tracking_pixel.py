#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: clickstream.collectors contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: tracking_pixel
short_description: Upload the collector's tracking pixel to S3, idempotent on content and headers
version_added: 1.0.0
description:
  - Uploads the 1x1 tracking pixel (Snowplow's C(i), a 43-byte GIF89a, by default) to an S3 bucket
    with the right C(Content-Type), and keeps it that way.
  - Idempotent on content, by comparing the MD5 of the bytes with the object's single-part ETag, or,
    where the ETag is not an MD5 (multipart uploads, SSE-KMS, SSE-C), with a SHA-256 checksum the
    module stores in the object's metadata under the reserved key C(pixel-sha256).
  - Idempotent on headers. A changed O(content_type), O(cache_control) or O(metadata) on an object whose
    bytes are unchanged is fixed in place by copying the object onto itself with its metadata replaced
    (no re-upload). M(amazon.aws.s3_object) ignores that case.
  - Refuses content that is not an image of the declared type, before any AWS call.
  - With O(acl), the object's ACL is managed too - sent with the upload or the copy (C(x-amz-acl)), so that a new
    public pixel costs one C(PutObject), and put on its own (C(PutObjectAcl)) when only the ACL differs.
  - Without O(acl), a rewrite (upload or copy), which resets an object's ACL to private on AWS, keeps the ACL. The
    module reads it first and puts it back after the write, so a pixel made public by
    M(clickstream.collectors.s3_object_acl) stays public.
  - The action plugin resolves O(src) on the controller (the play's and roles' C(files/) folders) and passes
    the bytes to the module; with neither O(src) nor O(content_base64) it uploads the collection's own C(files/i).
author:
  - clickstream.collectors maintainers (@clickstream-collectors)
options:
  bucket:
    description:
      - Name of the bucket that holds the pixel.
    type: str
    required: true
  key:
    description:
      - Object key. Snowplow's CloudFront-collector log parsing expects C(i) at the bucket root.
    type: str
    default: i
  src:
    description:
      - Path of the pixel file on the controller, looked up like M(ansible.builtin.copy)'s C(src) (role C(files/) folders first).
      - Default (when O(content_base64) is not given either) is the collection's C(files/i), Snowplow's pixel.
      - Mutually exclusive with O(content_base64).
    type: path
  content_base64:
    description:
      - The pixel's bytes, base64-encoded. Mutually exclusive with O(src).
    type: str
  content_type:
    description:
      - The C(Content-Type) served with the pixel.
      - Supported types, each checked against the file's signature, are C(image/gif) (GIF87a/GIF89a header and
        C(;) trailer), C(image/png) (PNG signature) and C(image/jpeg) (JPEG SOI marker). Other types are refused,
        as browsers and trackers expect an image here.
    type: str
    default: image/gif
    choices: [image/gif, image/png, image/jpeg]
  cache_control:
    description:
      - The C(Cache-Control) header stored with the object, for example C(no-cache, no-store, must-revalidate).
      - When not set, the object's current C(Cache-Control) is left as it is (none on a new object).
    type: str
  metadata:
    description:
      - User metadata (C(x-amz-meta-*)) for the object. Keys are lower-cased, as S3 stores them; values are strings.
      - When set, it replaces the object's user metadata; when not set, the current user metadata is kept.
      - The key C(pixel-sha256) is reserved; the module always stores the content's SHA-256 there.
    type: dict
  acl:
    description:
      - The canned ACL the object should have, for example V(public-read) for a pixel CloudFront fetches without
        origin access control.
      - Sent with the upload or the copy; when the bytes and headers are right but the grants differ from this ACL's,
        the module puts the ACL alone (C(PutObjectAcl)).
      - The bucket must allow ACLs (Object Ownership C(BucketOwnerPreferred) or C(ObjectWriter)) and, for a public ACL,
        neither the bucket's nor the account's Block Public Access may block or ignore public ACLs; the module does not
        change bucket settings (M(amazon.aws.s3_bucket) with C(object_ownership) and C(public_access) does, or
        M(clickstream.collectors.s3_object_acl) with C(prepare_bucket)).
      - Grants are compared as AWS stores them for the object's owner; V(bucket-owner-read) and
        V(bucket-owner-full-control) assume the bucket owner wrote the object.
      - When not set, the object's ACL is not managed (and kept across rewrites).
    type: str
    choices: [private, public-read, public-read-write, authenticated-read, aws-exec-read, bucket-owner-read, bucket-owner-full-control]
    version_added: 1.1.0
  state:
    description:
      - V(present) uploads or fixes the pixel; V(absent) deletes the object (no error when it does not exist).
    type: str
    default: present
    choices: [present, absent]
notes:
  - Check mode computes the full result and skips only writes. A bucket that does not exist yet (for example when the
    task creating it is skipped under C(--check)) is reported as a change, not as an error.
  - Needs C(s3:GetObject), C(s3:PutObject), C(s3:GetObjectAcl) and C(s3:PutObjectAcl) (with O(acl), since AWS authorizes an
    upload carrying C(x-amz-acl) as C(s3:PutObjectAcl) too; without it, only when the object has grants to preserve),
    C(s3:DeleteObject) for O(state=absent), and C(s3:ListBucket) so that a missing object reads as missing.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Upload Snowplow's pixel (the collection's files/i) as the collector's "i"
  clickstream.collectors.tracking_pixel:
    bucket: acme-collector-prod-pixel

- name: Upload a pixel from the role's files/ folder with no-cache headers
  clickstream.collectors.tracking_pixel:
    bucket: acme-collector-prod-pixel
    key: i
    src: pixel.gif
    cache_control: no-cache, no-store, must-revalidate
    metadata:
      clickstream-environment: prod

- name: Upload the pixel as a public object (one PutObject with x-amz-acl; the bucket allows public ACLs)
  clickstream.collectors.tracking_pixel:
    bucket: acme-collector-prod-pixel
    acl: public-read

- name: Remove the pixel
  clickstream.collectors.tracking_pixel:
    bucket: acme-collector-dev-pixel
    state: absent
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
etag:
  description:
    - The object's ETag without quotes. In check mode, before an upload, the MD5 the upload would produce.
    - Null when O(state=absent).
  returned: always
  type: str
  sample: fb02f374b8f73825415db1bccd4bd76d
size:
  description: Size of the object in bytes (null when absent).
  returned: always
  type: int
  sample: 43
sha256:
  description: SHA-256 of the pixel's bytes (null when absent).
  returned: always
  type: str
  sample: caa849b179befa2645a8e2c474d2e82a76777a3305315ece911013e8ee9a916c
content_type:
  description: The object's Content-Type (null when absent).
  returned: always
  type: str
  sample: image/gif
cache_control:
  description: The object's Cache-Control, null when it has none.
  returned: always
  type: str
  sample: no-cache, no-store, must-revalidate
metadata:
  description: The object's user metadata, including the reserved C(pixel-sha256) key.
  returned: always
  type: dict
  sample: {"pixel-sha256": "caa849b179befa2645a8e2c474d2e82a76777a3305315ece911013e8ee9a916c"}
version_id:
  description: The object's version id on a versioned bucket; null otherwise, in check mode before a write, and when absent.
  returned: always
  type: str
  sample: null
url:
  description:
    - The object's URL, C(https://<bucket>.s3.<region>.amazonaws.com/<key>) on AWS (region is the module's O(region)).
    - With a custom endpoint (O(endpoint_url) or C(AWS_ENDPOINT_URL)), the path-style C(<endpoint>/<bucket>/<key>).
  returned: always
  type: str
  sample: https://acme-collector-prod-pixel.s3.eu-west-1.amazonaws.com/i
write:
  description:
    - The write made (or, in check mode, that would be made) - C(upload), C(copy) (headers fixed in place), C(acl) (only the
      ACL put, O(acl)), C(delete) or C(none).
  returned: always
  type: str
  sample: copy
grants:
  description:
    - With O(acl), the object's grants after the run (in check mode, the grants O(acl) would give); null otherwise.
    - The diff shows them too, before and after.
  returned: always
  type: list
  elements: dict
  sample: [{"grantee": {"type": "Group", "uri": "http://acs.amazonaws.com/groups/global/AllUsers"}, "permission": "READ"}]
  version_added: 1.1.0
"""

import base64
import hashlib
import re
from urllib.parse import quote
from urllib.parse import urlsplit

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.s3 import AnsibleS3ACLSupportError
from ansible_collections.amazon.aws.plugins.module_utils.s3 import AnsibleS3PermissionsError
from ansible_collections.amazon.aws.plugins.module_utils.s3 import delete_s3_object
from ansible_collections.amazon.aws.plugins.module_utils.s3 import get_s3_object_acl
from ansible_collections.amazon.aws.plugins.module_utils.s3 import head_s3_object

from ansible_collections.clickstream.collectors.plugins.module_utils import s3_access
from ansible_collections.clickstream.collectors.plugins.module_utils.errors import ACCESS_DENIED
from ansible_collections.clickstream.collectors.plugins.module_utils.errors import ErrorHandler
from ansible_collections.clickstream.collectors.plugins.module_utils.errors import fail

CHECKSUM_KEY = "pixel-sha256"
MD5_ETAG = re.compile(r"^[0-9a-f]{32}$")
WRITE_FIXES = {
    "NoSuchBucket": "bucket {bucket} does not exist. Create it first (amazon.aws.s3_bucket)",
    ACCESS_DENIED: "access denied. The caller needs s3:PutObject (and s3:GetObject) on it",
}
ACL_FIXES = {
    "NoSuchBucket": "bucket {bucket} does not exist. Create it first (amazon.aws.s3_bucket)",
    "AccessControlListNotSupported": (
        "bucket {bucket} has ACLs disabled (Object Ownership BucketOwnerEnforced). Set its Object Ownership to BucketOwnerPreferred "
        "(amazon.aws.s3_bucket object_ownership), or leave acl unset and let CloudFront read the object through origin access control"
    ),
    ACCESS_DENIED: (
        "access denied. The caller needs s3:PutObject and s3:PutObjectAcl on it (AWS authorizes an upload with an ACL as both), "
        "and for a public ACL neither the bucket's nor the account's Block Public Access may block public ACLs "
        "(amazon.aws.s3_bucket public_access for the bucket; the account's administrators for the account)"
    ),
}


def image_problem(content, content_type):
    """Return why ``content`` is not an image of ``content_type``, or None when it is."""
    if not content:
        return "the file is empty"
    if content_type == "image/gif":
        if content[:6] not in (b"GIF87a", b"GIF89a"):
            return f"it does not start with a GIF87a/GIF89a header (first bytes: {content[:6]!r})"
        if len(content) < 14 or content[-1:] != b";":
            return "it is not a complete GIF (no logical screen descriptor or no ';' trailer)"
        return None
    if content_type == "image/png":
        if content[:8] != b"\x89PNG\r\n\x1a\n":
            return f"it does not start with the PNG signature (first bytes: {content[:8]!r})"
        return None
    if content_type == "image/jpeg":
        if content[:3] != b"\xff\xd8\xff":
            return f"it does not start with a JPEG SOI marker (first bytes: {content[:3]!r})"
        return None
    return f"{content_type} is not a supported pixel type (use image/gif, image/png or image/jpeg)"


def read_content(module):
    """Return the pixel's bytes from content_base64 or a local src."""
    params = module.params
    if params["content_base64"] is not None:
        try:
            return base64.b64decode(params["content_base64"], validate=True)
        except (ValueError, TypeError) as e:
            module.fail_json(msg=f"content_base64 for s3://{params['bucket']}/{params['key']} is not valid base64: {to_native(e)}")
    try:
        with open(params["src"], "rb") as f:
            return f.read()
    except OSError as e:
        module.fail_json(msg=f"Cannot read the pixel file {params['src']}: {to_native(e)}. Check the path (src is looked up on the controller).")
    return None  # not reached


def object_url(client, module, bucket, key):
    endpoint = client.meta.endpoint_url or ""
    host = (urlsplit(endpoint).hostname or "").lower()
    quoted_key = quote(key, safe="/~")
    if host.endswith(".amazonaws.com") or host.endswith(".amazonaws.com.cn") or not host:
        region = module.region or "us-east-1"
        suffix = "amazonaws.com.cn" if s3_access.partition_for_region(region) == "aws-cn" else "amazonaws.com"
        return f"https://{bucket}.s3.{region}.{suffix}/{quoted_key}"
    return f"{endpoint.rstrip('/')}/{bucket}/{quoted_key}"


@ErrorHandler.common_error_handler(
    "read s3://{bucket}/{key}",
    {
        ACCESS_DENIED: (
            "access denied. The caller needs s3:GetObject on the object and s3:ListBucket on the bucket "
            "(without it, S3 answers 403 for a missing object)"
        )
    },
)
def read_current(client, bucket, key):
    """The object's HeadObject, or None when the object or its bucket does not exist (amazon.aws answers {})."""
    return head_s3_object(client, bucket, key) or None


def etag_is_md5(head):
    etag = (head.get("ETag") or "").strip('"')
    if not MD5_ETAG.match(etag):
        return False
    if head.get("ServerSideEncryption") in ("aws:kms", "aws:kms:dsse") or head.get("SSECustomerAlgorithm"):
        return False
    return True


def describe(head):
    """The managed state of an object (for diff and comparison); {} when absent."""
    if head is None:
        return {}
    metadata = dict((k.lower(), v) for k, v in (head.get("Metadata") or {}).items())
    sha = metadata.get(CHECKSUM_KEY)
    return {
        "sha256": sha,
        "md5": (head.get("ETag") or "").strip('"') if etag_is_md5(head) else None,
        "size": head.get("ContentLength"),
        "content_type": head.get("ContentType"),
        "cache_control": head.get("CacheControl"),
        "metadata": metadata,
    }


def desired_state(module, content, before):
    params = module.params
    sha = hashlib.sha256(content).hexdigest()
    if params["metadata"] is not None:
        metadata = dict((str(k).lower(), to_native(v)) for k, v in params["metadata"].items())
        if CHECKSUM_KEY in metadata:
            module.fail_json(msg=f"metadata key {CHECKSUM_KEY!r} is reserved: the module stores the pixel's SHA-256 there. Remove it from metadata.")
    else:
        metadata = dict((k, v) for k, v in (before.get("metadata") or {}).items() if k != CHECKSUM_KEY)
    metadata[CHECKSUM_KEY] = sha
    cache_control = params["cache_control"] if params["cache_control"] is not None else before.get("cache_control")
    return {
        "sha256": sha,
        "md5": hashlib.md5(content).hexdigest(),  # nosec - S3's ETag is an MD5; used for comparison only
        "size": len(content),
        "content_type": params["content_type"],
        "cache_control": cache_control,
        "metadata": metadata,
    }


def content_matches(before, desired):
    if not before:
        return False
    if before.get("size") != desired["size"]:
        return False
    if before.get("md5"):
        return before["md5"] == desired["md5"]
    return before.get("sha256") == desired["sha256"]


def headers_match(before, desired):
    return (
        before.get("content_type") == desired["content_type"]
        and before.get("cache_control") == desired["cache_control"]
        and before.get("metadata") == desired["metadata"]
    )


def _diff_view(state):
    return dict((k, v) for k, v in state.items() if k != "md5")


@ErrorHandler.common_error_handler("read the ACL of s3://{bucket}/{key} to keep it across the rewrite")
def acl_to_preserve(client, bucket, key):
    """The object's ACL when it grants more than the owner's FULL_CONTROL (a rewrite would drop it), else None."""
    try:
        policy = get_s3_object_acl(client, bucket, key)
    except (AnsibleS3PermissionsError, AnsibleS3ACLSupportError):  # AccessDenied, AccessControlListNotSupported
        return None
    owner_id = (policy.get("Owner") or {}).get("ID")
    if not policy or s3_access.normalize_grants(policy["Grants"]) == s3_access.grants_for_canned_acl("private", owner_id):
        return None
    return policy


@ErrorHandler.common_error_handler("upload s3://{bucket}/{key}", ACL_FIXES)
def upload(client, bucket, key, content, md5, headers):
    """PutObject with the bytes' MD5 as Content-MD5.

    Not amazon.aws's put_s3_object: it retries NoSuchBucket for minutes, and a missing bucket fails here at once.
    """
    content_md5 = base64.b64encode(bytes.fromhex(md5)).decode("ascii")
    return client.put_object(aws_retry=True, Bucket=bucket, Key=key, Body=content, ContentMD5=content_md5, **headers)


@ErrorHandler.common_error_handler("update the headers of s3://{bucket}/{key}", ACL_FIXES)
def copy_in_place(client, bucket, key, version_id, headers):
    """CopyObject of the object onto itself with its metadata replaced: new headers, no re-upload.

    Not amazon.aws's copy_s3_object: a managed transfer, which reads the object again first and returns nothing.
    """
    source = dict({"Bucket": bucket, "Key": key}, **({"VersionId": version_id} if version_id else {}))
    return client.copy_object(aws_retry=True, Bucket=bucket, Key=key, CopySource=source, MetadataDirective="REPLACE", **headers)


@ErrorHandler.common_error_handler(
    "put back the grants of s3://{bucket}/{key}, whose ACL the rewrite reset to private",
    {None: "re-apply them (clickstream.collectors.s3_object_acl) and make sure the caller has s3:PutObjectAcl"},
)
def restore_grants(client, bucket, key, grants):
    s3_access.put_object_grants(client, bucket, key, grants)


@ErrorHandler.common_error_handler("delete s3://{bucket}/{key}", WRITE_FIXES)
def delete(client, bucket, key):
    delete_s3_object(client, bucket, key)


@ErrorHandler.common_error_handler(
    "read the ACL of s3://{bucket}/{key}", {ACCESS_DENIED: "access denied. The caller needs s3:GetObjectAcl on it (acl is set)"}
)
def read_grants(client, bucket, key):
    """The object's ACL ({"Owner", "Grants"})."""
    return get_s3_object_acl(client, bucket, key)


@ErrorHandler.common_error_handler("apply the {acl} ACL to s3://{bucket}/{key}", ACL_FIXES)
def put_canned_acl(client, bucket, key, acl):
    """PutObjectAcl with a canned ACL, when only the ACL differs."""
    client.put_object_acl(aws_retry=True, Bucket=bucket, Key=key, ACL=acl)


def wanted_grants(acl, policy):
    """The grants (normalized) AWS stores for the canned ``acl`` on the object whose ACL is ``policy``."""
    owner_id = ((policy or {}).get("Owner") or {}).get("ID")
    return s3_access.grants_for_canned_acl(acl, owner_id)


def snake_grants(grants):
    return [camel_dict_to_snake_dict(grant) for grant in grants]


def object_result(client, module, write, before, after, head):
    """The module's result for the object as it is (or, in check mode, would be) after ``write``."""
    bucket, key = module.params["bucket"], module.params["key"]
    etag = version_id = None
    if module.params["state"] == "present":
        etag = ((head or {}).get("ETag") or "").strip('"') or None
        if module.check_mode and write == "upload":
            etag = after["md5"]
        else:
            version_id = (head or {}).get("VersionId")
    result = {
        "write": write,
        "bucket": bucket,
        "key": key,
        "etag": etag,
        "size": after.get("size"),
        "sha256": after.get("sha256"),
        "content_type": after.get("content_type"),
        "cache_control": after.get("cache_control"),
        "metadata": after.get("metadata"),
        "version_id": version_id,
        "url": object_url(client, module, bucket, key),
    }
    if module._diff:  # pylint: disable=protected-access
        result["diff"] = {"before": _diff_view(before), "after": _diff_view(after)}
    return result


def handle_present(client, module, content):
    """Upload the pixel, or fix its headers in place, or (with acl) its ACL, when it differs. Returns (changed, result)."""
    bucket, key, acl = module.params["bucket"], module.params["key"], module.params["acl"]
    head = read_current(client, bucket, key)
    before = describe(head)
    desired = desired_state(module, content, before)
    if content_matches(before, desired):
        write = "none" if headers_match(before, desired) else "copy"
    else:
        write = "upload"
    grants = None
    if acl is not None:
        policy = read_grants(client, bucket, key) if head is not None else None
        before_grants = s3_access.normalize_grants((policy or {}).get("Grants")) if policy is not None else []
        grants = wanted_grants(acl, policy)
        if write == "none" and before_grants != grants:
            write = "acl"
        before = dict(before, grants=snake_grants(before_grants)) if head is not None else before
        desired = dict(desired, grants=snake_grants(grants))
    if write != "none" and not module.check_mode:
        preserved_acl = acl_to_preserve(client, bucket, key) if head is not None and acl is None else None
        headers = {"ContentType": desired["content_type"], "Metadata": desired["metadata"]}
        if desired["cache_control"] is not None:
            headers["CacheControl"] = desired["cache_control"]
        if acl is not None:
            headers["ACL"] = acl
        if write == "upload":
            response = upload(client, bucket, key, content, desired["md5"], headers)
        elif write == "copy":
            response = copy_in_place(client, bucket, key, head.get("VersionId"), headers)
        else:
            put_canned_acl(client, bucket, key, acl)
            response = {}
        if preserved_acl is not None:
            restore_grants(client, bucket, key, preserved_acl["Grants"])
        head = read_current(client, bucket, key) or {
            "ETag": response.get("ETag") or (response.get("CopyObjectResult") or {}).get("ETag"),
            "VersionId": response.get("VersionId"),
        }
        if acl is not None and policy is None:  # a new object: its owner (in the grants) is known now
            grants = wanted_grants(acl, read_grants(client, bucket, key))
            desired["grants"] = snake_grants(grants)
    result = object_result(client, module, write, before, desired, head)
    result["grants"] = snake_grants(grants) if grants is not None else None
    return write != "none", result


def handle_absent(client, module):
    """Delete the object when it exists. Returns (changed, result)."""
    bucket, key = module.params["bucket"], module.params["key"]
    head = read_current(client, bucket, key)
    if head is not None and not module.check_mode:
        delete(client, bucket, key)
    result = object_result(client, module, "none" if head is None else "delete", describe(head), {}, None)
    return head is not None, dict(result, grants=None)


def main():
    argument_spec = dict(
        bucket=dict(type="str", required=True),
        key=dict(type="str", default="i", no_log=False),
        src=dict(type="path"),
        content_base64=dict(type="str"),
        content_type=dict(type="str", default="image/gif", choices=["image/gif", "image/png", "image/jpeg"]),
        cache_control=dict(type="str"),
        metadata=dict(type="dict"),
        acl=dict(type="str", choices=list(s3_access.OBJECT_CANNED_ACLS)),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        mutually_exclusive=[("src", "content_base64")],
        required_if=[("state", "present", ("src", "content_base64"), True)],
        supports_check_mode=True,
    )
    content = None
    if module.params["state"] == "present":
        content = read_content(module)
        problem = image_problem(content, module.params["content_type"])
        if problem:
            source = module.params["src"] or "content_base64"
            module.fail_json(
                msg=(
                    f"Refusing to upload {source} to s3://{module.params['bucket']}/{module.params['key']} as "
                    f"{module.params['content_type']}: {problem}. Give a real {module.params['content_type']} file "
                    "(the collection's files/i is Snowplow's 1x1 GIF) or set content_type to match the file."
                )
            )

    client = s3_access.s3_client(module)
    try:
        if module.params["state"] == "present":
            changed, result = handle_present(client, module, content)
        else:
            changed, result = handle_absent(client, module)
    except AnsibleAWSError as e:
        fail(module, e)
    module.exit_json(changed=changed, **result)


if __name__ == "__main__":
    main()
