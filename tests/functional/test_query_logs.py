"""The local query (tests/query_logs.py, DuckDB) returns exactly the tracker events sent through the edge, with the
same SQL as Athena, from legacy and standard logging v2 files alike."""

import uuid
from urllib.parse import quote

import pytest

from tests.query_logs import query
from tests.strict_aws.test_edge import create_distribution, flush, view, with_buckets
from tests.strict_aws.log_delivery_v2 import parquet_available
from tests.strict_aws.test_edge_v2_logs import MINIMAL, V2_BUCKET, v2_delivery

PAGES = [("pv", "https://site.example/a?b=c", "Home page"), ("pv", "https://site.example/über", "Über & more"),
         ("se", "https://site.example/cart", "Cart")]


def send_events(aws, domain):  # pylint: disable=redefined-outer-name
    """Tracker-shaped GET /i requests (values encoded as the tracker encodes them), plus one that is not an event."""
    sent = []
    for index, (event, url, title) in enumerate(PAGES):
        event_id = str(uuid.uuid4())
        query_string = (f"e={event}&eid={event_id}&aid=site&p=web&tv=js-4.10.1&dtm=17000000000{index:02d}"
                        f"&url={quote(url, safe='')}&page={quote(title, safe='')}&duid=d-{index}&sid=s-{index}")
        assert view(aws, domain, path=f"/i?{query_string}").status_code == 200
        sent.append({"event_type": event, "event_id": event_id, "app_id": "site", "page_url": url, "page_title": title,
                     "device_timestamp_ms": f"17000000000{index:02d}", "domain_user_id": f"d-{index}", "session_id": f"s-{index}"})
    assert view(aws, domain, path="/i?aid=clickstream-collector-verify&clickstream_verify=x").status_code == 200
    flush(aws)
    return sorted(sent, key=lambda row: row["event_id"])


def events(rows):
    keys = ("event_type", "event_id", "app_id", "page_url", "page_title", "device_timestamp_ms", "domain_user_id", "session_id")
    return sorted(({key: row[key] for key in keys} for row in rows), key=lambda row: row["event_id"])


@pytest.fixture(name="aws")
def fixture_aws(strict_aws):  # pylint: disable=redefined-outer-name
    """The strict AWS with the edge tests' pixel and log buckets."""
    return with_buckets(strict_aws)


def test_legacy_files(aws):  # pylint: disable=redefined-outer-name
    _distribution_id, domain = create_distribution(aws, protocol="allow-all", logging=True)
    sent = send_events(aws, domain)
    assert events(query(aws.s3, "edge-logs", "cf/")) == sent


def test_v2_json_files_at_hive_keys(aws):  # pylint: disable=redefined-outer-name
    distribution_id, domain = create_distribution(aws, protocol="allow-all", logging=False)
    v2_delivery(aws, distribution_id, MINIMAL)
    sent = send_events(aws, domain)
    rows = query(aws.s3, V2_BUCKET, "cloudfront/")
    assert events(rows) == sent
    assert all(row["user_id"] == "" for row in rows)  # absent parameter: '' in DuckDB (NULL in Athena)


@pytest.mark.skipif(not parquet_available(), reason="pyarrow is not installed (make install installs it)")
def test_v2_parquet_files_at_hive_keys(aws):  # pylint: disable=redefined-outer-name
    distribution_id, domain = create_distribution(aws, protocol="allow-all", logging=False)
    v2_delivery(aws, distribution_id, MINIMAL, output_format="parquet")
    sent = send_events(aws, domain)
    keys = [item["Key"] for item in aws.s3.list_objects_v2(Bucket=V2_BUCKET)["Contents"]]
    assert keys and all(key.startswith(f"cloudfront/DistributionId={distribution_id}/year=") and key.endswith(".parquet")
                        for key in keys), keys
    assert events(query(aws.s3, V2_BUCKET, "cloudfront/")) == sent
