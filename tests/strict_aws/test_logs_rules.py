"""Vended log delivery (CloudFront standard logging v2): plain moto accepts, the strict layer answers as AWS does."""

from moto import mock_aws

from tests.strict_aws.testutil import ACCOUNT, expect_error, plain_client

DISTRIBUTION_ARN = f"arn:aws:cloudfront::{ACCOUNT}:distribution/E2EXAMPLE"
BUCKET_ARN = "arn:aws:s3:::cf-logs-bucket/cloudfront"


def source(client, name="cf-source", arn=DISTRIBUTION_ARN):
    return client.put_delivery_source(name=name, resourceArn=arn, logType="ACCESS_LOGS")


def destination(client, name="cf-dest", output_format="json"):
    kwargs = {"outputFormat": output_format} if output_format else {}
    return client.put_delivery_destination(name=name, deliveryDestinationConfiguration={"destinationResourceArn": BUCKET_ARN},
                                           **kwargs)


def delivery(client, source_name="cf-source", destination_arn=None):
    return client.create_delivery(deliverySourceName=source_name, deliveryDestinationArn=destination_arn,
                                  recordFields=["date", "time", "c-country"],
                                  s3DeliveryConfiguration={"suffixPath": "{DistributionId}/{yyyy}/{MM}/{dd}/{HH}",
                                                           "enableHiveCompatiblePath": True})


def test_cloudfront_source_only_in_us_east_1(strict_aws):
    with mock_aws():
        assert source(plain_client("logs", "eu-west-1"))["deliverySource"]["service"] == "cloudfront"
    expect_error(source, "ValidationException", 400, strict_aws.boto3_client("logs", "eu-west-1"))
    assert strict_aws.calls()[-1]["rule"] == "DeliverySourceRegion"
    assert strict_aws.calls()[-1]["operation"] == "PutDeliverySource"
    assert source(strict_aws.boto3_client("logs", "us-east-1"))["deliverySource"]["resourceArns"] == [DISTRIBUTION_ARN]


def test_one_source_per_distribution(strict_aws):
    with mock_aws():
        plain = plain_client("logs", "us-east-1")
        source(plain)
        source(plain, name="second")
        assert len(plain.describe_delivery_sources()["deliverySources"]) == 2
    logs = strict_aws.boto3_client("logs", "us-east-1")
    source(logs)
    expect_error(source, "ConflictException", 400, logs, name="second")
    assert strict_aws.calls()[-1]["rule"] == "DeliverySourcePerResource"
    source(logs)  # the same name again is an update, accepted
    assert [s["name"] for s in logs.describe_delivery_sources()["deliverySources"]] == ["cf-source"]


def test_destination_format_is_immutable(strict_aws):
    with mock_aws():
        plain = plain_client("logs", "us-east-1")
        destination(plain)
        destination(plain, output_format=None)
        # plain moto loses the format when an update leaves it out
        assert "outputFormat" not in plain.get_delivery_destination(name="cf-dest")["deliveryDestination"]
    logs = strict_aws.boto3_client("logs", "us-east-1")
    destination(logs)
    expect_error(destination, "ValidationException", 400, logs, output_format="parquet")
    assert strict_aws.calls()[-1]["rule"] == "DeliveryDestinationFormat"
    assert destination(logs, output_format=None)["deliveryDestination"]["outputFormat"] == "json"
    assert logs.get_delivery_destination(name="cf-dest")["deliveryDestination"]["outputFormat"] == "json"


def test_source_and_destination_in_use_cannot_be_deleted(strict_aws):
    with mock_aws():
        plain = plain_client("logs", "us-east-1")
        source(plain)
        arn = destination(plain)["deliveryDestination"]["arn"]
        delivery(plain, destination_arn=arn)
        plain.delete_delivery_source(name="cf-source")
        plain.delete_delivery_destination(name="cf-dest")
    logs = strict_aws.boto3_client("logs", "us-east-1")
    source(logs)
    arn = destination(logs)["deliveryDestination"]["arn"]
    made = delivery(logs, destination_arn=arn)["delivery"]
    assert made["s3DeliveryConfiguration"] == {"suffixPath": "{DistributionId}/{yyyy}/{MM}/{dd}/{HH}", "enableHiveCompatiblePath": True}
    expect_error(logs.delete_delivery_source, "ConflictException", 400, name="cf-source")
    assert strict_aws.calls()[-1]["rule"] == "DeliveryInUse"
    expect_error(logs.delete_delivery_destination, "ConflictException", 400, name="cf-dest")
    logs.delete_delivery(id=made["id"])
    logs.delete_delivery_source(name="cf-source")
    logs.delete_delivery_destination(name="cf-dest")
    calls = [(c["operation"], c["mutating"]) for c in strict_aws.calls()[-3:]]
    assert calls == [("DeleteDelivery", True), ("DeleteDeliverySource", True), ("DeleteDeliveryDestination", True)]
    logs.describe_deliveries()
    assert strict_aws.calls()[-1]["mutating"] is False


def test_put_delivery_source_needs_the_distribution_permission(strict_aws):
    logs = strict_aws.boto3_client("logs", "us-east-1")
    statement = {"Effect": "Allow", "Action": ["logs:PutDeliverySource"], "Resource": "*"}
    strict_aws.set_iam_policy({"Version": "2012-10-17", "Statement": [statement]})
    expect_error(source, "AccessDeniedException", 400, logs)
    denied = strict_aws.iam_state()["denied"][-1]
    assert (denied["action"], denied["resource"]) == ("cloudfront:AllowVendedLogDeliveryForResource", DISTRIBUTION_ARN)
    statement["Action"].append("cloudfront:AllowVendedLogDeliveryForResource")
    strict_aws.set_iam_policy({"Version": "2012-10-17", "Statement": [statement]})
    assert source(logs)["deliverySource"]["name"] == "cf-source"
