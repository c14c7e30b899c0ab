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
