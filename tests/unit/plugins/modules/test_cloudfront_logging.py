# -*- coding: utf-8 -*-

# Copyright: clickstream.collectors contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""cloudfront_logging: error paths with the real AWS error codes."""


import boto3
import pytest
from botocore.stub import Stubber

from ansible_collections.clickstream.collectors.plugins.modules import cloudfront_logging
from ansible_collections.clickstream.collectors.tests.unit.plugins.modules import aws_responses
from ansible_collections.clickstream.collectors.tests.unit.plugins.modules.module_double import clients_from_the_double
from ansible_collections.clickstream.collectors.tests.unit.plugins.modules.module_double import Failed
from ansible_collections.clickstream.collectors.tests.unit.plugins.modules.module_double import fake_module
from ansible_collections.clickstream.collectors.tests.unit.plugins.modules.module_double import retrying

DIST_ID = "E2QWRUHAPOMQZL"
OWNER = "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a"
AWSLOGSDELIVERY = "c4c1ede66af53448b93c283ce9448c4ba468c9432aa01d700d3878632f77d2d0"
WANTED = {"Enabled": True, "IncludeCookies": False, "Bucket": "logs.s3.amazonaws.com", "Prefix": ""}


DEFAULTS = {"distribution_id": DIST_ID, "alias": None, "caller_reference": None, "enabled": True, "bucket": "logs",
            "prefix": "", "include_cookies": False, "manage_bucket": True, "wait": False, "wait_timeout": 1800}


@pytest.fixture(autouse=True)
def _clients(monkeypatch):
    clients_from_the_double(monkeypatch)


def make_module(check_mode=False, **params):
    return fake_module(DEFAULTS, params, check_mode)


def client(service):
    return retrying(boto3.client(service, region_name="us-east-1" if service == "cloudfront" else "eu-west-1",
                                 aws_access_key_id="k", aws_secret_access_key="s"))


def config(logging_block=None):
    return {
        "CallerReference": "ref",
        "Comment": "",
        "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [{"Id": "s3-pixel", "DomainName": "pixel.s3.eu-west-1.amazonaws.com"}]},
        "DefaultCacheBehavior": {"TargetOriginId": "s3-pixel", "ViewerProtocolPolicy": "allow-all", "CachePolicyId": "p"},
        "Logging": logging_block or {"Enabled": False, "IncludeCookies": False, "Bucket": "", "Prefix": ""},
    }


def distribution(cfg, status="Deployed"):
    return {"Id": DIST_ID, "ARN": f"arn:aws:cloudfront::123456789012:distribution/{DIST_ID}", "Status": status,
            "LastModifiedTime": "2024-01-01T00:00:00Z", "InProgressInvalidationBatches": 0,
            "DomainName": "d111111abcdef8.cloudfront.net", "DistributionConfig": cfg}


def test_invalid_argument_names_the_fix():
    cloudfront = client("cloudfront")
    stubber = Stubber(cloudfront)
    stubber.add_client_error("update_distribution", "InvalidArgument",
                             "The S3 bucket that you specified for CloudFront logs does not enable ACL access: logs.s3.amazonaws.com", 400)
    with stubber:
        with pytest.raises(Failed) as failed:
            cloudfront_logging.handle_logging(cloudfront, make_module(), distribution(config()), "E1", WANTED)
    message = str(failed.value)
    assert "does not enable ACL access" in message  # AWS's own message
    assert "BucketOwnerPreferred" in message and DIST_ID in message  # and the fix


def test_precondition_failed_is_retried_with_fresh_etag():
    cloudfront = client("cloudfront")
    stubber = Stubber(cloudfront)
    stubber.add_client_error("update_distribution", "PreconditionFailed", http_status_code=412)
    fresh = config()
    fresh["Comment"] = "changed by someone else"
    stubber.add_response("get_distribution_config", {"DistributionConfig": fresh, "ETag": "E2"}, {"Id": DIST_ID})
    expected = dict(fresh, Logging=WANTED)
    stubber.add_response("update_distribution", {"Distribution": distribution(expected, "InProgress"), "ETag": "E3"},
                         {"Id": DIST_ID, "IfMatch": "E2", "DistributionConfig": expected})
    with stubber:
        changed, (result, etag) = cloudfront_logging.handle_logging(cloudfront, make_module(), distribution(config()), "E1", WANTED)
    stubber.assert_no_pending_responses()
    assert changed is True and etag == "E3"
    assert result["DistributionConfig"]["Comment"] == "changed by someone else"


def test_check_mode_does_not_update():
    cloudfront = client("cloudfront")
    with Stubber(cloudfront) as stubber:  # no response queued: any call would fail
        changed, (result, dummy) = cloudfront_logging.handle_logging(cloudfront, make_module(check_mode=True), distribution(config()), "E1", WANTED)
        stubber.assert_no_pending_responses()
    assert changed is True
    assert result["DistributionConfig"]["Logging"] == WANTED


@pytest.mark.parametrize("check_mode", [False, True])
def test_logging_as_aws_returns_it_is_no_change(check_mode):
    """The Logging block of an AWS-shaped config (HEAD,GET, filled-in fields) already as wanted: no call at all."""
    cloudfront = client("cloudfront")
    current = aws_responses.distribution(aws_responses.collector_config())
    with Stubber(cloudfront) as stubber:  # no response queued: any call would fail
        changed, (result, etag) = cloudfront_logging.handle_logging(cloudfront, make_module(check_mode=check_mode), current, "E1",
                                                                    dict(aws_responses.LOGGING_ON))
        stubber.assert_no_pending_responses()
    assert (changed, etag) == (False, "E1")
    assert result is current


def test_logging_change_sends_back_aws_representation_untouched():
    """Turning logging off changes only Logging: methods stay HEAD,GET and every filled-in field is sent back."""
    cloudfront = client("cloudfront")
    current = aws_responses.collector_config()
    off = {"Enabled": False, "IncludeCookies": False, "Bucket": "", "Prefix": ""}
    expected = dict(aws_responses.collector_config(), Logging=off)
    stubber = Stubber(cloudfront)
    stubber.add_response("update_distribution", {"Distribution": aws_responses.distribution(expected, status="InProgress"), "ETag": "E2"},
                         {"Id": DIST_ID, "IfMatch": "E1", "DistributionConfig": expected})
    with stubber:
        changed, (dummy, etag) = cloudfront_logging.handle_logging(cloudfront, make_module(enabled=False), aws_responses.distribution(current),
                                                                   "E1", off)
    stubber.assert_no_pending_responses()
    assert (changed, etag) == (True, "E2")


def test_no_such_distribution_fails_with_clear_message(monkeypatch):
    cloudfront = client("cloudfront")
    stubber = Stubber(cloudfront)
    stubber.add_client_error("get_distribution", "NoSuchDistribution", "The specified distribution does not exist.", 404)
    with stubber:
        with pytest.raises(Failed) as failed:
            cloudfront_logging.find_distribution(cloudfront, make_module(), f"distribution {DIST_ID}")
    assert f"distribution {DIST_ID} not found" in str(failed.value)


def acl(extra=()):
    return {"Owner": {"ID": OWNER}, "Grants": [{"Grantee": {"Type": "CanonicalUser", "ID": OWNER}, "Permission": "FULL_CONTROL"}, *extra]}


def head_bucket(region="eu-west-1"):
    """HeadBucket's answer: the region comes in the x-amz-bucket-region header."""
    return {"BucketRegion": region, "ResponseMetadata": {"HTTPHeaders": {"x-amz-bucket-region": region}}}


def module_with_s3(s3, **params):
    module = make_module(**params)
    module.client.side_effect = lambda service, **kw: s3
    return module


def test_access_denied_on_get_bucket_acl_names_permissions():
    s3 = client("s3")
    stubber = Stubber(s3)
    stubber.add_response("head_bucket", head_bucket(), {"Bucket": "logs"})
    stubber.add_response("get_bucket_ownership_controls", {"OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerPreferred"}]}},
                         {"Bucket": "logs"})
    stubber.add_client_error("get_bucket_acl", "AccessDenied", "Access Denied", 403)
    with stubber:
        with pytest.raises(Failed) as failed:
            cloudfront_logging.read_log_bucket(module_with_s3(s3), "logs")
    assert "s3:GetBucketAcl" in str(failed.value) and "s3:PutBucketAcl" in str(failed.value)


def test_log_bucket_region_comes_from_head_bucket_and_a_refused_region_stops_before_any_other_call():
    s3 = client("s3")
    stubber = Stubber(s3)
    stubber.add_response("head_bucket", head_bucket("eu-south-1"), {"Bucket": "logs"})
    with stubber:  # nothing else stubbed: a further call would fail the test
        with pytest.raises(Failed) as failed:
            cloudfront_logging.read_log_bucket(module_with_s3(s3), "logs")
        stubber.assert_no_pending_responses()
    assert "logs is in eu-south-1" in str(failed.value) and "standard logging v2" in str(failed.value)


def test_missing_log_bucket_is_named_with_the_fix():
    s3 = client("s3")
    stubber = Stubber(s3)
    stubber.add_client_error("head_bucket", "404", "Not Found", 404)  # HEAD has no body: the code is the status
    with stubber:
        with pytest.raises(Failed) as failed:
            cloudfront_logging.read_log_bucket(module_with_s3(s3), "logs")
    assert "bucket logs does not exist: create it first" in str(failed.value)
    assert "the distribution was not changed" in str(failed.value)


def test_access_denied_on_put_bucket_acl_names_permissions():
    s3 = client("s3")
    stubber = Stubber(s3)
    delivery = {"Grantee": {"Type": "CanonicalUser", "ID": AWSLOGSDELIVERY}, "Permission": "FULL_CONTROL"}
    stubber.add_client_error("put_bucket_acl", "AccessDenied", "Access Denied", 403,
                             expected_params={"Bucket": "logs", "AccessControlPolicy": dict(acl([delivery]))})
    state = {"name": "logs", "region": "eu-west-1", "object_ownership": "BucketOwnerPreferred", "acl": acl()}
    with stubber:
        with pytest.raises(Failed) as failed:
            cloudfront_logging.handle_bucket(s3, make_module(), state)
    assert "s3:PutBucketAcl" in str(failed.value) and "logs" in str(failed.value)


def test_grants_added_without_dropping_others():
    s3 = client("s3")
    stubber = Stubber(s3)
    third = {"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/s3/LogDelivery"}, "Permission": "WRITE"}
    stubber.add_response("put_bucket_ownership_controls", {},
                         {"Bucket": "logs", "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerPreferred"}]}})
    delivery = {"Grantee": {"Type": "CanonicalUser", "ID": AWSLOGSDELIVERY}, "Permission": "FULL_CONTROL"}
    # The whole ACL is written back: the owner's and the third grant kept, awslogsdelivery's added.
    stubber.add_response("put_bucket_acl", {}, {"Bucket": "logs", "AccessControlPolicy": dict(acl([third, delivery]))})
    state = {"name": "logs", "region": "eu-west-1", "object_ownership": "BucketOwnerEnforced", "acl": acl([third])}
    with stubber:
        changed, diff = cloudfront_logging.handle_bucket(s3, make_module(), state)
    stubber.assert_no_pending_responses()
    assert changed is True
    assert diff["before"]["object_ownership"] == "BucketOwnerEnforced" and diff["after"]["object_ownership"] == "BucketOwnerPreferred"
    assert {"grantee": {"type": "Group", "uri": third["Grantee"]["URI"]}, "permission": "WRITE"} in diff["after"]["grants"]
    assert {"grantee": {"type": "CanonicalUser", "id": AWSLOGSDELIVERY}, "permission": "FULL_CONTROL"} in diff["after"]["grants"]


def test_manage_bucket_false_refuses_acls_disabled():
    state = {"name": "logs", "region": "eu-west-1", "object_ownership": "BucketOwnerEnforced", "acl": acl()}
    with pytest.raises(Failed) as failed:
        cloudfront_logging.handle_bucket(client("s3"), make_module(manage_bucket=False), state)
    assert "manage_bucket: true" in str(failed.value) and "BucketOwnerPreferred" in str(failed.value)


@pytest.mark.parametrize("given, expected", [("logs", "logs"), ("my.logs.s3.amazonaws.com", "my.logs")])
def test_bucket_names_accepted(given, expected):
    assert cloudfront_logging.normalize_bucket(make_module(), given) == expected


@pytest.mark.parametrize("given", ["logs.s3.eu-west-1.amazonaws.com", "https://logs.s3.amazonaws.com", "Logs", "s3://logs", "192.168.1.1"])
def test_other_bucket_values_refused(given):
    with pytest.raises(Failed) as failed:
        cloudfront_logging.normalize_bucket(make_module(), given)
    assert "is not an S3 bucket name" in str(failed.value)
