"""Call log fields and operation names; deterministic fault injection."""

import json

import botocore.config
import botocore.retries.standard
import pytest
import requests

from tests.strict_aws.operations import classify
from tests.strict_aws.client import make_client
from tests.strict_aws.server import StrictAWS
from tests.strict_aws.testutil import ACCOUNT, LOCATION, distribution_config

BUCKET = "log-bucket-test"


def test_call_log_operations_and_flags(strict_aws):
    s3 = strict_aws.boto3_client("s3")
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration=LOCATION, ObjectOwnership="BucketOwnerPreferred")
    s3.put_bucket_tagging(Bucket=BUCKET, Tagging={"TagSet": [{"Key": "k", "Value": "v"}]})
    s3.put_bucket_encryption(Bucket=BUCKET, ServerSideEncryptionConfiguration={
        "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
    s3.put_object(Bucket=BUCKET, Key="i", Body=b"x")
    s3.copy_object(Bucket=BUCKET, Key="j", CopySource={"Bucket": BUCKET, "Key": "i"})
    s3.head_object(Bucket=BUCKET, Key="i")
    s3.get_object(Bucket=BUCKET, Key="i")
    s3.list_objects_v2(Bucket=BUCKET)
    s3.get_bucket_acl(Bucket=BUCKET)
    s3.delete_objects(Bucket=BUCKET, Delete={"Objects": [{"Key": "j"}]})
    s3.delete_object(Bucket=BUCKET, Key="i")
    strict_aws.boto3_client("sts").get_caller_identity()
    cf = strict_aws.boto3_client("cloudfront", region="us-east-1")
    cf.create_distribution(DistributionConfig=distribution_config())
    cf.list_distributions()
    requests.get(f"{strict_aws.endpoint}/{BUCKET}", timeout=10)  # anonymous list
    calls = strict_aws.calls()
    assert [(c["service"], c["operation"], c["mutating"]) for c in calls] == [
        ("s3", "CreateBucket", True), ("s3", "PutBucketTagging", True), ("s3", "PutBucketEncryption", True),
        ("s3", "PutObject", True), ("s3", "CopyObject", True), ("s3", "HeadObject", False), ("s3", "GetObject", False),
        ("s3", "ListObjectsV2", False), ("s3", "GetBucketAcl", False), ("s3", "DeleteObjects", True), ("s3", "DeleteObject", True),
        ("sts", "GetCallerIdentity", False), ("cloudfront", "CreateDistribution", True), ("cloudfront", "ListDistributions", False),
        ("s3", "ListObjects", False),
    ]
    assert set(calls[0]) == {"ts", "service", "operation", "method", "path", "status", "mutating", "fault", "rule", "anonymous"}
    assert calls[-1]["anonymous"] is True and calls[-1]["status"] == 403 and calls[-1]["rule"] == "AnonymousAccess"
    assert calls[0]["path"] == f"/{BUCKET}" and calls[0]["status"] == 200 and calls[0]["fault"] is None
    assert [c["operation"] for c in strict_aws.writes()] == [
        "CreateBucket", "PutBucketTagging", "PutBucketEncryption", "PutObject", "CopyObject", "DeleteObjects", "DeleteObject",
        "CreateDistribution"]
    assert requests.get(f"{strict_aws.endpoint}/_strict/calls", timeout=10).json() == calls  # control calls are not logged


def test_s3control_through_layer(strict_aws):
    control = strict_aws.boto3_client("s3control")
    config = {"BlockPublicAcls": True, "IgnorePublicAcls": False, "BlockPublicPolicy": True, "RestrictPublicBuckets": False}
    control.put_public_access_block(AccountId=ACCOUNT, PublicAccessBlockConfiguration=config)
    assert control.get_public_access_block(AccountId=ACCOUNT)["PublicAccessBlockConfiguration"] == config
    assert [(c["service"], c["operation"]) for c in strict_aws.calls()] == [
        ("s3control", "PutPublicAccessBlock"), ("s3control", "GetPublicAccessBlock")]


@pytest.mark.parametrize("method,path,query,operation", [
    ("PUT", "/b/k", {"acl": [""]}, "PutObjectAcl"),
    ("PUT", "/b", {"ownershipControls": [""]}, "PutBucketOwnershipControls"),
    ("PUT", "/b", {"publicAccessBlock": [""]}, "PutPublicAccessBlock"),
    ("PUT", "/b", {"policy": [""]}, "PutBucketPolicy"),
    ("GET", "/b", {"location": [""]}, "GetBucketLocation"),
    ("GET", "/b", {"logging": [""]}, "GetBucketLogging"),
    ("GET", "/b", {"versioning": [""]}, "GetBucketVersioning"),
    ("PUT", "/b", {"lifecycle": [""]}, "PutBucketLifecycleConfiguration"),
    ("POST", "/b/k", {"uploads": [""]}, "CreateMultipartUpload"),
    ("DELETE", "/b", {}, "DeleteBucket"),
])
def test_s3_operation_names(method, path, query, operation):
    headers = {"authorization": "AWS4-HMAC-SHA256 Credential=testing/20250101/eu-west-1/s3/aws4_request, SignedHeaders=host, Signature=x"}
    assert classify(method, path, query, headers, b"").operation == operation


@pytest.mark.parametrize("method,path,operation", [
    ("GET", "/2020-05-31/distribution/E1/config", "GetDistributionConfig"),
    ("PUT", "/2020-05-31/distribution/E1/config", "UpdateDistribution"),
    ("DELETE", "/2020-05-31/distribution/E1", "DeleteDistribution"),
    ("GET", "/2020-05-31/cache-policy", "ListCachePolicies"),
    ("GET", "/2020-05-31/cache-policy/x/config", "GetCachePolicyConfig"),
    ("PUT", "/2020-05-31/response-headers-policy/x", "UpdateResponseHeadersPolicy"),
    ("POST", "/2020-05-31/origin-access-control", "CreateOriginAccessControl"),
])
def test_cloudfront_operation_names(method, path, operation):
    headers = {"authorization": "AWS4-HMAC-SHA256 Credential=testing/20250101/us-east-1/cloudfront/aws4_request, SignedHeaders=host, Signature=x"}
    assert classify(method, path, {}, headers, b"").operation == operation


def run_workload(server: StrictAWS, retries: int = 1):
    config = botocore.config.Config(retries={"mode": "standard", "total_max_attempts": retries})
    s3 = make_client(server.endpoint, "s3", config=config)
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration=LOCATION)
    for index in range(20):
        s3.put_object(Bucket=BUCKET, Key=f"k{index}", Body=b"x")
    cf = make_client(server.endpoint, "cloudfront", "us-east-1", config=config)
    for index in range(10):
        cf.create_distribution(DistributionConfig=distribution_config(f"ref-{index}"))
    make_client(server.endpoint, "sts", config=config).get_caller_identity()


def faulted(calls):
    return [(i, c["operation"], c["fault"]) for i, c in enumerate(calls) if c["fault"]]


def test_faults_deterministic_and_absorbed_by_retries(strict_aws, tmp_path, monkeypatch):
    monkeypatch.setattr(botocore.retries.standard.ExponentialBackoff, "delay_amount", lambda self, context: 0)
    strict_aws.set_config(fault_rate=0.3, fault_seed=7)
    run_workload(strict_aws.server, retries=10)
    first = strict_aws.calls()
    faults = faulted(first)
    assert faults, "rate 0.3 must fault some requests"
    assert {fault for _service, _operation, fault in faults} <= {"SlowDown", "Throttling", "InternalError"}
    assert {"SlowDown", "Throttling"} <= {fault for _service, _operation, fault in faults}
    assert all(c["status"] in (503, 400, 500) for c in first if c["fault"])
    assert len([c for c in first if c["operation"] == "PutObject" and c["status"] == 200]) == 20
    strict_aws.reset()
    strict_aws.set_config(fault_rate=0.3, fault_seed=7)
    run_workload(strict_aws.server, retries=10)
    assert faulted(strict_aws.calls()) == faults
    log_file = tmp_path / "calls.jsonl"
    with StrictAWS(call_log=str(log_file), fault_rate=0.3, fault_seed=8) as other:
        requests.post(f"{other.endpoint}/_strict/reset", timeout=10)
        with pytest.raises(botocore.exceptions.ClientError):
            run_workload(other, retries=1)  # without retries a fault surfaces
    lines = [json.loads(line) for line in log_file.read_text().splitlines()]
    assert any(line["fault"] for line in lines)


def test_fault_error_shapes(strict_aws):
    strict_aws.set_config(fault_rate=1.0)
    no_retry = botocore.config.Config(retries={"mode": "standard", "total_max_attempts": 1})
    s3 = strict_aws.boto3_client("s3", config=no_retry)
    cf = strict_aws.boto3_client("cloudfront", region="us-east-1", config=no_retry)
    sts = strict_aws.boto3_client("sts", config=no_retry)
    seen = []
    for call in (s3.list_buckets, cf.list_distributions, cf.list_distributions, sts.get_caller_identity, sts.get_caller_identity):
        with pytest.raises(botocore.exceptions.ClientError) as info:
            call()
        seen.append((info.value.response["Error"]["Code"], info.value.response["ResponseMetadata"]["HTTPStatusCode"]))
    assert seen == [("SlowDown", 503), ("Throttling", 400), ("InternalError", 500), ("Throttling", 400), ("InternalError", 500)]
    # JSON-protocol services: their own codes, which botocore parses (a query-style XML body would read as a bare "400").
    logs = strict_aws.boto3_client("logs", region="us-east-1", config=no_retry)
    glue = strict_aws.boto3_client("glue", config=no_retry)
    athena = strict_aws.boto3_client("athena", config=no_retry)
    seen = []
    for call in (logs.describe_delivery_sources, logs.describe_delivery_sources, glue.get_databases, athena.list_named_queries):
        with pytest.raises(botocore.exceptions.ClientError) as info:
            call()
        seen.append((info.value.response["Error"]["Code"], info.value.response["ResponseMetadata"]["HTTPStatusCode"]))
    assert seen == [("ThrottlingException", 400), ("ServiceUnavailableException", 500), ("ThrottlingException", 400),
                    ("TooManyRequestsException", 400)]
    assert requests.post(f"{strict_aws.endpoint}/_strict/config", json={"fault_rate": 0}, timeout=10).status_code == 200
    s3.list_buckets()
