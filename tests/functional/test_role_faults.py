"""The role under injected AWS faults: 20% of its AWS calls answered S3 503 SlowDown, or 400 Throttling / 500
InternalError (CloudFront, STS, s3control), with the SDK's own retries off (``AWS_MAX_ATTEMPTS=1``), so that only the
modules' retries stand between a fault and a failed run.

The run must converge to the same end state as a run without faults, and the next rerun (faults still on) must make
zero writes.
"""

import copy

from tests.functional.test_role_rerun import LOG_BUCKET, PIXEL_BUCKET, collector
from tests.strict_aws.pytest_plugin import strict_aws, strict_aws_server  # noqa: F401  pylint: disable=unused-import

NO_SDK_RETRIES = {"AWS_MAX_ATTEMPTS": "1"}
FAULT_RATE = 0.2


def end_state(strict_aws):  # noqa: F811  pylint: disable=redefined-outer-name
    """What the role keeps, read with plain clients (faults off): buckets, the pixel, the distribution, its policy."""
    s3 = strict_aws.boto3_client("s3")
    cloudfront = strict_aws.boto3_client("cloudfront", region="us-east-1")
    state = {"buckets": {}}
    for bucket in (PIXEL_BUCKET, LOG_BUCKET):
        read = {
            "tags": s3.get_bucket_tagging(Bucket=bucket)["TagSet"],
            "ownership": s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"],
            "public_access_block": s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"],
            "acl": s3.get_bucket_acl(Bucket=bucket)["Grants"],
        }
        if bucket == LOG_BUCKET:
            read["encryption"] = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]
            try:
                read["lifecycle"] = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
            except s3.exceptions.ClientError as e:  # none by default (cloudfront_collector_log_expiration_days 0)
                read["lifecycle"] = e.response["Error"]["Code"]
            read["policy"] = s3.get_bucket_policy(Bucket=bucket)["Policy"]
        state["buckets"][bucket] = read
    pixel = s3.head_object(Bucket=PIXEL_BUCKET, Key="i")
    state["pixel"] = {"content_type": pixel["ContentType"], "cache_control": pixel.get("CacheControl"), "etag": pixel["ETag"],
                      "acl": s3.get_object_acl(Bucket=PIXEL_BUCKET, Key="i")["Grants"]}
    items = cloudfront.list_distributions()["DistributionList"]["Items"]
    state["distributions"] = len(items)
    distribution = cloudfront.get_distribution(Id=items[0]["Id"])["Distribution"]
    config = copy.deepcopy(distribution["DistributionConfig"])
    policy_id = config["DefaultCacheBehavior"].pop("ResponseHeadersPolicyId", None)
    state["distribution"] = {"config": config, "status": distribution["Status"],
                             "tags": cloudfront.list_tags_for_resource(Resource=distribution["ARN"])["Tags"]["Items"]}
    policy = cloudfront.get_response_headers_policy(Id=policy_id)["ResponseHeadersPolicy"] if policy_id else None
    state["response_headers_policy"] = policy and policy["ResponseHeadersPolicyConfig"]
    return state


def test_role_converges_under_slowdown_and_throttling_faults_and_reruns_without_writes(strict_aws):  # noqa: F811
    # pylint: disable=redefined-outer-name
    clean = collector(strict_aws, env=NO_SDK_RETRIES)
    assert clean.returncode == 0, clean.stdout[-3000:]
    expected = end_state(strict_aws)

    strict_aws.reset()
    strict_aws.set_config(fault_rate=FAULT_RATE, fault_seed=11)
    faulted = collector(strict_aws, env=NO_SDK_RETRIES)
    assert faulted.returncode == 0, faulted.stdout[-3000:]
    faults = {call["fault"] for call in strict_aws.calls() if call["fault"]}
    assert {"SlowDown", "Throttling"} <= faults, faults

    seen = len(strict_aws.calls())
    rerun = collector(strict_aws, env=NO_SDK_RETRIES)
    assert rerun.returncode == 0, rerun.stdout[-3000:]
    rerun_calls = strict_aws.calls()[seen:]
    assert [call for call in rerun_calls if call["fault"]], "the rerun met faults too"
    assert [call["operation"] for call in rerun_calls if call["mutating"] and call["status"] < 400] == []

    strict_aws.set_config(fault_rate=0)
    assert end_state(strict_aws) == expected
