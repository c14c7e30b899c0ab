"""Origin access controls: the API as AWS answers it, the references CloudFront enforces, and the edge's signed fetch.

Each rule test also runs against plain moto (the ``aws`` fixture), where it must fail: moto drops OriginAccessControlId,
ignores IfMatch, fails GetOriginAccessControlConfig and has no edge."""

import json
from pathlib import Path

import pytest
import requests

from tests.strict_aws.client import view as client_view
from tests.strict_aws.testutil import ACCOUNT, ALL_BPA_ON, LOCATION, distribution_config, expect_error

PIXEL = (Path(__file__).resolve().parents[2] / "files" / "i").read_bytes()
BUCKET = "oac-pixel"
OAC_CONFIG = {"Name": "collector-oac", "Description": "", "SigningProtocol": "sigv4", "SigningBehavior": "always",
              "OriginAccessControlOriginType": "s3"}


def create_oac(cf, name="collector-oac"):
    created = cf.create_origin_access_control(OriginAccessControlConfig=dict(OAC_CONFIG, Name=name))
    return created["OriginAccessControl"]["Id"], created["ETag"]


def oac_distribution(cf, oac_id, reference="oac"):
    config = distribution_config(reference, origin_bucket=BUCKET)
    config["Origins"]["Items"][0]["OriginAccessControlId"] = oac_id
    return cf.create_distribution(DistributionConfig=config)["Distribution"]


def oac_policy(distribution_arn):
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "CloudFrontOriginAccessControl", "Effect": "Allow", "Principal": {"Service": "cloudfront.amazonaws.com"},
        "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{BUCKET}/*",
        "Condition": {"StringEquals": {"AWS:SourceArn": distribution_arn}}}]})


def test_distribution_keeps_its_origin_access_control_id(aws):
    cf = aws.boto3_client("cloudfront", region="us-east-1")
    oac_id, _etag = create_oac(cf)
    created = oac_distribution(cf, oac_id)
    assert created["DistributionConfig"]["Origins"]["Items"][0]["OriginAccessControlId"] == oac_id
    config = cf.get_distribution_config(Id=created["Id"])["DistributionConfig"]
    assert config["Origins"]["Items"][0]["OriginAccessControlId"] == oac_id


def test_config_read_update_with_if_match_and_delete_in_use(aws):
    cf = aws.boto3_client("cloudfront", region="us-east-1")
    oac_id, etag = create_oac(cf)
    assert cf.get_origin_access_control_config(Id=oac_id)["OriginAccessControlConfig"]["SigningBehavior"] == "always"
    expect_error(cf.update_origin_access_control, "PreconditionFailed", 412, Id=oac_id, IfMatch="ESTALE0000000",
                 OriginAccessControlConfig=dict(OAC_CONFIG, Description="x"))
    updated = cf.update_origin_access_control(Id=oac_id, IfMatch=etag, OriginAccessControlConfig=dict(OAC_CONFIG, Description="x"))
    assert updated["ETag"] != etag
    created = oac_distribution(cf, oac_id)
    expect_error(cf.delete_origin_access_control, "OriginAccessControlInUse", 409, Id=oac_id, IfMatch=updated["ETag"])
    assert created["Id"]


def test_distribution_refuses_an_unknown_origin_access_control(aws):
    cf = aws.boto3_client("cloudfront", region="us-east-1")
    expect_error(oac_distribution, "NoSuchOriginAccessControl", 404, cf, "E0000000000000")


def test_names_are_unique_and_delete_needs_if_match(strict_aws):
    cf = strict_aws.boto3_client("cloudfront", region="us-east-1")
    oac_id, etag = create_oac(cf)
    expect_error(create_oac, "OriginAccessControlAlreadyExists", 409, cf)
    assert [item["Id"] for item in cf.list_origin_access_controls()["OriginAccessControlList"]["Items"]] == [oac_id]
    expect_error(cf.delete_origin_access_control, "InvalidIfMatchVersion", 400, Id=oac_id, IfMatch="")
    cf.delete_origin_access_control(Id=oac_id, IfMatch=etag)
    expect_error(cf.get_origin_access_control, "NoSuchOriginAccessControl", 404, Id=oac_id)


@pytest.fixture(name="private_pixel")
def fixture_private_pixel(strict_aws):
    s3 = strict_aws.boto3_client("s3")
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration=LOCATION)  # BucketOwnerEnforced, all BPA flags on
    assert s3.get_public_access_block(Bucket=BUCKET)["PublicAccessBlockConfiguration"] == ALL_BPA_ON
    s3.put_object(Bucket=BUCKET, Key="i", Body=PIXEL, ContentType="image/gif")
    strict_aws.s3 = s3
    strict_aws.cf = strict_aws.boto3_client("cloudfront", region="us-east-1")
    return strict_aws


def test_edge_fetch_is_signed_through_the_oac_and_the_policy_decides(private_pixel):
    aws = private_pixel
    oac_id, _etag = create_oac(aws.cf)
    created = oac_distribution(aws.cf, oac_id)
    edge = aws.edge_info()
    # No policy yet: the signed fetch is refused, as is a direct anonymous GET.
    assert client_view(aws.endpoint, created["DomainName"], "/i", "https", edge=edge).status_code == 403
    aws.s3.put_bucket_policy(Bucket=BUCKET, Policy=oac_policy(created["ARN"]))  # not public: BlockPublicPolicy lets it in
    for scheme in ("http", "https"):
        answer = client_view(aws.endpoint, created["DomainName"], "/i", scheme, edge=edge)
        if scheme == "http":
            assert answer.status_code == 301  # redirect-to-https
            continue
        assert answer.status_code == 200 and answer.content == PIXEL
    assert requests.get(f"{aws.endpoint}/{BUCKET}/i", timeout=10).status_code == 403


def test_another_distributions_arn_is_refused(private_pixel):
    aws = private_pixel
    oac_id, _etag = create_oac(aws.cf)
    created = oac_distribution(aws.cf, oac_id)
    other = f"arn:aws:cloudfront::{ACCOUNT}:distribution/EOTHER00000000"
    aws.s3.put_bucket_policy(Bucket=BUCKET, Policy=oac_policy(other))
    assert client_view(aws.endpoint, created["DomainName"], "/i", "https", edge=aws.edge_info()).status_code == 403


def test_without_oac_the_edge_fetches_anonymously(private_pixel):
    """The same policy does not help a distribution without an OAC: its fetch is unsigned."""
    aws = private_pixel
    created = aws.cf.create_distribution(DistributionConfig=distribution_config("plain", origin_bucket=BUCKET))["Distribution"]
    aws.s3.put_bucket_policy(Bucket=BUCKET, Policy=oac_policy(created["ARN"]))
    assert client_view(aws.endpoint, created["DomainName"], "/i", "https", edge=aws.edge_info()).status_code == 403
