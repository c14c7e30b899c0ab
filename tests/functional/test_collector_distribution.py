"""clickstream.collectors.collector_distribution against the strict local AWS."""

import pytest

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


# Canonical user id of CloudFront's awslogsdelivery account (aws partition).
AWSLOGSDELIVERY = "c4c1ede66af53448b93c283ce9448c4ba468c9432aa01d700d3878632f77d2d0"


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
    assert checked["diff"]["after"]["origins"] == [{
        "id": "s3-clickstream-test-pixel", "domain_name": "clickstream-test-pixel.s3.eu-west-1.amazonaws.com", "origin_access_control_id": None}]
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


def test_initial_logging_is_set_at_creation_only(strict_aws, run_module):
    s3 = strict_aws.boto3_client("s3")
    s3.create_bucket(Bucket="clickstream-test-logs", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"},
                     ObjectOwnership="BucketOwnerPreferred")
    writes = len(strict_aws.writes())
    created = run_module(MODULE, dict(ARGS, initial_logging={"bucket": "clickstream-test-logs", "prefix": "cf/"}))
    assert created["changed"] is True and created["created"] is True, created
    # One CreateDistribution: logging on from the first request, no second deployment.
    assert [op for op in operations(strict_aws.writes()[writes:]) if "Distribution" in op] == ["CreateDistributionWithTags"]
    config = cloudfront(strict_aws).get_distribution_config(Id=created["distribution"]["id"])["DistributionConfig"]
    assert config["Logging"] == {"Enabled": True, "IncludeCookies": False, "Bucket": "clickstream-test-logs.s3.amazonaws.com", "Prefix": "cf/"}
    grantees = [g["Grantee"].get("ID") for g in s3.get_bucket_acl(Bucket="clickstream-test-logs")["Grants"]]
    assert AWSLOGSDELIVERY in grantees  # added by CloudFront

    # An existing distribution keeps its logging whatever initial_logging says (cloudfront_logging manages it).
    writes = len(strict_aws.writes())
    again = run_module(MODULE, dict(ARGS, initial_logging={"bucket": "clickstream-test-logs", "prefix": "other/"}))
    assert again["changed"] is False and again["created"] is False, again
    assert strict_aws.writes()[writes:] == []
    assert cloudfront(strict_aws).get_distribution_config(Id=created["distribution"]["id"])["DistributionConfig"]["Logging"] == config["Logging"]


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


# --- CORS on the collector's response headers policy -------------------------------------------------------------------

SITE = "https://www.example.com"
SHOP = "https://shop.example.com"


def policy_config(strict_aws, policy_id):
    return cloudfront(strict_aws).get_response_headers_policy(Id=policy_id)["ResponseHeadersPolicy"]["ResponseHeadersPolicyConfig"]


def aws_calls(strict_aws):
    return [call for call in strict_aws.calls() if not call["path"].startswith("/_strict")]


def test_cors_origins_create_rerun_change_check(strict_aws, run_module):
    created = run_module(MODULE, dict(ARGS, cors_allowed_origins=[SITE]))
    assert not created.get("failed"), created
    assert operations(strict_aws.writes()) == ["CreateResponseHeadersPolicy", "CreateDistributionWithTags"]
    policy_id = created["response_headers_policy"]["id"]
    assert created["distribution"]["response_headers_policy_id"] == policy_id
    assert created["response_headers_policy"]["cors"] == {
        "allowed_origins": [SITE], "allow_credentials": True, "allowed_methods": ["GET", "HEAD", "OPTIONS"],
        "allowed_headers": ["SP-Anonymous"], "max_age_sec": 600, "origin_override": True}
    cors = policy_config(strict_aws, policy_id)["CorsConfig"]
    assert cors["AccessControlAllowOrigins"]["Items"] == [SITE]
    assert cors["AccessControlAllowCredentials"] is True and cors["OriginOverride"] is True
    assert policy_config(strict_aws, policy_id)["CustomHeadersConfig"]["Items"][0]["Value"] == ARGS["viewer_cache_control"]

    writes = len(strict_aws.writes())
    again = run_module(MODULE, dict(ARGS, cors_allowed_origins=[SITE]))
    assert again["changed"] is False, again
    assert strict_aws.writes()[writes:] == []

    checked = run_module(MODULE, dict(ARGS, cors_allowed_origins=[SITE, SHOP]), check=True, diff=True)
    assert checked["changed"] is True, checked
    assert strict_aws.writes()[writes:] == []
    assert checked["diff"]["before"]["response_headers_policy"]["cors"]["allowed_origins"] == [SITE]
    assert checked["diff"]["after"]["response_headers_policy"]["cors"]["allowed_origins"] == [SHOP, SITE]
    assert checked["diff"]["before"]["response_headers_policy_id"] == checked["diff"]["after"]["response_headers_policy_id"] == policy_id

    changed = run_module(MODULE, dict(ARGS, cors_allowed_origins=[SITE, SHOP]), diff=True)
    assert changed["changed"] is True, changed
    assert operations(strict_aws.writes()[writes:]) == ["UpdateResponseHeadersPolicy"]  # no UpdateDistribution
    assert policy_config(strict_aws, policy_id)["CorsConfig"]["AccessControlAllowOrigins"]["Items"] == [SHOP, SITE]
    config = cloudfront(strict_aws).get_distribution_config(Id=created["distribution"]["id"])["DistributionConfig"]
    assert config["DefaultCacheBehavior"]["ResponseHeadersPolicyId"] == policy_id

    writes = len(strict_aws.writes())
    for check in (True, False):
        rerun = run_module(MODULE, dict(ARGS, cors_allowed_origins=[SHOP, SITE]), check=check, diff=True)
        assert rerun["changed"] is False, rerun
        assert rerun["diff"]["before"] == rerun["diff"]["after"]
    assert strict_aws.writes()[writes:] == []


def test_cors_wildcard_without_credentials_added_to_existing_policy(strict_aws, run_module):
    created = run_module(MODULE, ARGS)
    assert created["changed"] is True, created
    assert created["response_headers_policy"]["cors"] is None
    writes = len(strict_aws.writes())
    wildcard = run_module(MODULE, dict(ARGS, cors_allowed_origins=["*"]))
    assert wildcard["changed"] is True, wildcard
    assert operations(strict_aws.writes()[writes:]) == ["UpdateResponseHeadersPolicy"]
    cors = policy_config(strict_aws, created["response_headers_policy"]["id"])["CorsConfig"]
    assert cors["AccessControlAllowOrigins"]["Items"] == ["*"] and cors["AccessControlAllowCredentials"] is False
    assert wildcard["response_headers_policy"]["cors"]["allow_credentials"] is False


def test_cors_without_cache_control_is_a_policy_of_its_own(strict_aws, run_module):
    args = {k: v for k, v in ARGS.items() if k != "viewer_cache_control"}
    created = run_module(MODULE, dict(args, cors_allowed_origins=[SITE]))
    assert created["changed"] is True, created
    assert operations(strict_aws.writes()) == ["CreateResponseHeadersPolicy", "CreateDistributionWithTags"]
    assert created["response_headers_policy"]["cache_control"] is None
    assert "CustomHeadersConfig" not in policy_config(strict_aws, created["response_headers_policy"]["id"])
    writes = len(strict_aws.writes())
    assert run_module(MODULE, dict(args, cors_allowed_origins=[SITE]))["changed"] is False
    assert strict_aws.writes()[writes:] == []
    removed = run_module(MODULE, dict(args, cors_allowed_origins=[SITE], state="absent"))
    assert removed["changed"] is True, removed
    assert operations(strict_aws.writes()[writes:]) == ["UpdateDistribution", "DeleteDistribution", "DeleteResponseHeadersPolicy"]


@pytest.mark.parametrize(
    "origins, extra, words",
    [
        (["*", SITE], {}, "'*' allows every origin (without credentials) and cannot be combined with other origins"),
        ([SITE + "/"], {}, "cors_allowed_origins: 'https://www.example.com/' is not a web origin"),
        (["www.example.com"], {}, "cors_allowed_origins: 'www.example.com' is not a web origin"),
        ([SITE], {"viewer_cache_control": None, "response_headers_policy_id": "5cc3b908-e619-4b99-88e5-2cf7f45965bd"},
         "cannot be combined with response_headers_policy_id"),
    ],
)
def test_cors_origins_refused_before_any_aws_call(strict_aws, run_module, origins, extra, words):
    args = {k: v for k, v in dict(ARGS, cors_allowed_origins=origins, **extra).items() if v is not None}
    refused = run_module(MODULE, args)
    assert refused.get("failed") is True, refused
    assert words in refused["msg"]
    assert aws_calls(strict_aws) == []
