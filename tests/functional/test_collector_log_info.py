"""clickstream.collectors.collector_log_info against the strict local AWS: gzip log files in a log bucket, read back."""

import datetime
import gzip

import pytest

MODULE = "clickstream.collectors.collector_log_info"
BUCKET = "acme-clickstream-logs"
DIST = "E2QWRUHAPOMQZL"
OTHER_DIST = "E3OTHERDISTRIB"
FIELDS = (
    "date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) "
    "cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken "
    "x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type cs-protocol-version fle-status "
    "fle-encrypted-fields c-port time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len "
    "sc-range-start sc-range-end"
)
UA = "Mozilla/5.0%20(X11;%20Linux%20x86_64)%20AppleWebKit/537.36%20(KHTML,%20like%20Gecko)%20Chrome/124.0.0.0%20Safari/537.36"
MARKER = "collector-check-7f3a"
# Snowplow JavaScript tracker v4 GET /i query strings, as the browser sends them (encodeURIComponent).
PAGE_VIEW = (
    "e=pv&url=https%3A%2F%2Fwww.example.com%2Fpricing%3Fplan%3Dpro&page=Pricing%20%7C%20Acme&tv=js-4.1.0&tna=sp"
    "&aid=acme-web&p=web&eid=6f3c1b2a-8d4e-4f5a-9b6c-7d8e9f0a1b2c&dtm=1714557600412&vid=1"
    "&duid=0b4f3c2e-1d7a-4c5b-8e9f-a0b1c2d3e4f5&sid=9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d&stm=1714557600415"
)
MARKED = f"e=se&se_ca=collector&se_ac=check&se_la={MARKER}&tv=js-4.1.0&aid=acme-web&p=web&eid=0d6f1c2b-3a4e-4b5c-9d8e-7f6a5b4c3d2e"


def record(date, time, query, status="200"):
    """One 33-field record of GET /i as CloudFront logs it: '%' in the query becomes %25."""
    values = [
        date, time, "FRA56-P1", "467", "192.0.2.10", "GET", "d111111abcdef8.cloudfront.net", "/i", status,
        "https://www.example.com/pricing", UA, query.replace("%", "%25"), "-", "Hit",
        "vHql4ZhKJSl8yUJZuCrmvwBuVGmmgizVsKoo8lfPIn-ts0gR4g7KmA==", "d111111abcdef8.cloudfront.net", "https", "1120",
        "0.001", "-", "TLSv1.3", "TLS_AES_128_GCM_SHA256", "Hit", "HTTP/2.0", "-", "-", "51234", "0.001", "Hit",
        "image/gif", "43", "-", "-",
    ]
    return "\t".join(values)


def log_file(*records):
    return gzip.compress(("#Version: 1.0\n#Fields: " + FIELDS + "\n" + "\n".join(records) + "\n").encode())


def put_logs(strict_aws):
    s3 = strict_aws.boto3_client("s3")
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    files = {
        f"cloudfront/{DIST}.2024-05-01-09.a1b2c3d4.gz": log_file(record("2024-05-01", "09:58:00", PAGE_VIEW)),
        f"cloudfront/{DIST}.2024-05-01-10.e5f6a7b8.gz": log_file(
            record("2024-05-01", "10:00:01", PAGE_VIEW),
            record("2024-05-01", "10:00:02", MARKED),
            record("2024-05-01", "10:40:00", MARKED),
        ),
        f"cloudfront/{OTHER_DIST}.2024-05-01-10.c9d0e1f2.gz": log_file(record("2024-05-01", "10:00:03", MARKED)),
    }
    for key, body in files.items():
        s3.put_object(Bucket=BUCKET, Key=key, Body=body)
    return files


def test_reads_decodes_and_filters_without_writing(strict_aws, run_module):
    put_logs(strict_aws)
    baseline = len(strict_aws.writes())
    args = {
        "bucket": BUCKET,
        "prefix": "cloudfront/",
        "distribution_id": DIST,
        "since": "2024-05-01T10:00:00Z",
        "until": "2024-05-01T10:30:00Z",
    }

    result = run_module(MODULE, args)
    assert not result.get("failed"), result
    assert result["changed"] is False
    # Hour 09 is outside the window: listed from hour 10 on, never downloaded; the other distribution is not listed.
    assert [f["key"] for f in result["files"]] == [f"cloudfront/{DIST}.2024-05-01-10.e5f6a7b8.gz"]
    assert result["files"][0]["records"] == 3 and result["files"][0]["matched"] == 2
    reads = [c for c in strict_aws.calls() if c["operation"] == "GetObject"]
    assert [c["path"].rsplit("/", 1)[-1] for c in reads] == [f"{DIST}.2024-05-01-10.e5f6a7b8.gz"]
    assert result["matched"] == 2 and result["events"] == 2
    marked, page_view = result["records"]
    assert page_view["timestamp"] == "2024-05-01T10:00:01Z"
    assert page_view["cs_uri_stem"] == "/i" and page_view["sc_status"] == 200
    assert page_view["cs_uri_query"].startswith("e=pv&url=https%253A%252F%252Fwww.example.com")
    assert page_view["query_string"] == PAGE_VIEW
    assert page_view["user_agent"].startswith("Mozilla/5.0 (X11; Linux x86_64)")
    tracker = page_view["tracker"]
    assert tracker["event"] == "page_view" and tracker["e"] == "pv"
    assert tracker["event_id"] == "6f3c1b2a-8d4e-4f5a-9b6c-7d8e9f0a1b2c"
    assert tracker["app_id"] == "acme-web" and tracker["platform"] == "web" and tracker["v_tracker"] == "js-4.1.0"
    assert tracker["page_url"] == "https://www.example.com/pricing?plan=pro"
    assert tracker["page_title"] == "Pricing | Acme"
    assert tracker["dvce_created_tstamp"] == "2024-05-01T10:00:00.412Z"
    assert tracker["dvce_sent_tstamp"] == "2024-05-01T10:00:00.415Z"
    assert marked["tracker"]["event"] == "struct" and marked["tracker"]["se_label"] == MARKER

    checked = run_module(MODULE, args, check=True)
    assert not checked.get("failed"), checked
    assert checked["records"] == result["records"] and checked["files"] == result["files"]
    assert strict_aws.writes()[baseline:] == []


def test_marker_across_distributions_newest_first(strict_aws, run_module):
    put_logs(strict_aws)
    baseline = len(strict_aws.writes())
    result = run_module(MODULE, {"bucket": BUCKET, "prefix": "cloudfront/", "marker": MARKER})
    assert not result.get("failed"), result
    assert result["listed"] == 3 and len(result["files"]) == 3
    assert [(r["timestamp"], r["log_file"].split("/")[1].split(".")[0]) for r in result["records"]] == [
        ("2024-05-01T10:40:00Z", DIST),
        ("2024-05-01T10:00:03Z", OTHER_DIST),
        ("2024-05-01T10:00:02Z", DIST),
    ]
    assert all(r["tracker"]["se_label"] == MARKER for r in result["records"])
    assert strict_aws.writes()[baseline:] == []


def test_relative_since_reads_the_current_hour_only(strict_aws, run_module):
    s3 = strict_aws.boto3_client("s3")
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    now = datetime.datetime.now(datetime.timezone.utc)
    old = now - datetime.timedelta(hours=3)
    for moment in (now, old):
        key = f"cloudfront/{DIST}.{moment:%Y-%m-%d-%H}.{moment:%H}abc.gz"
        s3.put_object(Bucket=BUCKET, Key=key, Body=log_file(record(f"{moment:%Y-%m-%d}", f"{moment:%H:%M:%S}", MARKED)))
    result = run_module(MODULE, {"bucket": BUCKET, "prefix": "cloudfront/", "since": "-15m"})
    assert not result.get("failed"), result
    assert [f["hour"] for f in result["files"]] == [f"{now:%Y-%m-%dT%H}:00:00Z"]
    assert result["matched"] == 1 and result["outside_window"] == 1


def test_missing_bucket_names_it(strict_aws, run_module):
    result = run_module(MODULE, {"bucket": "no-such-clickstream-logs", "prefix": "cloudfront/"})
    assert result.get("failed") is True
    assert "Bucket no-such-clickstream-logs does not exist (NoSuchBucket)" in result["msg"]
    assert strict_aws.writes() == []


@pytest.mark.parametrize("output_format", ["json", "parquet"])
def test_v2_files_at_hive_keys(strict_aws, run_module, output_format):
    # pylint: disable=import-outside-toplevel
    from tests.functional.test_query_logs import send_events
    from tests.strict_aws.test_edge import create_distribution, with_buckets
    from tests.strict_aws.test_edge_v2_logs import MINIMAL, V2_BUCKET, v2_delivery
    aws = with_buckets(strict_aws)
    distribution_id, domain = create_distribution(aws, protocol="allow-all", logging=False)
    v2_delivery(aws, distribution_id, MINIMAL, output_format=output_format)
    sent = send_events(aws, domain)
    before = len(strict_aws.writes())
    args = {"bucket": V2_BUCKET, "prefix": "cloudfront", "log_delivery": "v2", "distribution_id": distribution_id, "since": "-1h"}
    result = run_module(MODULE, args)
    assert not result.get("failed"), result.get("msg")
    assert result["files"] and all(f["key"].startswith(f"cloudfront/DistributionId={distribution_id}/year=") for f in result["files"])
    assert all(f["key"].endswith(".parquet" if output_format == "parquet" else ".gz") and f["distribution_id"] == distribution_id
               for f in result["files"])
    events = sorted(r["tracker"]["event_id"] for r in result["records"] if r["tracker"]["e"])
    assert events == sorted(row["event_id"] for row in sent)
    assert all(r["c_country"] == "DE" and "c_ip" not in r for r in result["records"])
    assert result["events"] == 3 and strict_aws.writes()[before:] == []
    # The legacy layout under the same prefix finds none of them (the v2 option is what reads them).
    legacy = run_module(MODULE, dict(args, log_delivery="legacy"))
    assert legacy["files"] == [] and legacy["records"] == []
