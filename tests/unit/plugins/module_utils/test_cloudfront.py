# -*- coding: utf-8 -*-

# Copyright: clickstream.collectors contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""CloudFront helpers: IfMatch updates with 412 retries, lookups, waits, and the config overlay."""

import copy

import boto3
import botocore.exceptions
import pytest
from botocore.stub import Stubber

from ansible_collections.clickstream.collectors.plugins.module_utils import cloudfront
from ansible_collections.clickstream.collectors.tests.unit.plugins.modules import aws_responses
from ansible_collections.clickstream.collectors.tests.unit.plugins.modules.module_double import retrying

DIST_ID = "E2QWRUHAPOMQZL"


def make_config(**changes):
    config = {
        "CallerReference": "ref-1",
        "Comment": "collector",
        "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [{"Id": "s3-pixel", "DomainName": "pixel.s3.eu-west-1.amazonaws.com", "ConnectionAttempts": 3}]},
        "DefaultCacheBehavior": {"TargetOriginId": "s3-pixel", "ViewerProtocolPolicy": "allow-all", "CachePolicyId": "p"},
        "Logging": {"Enabled": False, "IncludeCookies": False, "Bucket": "", "Prefix": ""},
    }
    config.update(changes)
    return config


@pytest.fixture
def client():
    return retrying(boto3.client("cloudfront", region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s"))


def distribution(config, status="Deployed"):
    return {
        "Id": DIST_ID,
        "ARN": f"arn:aws:cloudfront::123456789012:distribution/{DIST_ID}",
        "Status": status,
        "LastModifiedTime": "2024-01-01T00:00:00Z",
        "InProgressInvalidationBatches": 0,
        "DomainName": "d111111abcdef8.cloudfront.net",
        "DistributionConfig": config,
    }


def set_comment(config):
    config["Comment"] = "changed"
    return config


def test_update_retries_with_fresh_etag_after_precondition_failed(client):
    stubber = Stubber(client)
    stale = make_config()
    fresh = make_config(PriceClass="PriceClass_All")  # someone else changed the distribution meanwhile
    stubber.add_client_error("update_distribution", "PreconditionFailed", http_status_code=412,
                             expected_params={"Id": DIST_ID, "IfMatch": "E1", "DistributionConfig": set_comment(copy.deepcopy(stale))})
    stubber.add_response("get_distribution_config", {"DistributionConfig": fresh, "ETag": "E2"}, {"Id": DIST_ID})
    expected = set_comment(copy.deepcopy(fresh))
    stubber.add_response("update_distribution", {"Distribution": distribution(expected, "InProgress"), "ETag": "E3"},
                         {"Id": DIST_ID, "IfMatch": "E2", "DistributionConfig": expected})
    with stubber:
        changed, response = cloudfront.update_distribution_config(client, DIST_ID, set_comment, config=stale, etag="E1")
    stubber.assert_no_pending_responses()
    assert changed is True
    assert response["ETag"] == "E3"
    # The other writer's change survives: the change was re-applied to the fresh config.
    assert response["Distribution"]["DistributionConfig"]["PriceClass"] == "PriceClass_All"


def test_update_gives_up_after_bounded_attempts(client):
    stubber = Stubber(client)
    for attempt in range(2):
        stubber.add_response("get_distribution_config", {"DistributionConfig": make_config(), "ETag": f"E{attempt}"}, {"Id": DIST_ID})
        stubber.add_client_error("update_distribution", "PreconditionFailed", http_status_code=412)
    with stubber:
        with pytest.raises(botocore.exceptions.ClientError) as raised:
            cloudfront.update_distribution_config(client, DIST_ID, set_comment, max_attempts=2)
    assert raised.value.response["Error"]["Code"] == "PreconditionFailed"
    stubber.assert_no_pending_responses()


def test_update_skips_write_when_change_already_there(client):
    stubber = Stubber(client)
    stubber.add_response("get_distribution_config", {"DistributionConfig": make_config(Comment="changed"), "ETag": "E1"}, {"Id": DIST_ID})
    with stubber:
        changed, response = cloudfront.update_distribution_config(client, DIST_ID, set_comment)
    assert (changed, response) == (False, None)


def test_update_raises_invalid_argument_without_retry(client):
    stubber = Stubber(client)
    stubber.add_client_error("update_distribution", "InvalidArgument", "The S3 bucket that you specified for CloudFront logs does not enable ACL access", 400)
    with stubber:
        with pytest.raises(botocore.exceptions.ClientError) as raised:
            cloudfront.update_distribution_config(client, DIST_ID, set_comment, config=make_config(), etag="E1")
    assert raised.value.response["Error"]["Code"] == "InvalidArgument"


def test_get_distribution_missing_is_none(client):
    stubber = Stubber(client)
    stubber.add_client_error("get_distribution", "NoSuchDistribution", "The specified distribution does not exist.", 404)
    with stubber:
        assert cloudfront.get_distribution(client, DIST_ID) == (None, None)


def test_delete_raises_distribution_not_disabled(client):
    stubber = Stubber(client)
    stubber.add_response("get_distribution_config", {"DistributionConfig": make_config(), "ETag": "E1"}, {"Id": DIST_ID})
    stubber.add_client_error("delete_distribution", "DistributionNotDisabled", "The distribution you are trying to delete has not been disabled.", 409,
                             expected_params={"Id": DIST_ID, "IfMatch": "E1"})
    with stubber:
        with pytest.raises(botocore.exceptions.ClientError) as raised:
            cloudfront.delete_distribution(client, DIST_ID)
    assert raised.value.response["Error"]["Code"] == "DistributionNotDisabled"


def test_delete_retries_on_stale_etag(client):
    stubber = Stubber(client)
    stubber.add_response("get_distribution_config", {"DistributionConfig": make_config(), "ETag": "E1"}, {"Id": DIST_ID})
    stubber.add_client_error("delete_distribution", "PreconditionFailed", http_status_code=412)
    stubber.add_response("get_distribution_config", {"DistributionConfig": make_config(), "ETag": "E2"}, {"Id": DIST_ID})
    stubber.add_response("delete_distribution", {}, {"Id": DIST_ID, "IfMatch": "E2"})
    with stubber:
        assert cloudfront.delete_distribution(client, DIST_ID) is True
    stubber.assert_no_pending_responses()


def summary(dist_id, aliases=(), origin="x.s3.eu-west-1.amazonaws.com", comment=""):
    return {
        "Id": dist_id, "ARN": f"arn:aws:cloudfront::123456789012:distribution/{dist_id}", "Status": "Deployed",
        "LastModifiedTime": "2024-01-01T00:00:00Z", "DomainName": "d.cloudfront.net",
        "Aliases": {"Quantity": len(aliases), "Items": list(aliases)},
        "Origins": {"Quantity": 1, "Items": [{"Id": "x", "DomainName": origin}]},
        "DefaultCacheBehavior": {"TargetOriginId": "x", "ViewerProtocolPolicy": "allow-all"},
        "CacheBehaviors": {"Quantity": 0}, "CustomErrorResponses": {"Quantity": 0}, "Comment": comment, "PriceClass": "PriceClass_100",
        "Enabled": True, "ViewerCertificate": {}, "Restrictions": {"GeoRestriction": {"RestrictionType": "none", "Quantity": 0}},
        "WebACLId": "", "HttpVersion": "http2", "IsIPV6Enabled": True, "Staging": False,
    }


def distribution_list(*summaries):
    return {"DistributionList": {"Marker": "", "MaxItems": 100, "IsTruncated": False, "Quantity": len(summaries), "Items": list(summaries)}}


def test_find_by_caller_reference_reads_each_config(client):
    stubber = Stubber(client)
    stubber.add_response("list_distributions", distribution_list(summary("EONE"), summary("ETWO")))
    stubber.add_response("get_distribution_config", {"DistributionConfig": make_config(CallerReference="other"), "ETag": "E1"}, {"Id": "EONE"})
    stubber.add_response("get_distribution_config", {"DistributionConfig": make_config(CallerReference="ref-1"), "ETag": "E1"}, {"Id": "ETWO"})
    with stubber:
        assert cloudfront.find_distribution_id(client, caller_reference="ref-1") == "ETWO"


def dist_response(dist_id, reference, etag="E7"):
    return {"Distribution": dict(distribution(make_config(CallerReference=reference)), Id=dist_id), "ETag": etag}


def test_find_distribution_reads_only_the_candidate(client):
    """Among many distributions, only the one whose origin is the pixel bucket is read: one GetDistribution."""
    others = [summary(f"EOTHER{index}", origin=f"site-{index}.s3.eu-west-1.amazonaws.com") for index in range(150)]
    stubber = Stubber(client)
    stubber.add_response("list_distributions", distribution_list(*others[:70], summary("EMINE", origin="pixel.s3.eu-west-1.amazonaws.com"), *others[70:]))
    stubber.add_response("get_distribution", dist_response("EMINE", "ref-1"), {"Id": "EMINE"})
    with stubber:
        distribution_found, etag = cloudfront.find_distribution(client, "ref-1", origin_bucket="pixel", comment="collector")
    stubber.assert_no_pending_responses()
    assert distribution_found["Id"] == "EMINE" and etag == "E7"


def test_find_distribution_by_comment_when_the_origin_changed(client):
    stubber = Stubber(client)
    stubber.add_response("list_distributions", distribution_list(
        summary("EONE", origin="pixel.s3.eu-west-1.amazonaws.com"),  # another distribution serving the same bucket
        summary("ETWO", origin="elsewhere.s3.eu-west-1.amazonaws.com", comment="collector"),
        summary("ETHREE")))
    stubber.add_response("get_distribution", dist_response("EONE", "someone-else"), {"Id": "EONE"})
    stubber.add_response("get_distribution", dist_response("ETWO", "ref-1"), {"Id": "ETWO"})
    with stubber:
        assert cloudfront.find_distribution(client, "ref-1", origin_bucket="pixel", comment="collector")[0]["Id"] == "ETWO"
    stubber.assert_no_pending_responses()


def test_find_distribution_without_candidate_reads_nothing_more_unless_asked(client):
    listing = distribution_list(summary("EONE"), summary("ETWO"))
    stubber = Stubber(client)
    stubber.add_response("list_distributions", listing)
    with stubber:
        assert cloudfront.find_distribution(client, "ref-1", origin_bucket="pixel", comment="collector") == (None, None)
    stubber.assert_no_pending_responses()

    stubber = Stubber(client)
    stubber.add_response("list_distributions", listing)
    stubber.add_response("get_distribution_config", {"DistributionConfig": make_config(CallerReference="other"), "ETag": "E1"}, {"Id": "EONE"})
    stubber.add_response("get_distribution_config", {"DistributionConfig": make_config(CallerReference="ref-1"), "ETag": "E1"}, {"Id": "ETWO"})
    stubber.add_response("get_distribution", dist_response("ETWO", "ref-1"), {"Id": "ETWO"})
    with stubber:
        assert cloudfront.find_distribution(client, "ref-1", origin_bucket="pixel", scan_all=True)[0]["Id"] == "ETWO"
    stubber.assert_no_pending_responses()


@pytest.mark.parametrize("domain, bucket", [
    ("pixel.s3.eu-west-1.amazonaws.com", "pixel"),
    ("pixel.s3.amazonaws.com", "pixel"),
    ("pixel.s3-eu-west-1.amazonaws.com", "pixel"),
    ("my.pixel.bucket.s3.eu-west-1.amazonaws.com", "my.pixel.bucket"),
    ("www.example.com", None),
    ("pixel.s3x.example.com", None),
    ("", None),
])
def test_origin_bucket_of(domain, bucket):
    assert cloudfront.origin_bucket_of(domain) == bucket


def test_ownership_problem_names_what_is_missing_or_different():
    wanted = {"managed-by": "clickstream.collectors", "clickstream-environment": "prod"}
    assert cloudfront.ownership_problem({**wanted, "extra": "x"}, wanted) == {}
    assert cloudfront.ownership_problem({"managed-by": "clickstream.collectors", "clickstream-environment": "dev"}, wanted) == {
        "clickstream-environment": "prod"}
    assert cloudfront.ownership_problem(None, wanted) == wanted


def test_find_by_caller_reference_skips_distributions_the_caller_may_not_read(client):
    """A least-privilege caller may read only its own (tagged) distributions: another team's is skipped, not fatal."""
    stubber = Stubber(client)
    stubber.add_response("list_distributions", distribution_list(summary("EFOREIGN"), summary("EOURS")))
    stubber.add_client_error("get_distribution_config", "AccessDenied", http_status_code=403, expected_params={"Id": "EFOREIGN"})
    stubber.add_response("get_distribution_config", {"DistributionConfig": make_config(CallerReference="ref-1"), "ETag": "E1"}, {"Id": "EOURS"})
    unreadable = []
    with stubber:
        assert cloudfront.find_distribution_id(client, caller_reference="ref-1", unreadable=unreadable) == "EOURS"
    assert unreadable == ["EFOREIGN"]


def test_find_by_alias(client):
    stubber = Stubber(client)
    stubber.add_response("list_distributions", distribution_list(summary("EONE", ["a.example.com"]), summary("ETWO", ["c.example.com"])))
    with stubber:
        assert cloudfront.find_distribution_id(client, alias="C.example.com") == "ETWO"


def test_wait_deployed_times_out(client):
    stubber = Stubber(client)
    for dummy in range(3):
        stubber.add_response("get_distribution", {"Distribution": distribution(make_config(), "InProgress"), "ETag": "E1"}, {"Id": DIST_ID})
    now = [0.0]

    def sleep(seconds):
        now[0] += seconds

    with stubber:
        with pytest.raises(cloudfront.DeployTimeout) as raised:
            cloudfront.wait_deployed(client, DIST_ID, 3, sleep=sleep, clock=lambda: now[0])
    assert raised.value.status == "InProgress"


def test_wait_deployed_returns_when_deployed(client):
    stubber = Stubber(client)
    stubber.add_response("get_distribution", {"Distribution": distribution(make_config(), "InProgress"), "ETag": "E1"}, {"Id": DIST_ID})
    stubber.add_response("get_distribution", {"Distribution": distribution(make_config(), "Deployed"), "ETag": "E1"}, {"Id": DIST_ID})
    with stubber:
        result = cloudfront.wait_deployed(client, DIST_ID, 60, sleep=lambda s: None)
    assert result["Status"] == "Deployed"


def test_overlay_keeps_unknown_fields_and_removes_marked_ones():
    current = make_config()
    current["DefaultCacheBehavior"]["ForwardedValues"] = {"QueryString": False}
    current["Logging"] = {"Enabled": True, "IncludeCookies": False, "Bucket": "logs.s3.amazonaws.com", "Prefix": "cf/"}
    current["NewAwsField"] = {"Anything": 1}
    result = cloudfront.overlay(current, {"Comment": "new", "DefaultCacheBehavior": {"Compress": False, "ForwardedValues": cloudfront.REMOVE}})
    assert result["Comment"] == "new"
    assert result["Logging"] == current["Logging"]
    assert result["NewAwsField"] == {"Anything": 1}
    assert result["DefaultCacheBehavior"] == {"TargetOriginId": "s3-pixel", "ViewerProtocolPolicy": "allow-all", "CachePolicyId": "p", "Compress": False}
    assert "ForwardedValues" in current["DefaultCacheBehavior"]  # the input is not modified


def test_normalize_config_matches_aws_representation():
    config = make_config()
    config["DefaultCacheBehavior"].update(ForwardedValues={"QueryString": False}, MinTTL=0, DefaultTTL=0, MaxTTL=0)
    normalized = cloudfront.normalize_config(config)
    assert normalized["DefaultCacheBehavior"] == {"TargetOriginId": "s3-pixel", "ViewerProtocolPolicy": "allow-all", "CachePolicyId": "p"}
    assert normalized["Origins"]["Items"][0]["S3OriginConfig"] == {"OriginAccessIdentity": ""}


def test_desired_logging_disabled_is_what_aws_stores():
    assert cloudfront.desired_logging(False, "logs", "cf/", True) == {"Enabled": False, "IncludeCookies": False, "Bucket": "", "Prefix": ""}
    assert cloudfront.desired_logging(True, "logs", "cf/", True) == {
        "Enabled": True, "IncludeCookies": True, "Bucket": "logs.s3.amazonaws.com", "Prefix": "cf/"}


def test_methods_in_aws_order_whatever_order_given():
    assert cloudfront.aws_methods(["GET", "HEAD"]) == ["HEAD", "GET"]
    assert cloudfront.aws_methods(["options", "GET", "HEAD", "GET"]) == ["HEAD", "GET", "OPTIONS"]
    assert cloudfront.aws_methods(["GET", "PUT", "PATCH", "POST", "OPTIONS", "DELETE", "HEAD"]) == [
        "HEAD", "DELETE", "POST", "GET", "OPTIONS", "PUT", "PATCH"]
    assert cloudfront.allowed_methods(["GET", "HEAD"], ["GET", "HEAD"]) == {
        "Quantity": 2, "Items": ["HEAD", "GET"], "CachedMethods": {"Quantity": 2, "Items": ["HEAD", "GET"]}}


def test_normalize_config_compares_methods_as_sets():
    sent_order = make_config()
    sent_order["DefaultCacheBehavior"]["AllowedMethods"] = {
        "Quantity": 2, "Items": ["GET", "HEAD"], "CachedMethods": {"Quantity": 2, "Items": ["GET", "HEAD"]}}
    sent_order["CacheBehaviors"] = {"Quantity": 1, "Items": [{
        "PathPattern": "/i", "TargetOriginId": "s3-pixel", "ViewerProtocolPolicy": "allow-all", "CachePolicyId": "p",
        "AllowedMethods": {"Quantity": 3, "Items": ["OPTIONS", "GET", "HEAD"], "CachedMethods": {"Quantity": 2, "Items": ["GET", "HEAD"]}}}]}
    aws_order = copy.deepcopy(sent_order)
    aws_order["DefaultCacheBehavior"]["AllowedMethods"] = {
        "Quantity": 2, "Items": ["HEAD", "GET"], "CachedMethods": {"Quantity": 2, "Items": ["HEAD", "GET"]}}
    aws_order["CacheBehaviors"]["Items"][0]["AllowedMethods"] = {
        "Quantity": 3, "Items": ["HEAD", "GET", "OPTIONS"], "CachedMethods": {"Quantity": 2, "Items": ["HEAD", "GET"]}}
    assert sent_order != aws_order
    assert cloudfront.normalize_config(sent_order) == cloudfront.normalize_config(aws_order) == cloudfront.normalize_config(
        cloudfront.normalize_config(aws_order))


def test_update_writes_nothing_when_only_the_method_order_differs(client):
    current = aws_responses.collector_config()

    def send_order(config):
        config["DefaultCacheBehavior"]["AllowedMethods"]["Items"] = ["GET", "HEAD"]
        return config

    with Stubber(client) as stubber:  # no stubbed answer: a write would fail the test
        changed, response = cloudfront.update_distribution_config(client, DIST_ID, send_order, config=current, etag="E1")
        stubber.assert_no_pending_responses()
    assert (changed, response) == (False, None)
