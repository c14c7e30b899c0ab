"""clickstream.collectors.collector_distribution against the strict local AWS."""

MODULE = "clickstream.collectors.collector_distribution"
OWNERSHIP = {"managed-by": "clickstream.collectors"}
ARGS = {
    "caller_reference": "clickstream-test-pixel",
    "origin_bucket": "clickstream-test-pixel",
    "origin_bucket_region": "eu-west-1",
    "comment": "Snowplow CloudFront collector (test)",
    "ownership_tags": OWNERSHIP,
    "tags": {"clickstream-environment": "test"},
    "viewer_cache_control": "no-cache, no-store, must-revalidate",
}
ABSENT = {"caller_reference": ARGS["caller_reference"], "state": "absent", "ownership_tags": OWNERSHIP, "viewer_cache_control": ARGS["viewer_cache_control"]}


def cloudfront(strict_aws):
    return strict_aws.boto3_client("cloudfront", region="us-east-1")


def operations(calls):
    return [call["operation"] for call in calls]


def test_create_check_then_apply_then_rerun_without_writes(strict_aws, run_module):
    checked = run_module(MODULE, ARGS, check=True, diff=True)
    assert not checked.get("failed"), checked
    assert checked["changed"] is True
    assert strict_aws.writes() == []
    assert checked["distribution"]["id"] is None
    assert checked["diff"]["before"] == {}
    assert checked["diff"]["after"]["origins"] == [{"id": "s3-clickstream-test-pixel", "domain_name": "clickstream-test-pixel.s3.eu-west-1.amazonaws.com"}]
    assert checked["diff"]["after"]["tags"] == {"managed-by": "clickstream.collectors", "clickstream-environment": "test"}
    assert checked["diff"]["after"]["response_headers_policy"]["cache_control"] == "no-cache, no-store, must-revalidate"

    created = run_module(MODULE, ARGS)
    assert not created.get("failed"), created
    assert created["changed"] is True
    distribution = created["distribution"]
    assert distribution["id"] and distribution["domain_name"]
    assert operations(strict_aws.writes()) == ["CreateResponseHeadersPolicy", "CreateDistributionWithTags"]
    policy = cloudfront(strict_aws).get_response_headers_policy(Id=created["response_headers_policy"]["id"])["ResponseHeadersPolicy"]
    assert policy["ResponseHeadersPolicyConfig"]["CustomHeadersConfig"]["Items"] == [
        {"Header": "Cache-Control", "Value": "no-cache, no-store, must-revalidate", "Override": True}
    ]
    config = cloudfront(strict_aws).get_distribution_config(Id=distribution["id"])["DistributionConfig"]
    assert config["CallerReference"] == "clickstream-test-pixel"
    assert config["PriceClass"] == "PriceClass_100"
    assert config["Logging"]["Enabled"] is False
    behaviour = config["DefaultCacheBehavior"]
    assert behaviour["ViewerProtocolPolicy"] == "allow-all"
    assert behaviour["CachePolicyId"] == "658327ea-f89d-4fab-a63d-7e88639e58f6"
    assert behaviour["ResponseHeadersPolicyId"] == policy["Id"]
    assert sorted(behaviour["AllowedMethods"]["Items"]) == ["GET", "HEAD"]
    assert config["Origins"]["Items"][0]["DomainName"] == "clickstream-test-pixel.s3.eu-west-1.amazonaws.com"
    tags = cloudfront(strict_aws).list_tags_for_resource(Resource=distribution["arn"])["Tags"]["Items"]
    assert {t["Key"]: t["Value"] for t in tags} == {"managed-by": "clickstream.collectors", "clickstream-environment": "test"}

    writes = len(strict_aws.writes())
    again = run_module(MODULE, ARGS, diff=True)
    assert not again.get("failed"), again
    assert again["changed"] is False
    assert strict_aws.writes()[writes:] == []
    assert again["distribution"]["id"] == distribution["id"]


def test_price_class_change_is_one_update_and_keeps_logging(strict_aws, run_module):
    created = run_module(MODULE, ARGS)
    assert created["changed"] is True, created
    distribution_id = created["distribution"]["id"]
    # Logging as clickstream.collectors.cloudfront_logging sets it.
    s3 = strict_aws.boto3_client("s3")
    s3.create_bucket(Bucket="clickstream-test-logs", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    s3.put_bucket_ownership_controls(Bucket="clickstream-test-logs", OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerPreferred"}]})
    logged = run_module("clickstream.collectors.cloudfront_logging", {"distribution_id": distribution_id, "bucket": "clickstream-test-logs"})
    assert logged["changed"] is True, logged
    logging_block = cloudfront(strict_aws).get_distribution_config(Id=distribution_id)["DistributionConfig"]["Logging"]
    assert logging_block["Enabled"] is True

    writes = len(strict_aws.writes())
    changed = run_module(MODULE, dict(ARGS, price_class="PriceClass_All"), diff=True)
    assert not changed.get("failed"), changed
    assert changed["changed"] is True
    assert changed["diff"]["before"]["price_class"] == "PriceClass_100"
    assert changed["diff"]["after"]["price_class"] == "PriceClass_All"
    assert operations(strict_aws.writes()[writes:]) == ["UpdateDistribution"]
    config = cloudfront(strict_aws).get_distribution_config(Id=distribution_id)["DistributionConfig"]
    assert config["PriceClass"] == "PriceClass_All"
    assert config["Logging"] == logging_block


def test_absent_disables_waits_and_deletes(strict_aws, run_module):
    created = run_module(MODULE, ARGS)
    assert created["changed"] is True, created
    distribution_id = created["distribution"]["id"]
    strict_aws.set_config(deploy_reads=2)
    writes = len(strict_aws.writes())

    checked = run_module(MODULE, ABSENT, check=True)
    assert checked["changed"] is True, checked
    assert strict_aws.writes()[writes:] == []

    removed = run_module(MODULE, ABSENT)
    assert not removed.get("failed"), removed
    assert removed["changed"] is True
    assert operations(strict_aws.writes()[writes:]) == ["UpdateDistribution", "DeleteDistribution", "DeleteResponseHeadersPolicy"]
    ids = [d["Id"] for d in cloudfront(strict_aws).list_distributions()["DistributionList"].get("Items", [])]
    assert distribution_id not in ids
    assert not cloudfront(strict_aws).list_response_headers_policies(Type="custom")["ResponseHeadersPolicyList"].get("Items")

    again = run_module(MODULE, ABSENT)
    assert again["changed"] is False, again


def test_refuses_distribution_without_ownership_tags(strict_aws, run_module):
    foreign = dict(ARGS, ownership_tags={}, tags={})
    created = run_module(MODULE, foreign)
    assert created["changed"] is True, created
    writes = len(strict_aws.writes())

    for args in (ARGS, ABSENT):
        refused = run_module(MODULE, args)
        assert refused.get("failed") is True
        assert "not managed by this collection" in refused["msg"]
    assert strict_aws.writes()[writes:] == []
