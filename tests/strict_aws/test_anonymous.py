"""Anonymous (unsigned) access matrix: ACLs count only when ACLs are enabled and not ignored."""

import pytest
import requests

from tests.strict_aws.testutil import ACCOUNT, ALL_BPA_OFF, LOCATION, public_read_policy

BUCKET = "anon-bucket"
PIXEL = b"GIF89a-pixel"


def seed(s3, ownership="ObjectWriter", bpa=None, acl="public-read", policy=False):
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration=LOCATION, ObjectOwnership=ownership)
    s3.put_public_access_block(Bucket=BUCKET, PublicAccessBlockConfiguration={**ALL_BPA_OFF, **(bpa or {})})
    extra = {"ACL": acl} if acl else {}
    s3.put_object(Bucket=BUCKET, Key="i", Body=PIXEL, ContentType="image/gif",
                  CacheControl="no-cache, no-store, must-revalidate", **extra)
    if policy:
        s3.put_bucket_policy(Bucket=BUCKET, Policy=public_read_policy(BUCKET))


CASES = {  # where AWS's answer differs from plain moto's
    "private object": ({"acl": "private"}, 403),
    "public-read object, IgnorePublicAcls": ({"bpa": {"IgnorePublicAcls": True}}, 403),
    "public policy, owner enforced": ({"ownership": "BucketOwnerEnforced", "acl": None, "policy": True}, 200),
    "public policy, RestrictPublicBuckets": ({"ownership": "BucketOwnerEnforced", "acl": None, "policy": True,
                                              "bpa": {"RestrictPublicBuckets": True}}, 403),
}


def get_and_head(endpoint):
    return requests.get(f"{endpoint}/{BUCKET}/i", timeout=10), requests.head(f"{endpoint}/{BUCKET}/i", timeout=10)


@pytest.mark.parametrize("case", sorted(CASES))
def test_anonymous_get_matrix(aws, case):
    kwargs, status = CASES[case]
    seed(aws.boto3_client("s3"), **kwargs)
    resp, head = get_and_head(aws.endpoint)
    assert resp.status_code == status, resp.text
    assert head.status_code == status
    if status == 200:
        assert resp.content == PIXEL
        assert resp.headers["Content-Type"] == "image/gif"
    else:
        assert "<Code>AccessDenied</Code>" in resp.text
        assert head.content == b""


def test_public_read_object_with_acls_enabled_is_served(strict_aws):
    """What AWS and moto both serve, the layer serves too, headers included; the call log marks it anonymous."""
    seed(strict_aws.boto3_client("s3"))
    resp, head = get_and_head(strict_aws.endpoint)
    assert (resp.status_code, head.status_code, resp.content) == (200, 200, PIXEL)
    assert resp.headers["Content-Type"] == "image/gif"
    assert resp.headers["Cache-Control"] == "no-cache, no-store, must-revalidate"
    assert [c["anonymous"] for c in strict_aws.calls()[-2:]] == [True, True]


def test_public_acl_ignored_when_bucket_owner_enforced(aws):
    s3 = aws.boto3_client("s3")
    seed(s3)
    s3.put_bucket_ownership_controls(Bucket=BUCKET, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})
    assert requests.get(f"{aws.endpoint}/{BUCKET}/i", timeout=10).status_code == 403


def test_account_ignore_public_acls(aws):
    seed(aws.boto3_client("s3"))
    assert requests.get(f"{aws.endpoint}/{BUCKET}/i", timeout=10).status_code == 200
    aws.boto3_client("s3control").put_public_access_block(
        AccountId=ACCOUNT, PublicAccessBlockConfiguration={**ALL_BPA_OFF, "IgnorePublicAcls": True})
    assert requests.get(f"{aws.endpoint}/{BUCKET}/i", timeout=10).status_code == 403


def test_missing_object_is_403(aws):
    seed(aws.boto3_client("s3"))
    assert requests.get(f"{aws.endpoint}/{BUCKET}/missing", timeout=10).status_code == 403


@pytest.mark.parametrize("method,path", [("GET", ""), ("PUT", "/new"), ("DELETE", "/i"), ("PUT", "?acl")])
def test_anonymous_writes_and_lists_denied(aws, method, path):
    seed(aws.boto3_client("s3"))
    kwargs = {"data": b"x"} if path == "/new" else {"headers": {"x-amz-acl": "public-read"}}
    answer = requests.request(method, f"{aws.endpoint}/{BUCKET}{path}", timeout=10, **kwargs)
    assert answer.status_code == 403
    assert "<Code>AccessDenied</Code>" in answer.text
