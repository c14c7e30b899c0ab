"""clickstream.collectors.collector_buckets against the strict local AWS, through ansible-playbook."""

import json

MODULE = "clickstream.collectors.collector_buckets"
TLS_ONLY = {
    "Version": "2012-10-17",
    "Statement": [{
        "Sid": "TlsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": ["arn:aws:s3:::b-logs", "arn:aws:s3:::b-logs/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }],
}
PIXEL_BUCKET = {
    "name": "b-pixel",
    "object_ownership": "BucketOwnerPreferred",
    "public_access": {"block_public_acls": False, "ignore_public_acls": False, "block_public_policy": True, "restrict_public_buckets": True},
    "tags": {"managed-by": "clickstream.collectors", "environment": "test"},
}
LOG_BUCKET = {
    "name": "b-logs",
    "region": "eu-central-1",
    "object_ownership": "BucketOwnerPreferred",
    "public_access": {"block_public_acls": True, "ignore_public_acls": True, "block_public_policy": True, "restrict_public_buckets": True},
    "encryption": "AES256",
    "policy": json.dumps(TLS_ONLY),
    "tags": {"managed-by": "clickstream.collectors"},
}
ARGS = {"buckets": [PIXEL_BUCKET, LOG_BUCKET]}


def _ops(calls):
    return [call["operation"] for call in calls]


def _settings(s3, name):
    """The bucket as S3 answers for it: region, ownership, Block Public Access, encryption, policy, tags."""
    region = s3.head_bucket(Bucket=name)["ResponseMetadata"]["HTTPHeaders"]["x-amz-bucket-region"]
    try:
        encryption = s3.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"]["Rules"][0]
    except s3.exceptions.ClientError:
        encryption = {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": None}}
    try:
        policy = json.loads(s3.get_bucket_policy(Bucket=name)["Policy"])
    except s3.exceptions.ClientError:
        policy = None
    return {
        "region": region,
        "ownership": s3.get_bucket_ownership_controls(Bucket=name)["OwnershipControls"]["Rules"][0]["ObjectOwnership"],
        "public_access": s3.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"],
        "encryption": encryption["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"],
        "policy": policy,
        "tags": dict((tag["Key"], tag["Value"]) for tag in s3.get_bucket_tagging(Bucket=name)["TagSet"]),
    }


def test_check_mode_then_create_then_rerun_makes_no_write(strict_aws, run_module):
    check = run_module(MODULE, ARGS, check=True, diff=True)
    assert not check.get("failed"), check
    assert check["changed"] is True
    assert [bucket["created"] for bucket in check["buckets"]] == [True, True]
    assert check["diff"]["before"] == {"b-pixel": {"exists": False}, "b-logs": {"exists": False}}
    assert check["diff"]["after"]["b-logs"]["public_access"]["BlockPublicAcls"] is True
    assert strict_aws.writes() == []

    created = run_module(MODULE, ARGS, diff=True)
    assert not created.get("failed"), created
    assert created["changed"] is True
    # Each bucket created with its Object Ownership; Block Public Access before the policy; tags last.
    assert _ops(strict_aws.writes()) == [
        "CreateBucket", "PutPublicAccessBlock", "PutBucketTagging",
        "CreateBucket", "PutPublicAccessBlock", "PutBucketEncryption", "PutBucketPolicy", "PutBucketTagging",
    ]
    s3 = strict_aws.boto3_client("s3")
    pixel = _settings(s3, "b-pixel")
    assert pixel["region"] == "eu-west-1"
    assert pixel["ownership"] == "BucketOwnerPreferred"
    assert pixel["public_access"] == {"BlockPublicAcls": False, "IgnorePublicAcls": False, "BlockPublicPolicy": True, "RestrictPublicBuckets": True}
    assert pixel["tags"] == PIXEL_BUCKET["tags"]
    logs = _settings(strict_aws.boto3_client("s3", region="eu-central-1"), "b-logs")
    assert logs["region"] == "eu-central-1"
    assert logs["public_access"] == dict.fromkeys(("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"), True)
    assert logs["encryption"] == "AES256"
    assert logs["policy"]["Statement"][0]["Sid"] == "TlsOnly"
    assert logs["tags"] == LOG_BUCKET["tags"]

    writes = len(strict_aws.writes())
    again = run_module(MODULE, ARGS, check=True)
    assert again["changed"] is False, again
    again = run_module(MODULE, ARGS)
    assert again["changed"] is False, again
    assert [bucket["changes"] for bucket in again["buckets"]] == [[], []]
    assert len(strict_aws.writes()) == writes


def test_drift_is_reported_in_check_mode_then_only_it_is_written(strict_aws, run_module):
    assert run_module(MODULE, ARGS)["changed"] is True
    s3 = strict_aws.boto3_client("s3")
    s3.put_public_access_block(Bucket="b-pixel", PublicAccessBlockConfiguration=dict.fromkeys(
        ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"), True))
    s3.put_bucket_tagging(Bucket="b-pixel", Tagging={"TagSet": [{"Key": "managed-by", "Value": "someone"}]})
    baseline = len(strict_aws.writes())

    check = run_module(MODULE, ARGS, check=True, diff=True)
    assert check["changed"] is True
    assert check["buckets"][0]["changes"] == ["Block Public Access (BlockPublicAcls, IgnorePublicAcls)", "its tags"]
    assert check["buckets"][1]["changes"] == []
    assert check["diff"]["before"]["b-pixel"]["tags"] == {"managed-by": "someone"}
    assert check["diff"]["after"]["b-pixel"]["tags"] == PIXEL_BUCKET["tags"]
    assert strict_aws.writes()[baseline:] == []

    fixed = run_module(MODULE, ARGS)
    assert fixed["changed"] is True
    assert _ops(strict_aws.writes()[baseline:]) == ["PutPublicAccessBlock", "PutBucketTagging"]
    assert _settings(s3, "b-pixel")["public_access"]["BlockPublicAcls"] is False


def test_a_bucket_in_another_region_fails_before_any_write(strict_aws, run_module):
    """Every bucket is read before any is written: the second bucket's problem leaves the first uncreated."""
    strict_aws.boto3_client("s3").create_bucket(Bucket="b-logs", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    baseline = len(strict_aws.writes())
    result = run_module(MODULE, ARGS)
    assert result.get("failed") is True
    assert "Bucket b-logs is in eu-west-1, not eu-central-1" in result["msg"]
    assert "Nothing was changed" in result["msg"]
    assert strict_aws.writes()[baseline:] == []


def test_settings_left_out_are_not_managed_and_purge_tags_false_keeps_other_tags(strict_aws, run_module):
    s3 = strict_aws.boto3_client("s3")
    s3.create_bucket(Bucket="b-pixel", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    s3.put_bucket_tagging(Bucket="b-pixel", Tagging={"TagSet": [{"Key": "team", "Value": "data"}]})
    baseline = len(strict_aws.writes())
    result = run_module(MODULE, {"buckets": [{"name": "b-pixel", "tags": {"managed-by": "clickstream.collectors"}, "purge_tags": False}]})
    assert result["changed"] is True, result
    assert _ops(strict_aws.writes()[baseline:]) == ["PutBucketTagging"]
    settings = _settings(s3, "b-pixel")
    assert settings["tags"] == {"team": "data", "managed-by": "clickstream.collectors"}
    assert settings["ownership"] == "BucketOwnerEnforced"  # S3's default, left as it was
