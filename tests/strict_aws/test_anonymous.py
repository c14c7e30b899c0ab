"""Anonymous (unsigned) access matrix: ACLs count only when ACLs are enabled and not ignored."""

import pytest
import requests
from moto import mock_aws
from moto.server import ThreadedMotoServer

from tests.strict_aws.client import make_client
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


CASES = {
    "public-read object, ACLs enabled": ({}, 200),
    "private object": ({"acl": "private"}, 403),
    "public-read object, IgnorePublicAcls": ({"bpa": {"IgnorePublicAcls": True}}, 403),
    "public policy, owner enforced": ({"ownership": "BucketOwnerEnforced", "acl": None, "policy": True}, 200),
    "public policy, RestrictPublicBuckets": ({"ownership": "BucketOwnerEnforced", "acl": None, "policy": True,
                                              "bpa": {"RestrictPublicBuckets": True}}, 403),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_anonymous_get_matrix(strict_aws, case):
    kwargs, status = CASES[case]
    seed(strict_aws.boto3_client("s3"), **kwargs)
    resp = requests.get(f"{strict_aws.endpoint}/{BUCKET}/i", timeout=10)
    assert resp.status_code == status, resp.text
    head = requests.head(f"{strict_aws.endpoint}/{BUCKET}/i", timeout=10)
    assert head.status_code == status
    if status == 200:
        assert resp.content == PIXEL
        assert resp.headers["Content-Type"] == "image/gif"
        assert resp.headers["Cache-Control"] == "no-cache, no-store, must-revalidate"
    else:
        assert "<Code>AccessDenied</Code>" in resp.text
        assert head.content == b""
    assert strict_aws.calls()[-1]["anonymous"] is True


def test_public_acl_ignored_when_bucket_owner_enforced(strict_aws):
    s3 = strict_aws.boto3_client("s3")
    seed(s3)
    s3.put_bucket_ownership_controls(Bucket=BUCKET, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})
    assert requests.get(f"{strict_aws.endpoint}/{BUCKET}/i", timeout=10).status_code == 403


def test_account_ignore_public_acls(strict_aws):
    seed(strict_aws.boto3_client("s3"))
    assert requests.get(f"{strict_aws.endpoint}/{BUCKET}/i", timeout=10).status_code == 200
    strict_aws.boto3_client("s3control").put_public_access_block(
        AccountId=ACCOUNT, PublicAccessBlockConfiguration={**ALL_BPA_OFF, "IgnorePublicAcls": True})
    assert requests.get(f"{strict_aws.endpoint}/{BUCKET}/i", timeout=10).status_code == 403


def test_missing_object_is_403(strict_aws):
    seed(strict_aws.boto3_client("s3"))
    assert requests.get(f"{strict_aws.endpoint}/{BUCKET}/missing", timeout=10).status_code == 403


@pytest.fixture(name="plain_server")
def fixture_plain_server():
    """moto's own server, without the layer."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.mark.parametrize("method,path", [("GET", ""), ("PUT", "/new"), ("DELETE", "/i"), ("PUT", "?acl")])
def test_anonymous_writes_and_lists_denied(strict_aws, plain_server, method, path):
    with mock_aws():
        pass  # start from clean backends: plain_server shares this process's moto state
    seed(make_client(plain_server, "s3"))
    kwargs = {"data": b"x"} if path == "/new" else {"headers": {"x-amz-acl": "public-read"}}
    plain = requests.request(method, f"{plain_server}/{BUCKET}{path}", timeout=10, **kwargs)
    assert plain.status_code < 300, plain.text
    strict_aws.reset()
    seed(strict_aws.boto3_client("s3"))
    strict = requests.request(method, f"{strict_aws.endpoint}/{BUCKET}{path}", timeout=10, **kwargs)
    assert strict.status_code == 403
    assert "<Code>AccessDenied</Code>" in strict.text
