"""The local edge's standard logging (v2): files at Hive-compatible keys, in the delivery's format and fields,
only where the bucket policy lets the log delivery service write."""

import gzip
import io
import ipaddress
import json
import re
from urllib.parse import unquote

import pytest

from tests.strict_aws import log_delivery_v2
from tests.strict_aws.log_delivery_v2 import parquet_available
from tests.strict_aws.test_edge import PIXEL_BUCKET, QUERY, create_distribution, flush, view
from tests.strict_aws.test_edge import fixture_aws as aws  # noqa: F401  # pylint: disable=unused-import
from tests.strict_aws.testutil import ACCOUNT, LOCATION

V2_BUCKET = "edge-logs-v2"
FULL = ["date", "time", "x-edge-location", "sc-bytes", "c-ip", "cs-method", "cs(Host)", "cs-uri-stem", "sc-status",
        "cs(Referer)", "cs(User-Agent)", "cs-uri-query", "cs(Cookie)", "x-edge-request-id", "x-host-header", "cs-protocol",
        "x-forwarded-for", "c-country", "timestamp(ms)"]
MINIMAL = [name for name in FULL if name not in ("c-ip", "x-forwarded-for", "cs(Cookie)")]
# IPv4 dotted quads and IPv6 addresses (two or more colon groups), anywhere in a file.
IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")
IPV6 = re.compile(r"(?<![\w:])(?:[0-9a-fA-F]{0,4}:){2,7}[0-9a-fA-F]{0,4}(?![\w:])")


def ip_addresses(text):
    """Every IPv4 or IPv6 address written anywhere in ``text`` (also URL-encoded once)."""
    found = set()
    for candidate in IPV4.findall(text) + IPV6.findall(text):
        try:
            found.add(str(ipaddress.ip_address(candidate)))
        except ValueError:
            continue
    return found


def delivery_policy(bucket=V2_BUCKET, prefix="cloudfront"):
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "AWSLogDeliveryWrite", "Effect": "Allow", "Principal": {"Service": "delivery.logs.amazonaws.com"},
        "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{bucket}/{prefix}/*",
        "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceAccount": ACCOUNT},
                      "ArnLike": {"aws:SourceArn": f"arn:aws:logs:us-east-1:{ACCOUNT}:delivery-source:*"}}}]})


def v2_delivery(aws, distribution_id, fields, output_format="json", policy=True, name="collector"):
    """A v2 delivery of the distribution's access logs to s3://edge-logs-v2/cloudfront/ (BucketOwnerEnforced)."""
    aws.s3.create_bucket(Bucket=V2_BUCKET, CreateBucketConfiguration=LOCATION)
    if policy:
        aws.s3.put_bucket_policy(Bucket=V2_BUCKET, Policy=delivery_policy())
    logs = aws.boto3_client("logs", "us-east-1")
    logs.put_delivery_source(name=name, resourceArn=f"arn:aws:cloudfront::{ACCOUNT}:distribution/{distribution_id}",
                             logType="ACCESS_LOGS")
    destination = logs.put_delivery_destination(
        name=name, outputFormat=output_format,
        deliveryDestinationConfiguration={"destinationResourceArn": f"arn:aws:s3:::{V2_BUCKET}/cloudfront"})
    logs.create_delivery(deliverySourceName=name, deliveryDestinationArn=destination["deliveryDestination"]["arn"],
                         recordFields=fields,
                         s3DeliveryConfiguration={"suffixPath": "{DistributionId}/{yyyy}/{MM}/{dd}/{HH}",
                                                  "enableHiveCompatiblePath": True})


def traffic(aws, domain):
    headers = {"X-Forwarded-For": "203.0.113.7", "Cookie": "sp=abc; session=198.51.100.4", "User-Agent": "edge-test/1.0",
               "Referer": "https://site.example/a"}
    assert view(aws, domain, path=f"/i?{QUERY}", headers=headers).status_code == 200
    assert view(aws, domain, path=f"/i?{QUERY}", scheme="https", headers=headers).status_code == 200


def v2_files(aws):
    listed = aws.s3.list_objects_v2(Bucket=V2_BUCKET).get("Contents", [])
    return {item["Key"]: aws.s3.get_object(Bucket=V2_BUCKET, Key=item["Key"])["Body"].read() for item in listed}


def deliveries(aws):
    """The edge's log deliveries so far, from the call log (its timer's too): (operation, bucket, rule) each."""
    return [(c["operation"], c["path"].split("/")[1], c.get("rule")) for c in aws.calls() if c["service"] == "cloudfront-logs"]


def test_json_files_at_hive_keys_with_the_delivery_fields(aws):  # pylint: disable=redefined-outer-name
    distribution_id, domain = create_distribution(aws, protocol="allow-all", logging=False)
    v2_delivery(aws, distribution_id, FULL)
    traffic(aws, domain)
    flush(aws)
    # The edge also delivers on its own every second: the two records may come in one file or two.
    files = v2_files(aws)
    for key in files:
        assert re.fullmatch(rf"cloudfront/DistributionId={distribution_id}/year=\d{{4}}/month=\d\d/day=\d\d/hour=\d\d/"
                            rf"{distribution_id}\.\d{{4}}-\d\d-\d\d-\d\d\.[0-9a-f]{{8}}\.gz", key), key
    key = sorted(files)[0]
    rows = [json.loads(line) for body in files.values() for line in gzip.decompress(body).decode("utf-8").splitlines()]
    assert [list(row) for row in rows] == [FULL, FULL]
    assert {row["c-country"] for row in rows} == {"DE"}
    assert {row["cs-protocol"] for row in rows} == {"http", "https"}
    assert {unquote(row["cs-uri-query"]) for row in rows} == {QUERY}
    assert {row["x-forwarded-for"] for row in rows} == {"203.0.113.7"}
    assert key.split("/")[3:5] == [f"month={rows[0]['date'][5:7]}", f"day={rows[0]['date'][8:10]}"]
    logged = [c for c in aws.calls() if c["service"] == "cloudfront-logs"]
    assert [(c["operation"], c["mutating"]) for c in logged] == [("DeliverLogFile", False)] * len(files)


def test_minimal_delivery_files_hold_no_ip_address(aws):  # pylint: disable=redefined-outer-name
    distribution_id, domain = create_distribution(aws, protocol="allow-all", logging=False)
    v2_delivery(aws, distribution_id, MINIMAL)
    traffic(aws, domain)
    flush(aws)
    text = "".join(gzip.decompress(body).decode("utf-8") for body in v2_files(aws).values())
    assert len(text.splitlines()) == 2
    assert ip_addresses(text) | ip_addresses(unquote(text)) == set(), text
    assert "c-country" in text and "c-ip" not in text


def test_full_delivery_files_hold_the_ip_addresses(aws):  # pylint: disable=redefined-outer-name
    # The same check finds the addresses when the fields are there: the minimal test can fail.
    distribution_id, domain = create_distribution(aws, protocol="allow-all", logging=False)
    v2_delivery(aws, distribution_id, FULL)
    traffic(aws, domain)
    flush(aws)
    found = ip_addresses(unquote("".join(gzip.decompress(body).decode("utf-8") for body in v2_files(aws).values())))
    assert {"127.0.0.1", "203.0.113.7", "198.51.100.4"} <= found


def test_no_bucket_policy_no_files(aws):  # pylint: disable=redefined-outer-name
    distribution_id, domain = create_distribution(aws, protocol="allow-all", logging=False)
    v2_delivery(aws, distribution_id, MINIMAL, policy=False)
    traffic(aws, domain)
    flush(aws)
    dropped = deliveries(aws)
    assert dropped and set(dropped) == {("DropLogFile", V2_BUCKET, "LogBucketPolicy")}, dropped
    assert v2_files(aws) == {}
    aws.s3.put_bucket_policy(Bucket=V2_BUCKET, Policy=delivery_policy(prefix="elsewhere"))
    traffic(aws, domain)
    flush(aws)
    assert set(deliveries(aws)) == {("DropLogFile", V2_BUCKET, "LogBucketPolicy")} and len(deliveries(aws)) > len(dropped)
    assert v2_files(aws) == {}
    aws.s3.put_bucket_policy(Bucket=V2_BUCKET, Policy=delivery_policy())
    traffic(aws, domain)
    flush(aws)
    assert ("DeliverLogFile", V2_BUCKET, None) in deliveries(aws) and len(v2_files(aws)) >= 1


def test_legacy_and_v2_side_by_side(aws):  # pylint: disable=redefined-outer-name
    distribution_id, domain = create_distribution(aws, protocol="allow-all", logging=True)
    v2_delivery(aws, distribution_id, MINIMAL)
    traffic(aws, domain)
    flush(aws)
    delivered = {(operation, bucket) for operation, bucket, dummy in deliveries(aws)}
    assert delivered == {("DeliverLogFile", "edge-logs"), ("DeliverLogFile", V2_BUCKET)}
    assert PIXEL_BUCKET not in {bucket for dummy, bucket in delivered}


@pytest.mark.skipif(not parquet_available(), reason="pyarrow is not installed (make install installs it)")
def test_parquet_files(aws):  # pylint: disable=redefined-outer-name
    import pyarrow.parquet  # pylint: disable=import-outside-toplevel
    distribution_id, domain = create_distribution(aws, protocol="allow-all", logging=False)
    v2_delivery(aws, distribution_id, MINIMAL, output_format="parquet")
    traffic(aws, domain)
    flush(aws)
    files = v2_files(aws)
    for key in files:
        assert re.fullmatch(rf"cloudfront/DistributionId={distribution_id}/year=\d{{4}}/month=\d\d/day=\d\d/hour=\d\d/"
                            rf"{distribution_id}\.\d{{4}}-\d\d-\d\d-\d\d\.[0-9a-f]{{8}}\.parquet", key), key
    tables = [pyarrow.parquet.read_table(io.BytesIO(body)) for body in files.values()]
    # The fields of the delivery, named as Athena's parquet table of CloudFront logs reads them.
    columns = ["date", "time", "x_edge_location", "sc_bytes", "cs_method", "cs_host", "cs_uri_stem", "sc_status", "cs_referer",
               "cs_user_agent", "cs_uri_query", "x_edge_request_id", "x_host_header", "cs_protocol", "c_country", "timestamp_ms"]
    assert files and all(table.column_names == columns for table in tables)
    rows = [row for table in tables for row in table.to_pylist()]
    assert len(rows) == 2 and {row["c_country"] for row in rows} == {"DE"}
    assert {unquote(row["cs_uri_query"]) for row in rows} == {QUERY}
    assert {row["cs_protocol"] for row in rows} == {"http", "https"}
    # No IP address anywhere in the file: not in a value, not in the schema or metadata (the whole file's bytes).
    everything = json.dumps(rows) + "".join(body.decode("latin-1") for body in files.values())
    assert ip_addresses(everything) | ip_addresses(unquote(everything)) == set()


@pytest.mark.skipif(not parquet_available(), reason="pyarrow is not installed (make install installs it)")
def test_full_parquet_files_hold_the_ip_addresses(aws):  # pylint: disable=redefined-outer-name
    # The same check finds the addresses in a full parquet delivery: the minimal test can fail.
    import pyarrow.parquet  # pylint: disable=import-outside-toplevel
    distribution_id, domain = create_distribution(aws, protocol="allow-all", logging=False)
    v2_delivery(aws, distribution_id, FULL, output_format="parquet")
    traffic(aws, domain)
    flush(aws)
    rows = [row for body in v2_files(aws).values() for row in pyarrow.parquet.read_table(io.BytesIO(body)).to_pylist()]
    assert {"127.0.0.1", "203.0.113.7", "198.51.100.4"} <= ip_addresses(unquote(json.dumps(rows)))


def test_parquet_without_pyarrow_is_dropped_and_said(aws, monkeypatch):  # pylint: disable=redefined-outer-name
    # A machine without pyarrow (make install installs it): the in-process edge is told it cannot import it.
    monkeypatch.setattr(log_delivery_v2, "parquet_available", lambda: False)
    distribution_id, domain = create_distribution(aws, protocol="allow-all", logging=False)
    v2_delivery(aws, distribution_id, MINIMAL, output_format="parquet")
    traffic(aws, domain)
    flush(aws)
    dropped = deliveries(aws)
    assert dropped and set(dropped) == {("DropLogFile", V2_BUCKET, "ParquetUnavailable")}, dropped
    assert v2_files(aws) == {}
