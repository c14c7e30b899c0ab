"""CloudFront distribution rules: plain moto accepts, the strict layer answers as CloudFront does."""

import pytest
from moto import mock_aws

from tests.strict_aws.testutil import LOCATION, distribution_config, expect_error, logging_config, plain_client

LOG_BUCKET = "cf-logs-bucket"
AWSLOGSDELIVERY = "c4c1ede66af53448b93c283ce9448c4ba468c9432aa01d700d3878632f77d2d0"


def cloudfront(fixture):
    return fixture.boto3_client("cloudfront", region="us-east-1")


def log_bucket(s3, name=LOG_BUCKET, ownership="BucketOwnerPreferred", region="eu-west-1"):
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region}, ObjectOwnership=ownership)


LOGGING_CASES = {
    "not an S3 domain": (lambda s3: None, f"{LOG_BUCKET}.s3.eu-west-1.amazonaws.com",
                         "The parameter Logging Bucket does not refer to a valid S3 bucket."),
    "missing bucket": (lambda s3: None, f"{LOG_BUCKET}.s3.amazonaws.com",
                       f"The S3 bucket that you specified for CloudFront logs doesn't exist: {LOG_BUCKET}"),
    "ACLs disabled": (lambda s3: log_bucket(s3, ownership="BucketOwnerEnforced"), f"{LOG_BUCKET}.s3.amazonaws.com",
                      f"The S3 bucket that you specified for CloudFront logs does not enable ACL access: {LOG_BUCKET}.s3.amazonaws.com"),
    "opt-in region": (lambda s3: log_bucket(s3, region=s3.meta.region_name), f"{LOG_BUCKET}.s3.amazonaws.com",
                      "The S3 bucket that you specified for CloudFront logs is in a Region that does not support standard logging: "
                      f"{LOG_BUCKET}.s3.amazonaws.com"),
}


@pytest.mark.parametrize("case", sorted(LOGGING_CASES))
def test_logging_bucket_rules(strict_aws, case):
    prepare, domain, message = LOGGING_CASES[case]
    config = distribution_config(Logging=logging_config(domain))
    region = "eu-south-1" if case == "opt-in region" else "eu-west-1"
    with mock_aws():
        prepare(plain_client("s3", region))
        plain_client("cloudfront", "us-east-1").create_distribution(DistributionConfig=config)
    prepare(strict_aws.boto3_client("s3", region))
    err = expect_error(cloudfront(strict_aws).create_distribution, "InvalidArgument", 400, DistributionConfig=config)
    assert err.response["Error"]["Message"] == message
    assert strict_aws.calls()[-1]["rule"].startswith("LoggingBucket")


def test_logging_adds_awslogsdelivery_grant(strict_aws):
    with mock_aws():
        s3 = plain_client("s3")
        log_bucket(s3)
        plain_client("cloudfront", "us-east-1").create_distribution(
            DistributionConfig=distribution_config(Logging=logging_config(f"{LOG_BUCKET}.s3.amazonaws.com")))
        grantees = [g["Grantee"].get("ID") for g in s3.get_bucket_acl(Bucket=LOG_BUCKET)["Grants"]]
        assert AWSLOGSDELIVERY not in grantees  # plain moto does not add it
    s3 = strict_aws.boto3_client("s3")
    log_bucket(s3)
    cf = cloudfront(strict_aws)
    created = cf.create_distribution(DistributionConfig=distribution_config(Logging=logging_config(f"{LOG_BUCKET}.s3.amazonaws.com")))
    grants = s3.get_bucket_acl(Bucket=LOG_BUCKET)["Grants"]
    assert {"Grantee": {"ID": AWSLOGSDELIVERY, "Type": "CanonicalUser", "DisplayName": "awslogsdelivery"},
            "Permission": "FULL_CONTROL"} in grants
    assert len(grants) == 2  # the owner's grant is kept
    dist_id, etag = created["Distribution"]["Id"], created["ETag"]
    config = cf.get_distribution_config(Id=dist_id)["DistributionConfig"]
    config["Logging"]["Enabled"] = False
    cf.update_distribution(Id=dist_id, IfMatch=etag, DistributionConfig=config)
    assert len(s3.get_bucket_acl(Bucket=LOG_BUCKET)["Grants"]) == 2  # disabling logging leaves the grant


def test_if_match_required_and_current(strict_aws):
    with mock_aws():
        cf = plain_client("cloudfront", "us-east-1")
        created = cf.create_distribution(DistributionConfig=distribution_config())
        dist_id = created["Distribution"]["Id"]
        config = cf.get_distribution_config(Id=dist_id)["DistributionConfig"]
        cf.update_distribution(Id=dist_id, IfMatch="stale", DistributionConfig=config)
    cf = cloudfront(strict_aws)
    created = cf.create_distribution(DistributionConfig=distribution_config())
    dist_id, etag = created["Distribution"]["Id"], created["ETag"]
    got = cf.get_distribution_config(Id=dist_id)
    assert got["ETag"] == etag == cf.get_distribution(Id=dist_id)["ETag"]
    config = got["DistributionConfig"]
    expect_error(cf.update_distribution, "PreconditionFailed", 412, Id=dist_id, IfMatch="E0STALE", DistributionConfig=config)
    expect_error(cf.update_distribution, "InvalidIfMatchVersion", 400, Id=dist_id, IfMatch="", DistributionConfig=config)
    updated = cf.update_distribution(Id=dist_id, IfMatch=etag, DistributionConfig=config)
    assert updated["ETag"] != etag
    second = cf.update_distribution(Id=dist_id, IfMatch=updated["ETag"], DistributionConfig=config)
    assert second["ETag"] not in (etag, updated["ETag"])
    assert cf.get_distribution_config(Id=dist_id)["ETag"] == second["ETag"]
    expect_error(cf.update_distribution, "PreconditionFailed", 412, Id=dist_id, IfMatch=etag, DistributionConfig=config)


def test_delete_requires_disabled_and_deployed(strict_aws):
    with mock_aws():
        cf = plain_client("cloudfront", "us-east-1")
        created = cf.create_distribution(DistributionConfig=distribution_config())
        cf.delete_distribution(Id=created["Distribution"]["Id"], IfMatch=created["ETag"])
    strict_aws.set_config(deploy_reads=1)
    cf = cloudfront(strict_aws)
    created = cf.create_distribution(DistributionConfig=distribution_config())
    dist_id, etag = created["Distribution"]["Id"], created["ETag"]
    expect_error(cf.delete_distribution, "DistributionNotDisabled", 409, Id=dist_id, IfMatch=etag)
    config = cf.get_distribution_config(Id=dist_id)["DistributionConfig"]
    config["Enabled"] = False
    etag = cf.update_distribution(Id=dist_id, IfMatch=etag, DistributionConfig=config)["ETag"]
    expect_error(cf.delete_distribution, "DistributionNotDisabled", 409, Id=dist_id, IfMatch=etag)  # still InProgress
    expect_error(cf.delete_distribution, "InvalidIfMatchVersion", 400, Id=dist_id, IfMatch="")
    assert cf.get_distribution(Id=dist_id)["Distribution"]["Status"] == "InProgress"
    assert cf.get_distribution(Id=dist_id)["Distribution"]["Status"] == "Deployed"
    expect_error(cf.delete_distribution, "PreconditionFailed", 412, Id=dist_id, IfMatch="E0STALE")
    cf.delete_distribution(Id=dist_id, IfMatch=etag)
    expect_error(cf.get_distribution, "NoSuchDistribution", 404, Id=dist_id)


def test_caller_reference_reuse(strict_aws):
    # moto 5.2 already rejects a reused CallerReference; the layer enforces it independently.
    cf = cloudfront(strict_aws)
    first = cf.create_distribution(DistributionConfig=distribution_config("same-ref"))
    err = expect_error(cf.create_distribution, "DistributionAlreadyExists", 409, DistributionConfig=distribution_config("same-ref", Comment="other"))
    assert first["Distribution"]["Id"] in err.response["Error"]["Message"]
    assert strict_aws.calls()[-1]["rule"] == "CallerReferenceUnique"


def legacy_behaviour(config):
    config["DefaultCacheBehavior"]["ForwardedValues"] = {"QueryString": False, "Cookies": {"Forward": "none"}}
    return config


def no_policy_behaviour(config):
    del config["DefaultCacheBehavior"]["CachePolicyId"]
    return config


def both_in_cache_behaviour(config):
    config["CacheBehaviors"] = {"Quantity": 1, "Items": [{
        "PathPattern": "/i", "TargetOriginId": "s3-origin", "ViewerProtocolPolicy": "allow-all",
        "CachePolicyId": "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
        "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
    }]}
    return config


@pytest.mark.parametrize("mutate", [legacy_behaviour, no_policy_behaviour, both_in_cache_behaviour])
def test_exactly_one_of_cache_policy_and_forwarded_values(strict_aws, mutate):
    with mock_aws():
        plain_client("cloudfront", "us-east-1").create_distribution(DistributionConfig=mutate(distribution_config()))
    expect_error(cloudfront(strict_aws).create_distribution, "InvalidArgument", 400, DistributionConfig=mutate(distribution_config()))


@pytest.mark.parametrize("field,code", [("CachePolicyId", "NoSuchCachePolicy"), ("ResponseHeadersPolicyId", "NoSuchResponseHeadersPolicy")])
def test_unknown_policy_ids(strict_aws, field, code):
    def config():
        cfg = distribution_config()
        cfg["DefaultCacheBehavior"][field] = "00000000-0000-0000-0000-000000000000"
        return cfg

    with mock_aws():
        plain_client("cloudfront", "us-east-1").create_distribution(DistributionConfig=config())
    expect_error(cloudfront(strict_aws).create_distribution, code, 404, DistributionConfig=config())


def test_deploy_reads_sequence(strict_aws):
    with mock_aws():
        cf = plain_client("cloudfront", "us-east-1")
        dist_id = cf.create_distribution(DistributionConfig=distribution_config())["Distribution"]["Id"]
        assert cf.get_distribution(Id=dist_id)["Distribution"]["Status"] == "Deployed"
    strict_aws.set_config(deploy_reads=3)
    cf = cloudfront(strict_aws)
    created = cf.create_distribution(DistributionConfig=distribution_config())
    dist_id = created["Distribution"]["Id"]
    statuses = [created["Distribution"]["Status"]]
    statuses += [cf.get_distribution(Id=dist_id)["Distribution"]["Status"] for _read in range(2)]
    statuses += [cf.list_distributions()["DistributionList"]["Items"][0]["Status"]]
    statuses += [cf.get_distribution(Id=dist_id)["Distribution"]["Status"] for _read in range(2)]
    assert statuses == ["InProgress", "InProgress", "InProgress", "InProgress", "Deployed", "Deployed"]
    config = cf.get_distribution_config(Id=dist_id)
    updated = cf.update_distribution(Id=dist_id, IfMatch=config["ETag"], DistributionConfig=config["DistributionConfig"])
    assert updated["Distribution"]["Status"] == "InProgress"
    cf.get_waiter("distribution_deployed").wait(Id=dist_id, WaiterConfig={"Delay": 0, "MaxAttempts": 5})
    assert len([c for c in strict_aws.calls() if c["operation"] == "GetDistribution"]) == 4 + 4  # 3 InProgress reads, then Deployed


def test_deploy_reads_zero(strict_aws):
    strict_aws.set_config(deploy_reads=0)
    cf = cloudfront(strict_aws)
    created = cf.create_distribution(DistributionConfig=distribution_config())
    assert created["Distribution"]["Status"] == "Deployed"


def test_tags_round_trip(strict_aws):
    cf = cloudfront(strict_aws)
    created = cf.create_distribution_with_tags(DistributionConfigWithTags={
        "DistributionConfig": distribution_config(), "Tags": {"Items": [{"Key": "project", "Value": "clickstream"}]}})
    arn = created["Distribution"]["ARN"]
    cf.tag_resource(Resource=arn, Tags={"Items": [{"Key": "env", "Value": "test"}]})
    cf.untag_resource(Resource=arn, TagKeys={"Items": ["project"]})
    assert cf.list_tags_for_resource(Resource=arn)["Tags"]["Items"] == [{"Key": "env", "Value": "test"}]
    assert [c["operation"] for c in strict_aws.calls()] == [
        "CreateDistributionWithTags", "TagResource", "UntagResource", "ListTagsForResource"]


def test_config_read_back_as_sent(strict_aws):
    """Fidelity: S3OriginConfig with an empty OAI is kept; no ForwardedValues/TTLs beside a CachePolicyId."""
    s3 = strict_aws.boto3_client("s3")
    s3.create_bucket(Bucket="origin-bucket", CreateBucketConfiguration=LOCATION)
    cf = cloudfront(strict_aws)
    rhp = cf.create_response_headers_policy(ResponseHeadersPolicyConfig={
        "Name": "no-cache", "CustomHeadersConfig": {"Quantity": 1, "Items": [
            {"Header": "Cache-Control", "Value": "no-cache, no-store, must-revalidate", "Override": True}]}})
    sent = distribution_config()
    sent["DefaultCacheBehavior"]["ResponseHeadersPolicyId"] = rhp["ResponseHeadersPolicy"]["Id"]
    sent["CacheBehaviors"] = {"Quantity": 1, "Items": [{
        "PathPattern": "/i", "TargetOriginId": "s3-origin", "ViewerProtocolPolicy": "allow-all",
        "CachePolicyId": "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"}]}
    created = cf.create_distribution(DistributionConfig=sent)
    dist_id = created["Distribution"]["Id"]
    answers = [created["Distribution"]["DistributionConfig"], cf.get_distribution(Id=dist_id)["Distribution"]["DistributionConfig"],
               cf.get_distribution_config(Id=dist_id)["DistributionConfig"]]
    summary = cf.list_distributions()["DistributionList"]["Items"][0]
    answers.append(summary)
    for config in answers:
        assert config["Origins"]["Items"][0]["S3OriginConfig"] == {"OriginAccessIdentity": ""}
        default = config["DefaultCacheBehavior"]
        for behaviour, policy in ((default, sent["DefaultCacheBehavior"]["CachePolicyId"]),
                                  (config["CacheBehaviors"]["Items"][0], "4135ea2d-6df8-44a3-9df3-4b5a84be39ad")):
            assert behaviour["CachePolicyId"] == policy
            assert not {"ForwardedValues", "MinTTL", "DefaultTTL", "MaxTTL"} & set(behaviour)
        assert default["ResponseHeadersPolicyId"] == rhp["ResponseHeadersPolicy"]["Id"]


def test_moto_representation_differs_without_layer():
    """The measured differences the fidelity fixes correct (fails if a moto upgrade fixes them)."""
    with mock_aws():
        cf = plain_client("cloudfront", "us-east-1")
        created = cf.create_distribution(DistributionConfig=distribution_config())
        config = cf.get_distribution_config(Id=created["Distribution"]["Id"])["DistributionConfig"]
    assert "S3OriginConfig" not in config["Origins"]["Items"][0]
    assert "ForwardedValues" in config["DefaultCacheBehavior"]
