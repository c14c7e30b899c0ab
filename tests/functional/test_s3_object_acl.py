"""clickstream.collectors.s3_object_acl against the strict local AWS, through ansible-playbook."""

import pathlib

from tests.strict_aws.client import anonymous_get

MODULE = "clickstream.collectors.s3_object_acl"
PIXEL = (pathlib.Path(__file__).resolve().parents[2] / "files" / "i").read_bytes()
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
ARGS = {"bucket": "pixel-bucket", "key": "i", "acl": "public-read"}


def _fresh_bucket_with_pixel(strict_aws):
    """A bucket with the strict (April 2023) defaults, holding the pixel."""
    s3 = strict_aws.boto3_client("s3")
    s3.create_bucket(Bucket="pixel-bucket", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    s3.put_object(Bucket="pixel-bucket", Key="i", Body=PIXEL, ContentType="image/gif")
    return s3


def _anonymous_get(strict_aws):
    return anonymous_get(strict_aws.endpoint, "pixel-bucket", "i")


def _ops(calls):
    return [call["operation"] for call in calls]


def test_fresh_bucket_refused_without_prepare_bucket(strict_aws, run_module):
    _fresh_bucket_with_pixel(strict_aws)
    baseline = len(strict_aws.writes())
    result = run_module(MODULE, ARGS)
    assert result.get("failed") is True
    assert "BucketOwnerEnforced" in result["msg"]
    assert "BlockPublicAcls" in result["msg"]
    assert "prepare_bucket: true" in result["msg"]
    assert strict_aws.writes()[baseline:] == []
    assert _anonymous_get(strict_aws).status_code == 403


def test_prepare_bucket_check_mode_then_real_then_idempotent(strict_aws, run_module):
    s3 = _fresh_bucket_with_pixel(strict_aws)
    baseline = len(strict_aws.writes())
    args = dict(ARGS, prepare_bucket=True)
    expected_settings = {"object_ownership": "BucketOwnerPreferred", "block_public_acls": False, "ignore_public_acls": False}

    check = run_module(MODULE, args, check=True, diff=True)
    assert not check.get("failed"), check
    assert check["changed"] is True
    assert check["bucket_settings_changed"] == expected_settings
    assert {"grantee": {"type": "Group", "uri": ALL_USERS}, "permission": "READ"} in check["grants"]
    assert check["diff"]["before"]["bucket"]["object_ownership"] == "BucketOwnerEnforced"
    assert check["diff"]["after"]["bucket"]["public_access_block"]["block_public_policy"] is True
    assert strict_aws.writes()[baseline:] == []

    real = run_module(MODULE, args, diff=True)
    assert not real.get("failed"), real
    assert real["changed"] is True
    assert real["bucket_settings_changed"] == expected_settings
    # Ownership first, then Block Public Access, then the ACL: the only order AWS accepts.
    assert _ops(strict_aws.writes()[baseline:]) == ["PutBucketOwnershipControls", "PutPublicAccessBlock", "PutObjectAcl"]
    rules = s3.get_bucket_ownership_controls(Bucket="pixel-bucket")["OwnershipControls"]["Rules"]
    assert rules == [{"ObjectOwnership": "BucketOwnerPreferred"}]
    assert s3.get_public_access_block(Bucket="pixel-bucket")["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": False, "IgnorePublicAcls": False, "BlockPublicPolicy": True, "RestrictPublicBuckets": True}
    grants = s3.get_object_acl(Bucket="pixel-bucket", Key="i")["Grants"]
    assert {"Grantee": {"Type": "Group", "URI": ALL_USERS}, "Permission": "READ"} in grants
    assert len(grants) == 2
    anonymous = _anonymous_get(strict_aws)
    assert anonymous.status_code == 200
    assert anonymous.content == PIXEL

    writes = len(strict_aws.writes())
    again = run_module(MODULE, args)
    assert again["changed"] is False, again
    assert again["bucket_settings_changed"] == {}
    assert len(strict_aws.writes()) == writes


def test_account_block_public_access_points_to_origin_access_control(strict_aws, run_module):
    _fresh_bucket_with_pixel(strict_aws)
    account = strict_aws.boto3_client("sts").get_caller_identity()["Account"]
    strict_aws.boto3_client("s3control").put_public_access_block(
        AccountId=account, PublicAccessBlockConfiguration={"BlockPublicAcls": True, "IgnorePublicAcls": True})
    baseline = len(strict_aws.writes())

    result = run_module(MODULE, dict(ARGS, prepare_bucket=True))
    assert result.get("failed") is True
    assert "account-level Block Public Access" in result["msg"]
    assert "origin access control" in result["msg"]
    assert strict_aws.writes()[baseline:] == []


def test_check_mode_on_missing_bucket_reports_the_change(strict_aws, run_module):
    result = run_module(MODULE, dict(ARGS, bucket="not-created-yet", prepare_bucket=True), check=True)
    assert not result.get("failed"), result
    assert result["changed"] is True
    assert {"grantee": {"type": "Group", "uri": ALL_USERS}, "permission": "READ"} in result["grants"]
    assert strict_aws.writes() == []
