# -*- coding: utf-8 -*-

# Copyright: clickstream.collectors contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""collector_distribution_info: by id, by caller reference among candidates, ownership verdict."""

import boto3
import pytest
from botocore.stub import Stubber

from ansible_collections.clickstream.collectors.plugins.module_utils.distribution_config import distribution_facts
from ansible_collections.clickstream.collectors.plugins.modules import collector_distribution_info
from ansible_collections.clickstream.collectors.tests.unit.plugins.modules import aws_responses
from ansible_collections.clickstream.collectors.tests.unit.plugins.modules.module_double import Failed
from ansible_collections.clickstream.collectors.tests.unit.plugins.modules.module_double import fake_module
from ansible_collections.clickstream.collectors.tests.unit.plugins.modules.module_double import retrying

DIST_ID = "E2QWRUHAPOMQZL"
DEFAULTS = {"distribution_id": None, "caller_reference": None, "origin_bucket": None, "comment": None, "scan_all": True, "ownership_tags": {}}
TAGS = {"Tags": {"Items": [{"Key": "managed-by", "Value": "clickstream.collectors"}]}}


def client():
    return retrying(boto3.client("cloudfront", region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s"))


def summary(dist_id, origin):
    return {"Id": dist_id, "ARN": f"arn:aws:cloudfront::123456789012:distribution/{dist_id}", "Status": "Deployed",
            "LastModifiedTime": "2024-01-01T00:00:00Z", "DomainName": "d.cloudfront.net", "Aliases": {"Quantity": 0},
            "Origins": {"Quantity": 1, "Items": [{"Id": "o", "DomainName": origin}]},
            "DefaultCacheBehavior": {"TargetOriginId": "o", "ViewerProtocolPolicy": "allow-all"}, "CacheBehaviors": {"Quantity": 0},
            "CustomErrorResponses": {"Quantity": 0}, "Comment": "", "PriceClass": "PriceClass_100", "Enabled": True,
            "ViewerCertificate": {}, "Restrictions": {"GeoRestriction": {"RestrictionType": "none", "Quantity": 0}}, "WebACLId": "",
            "HttpVersion": "http2", "IsIPV6Enabled": True, "Staging": False}


def test_by_id_one_read_and_its_tags():
    cloudfront = client()
    stubber = Stubber(cloudfront)
    stubber.add_response("get_distribution", {"Distribution": aws_responses.distribution(aws_responses.collector_config(), status="InProgress"),
                                              "ETag": "E1"}, {"Id": DIST_ID})
    stubber.add_response("list_tags_for_resource", TAGS)
    with stubber:
        module = fake_module(DEFAULTS, {"distribution_id": DIST_ID})
        distribution, etag, tags = collector_distribution_info.read_distribution(cloudfront, module, "the distribution")
    stubber.assert_no_pending_responses()
    facts = distribution_facts(distribution, etag, tags, with_config=True)
    assert (facts["id"], facts["status"], facts["etag"], facts["tags"]) == (DIST_ID, "InProgress", "E1", {"managed-by": "clickstream.collectors"})
    assert facts["logging"] == {"enabled": True, "bucket": "logs", "bucket_domain": "logs.s3.amazonaws.com", "prefix": "cf/",
                                "include_cookies": False}
    assert facts["config"]["caller_reference"] == "clickstream-test-pixel"


def test_by_caller_reference_reads_the_candidate_only():
    cloudfront = client()
    stubber = Stubber(cloudfront)
    listing = [summary(f"EFOREIGN{index}", f"site{index}.s3.eu-west-1.amazonaws.com") for index in range(40)]
    listing.append(summary(DIST_ID, "pixel.s3.eu-west-1.amazonaws.com"))
    stubber.add_response("list_distributions", {"DistributionList": {"Marker": "", "MaxItems": 100, "IsTruncated": False,
                                                                     "Quantity": len(listing), "Items": listing}})
    stubber.add_response("get_distribution", {"Distribution": aws_responses.distribution(aws_responses.collector_config()), "ETag": "E1"},
                         {"Id": DIST_ID})
    stubber.add_response("list_tags_for_resource", TAGS)
    module = fake_module(DEFAULTS, {"caller_reference": "clickstream-test-pixel", "origin_bucket": "pixel", "scan_all": False})
    with stubber:
        distribution, dummy, dummy = collector_distribution_info.read_distribution(cloudfront, module, "the distribution")
    stubber.assert_no_pending_responses()
    assert distribution["Id"] == DIST_ID


def test_id_with_another_caller_reference_is_refused():
    cloudfront = client()
    stubber = Stubber(cloudfront)
    stubber.add_response("get_distribution", {"Distribution": aws_responses.distribution(aws_responses.collector_config()), "ETag": "E1"},
                         {"Id": DIST_ID})
    module = fake_module(DEFAULTS, {"distribution_id": DIST_ID, "caller_reference": "another"})
    with stubber, pytest.raises(Failed, match="has caller reference clickstream-test-pixel, not another"):
        collector_distribution_info.read_distribution(cloudfront, module, "the distribution")


def test_missing_distribution_is_not_an_error():
    cloudfront = client()
    stubber = Stubber(cloudfront)
    stubber.add_client_error("get_distribution", "NoSuchDistribution", "The specified distribution does not exist.", 404)
    with stubber:
        module = fake_module(DEFAULTS, {"distribution_id": DIST_ID})
        assert collector_distribution_info.read_distribution(cloudfront, module, "the distribution") == (None, None, {})
