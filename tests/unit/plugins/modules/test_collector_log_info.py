# -*- coding: utf-8 -*-

# Copyright: clickstream.collectors contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""collector_log_info: which files are listed and read, the filters, and the error paths with the real AWS error codes."""

import datetime
import gzip
import io

import boto3
import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper
from ansible_collections.clickstream.collectors.plugins.module_utils.s3_access import S3_RETRY_CODES
from ansible_collections.clickstream.collectors.plugins.modules import collector_log_info
from ansible_collections.clickstream.collectors.tests.unit.plugins.module_utils.test_access_logs import HEADER
from ansible_collections.clickstream.collectors.tests.unit.plugins.module_utils.test_access_logs import STRUCT_QUERY
from ansible_collections.clickstream.collectors.tests.unit.plugins.module_utils.test_access_logs import TRACKER_QUERY
from ansible_collections.clickstream.collectors.tests.unit.plugins.module_utils.test_access_logs import tracker_line
from ansible_collections.clickstream.collectors.tests.unit.plugins.modules.module_double import Failed
from ansible_collections.clickstream.collectors.tests.unit.plugins.modules.module_double import fake_module

UTC = datetime.timezone.utc
DIST = "E2QWRUHAPOMQZL"
DEFAULTS = {
    "bucket": "acme-clickstream-logs",
    "prefix": "cloudfront/",
    "distribution_id": None,
    "log_delivery": "legacy",
    "since": None,
    "until": None,
    "marker": None,
    "max_files": 20,
    "max_records": 100,
}


def key(hour, unique="a1b2c3d4", dist=DIST):
    return f"cloudfront/{dist}.{hour}.{unique}.gz"


def log_object(hour, unique="a1b2c3d4", delivered_minutes=20, dist=DIST):
    start = datetime.datetime.strptime(hour, "%Y-%m-%d-%H").replace(tzinfo=UTC)
    return {"Key": key(hour, unique, dist), "LastModified": start + datetime.timedelta(minutes=delivered_minutes), "Size": 512, "ETag": '"e"'}


def gz(*lines):
    return gzip.compress((HEADER + "".join(lines)).encode())


class Env:
    """A stubbed S3 client wrapped as module.client(..., retry_decorator=...) wraps it, and a module double."""

    def __init__(self, **params):
        s3 = boto3.client("s3", region_name="eu-west-1", aws_access_key_id="k", aws_secret_access_key="s")
        self.stub = Stubber(s3)
        retry = AWSRetry.jittered_backoff(retries=3, delay=0.01, max_delay=0.02, catch_extra_error_codes=list(S3_RETRY_CODES))
        self.client = RetryingBotoClientWrapper(s3, retry)
        self.module = fake_module(DEFAULTS, params)

    def listing(self, objects, prefix="cloudfront/", token=None, next_token=None, start_after=None):
        expected = {"Bucket": DEFAULTS["bucket"], "Prefix": prefix}
        if start_after:
            expected["StartAfter"] = start_after
        if token:
            expected["ContinuationToken"] = token
        response = {"Contents": objects, "IsTruncated": bool(next_token), "KeyCount": len(objects)}
        if next_token:
            response["NextContinuationToken"] = next_token
        self.stub.add_response("list_objects_v2", response, expected)

    def download(self, obj_key, data):
        body = StreamingBody(io.BytesIO(data), len(data))
        self.stub.add_response("get_object", {"Body": body, "ContentLength": len(data)}, {"Bucket": DEFAULTS["bucket"], "Key": obj_key})

    def run(self):
        with self.stub:
            changed, result = collector_log_info.run(self.client, self.module)
            self.stub.assert_no_pending_responses()
        return dict(result, changed=changed)


def test_pages_are_followed_and_the_newest_files_read_first():
    env = Env(max_files=2)
    env.listing([log_object("2024-05-01-08"), log_object("2024-05-01-09")], next_token="t1")
    env.listing([log_object("2024-05-01-10"), {"Key": "cloudfront/notes.txt", "LastModified": datetime.datetime(2024, 5, 2, tzinfo=UTC), "Size": 3}],
                token="t1")
    env.download(key("2024-05-01-10"), gz(tracker_line(TRACKER_QUERY, time="10:00:01")))
    env.download(key("2024-05-01-09"), gz(tracker_line(STRUCT_QUERY, time="09:59:59"), tracker_line(TRACKER_QUERY, time="09:10:00")))
    result = env.run()
    assert result["changed"] is False
    assert result["listed"] == 3  # notes.txt is not a log file
    assert [f["key"] for f in result["files"]] == [key("2024-05-01-10"), key("2024-05-01-09")]
    assert result["files"][1] == {
        "key": key("2024-05-01-09"), "distribution_id": DIST, "hour": "2024-05-01T09:00:00Z",
        "last_modified": "2024-05-01T09:20:00Z", "size": 512, "records": 2, "matched": 2,
    }
    assert [r["timestamp"] for r in result["records"]] == ["2024-05-01T10:00:01Z", "2024-05-01T09:59:59Z", "2024-05-01T09:10:00Z"]
    assert result["matched"] == 3 and result["events"] == 3 and result["truncated"] is False
    newest = result["records"][0]
    assert newest["log_file"] == key("2024-05-01-10")
    assert newest["cs_uri_stem"] == "/i" and newest["sc_status"] == 200
    assert newest["tracker"]["event"] == "page_view"
    assert newest["tracker"]["page_title"] == "Pricing | Acme Analytics"
    assert result["records"][1]["tracker"]["se_action"] == "play"


def test_files_outside_the_window_are_not_downloaded():
    env = Env(since="2024-05-01T09:30:00Z", until="2024-05-01T10:15:00Z")
    env.listing([log_object(h) for h in ("2024-05-01-08", "2024-05-01-09", "2024-05-01-10", "2024-05-01-11")])
    # Only hours 09 and 10 can hold requests between 09:30 and 10:15; the stub fails on any other GetObject.
    env.download(key("2024-05-01-10"), gz(tracker_line(TRACKER_QUERY, time="10:00:01"), tracker_line(TRACKER_QUERY, time="10:20:00")))
    env.download(key("2024-05-01-09"), gz(tracker_line(TRACKER_QUERY, time="09:29:59"), tracker_line(TRACKER_QUERY, time="09:30:00")))
    result = env.run()
    assert result["listed"] == 4 and result["outside_window"] == 2
    assert [r["timestamp"] for r in result["records"]] == ["2024-05-01T10:00:01Z", "2024-05-01T09:30:00Z"]
    assert [(f["records"], f["matched"]) for f in result["files"]] == [(2, 1), (2, 1)]
    assert (result["since"], result["until"]) == ("2024-05-01T09:30:00Z", "2024-05-01T10:15:00Z")


def test_a_late_delivery_is_found_by_the_hour_in_its_name():
    # Delivered 20 hours after the requests: newest by LastModified, still named after hour 08.
    env = Env(since="2024-05-01T08:00:00Z", until="2024-05-01T08:59:59Z")
    env.listing([log_object("2024-05-01-08", "late", delivered_minutes=20 * 60), log_object("2024-05-01-09")])
    env.download(key("2024-05-01-08", "late"), gz(tracker_line(TRACKER_QUERY, time="08:15:00")))
    result = env.run()
    assert [f["key"] for f in result["files"]] == [key("2024-05-01-08", "late")]
    assert result["matched"] == 1


def test_one_distribution_lists_from_the_hour_of_since_and_stops_after_until():
    env = Env(distribution_id=DIST, since="2024-05-01T10:05:00Z", until="2024-05-01T10:30:00Z")
    prefix = f"cloudfront/{DIST}."
    env.listing([log_object("2024-05-01-10"), log_object("2024-05-01-11")], prefix=prefix, next_token="more",
                start_after=f"{prefix}2024-05-01-10")
    # No second page is requested: keys sort by hour, 11 is past `until`.
    env.download(key("2024-05-01-10"), gz(tracker_line(TRACKER_QUERY, time="10:06:00")))
    result = env.run()
    assert result["listed"] == 1
    assert result["matched"] == 1


def test_marker_filter_and_max_records():
    env = Env(marker="smoke-test-42", max_records=1)
    env.listing([log_object("2024-05-01-10")])
    marked = "e=pv&page=Collector%20check%20smoke-test-42&tv=js-4.1.0"
    env.download(key("2024-05-01-10"), gz(
        tracker_line(TRACKER_QUERY, time="10:00:01"),
        tracker_line(marked, time="10:00:02"),
        tracker_line("smoke=smoke-test-42", time="10:00:03"),
    ))
    result = env.run()
    assert result["matched"] == 2 and result["truncated"] is True
    assert result["events"] == 1  # the bare smoke request carries no tracker event
    assert len(result["records"]) == 1 and result["records"][0]["query_string"] == "smoke=smoke-test-42"
    assert result["files"][0]["matched"] == 2


def test_throttling_is_retried():
    env = Env()
    env.stub.add_client_error("list_objects_v2", "SlowDown", "Please reduce your request rate.", http_status_code=503)
    env.listing([])
    result = env.run()
    assert result["files"] == [] and result["records"] == []


def test_missing_bucket_names_it_and_the_variable():
    env = Env()
    env.stub.add_client_error("list_objects_v2", "NoSuchBucket", "The specified bucket does not exist", http_status_code=404)
    with pytest.raises(Failed) as failed:
        env.run()
    message = str(failed.value)
    assert "Bucket acme-clickstream-logs does not exist (NoSuchBucket)" in message
    assert "cloudfront_collector_log_bucket" in message


def test_access_denied_on_listing_names_the_permissions():
    env = Env()
    env.stub.add_client_error("list_objects_v2", "AccessDenied", "Access Denied", http_status_code=403)
    with pytest.raises(Failed) as failed:
        env.run()
    message = str(failed.value)
    assert "Cannot list the log files under s3://acme-clickstream-logs/cloudfront/: access denied" in message
    assert "s3:ListBucket on arn:aws:s3:::acme-clickstream-logs" in message
    assert "s3:GetObject on arn:aws:s3:::acme-clickstream-logs/cloudfront/*" in message


def test_access_denied_on_a_log_file_names_it_and_the_permissions():
    env = Env()
    env.listing([log_object("2024-05-01-10")])
    env.stub.add_client_error("get_object", "AccessDenied", "Access Denied", http_status_code=403)
    with pytest.raises(Failed) as failed:
        env.run()
    message = str(failed.value)
    assert f"Cannot read the log file s3://acme-clickstream-logs/{key('2024-05-01-10')}: access denied" in message
    assert "s3:GetObject" in message and "kms:Decrypt" in message


def test_removed_or_unreadable_files_are_reported_and_skipped():
    env = Env()
    env.listing([log_object(f"2024-05-01-{h:02d}") for h in (10, 9, 8, 7, 6)])
    env.stub.add_client_error("get_object", "NoSuchKey", "The specified key does not exist.", http_status_code=404)
    env.download(key("2024-05-01-09"), b"PK\x03\x04 not gzip")
    env.download(key("2024-05-01-08"), gz(tracker_line(TRACKER_QUERY, time="08:00:00")[:-40]))  # cut short
    env.download(key("2024-05-01-07"), gzip.compress(b"#Version: 1.0\n")[:-6])
    env.download(key("2024-05-01-06"), gz(tracker_line(TRACKER_QUERY, time="06:00:00")))
    result = env.run()
    errors = [f.get("error") for f in result["files"]]
    assert "NoSuchKey" in errors[0]
    assert errors[1].startswith("not a gzip file")
    assert errors[2] is None and result["files"][2]["records"] == 1
    assert errors[3].startswith("not a readable log file")
    assert errors[4] is None
    assert result["matched"] == 2
    assert env.module.warn.call_count == 3


@pytest.mark.parametrize(
    "params, message",
    [
        ({"since": "yesterday"}, "since: 'yesterday' is not a time"),
        ({"since": "2024-05-02", "until": "2024-05-01"}, "since (2024-05-02T00:00:00Z) is after until (2024-05-01T00:00:00Z)"),
    ],
)
def test_bad_time_window_fails_before_any_aws_call(params, message):
    env = Env(**params)
    with pytest.raises(Failed) as failed:
        env.run()
    assert message in str(failed.value)
