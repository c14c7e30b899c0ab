"""CloudFront distribution rules and representation. A test taking ``aws`` passes on the strict AWS and fails on plain moto
(run too); one taking ``strict_aws`` shows what the layer keeps of what moto already does."""

import xml.etree.ElementTree as ET

import botocore.session
import pytest

from tests.strict_aws.testutil import CACHING_OPTIMIZED, LOCATION, distribution_config, expect_error, logging_config

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
def test_logging_bucket_rules(aws, case):
    prepare, domain, message = LOGGING_CASES[case]
    config = distribution_config(Logging=logging_config(domain))
    region = "eu-south-1" if case == "opt-in region" else "eu-west-1"
    prepare(aws.boto3_client("s3", region))
    err = expect_error(cloudfront(aws).create_distribution, "InvalidArgument", 400, DistributionConfig=config)
    assert err.response["Error"]["Message"] == message
    assert aws.calls()[-1]["rule"].startswith("LoggingBucket")


def test_logging_adds_awslogsdelivery_grant(aws):
    s3 = aws.boto3_client("s3")
    log_bucket(s3)
    cf = cloudfront(aws)
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


def test_if_match_required_and_current(aws):
    cf = cloudfront(aws)
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


def test_delete_requires_disabled_and_deployed(aws):
    aws.set_config(deploy_reads=1)
    cf = cloudfront(aws)
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
def test_exactly_one_of_cache_policy_and_forwarded_values(aws, mutate):
    expect_error(cloudfront(aws).create_distribution, "InvalidArgument", 400, DistributionConfig=mutate(distribution_config()))


@pytest.mark.parametrize("field,code", [("CachePolicyId", "NoSuchCachePolicy"), ("ResponseHeadersPolicyId", "NoSuchResponseHeadersPolicy")])
def test_unknown_policy_ids(aws, field, code):
    def config():
        cfg = distribution_config()
        cfg["DefaultCacheBehavior"][field] = "00000000-0000-0000-0000-000000000000"
        return cfg

    expect_error(cloudfront(aws).create_distribution, code, 404, DistributionConfig=config())


def test_deploy_reads_sequence(aws):
    aws.set_config(deploy_reads=3)
    cf = cloudfront(aws)
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
    assert len([c for c in aws.calls() if c["operation"] == "GetDistribution"]) == 4 + 4  # 3 InProgress reads, then Deployed


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


def test_config_read_back_as_sent(aws):
    """Fidelity: S3OriginConfig with an empty OAI is kept; no ForwardedValues/TTLs beside a CachePolicyId."""
    s3 = aws.boto3_client("s3")
    s3.create_bucket(Bucket="origin-bucket", CreateBucketConfiguration=LOCATION)
    cf = cloudfront(aws)
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


# --- AWS's representation of a stored distribution (aws-facts.md, "CloudFront distributions") ---------------------

ALL_SEVEN_SENT = ["GET", "PUT", "PATCH", "POST", "OPTIONS", "DELETE", "HEAD"]
ALL_SEVEN_AWS = ["HEAD", "DELETE", "POST", "GET", "OPTIONS", "PUT", "PATCH"]


def methods(items, cached):
    return {"Quantity": len(items), "Items": list(items), "CachedMethods": {"Quantity": len(cached), "Items": list(cached)}}


def methods_config():
    """GET,HEAD on the default behaviour; all seven (cached GET,HEAD,OPTIONS) on a path behaviour, in a scrambled order."""
    config = distribution_config()
    config["DefaultCacheBehavior"]["AllowedMethods"] = methods(["GET", "HEAD"], ["GET", "HEAD"])
    config["CacheBehaviors"] = {"Quantity": 1, "Items": [{
        "PathPattern": "/api/*", "TargetOriginId": "s3-origin", "ViewerProtocolPolicy": "allow-all", "CachePolicyId": CACHING_OPTIMIZED,
        "AllowedMethods": methods(ALL_SEVEN_SENT, ["OPTIONS", "GET", "HEAD"])}]}
    return config


def read_methods(config):
    default = config["DefaultCacheBehavior"]["AllowedMethods"]
    path = config["CacheBehaviors"]["Items"][0]["AllowedMethods"]
    return [default["Items"], default["CachedMethods"]["Items"], path["Items"], path["CachedMethods"]["Items"]]


def every_answer(cf, created):
    """The config (or summary) in each answer that carries one: create, get, get-config, list, update."""
    dist_id = created["Distribution"]["Id"]
    got = cf.get_distribution_config(Id=dist_id)
    updated = cf.update_distribution(Id=dist_id, IfMatch=got["ETag"], DistributionConfig=got["DistributionConfig"])
    return {
        "create": created["Distribution"]["DistributionConfig"],
        "get": cf.get_distribution(Id=dist_id)["Distribution"]["DistributionConfig"],
        "get-config": cf.get_distribution_config(Id=dist_id)["DistributionConfig"],
        "list": cf.list_distributions()["DistributionList"]["Items"][0],
        "update": updated["Distribution"]["DistributionConfig"],
    }


def test_methods_come_back_in_aws_order(aws):
    cf = cloudfront(aws)
    answers = every_answer(cf, cf.create_distribution(DistributionConfig=methods_config()))
    for name, config in answers.items():
        assert read_methods(config) == [["HEAD", "GET"], ["HEAD", "GET"], ALL_SEVEN_AWS, ["HEAD", "GET", "OPTIONS"]], name


FILLED_ORIGIN = {"ConnectionAttempts": 3, "ConnectionTimeout": 10, "OriginShield": {"Enabled": False}, "OriginAccessControlId": "",
                 "CustomHeaders": {"Quantity": 0}}
FILLED_BEHAVIOUR = {"TrustedSigners": {"Enabled": False, "Quantity": 0}, "TrustedKeyGroups": {"Enabled": False, "Quantity": 0},
                    "SmoothStreaming": False, "LambdaFunctionAssociations": {"Quantity": 0}, "FunctionAssociations": {"Quantity": 0},
                    "FieldLevelEncryptionId": "", "GrpcConfig": {"Enabled": False}}
FILLED_TOP = {"CacheBehaviors": {"Quantity": 0}, "CustomErrorResponses": {"Quantity": 0}, "OriginGroups": {"Quantity": 0},
              "Restrictions": {"GeoRestriction": {"RestrictionType": "none", "Quantity": 0}}, "WebACLId": "", "IsIPV6Enabled": True,
              "Staging": False, "ContinuousDeploymentPolicyId": ""}
DEFAULT_CERTIFICATE = {"CloudFrontDefaultCertificate": True, "SSLSupportMethod": "vip", "MinimumProtocolVersion": "TLSv1",
                       "CertificateSource": "cloudfront"}


def missing_filled_fields(config, summary=False):
    """Which of the fields AWS fills in are absent or differ, as ``where.field``."""
    missing = []
    top = {k: v for k, v in FILLED_TOP.items() if not (summary and k == "ContinuousDeploymentPolicyId")}
    for where, block, wanted in (("origin", config["Origins"]["Items"][0], FILLED_ORIGIN),
                                 ("behaviour", config["DefaultCacheBehavior"], FILLED_BEHAVIOUR), ("top", config, top)):
        missing += [f"{where}.{key}" for key, value in wanted.items() if block.get(key) != value]
    if config["ViewerCertificate"] != DEFAULT_CERTIFICATE:
        missing.append("ViewerCertificate")
    return missing


def test_fields_aws_fills_in(aws):
    cf = cloudfront(aws)
    for name, config in every_answer(cf, cf.create_distribution(DistributionConfig=distribution_config())).items():
        assert missing_filled_fields(config, summary=name == "list") == [], name
    assert cf.list_distributions()["DistributionList"]["Items"][0]["Staging"] is False


def test_values_the_caller_sent_are_kept(aws):
    config = distribution_config(IsIPV6Enabled=False, WebACLId="arn:aws:wafv2:us-east-1:123456789012:global/webacl/w/1")
    cf = cloudfront(aws)
    oac_id = cf.create_origin_access_control(OriginAccessControlConfig={
        "Name": "kept", "SigningProtocol": "sigv4", "SigningBehavior": "always", "OriginAccessControlOriginType": "s3"})["OriginAccessControl"]["Id"]
    config["Origins"]["Items"][0].update(ConnectionAttempts=2, ConnectionTimeout=5, OriginAccessControlId=oac_id,
                                         OriginShield={"Enabled": True, "OriginShieldRegion": "eu-west-1"})
    config["DefaultCacheBehavior"].update(SmoothStreaming=True, GrpcConfig={"Enabled": True}, FieldLevelEncryptionId="C3FLE")
    config["ViewerCertificate"] = {"CloudFrontDefaultCertificate": True, "MinimumProtocolVersion": "TLSv1.2_2021"}
    for name, answer in every_answer(cf, cf.create_distribution(DistributionConfig=config)).items():
        origin, behaviour = answer["Origins"]["Items"][0], answer["DefaultCacheBehavior"]
        assert (origin["ConnectionAttempts"], origin["ConnectionTimeout"], origin["OriginAccessControlId"]) == (2, 5, oac_id), name
        assert origin["OriginShield"] == {"Enabled": True, "OriginShieldRegion": "eu-west-1"}, name
        assert (behaviour["SmoothStreaming"], behaviour["GrpcConfig"], behaviour["FieldLevelEncryptionId"]) == (True, {"Enabled": True}, "C3FLE")
        assert (answer["IsIPV6Enabled"], answer["WebACLId"]) == (False, config["WebACLId"]), name
        assert answer["ViewerCertificate"] == dict(DEFAULT_CERTIFICATE, MinimumProtocolVersion="TLSv1.2_2021"), name


def test_acm_certificate_as_aws_returns_it(aws):
    arn = "arn:aws:acm:us-east-1:123456789012:certificate/0f7e5e56-1111-2222-3333-444455556666"
    config = distribution_config(Aliases={"Quantity": 1, "Items": ["c.example.com"]}, ViewerCertificate={
        "CloudFrontDefaultCertificate": False, "ACMCertificateArn": arn, "SSLSupportMethod": "sni-only", "MinimumProtocolVersion": "TLSv1.2_2021"})
    created = cloudfront(aws).create_distribution(DistributionConfig=config)
    assert created["Distribution"]["DistributionConfig"]["ViewerCertificate"] == {
        "CloudFrontDefaultCertificate": False, "ACMCertificateArn": arn, "SSLSupportMethod": "sni-only",
        "MinimumProtocolVersion": "TLSv1.2_2021", "Certificate": arn, "CertificateSource": "acm"}


def raw_answers(cf):
    """Capture the raw XML of each answer by operation name."""
    bodies = {}

    def keep(http_response, model, **_kwargs):
        bodies[model.name] = http_response.content

    cf.meta.events.register("after-call.cloudfront", keep)
    return bodies


def assert_in_model_order(elem, shape):
    """Every element's children follow the member order of its botocore shape (as AWS serialises them)."""
    if shape.type_name == "list":
        for child in elem:
            assert_in_model_order(child, shape.member)
    elif shape.type_name == "structure":
        members = list(shape.members.items())
        tags = [member.serialization.get("name", name) for name, member in members]
        children = [strip_namespace(child.tag) for child in elem]
        assert set(children) <= set(tags), (elem.tag, set(children) - set(tags))
        assert children == sorted(children, key=tags.index), (elem.tag, children)
        for child in elem:
            assert_in_model_order(child, members[tags.index(strip_namespace(child.tag))][1])


def strip_namespace(tag):
    return tag.split("}", 1)[-1]


def test_elements_in_botocore_model_order(strict_aws):
    """The answers the layer rewrites keep the element order of the botocore model, as AWS (and moto) send them."""
    model = botocore.session.get_session().get_service_model("cloudfront")
    cf = cloudfront(strict_aws)
    bodies = raw_answers(cf)
    created = cf.create_distribution(DistributionConfig=methods_config())
    every_answer(cf, created)
    shapes = {"CreateDistribution": "Distribution", "GetDistribution": "Distribution", "GetDistributionConfig": "DistributionConfig",
              "ListDistributions": "DistributionList", "UpdateDistribution": "Distribution"}
    assert set(bodies) == set(shapes)
    for operation, shape in shapes.items():
        assert_in_model_order(ET.fromstring(bodies[operation]), model.shape_for(shape))
    assert b"<Items />" not in bodies["GetDistribution"] and b"<Items/>" not in bodies["GetDistribution"]
