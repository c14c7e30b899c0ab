"""clickstream.collectors.cloudfront_logging against the strict local AWS."""

MODULE = "clickstream.collectors.cloudfront_logging"
AWSLOGSDELIVERY = "c4c1ede66af53448b93c283ce9448c4ba468c9432aa01d700d3878632f77d2d0"
THIRD_PARTY = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"


def make_distribution(strict_aws, reference="collector-ref"):
    """A distribution with logging off, as collector_distribution creates it."""
    cloudfront = strict_aws.boto3_client("cloudfront", region="us-east-1")
    config = {
        "CallerReference": reference,
        "Comment": "functional test",
        "Enabled": True,
        "Origins": {
            "Quantity": 1,
            "Items": [{"Id": "s3-pixel", "DomainName": "pixel.s3.eu-west-1.amazonaws.com", "S3OriginConfig": {"OriginAccessIdentity": ""}}],
        },
        "DefaultCacheBehavior": {
            "TargetOriginId": "s3-pixel",
            "ViewerProtocolPolicy": "allow-all",
            "CachePolicyId": CACHING_OPTIMIZED,
        },
        "Logging": {"Enabled": False, "IncludeCookies": False, "Bucket": "", "Prefix": ""},
    }
    return cloudfront.create_distribution(DistributionConfig=config)["Distribution"]["Id"]


def grants_of(s3, bucket):
    return {(g["Grantee"].get("ID") or g["Grantee"].get("URI"), g["Permission"]) for g in s3.get_bucket_acl(Bucket=bucket)["Grants"]}


def ownership_of(s3, bucket):
    return s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"][0]["ObjectOwnership"]


def logging_of(strict_aws, distribution_id):
    cloudfront = strict_aws.boto3_client("cloudfront", region="us-east-1")
    return cloudfront.get_distribution_config(Id=distribution_id)["DistributionConfig"]["Logging"]


def test_enable_on_strict_default_bucket_check_then_apply_then_rerun(strict_aws, run_module):
    s3 = strict_aws.boto3_client("s3")
    s3.create_bucket(Bucket="collector-logs", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    assert ownership_of(s3, "collector-logs") == "BucketOwnerEnforced"
    distribution_id = make_distribution(strict_aws)
    args = {"caller_reference": "collector-ref", "bucket": "collector-logs", "prefix": "cf/"}
    before = len(strict_aws.writes())

    checked = run_module(MODULE, args, check=True, diff=True)
    assert not checked.get("failed"), checked
    assert checked["changed"] is True
    assert strict_aws.writes()[before:] == []
    assert checked["logging"]["enabled"] is True
    assert checked["diff"]["before"]["bucket"]["object_ownership"] == "BucketOwnerEnforced"
    assert checked["diff"]["after"]["bucket"]["object_ownership"] == "BucketOwnerPreferred"
    assert checked["diff"]["after"]["logging"]["bucket_domain"] == "collector-logs.s3.amazonaws.com"
    # In the shape s3_object_acl returns grants in.
    awslogsdelivery_grant = {"grantee": {"type": "CanonicalUser", "id": AWSLOGSDELIVERY}, "permission": "FULL_CONTROL"}
    assert awslogsdelivery_grant not in checked["diff"]["before"]["bucket"]["grants"]
    assert awslogsdelivery_grant in checked["diff"]["after"]["bucket"]["grants"]
    assert logging_of(strict_aws, distribution_id)["Enabled"] is False

    applied = run_module(MODULE, args)
    assert not applied.get("failed"), applied
    assert applied["changed"] is True
    # ACLs enabled and the grants added before the distribution is pointed at the bucket.
    assert [w["operation"] for w in strict_aws.writes()[before:]] == ["PutBucketOwnershipControls", "PutBucketAcl", "UpdateDistribution"]
    assert applied["distribution_id"] == distribution_id
    assert logging_of(strict_aws, distribution_id) == {
        "Enabled": True,
        "IncludeCookies": False,
        "Bucket": "collector-logs.s3.amazonaws.com",
        "Prefix": "cf/",
    }
    assert ownership_of(s3, "collector-logs") == "BucketOwnerPreferred"
    assert (AWSLOGSDELIVERY, "FULL_CONTROL") in grants_of(s3, "collector-logs")

    writes = len(strict_aws.writes())
    again = run_module(MODULE, args)
    assert not again.get("failed"), again
    assert again["changed"] is False
    assert strict_aws.writes()[writes:] == []


def test_existing_grant_kept(strict_aws, run_module):
    s3 = strict_aws.boto3_client("s3")
    s3.create_bucket(Bucket="shared-logs", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    s3.put_bucket_ownership_controls(Bucket="shared-logs", OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerPreferred"}]})
    acl = s3.get_bucket_acl(Bucket="shared-logs")
    grants = acl["Grants"] + [{"Grantee": {"Type": "CanonicalUser", "ID": THIRD_PARTY}, "Permission": "READ"}]
    s3.put_bucket_acl(Bucket="shared-logs", AccessControlPolicy={"Owner": acl["Owner"], "Grants": grants})
    make_distribution(strict_aws)
    before = len(strict_aws.writes())

    result = run_module(MODULE, {"caller_reference": "collector-ref", "bucket": "shared-logs.s3.amazonaws.com"})
    assert not result.get("failed"), result
    assert result["changed"] is True
    # The module writes the grant itself, before it points the distribution at the bucket (the local AWS, as
    # CloudFront does, would add it on UpdateDistribution anyway: the bucket's ACL alone proves nothing).
    assert [w["operation"] for w in strict_aws.writes()[before:]] == ["PutBucketAcl", "UpdateDistribution"]
    awslogsdelivery = {"grantee": {"type": "CanonicalUser", "id": AWSLOGSDELIVERY}, "permission": "FULL_CONTROL"}
    third_party = {"grantee": {"type": "CanonicalUser", "id": THIRD_PARTY}, "permission": "READ"}
    assert awslogsdelivery in result["bucket"]["grants"] and third_party in result["bucket"]["grants"]
    after = grants_of(s3, "shared-logs")
    assert (THIRD_PARTY, "READ") in after
    assert (AWSLOGSDELIVERY, "FULL_CONTROL") in after
    assert (acl["Owner"]["ID"], "FULL_CONTROL") in after


def test_refuses_bucket_in_region_without_standard_logging(strict_aws, run_module):
    s3 = strict_aws.boto3_client("s3", region="eu-south-1")
    s3.create_bucket(Bucket="milan-logs", CreateBucketConfiguration={"LocationConstraint": "eu-south-1"})
    distribution_id = make_distribution(strict_aws)
    before = len(strict_aws.writes())

    result = run_module(MODULE, {"distribution_id": distribution_id, "bucket": "milan-logs"})
    assert result.get("failed") is True
    assert "eu-south-1" in result["msg"] and "standard logging v2" in result["msg"]
    assert strict_aws.writes()[before:] == []


def test_missing_bucket_fails_before_touching_distribution(strict_aws, run_module):
    distribution_id = make_distribution(strict_aws)
    before = len(strict_aws.writes())
    result = run_module(MODULE, {"distribution_id": distribution_id, "bucket": "no-such-logs"})
    assert result.get("failed") is True
    assert "no-such-logs does not exist" in result["msg"]
    assert strict_aws.writes()[before:] == []


def test_disable_leaves_bucket_alone(strict_aws, run_module):
    s3 = strict_aws.boto3_client("s3")
    s3.create_bucket(Bucket="collector-logs", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    distribution_id = make_distribution(strict_aws)
    enabled = run_module(MODULE, {"distribution_id": distribution_id, "bucket": "collector-logs"})
    assert enabled["changed"] is True, enabled
    grants = grants_of(s3, "collector-logs")
    before = len(strict_aws.writes())
    calls_before = len(strict_aws.calls())

    disabled = run_module(MODULE, {"distribution_id": distribution_id, "enabled": False})
    assert not disabled.get("failed"), disabled
    assert disabled["changed"] is True
    assert logging_of(strict_aws, distribution_id) == {"Enabled": False, "IncludeCookies": False, "Bucket": "", "Prefix": ""}
    new_writes = strict_aws.writes()[before:]
    assert [w["operation"] for w in new_writes] == ["UpdateDistribution"]
    assert [c for c in strict_aws.calls()[calls_before:] if c["service"] == "s3"] == []
    assert grants_of(s3, "collector-logs") == grants
    assert ownership_of(s3, "collector-logs") == "BucketOwnerPreferred"
