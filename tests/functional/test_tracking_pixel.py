"""clickstream.collectors.tracking_pixel against the strict local AWS, through ansible-playbook."""

import hashlib
import pathlib

from tests.strict_aws.client import anonymous_get

MODULE = "clickstream.collectors.tracking_pixel"
PIXEL = (pathlib.Path(__file__).resolve().parents[2] / "files" / "i").read_bytes()
PIXEL_SHA256 = "caa849b179befa2645a8e2c474d2e82a76777a3305315ece911013e8ee9a916c"
NO_CACHE = "no-cache, no-store, must-revalidate"


def _bucket(strict_aws, name="pixel-bucket"):
    s3 = strict_aws.boto3_client("s3")
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    return s3


def _ops(calls):
    return [call["operation"] for call in calls]


def test_upload_check_mode_then_real_then_idempotent(strict_aws, run_module):
    s3 = _bucket(strict_aws)
    baseline = len(strict_aws.writes())
    args = {"bucket": "pixel-bucket", "cache_control": NO_CACHE}

    check = run_module(MODULE, args, check=True, diff=True)
    assert not check.get("failed"), check
    assert check["changed"] is True
    assert check["write"] == "upload"
    assert check["etag"] == hashlib.md5(PIXEL).hexdigest()
    assert check["diff"]["before"] == {}
    assert check["diff"]["after"]["sha256"] == PIXEL_SHA256
    assert strict_aws.writes()[baseline:] == []

    real = run_module(MODULE, args, diff=True)
    assert not real.get("failed"), real
    assert real["changed"] is True
    assert _ops(strict_aws.writes()[baseline:]) == ["PutObject"]
    obj = s3.get_object(Bucket="pixel-bucket", Key="i")
    assert obj["Body"].read() == PIXEL
    assert obj["ContentType"] == "image/gif"
    assert obj["CacheControl"] == NO_CACHE
    assert obj["Metadata"]["pixel-sha256"] == PIXEL_SHA256
    assert real["size"] == 43
    assert real["etag"] == hashlib.md5(PIXEL).hexdigest()
    assert real["url"] == f"{strict_aws.endpoint}/pixel-bucket/i"
    assert {k: real[k] for k in ("bucket", "key", "content_type", "cache_control")} == {
        "bucket": "pixel-bucket", "key": "i", "content_type": "image/gif", "cache_control": NO_CACHE}

    writes_after_real = len(strict_aws.writes())
    again = run_module(MODULE, args)
    assert again["changed"] is False, again
    assert again["write"] == "none"
    assert len(strict_aws.writes()) == writes_after_real


def test_wrong_headers_on_same_bytes_are_fixed_in_place(strict_aws, run_module):
    s3 = _bucket(strict_aws)
    # The classic mistake: the right bytes served as application/octet-stream, cacheable.
    s3.put_object(Bucket="pixel-bucket", Key="i", Body=PIXEL, ContentType="application/octet-stream")
    baseline = len(strict_aws.writes())

    result = run_module(MODULE, {"bucket": "pixel-bucket", "cache_control": NO_CACHE, "metadata": {"Env": "test"}}, diff=True)
    assert not result.get("failed"), result
    assert result["changed"] is True
    assert result["write"] == "copy"
    assert result["diff"]["before"]["content_type"] == "application/octet-stream"
    assert result["diff"]["after"]["content_type"] == "image/gif"
    assert _ops(strict_aws.writes()[baseline:]) == ["CopyObject"]
    obj = s3.get_object(Bucket="pixel-bucket", Key="i")
    assert obj["Body"].read() == PIXEL
    assert obj["ContentType"] == "image/gif"
    assert obj["CacheControl"] == NO_CACHE
    assert obj["Metadata"] == {"env": "test", "pixel-sha256": PIXEL_SHA256}

    again = run_module(MODULE, {"bucket": "pixel-bucket", "cache_control": NO_CACHE, "metadata": {"Env": "test"}})
    assert again["changed"] is False, again
    assert _ops(strict_aws.writes()[baseline:]) == ["CopyObject"]


def test_refuses_content_that_is_not_a_gif(strict_aws, run_module, tmp_path):
    _bucket(strict_aws)
    baseline = len(strict_aws.writes())
    # src is read on the controller by the action plugin.
    page = tmp_path / "pixel.gif"
    page.write_bytes(b"<html><body>not a pixel</body></html>")
    result = run_module(MODULE, {"bucket": "pixel-bucket", "src": str(page)})
    assert result.get("failed") is True
    assert "GIF87a/GIF89a" in result["msg"]
    assert "image/gif" in result["msg"]
    assert strict_aws.writes()[baseline:] == []


def test_missing_bucket_check_mode_then_absent(strict_aws, run_module):
    # Role under --check on an empty account: the bucket task is skipped, so the bucket is missing.
    check = run_module(MODULE, {"bucket": "not-created-yet"}, check=True)
    assert not check.get("failed"), check
    assert check["changed"] is True
    assert check["sha256"] == PIXEL_SHA256
    assert strict_aws.writes() == []

    real = run_module(MODULE, {"bucket": "not-created-yet"})
    assert real.get("failed") is True
    assert "not-created-yet does not exist" in real["msg"]

    s3 = _bucket(strict_aws)
    s3.put_object(Bucket="pixel-bucket", Key="i", Body=PIXEL, ContentType="image/gif")
    gone = run_module(MODULE, {"bucket": "pixel-bucket", "state": "absent"})
    assert gone["changed"] is True, gone
    assert s3.list_objects_v2(Bucket="pixel-bucket").get("KeyCount") == 0
    again = run_module(MODULE, {"bucket": "pixel-bucket", "state": "absent"})
    assert again["changed"] is False, again


def test_rewrite_keeps_the_public_acl(strict_aws, run_module):
    s3 = _bucket(strict_aws)
    s3.put_bucket_ownership_controls(Bucket="pixel-bucket", OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerPreferred"}]})
    s3.put_public_access_block(Bucket="pixel-bucket", PublicAccessBlockConfiguration={
        "BlockPublicAcls": False, "IgnorePublicAcls": False, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    s3.put_object(Bucket="pixel-bucket", Key="i", Body=PIXEL, ContentType="image/gif", ACL="public-read")
    assert anonymous_get(strict_aws.endpoint, "pixel-bucket", "i").status_code == 200

    result = run_module(MODULE, {"bucket": "pixel-bucket", "cache_control": NO_CACHE})
    assert result["changed"] is True, result
    assert result["write"] == "copy"
    anonymous = anonymous_get(strict_aws.endpoint, "pixel-bucket", "i")
    assert anonymous.status_code == 200
    assert anonymous.content == PIXEL
    assert anonymous.headers["Cache-Control"] == NO_CACHE
