"""Helpers for the strict AWS tests: plain-moto clients and error assertions."""

import boto3
import pytest
from botocore.exceptions import ClientError

REGION = "eu-west-1"
LOCATION = {"LocationConstraint": REGION}
ACCOUNT = "123456789012"
ALL_BPA_OFF = {"BlockPublicAcls": False, "IgnorePublicAcls": False, "BlockPublicPolicy": False, "RestrictPublicBuckets": False}
ALL_BPA_ON = {key: True for key in ALL_BPA_OFF}


def plain_client(service: str, region: str = REGION):
    """A client for in-process plain moto (use inside ``with mock_aws():``)."""
    return boto3.client(service, region_name=region, aws_access_key_id="testing", aws_secret_access_key="testing")


def expect_error(call, code: str, status: int, *args, **kwargs) -> ClientError:
    """Call and assert it fails with this AWS error code and HTTP status."""
    with pytest.raises(ClientError) as info:
        call(*args, **kwargs)
    error = info.value.response
    assert error["Error"]["Code"] == code, error
    assert error["ResponseMetadata"]["HTTPStatusCode"] == status, error
    return info.value


def public_read_policy(bucket: str) -> str:
    """A bucket policy letting anyone read every object."""
    return (
        '{"Version":"2012-10-17","Statement":[{"Sid":"PublicRead","Effect":"Allow","Principal":"*",'
        f'"Action":"s3:GetObject","Resource":"arn:aws:s3:::{bucket}/*"}}]}}'
    )


CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"


def distribution_config(reference: str = "ref-1", origin_bucket: str = "origin-bucket", **overrides) -> dict:
    """A minimal S3-origin distribution config using the CachingOptimized managed policy."""
    config = {
        "CallerReference": reference,
        "Comment": "strict test",
        "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [{
            "Id": "s3-origin", "DomainName": f"{origin_bucket}.s3.eu-west-1.amazonaws.com",
            "S3OriginConfig": {"OriginAccessIdentity": ""},
        }]},
        "DefaultCacheBehavior": {
            "TargetOriginId": "s3-origin", "ViewerProtocolPolicy": "redirect-to-https", "CachePolicyId": CACHING_OPTIMIZED,
        },
    }
    config.update(overrides)
    return config


def logging_config(bucket_domain: str, enabled: bool = True) -> dict:
    """A Logging block for a distribution config."""
    return {"Enabled": enabled, "IncludeCookies": False, "Bucket": bucket_domain, "Prefix": "cf/"}
