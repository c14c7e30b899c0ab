"""clickstream.collectors.cloudfront_log_delivery (standard logging v2) against the strict local AWS."""

import json

from tests.functional.test_cloudfront_logging import AWSLOGSDELIVERY, grants_of, make_distribution, ownership_of

MODULE = "clickstream.collectors.cloudfront_log_delivery"
BUCKET = "collector-logs-v2"
MINIMAL = ["date", "time", "cs-uri-stem", "cs-uri-query", "c-country"]


def writes(strict_aws, before):
    return [(c["service"], c["operation"]) for c in strict_aws.writes()[before:] if c["status"] < 400]


def legacy_ready_bucket(strict_aws, region="eu-west-1"):
    """A log bucket as legacy logging leaves it: ACLs enabled, awslogsdelivery FULL_CONTROL."""
    s3 = strict_aws.boto3_client("s3", region)
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": region}, ObjectOwnership="BucketOwnerPreferred")
    acl = s3.get_bucket_acl(Bucket=BUCKET)
    grants = acl["Grants"] + [{"Grantee": {"Type": "CanonicalUser", "ID": AWSLOGSDELIVERY}, "Permission": "FULL_CONTROL"}]
    s3.put_bucket_acl(Bucket=BUCKET, AccessControlPolicy={"Owner": acl["Owner"], "Grants": grants})
    return s3


def test_check_apply_rerun_change_format_and_remove(strict_aws, run_module):
    s3 = legacy_ready_bucket(strict_aws, "eu-south-1")
    distribution_id = make_distribution(strict_aws)
    logs = strict_aws.boto3_client("logs", "us-east-1")
    args = {"distribution_id": distribution_id, "bucket": BUCKET, "bucket_region": "eu-south-1", "prefix": "cloudfront/",
            "record_fields": MINIMAL}
    before = len(strict_aws.writes())

    checked = run_module(MODULE, args, check=True, diff=True)
    assert not checked.get("failed"), json.dumps(checked)[:3000]
    assert checked["changed"] is True and writes(strict_aws, before) == []
    assert checked["diff"]["before"]["source"] is None
    assert checked["diff"]["before"]["bucket"]["object_ownership"] == "BucketOwnerPreferred"
    assert checked["diff"]["after"]["bucket"]["object_ownership"] == "BucketOwnerEnforced"
    assert checked["diff"]["after"]["destination"]["resource_arn"] == f"arn:aws:s3:::{BUCKET}/cloudfront"
    assert checked["diff"]["after"]["delivery"]["record_fields"] == MINIMAL

    applied = run_module(MODULE, args, diff=True)
    assert not applied.get("failed"), applied.get("msg")
    assert applied["changed"] is True
    assert writes(strict_aws, before) == [("s3", "PutBucketAcl"), ("s3", "PutBucketOwnershipControls"),
                                          ("logs", "PutDeliveryDestination"), ("logs", "PutDeliverySource"), ("logs", "CreateDelivery")]
    assert ownership_of(s3, BUCKET) == "BucketOwnerEnforced"
    assert AWSLOGSDELIVERY not in {grant[0] for grant in grants_of(s3, BUCKET)}
    [delivery] = logs.describe_deliveries()["deliveries"]
    assert delivery["recordFields"] == MINIMAL
    assert delivery["s3DeliveryConfiguration"] == {"suffixPath": "{DistributionId}/{yyyy}/{MM}/{dd}/{HH}", "enableHiveCompatiblePath": True}
    assert [s["name"] for s in logs.describe_delivery_sources()["deliverySources"]] == [f"clickstream-{distribution_id}"]
    # what check mode announced is what was made
    assert {k: v for k, v in checked["diff"]["after"]["destination"].items() if k != "arn"} == \
        {k: v for k, v in applied["destination"].items() if k != "arn"}

    before = len(strict_aws.writes())
    rerun = run_module(MODULE, args)
    assert rerun["changed"] is False and writes(strict_aws, before) == []

    parquet = run_module(MODULE, dict(args, output_format="parquet"))
    assert parquet["changed"] is True and parquet["destination"]["output_format"] == "parquet"
    assert writes(strict_aws, before) == [("logs", "DeleteDelivery"), ("logs", "DeleteDeliveryDestination"),
                                          ("logs", "PutDeliveryDestination"), ("logs", "CreateDelivery")]
    before = len(strict_aws.writes())
    assert run_module(MODULE, dict(args, output_format="parquet"))["changed"] is False
    assert writes(strict_aws, before) == []

    removed_check = run_module(MODULE, {"distribution_id": distribution_id, "state": "absent"}, check=True)
    assert removed_check["changed"] is True and writes(strict_aws, before) == []
    removed = run_module(MODULE, {"distribution_id": distribution_id, "state": "absent"})
    assert removed["changed"] is True and removed["source"] is None
    assert writes(strict_aws, before) == [("logs", "DeleteDelivery"), ("logs", "DeleteDeliverySource"), ("logs", "DeleteDeliveryDestination")]
    assert logs.describe_deliveries()["deliveries"] == [] and logs.describe_delivery_sources()["deliverySources"] == []
    assert logs.describe_delivery_destinations()["deliveryDestinations"] == []
    before = len(strict_aws.writes())
    assert run_module(MODULE, {"distribution_id": distribution_id, "state": "absent"})["changed"] is False
    assert writes(strict_aws, before) == []


def test_missing_distribution_fails_naming_it(strict_aws, run_module):  # pylint: disable=unused-argument
    failed = run_module(MODULE, {"distribution_id": "E0000000000000", "bucket": BUCKET})
    assert failed.get("failed") and "E0000000000000 not found" in failed["msg"]
