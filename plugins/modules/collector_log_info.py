#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: clickstream.collectors contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: collector_log_info
short_description: Read a collector's CloudFront access logs, with the Snowplow tracker events decoded
version_added: 1.1.0
description:
  - Lists the newest CloudFront standard access-log files of a collector in its log bucket (legacy, or standard logging
    v2 JSON or parquet with O(log_delivery=v2)), downloads them
    and returns their records, each with the Snowplow tracker parameters of its query string decoded (event type,
    event id, app id, page URL and title, device timestamps, structured event fields, user and session ids).
  - Read-only. It never writes to AWS, in check mode or not.
  - Log files are named C(<prefix><distribution-id>.YYYY-MM-DD-HH.<unique-id>.gz), after the UTC hour the requests
    occurred in (also when CloudFront delivers them late). Files whose hour lies outside O(since)/O(until) are skipped
    without being downloaded; with O(distribution_id) and O(since) the listing itself starts at that hour.
  - CloudFront logs the query string URL-encoded once more (a tracker's C(%20) is logged as C(%2520)); the module
    undoes that before decoding the parameters, as Snowplow's CloudFront loader does.
  - CloudFront delivers logs on a best-effort basis, usually within an hour of the requests and sometimes up to 24
    hours later. A request that was just made is often not in the logs yet; retry with O(marker) (see EXAMPLES).
author:
  - clickstream.collectors maintainers (@clickstream-collectors)
options:
  bucket:
    description:
      - Name of the log bucket (the collector's C(cloudfront_collector_log_bucket)), not its C(.s3.amazonaws.com) domain.
    type: str
    required: true
  prefix:
    description:
      - The log file prefix exactly as configured on the distribution (the collector's C(cloudfront_collector_log_prefix),
        usually ending in C(/)). CloudFront prepends it to the file name as it is.
    type: str
    default: ""
  distribution_id:
    description:
      - Only the logs of this distribution (its id, for example C(E2QWRUHAPOMQZL)); the listing is narrowed to keys
        starting with C(<prefix><distribution_id>.).
      - Together with O(since) the listing starts at that hour, so S3 does not list older files.
    type: str
  log_delivery:
    description:
      - V(legacy) reads standard (legacy) log files, C(<prefix><distribution-id>.YYYY-MM-DD-HH.<unique-id>.gz).
      - V(v2) reads standard logging v2 files delivered with the Hive-compatible suffix path
        C({DistributionId}/{yyyy}/{MM}/{dd}/{HH}) (the collection's), at
        C(<prefix>/DistributionId=<id>/year=YYYY/month=MM/day=DD/hour=HH/<id>.YYYY-MM-DD-HH.<unique-id>.gz) (JSON, one
        object per line) or C(.parquet) (read with pyarrow, which the controller then needs); O(prefix) is the delivery
        destination's folder. With O(distribution_id) and O(since) the listing starts at that hour's folder.
    type: str
    choices: [legacy, v2]
    default: legacy
    version_added: 1.1.0
  since:
    description:
      - Only requests at or after this time (the log's C(date) and C(time), UTC).
      - ISO 8601 (V(2024-05-01T10:00:00Z), V(2024-05-01T12:00:00+02:00), V(2024-05-01 10:00), V(2024-05-01)); a time
        without a zone is UTC. Or relative to now, V(-15m), V(-2h), V(-7d), V(-30s), V(-1w), or V(now).
    type: str
  until:
    description:
      - Only requests at or before this time. Same forms as O(since).
    type: str
  marker:
    description:
      - Only requests whose query string contains this text, looked for in the query string as logged, as the
        tracker sent it, and in every decoded parameter name and value (so V(smoke test 42) and V(smoke%20test%2042)
        both match a page title C(smoke test 42)).
    type: str
  max_files:
    description:
      - Read at most this many log files, the newest first (by the time S3 last modified them), among those in the
        time window.
    type: int
    default: 20
  max_records:
    description:
      - Return at most this many records, the newest first. RV(matched) still counts them all.
    type: int
    default: 100
notes:
  - Permissions used - C(s3:ListBucket) on the log bucket and C(s3:GetObject) on its log files (plus C(kms:Decrypt) when
    the bucket encrypts with a KMS key).
  - Without O(distribution_id) and O(since), every key under O(prefix) is listed (1000 a request) before the newest are
    chosen. On a bucket holding months of logs, give both, or expire old logs with a lifecycle rule.
  - Standard logging v2 (CloudWatch Logs delivery) writes other formats and file names; this module reads the legacy
    format the collector uses.
  - Supports check mode; it returns the same results as a normal run.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Page views and other events of the last hour
  clickstream.collectors.collector_log_info:
    bucket: acme-clickstream-logs
    prefix: cloudfront/
    since: -1h
  register: collector_logs

- name: Show what happened
  ansible.builtin.debug:
    msg: "{{ item.timestamp }} {{ item.tracker.event }} {{ item.tracker.page_url }} ({{ item.tracker.app_id }})"
  loop: "{{ collector_logs.records }}"
  loop_control:
    label: "{{ item.tracker.event_id }}"

- name: Wait until a marked test request is in the logs (delivery can take an hour on AWS)
  clickstream.collectors.collector_log_info:
    bucket: acme-clickstream-logs
    prefix: cloudfront/
    distribution_id: E2QWRUHAPOMQZL
    since: -2h
    marker: smoke-test-20240501T100000
  register: marked
  until: marked.matched > 0
  retries: 60
  delay: 60

- name: One day of structured events, from the 200 newest files of that day
  clickstream.collectors.collector_log_info:
    bucket: acme-clickstream-logs
    prefix: cloudfront/
    distribution_id: E2QWRUHAPOMQZL
    since: "2024-05-01T00:00:00Z"
    until: "2024-05-01T23:59:59Z"
    marker: e=se
    max_files: 200
    max_records: 1000
  register: day
"""

RETURN = r"""
since:
  description: The start of the time window, ISO 8601 UTC; null when not given.
  returned: always
  type: str
  sample: "2024-05-01T09:00:00Z"
until:
  description: The end of the time window, ISO 8601 UTC; null when not given.
  returned: always
  type: str
  sample: "2024-05-01T10:00:00Z"
listed:
  description: How many log files the listing returned (keys named like CloudFront log files under the prefix).
  returned: always
  type: int
  sample: 12
outside_window:
  description: How many listed log files were skipped, unread, because the hour in their name lies outside the time window.
  returned: always
  type: int
  sample: 9
files:
  description: The log files read, the newest first (at most O(max_files)).
  returned: always
  type: list
  elements: dict
  contains:
    key:
      description: The object key.
      type: str
      sample: cloudfront/E2QWRUHAPOMQZL.2024-05-01-10.a1b2c3d4.gz
    distribution_id:
      description: The distribution id in the file name.
      type: str
      sample: E2QWRUHAPOMQZL
    hour:
      description: The UTC hour in the file name, the start of the hour its requests occurred in.
      type: str
      sample: "2024-05-01T10:00:00Z"
    last_modified:
      description: When S3 last modified the object (its delivery), ISO 8601 UTC.
      type: str
      sample: "2024-05-01T10:23:42Z"
    size:
      description: The object size in bytes (gzip).
      type: int
      sample: 1432
    records:
      description: How many records the file holds.
      type: int
      sample: 7
    matched:
      description: How many of them passed the time and marker filters.
      type: int
      sample: 2
    error:
      description: Why the file could not be read (not gzip, removed since the listing); absent when it was read.
      type: str
      returned: when the file could not be read
      sample: "removed since the listing (NoSuchKey), for example by a lifecycle rule"
matched:
  description: How many records, in the files read, passed the time and marker filters.
  returned: always
  type: int
  sample: 2
events:
  description: How many of the matched records are Snowplow tracker events (their query string has an C(e) parameter).
  returned: always
  type: int
  sample: 2
truncated:
  description: Whether more records matched than O(max_records) let the module return.
  returned: always
  type: bool
  sample: false
records:
  description:
    - The matched records, the newest first (at most O(max_records)).
    - Every field of the log line under a snake_case name (C(cs(User-Agent)) is C(cs_user_agent), C(x-edge-location) is
      C(x_edge_location)), as logged (URL-encoded where CloudFront encodes), with null for C(-), and numbers as numbers.
      Files from before CloudFront added fields have fewer of them.
  returned: always
  type: list
  elements: dict
  contains:
    log_file:
      description: The key of the log file holding the record.
      type: str
      sample: cloudfront/E2QWRUHAPOMQZL.2024-05-01-10.a1b2c3d4.gz
    timestamp:
      description: When the request was served, from C(date) and C(time), ISO 8601 UTC.
      type: str
      sample: "2024-05-01T10:00:01Z"
    date:
      description: The C(date) field (UTC).
      type: str
      sample: "2024-05-01"
    time:
      description: The C(time) field (UTC).
      type: str
      sample: "10:00:01"
    x_edge_location:
      description: The edge location that served the request.
      type: str
      sample: FRA56-P1
    c_ip:
      description: The viewer's IP address.
      type: str
      sample: 192.0.2.10
    cs_method:
      description: The HTTP method.
      type: str
      sample: GET
    cs_host:
      description: The distribution's domain name (C(cs(Host))).
      type: str
      sample: d111111abcdef8.cloudfront.net
    cs_uri_stem:
      description: The path.
      type: str
      sample: /i
    sc_status:
      description: The HTTP status sent to the viewer.
      type: int
      sample: 200
    cs_uri_query:
      description: The query string as logged (CloudFront's extra encoding included); null when there was none.
      type: str
      sample: e=pv&page=Pricing%2520%257C%2520Acme&tv=js-4.1.0
    cs_user_agent:
      description: The User-Agent header as logged (URL-encoded).
      type: str
      sample: Mozilla/5.0%20(X11;%20Linux%20x86_64)
    x_edge_result_type:
      description: How CloudFront classified the response (C(Hit), C(Miss), C(Error)...).
      type: str
      sample: Hit
    cs_protocol:
      description: The viewer's protocol, C(http) or C(https).
      type: str
      sample: https
    query_string:
      description: The query string as the tracker sent it (CloudFront's extra C(%25) encoding undone).
      type: str
      sample: e=pv&page=Pricing%20%7C%20Acme&tv=js-4.1.0
    user_agent:
      description: The User-Agent header as the viewer sent it (decoded).
      type: str
      sample: Mozilla/5.0 (X11; Linux x86_64)
    referer:
      description: The Referer header as the viewer sent it (decoded); null when there was none.
      type: str
      sample: https://www.example.com/pricing
    tracker:
      description:
        - The Snowplow tracker event in the query string, under Snowplow's canonical field names; every key is present,
          null when its parameter is absent (all of them for a request without tracker parameters).
      type: dict
      contains:
        e:
          description: The event code (C(e)) - C(pv), C(pp), C(se), C(ue), C(tr), C(ti).
          type: str
          sample: pv
        event:
          description: The event type - C(page_view), C(page_ping), C(struct), C(unstruct), C(transaction), C(transaction_item).
          type: str
          sample: page_view
        event_id:
          description: The event id (C(eid)), a UUID set by the tracker.
          type: str
          sample: 6f3c1b2a-8d4e-4f5a-9b6c-7d8e9f0a1b2c
        app_id:
          description: The application id (C(aid)).
          type: str
          sample: acme-web
        platform:
          description: The platform (C(p)), for example C(web).
          type: str
          sample: web
        v_tracker:
          description: The tracker version (C(tv)).
          type: str
          sample: js-4.1.0
        name_tracker:
          description: The tracker namespace (C(tna)).
          type: str
          sample: sp
        page_url:
          description: The page URL (C(url)), decoded.
          type: str
          sample: https://www.example.com/pricing?plan=pro
        page_title:
          description: The page title (C(page)), decoded.
          type: str
          sample: Pricing | Acme
        page_referrer:
          description: The page's referrer (C(refr)), decoded.
          type: str
          sample: https://www.example.com/
        dvce_created_tstamp:
          description: When the tracker created the event (C(dtm), milliseconds), ISO 8601 UTC.
          type: str
          sample: "2024-05-01T10:00:00.412Z"
        dvce_sent_tstamp:
          description: When the tracker sent the event (C(stm), milliseconds), ISO 8601 UTC.
          type: str
          sample: "2024-05-01T10:00:00.415Z"
        se_category:
          description: Structured event category (C(se_ca)).
          type: str
          sample: video
        se_action:
          description: Structured event action (C(se_ac)).
          type: str
          sample: play
        se_label:
          description: Structured event label (C(se_la)).
          type: str
          sample: intro
        se_property:
          description: Structured event property (C(se_pr)).
          type: str
          sample: autoplay
        se_value:
          description: Structured event value (C(se_va)), a number.
          type: float
          sample: 12.5
        user_id:
          description: The business user id (C(uid)).
          type: str
          sample: customer-42
        domain_userid:
          description: The tracker's cookie user id (C(duid)).
          type: str
          sample: 0b4f3c2e-1d7a-4c5b-8e9f-a0b1c2d3e4f5
        domain_sessionid:
          description: The session id (C(sid)).
          type: str
          sample: 9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d
        domain_sessionidx:
          description: The session index (C(vid)), a number.
          type: int
          sample: 3
        os_timezone:
          description: The browser's time zone (C(tz)).
          type: str
          sample: Europe/Berlin
        br_lang:
          description: The browser's language (C(lang)).
          type: str
          sample: en-GB
        unstruct_event:
          description: The self-describing event (C(ue_pr), or C(ue_px) base64), parsed JSON; null when absent or invalid.
          type: dict
          sample: {"schema": "iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0", "data": {}}
        contexts:
          description: The context entities (C(co), or C(cx) base64), parsed JSON; null when absent or invalid.
          type: dict
          sample: {"schema": "iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-0", "data": []}
        params:
          description: Every query parameter, decoded (the last value of a repeated name).
          type: dict
          sample: {"e": "pv", "page": "Pricing | Acme", "tv": "js-4.1.0"}
"""

import datetime
import zlib

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.clickstream.collectors.plugins.module_utils import access_logs
from ansible_collections.clickstream.collectors.plugins.module_utils.errors import ACCESS_DENIED
from ansible_collections.clickstream.collectors.plugins.module_utils.errors import ErrorHandler
from ansible_collections.clickstream.collectors.plugins.module_utils.errors import fail
from ansible_collections.clickstream.collectors.plugins.module_utils.s3_access import s3_client

HOUR_KEY_FORMAT = "%Y-%m-%d-%H"
PERMISSIONS = (
    "access denied (AccessDenied): the caller needs s3:ListBucket on arn:aws:s3:::{bucket} and s3:GetObject on "
    "arn:aws:s3:::{bucket}/{prefix}* (and kms:Decrypt if the bucket encrypts with a KMS key)"
)


def time_window(module):
    """The since/until options as aware UTC datetimes (None when not given); fails on an unreadable time."""
    now = datetime.datetime.now(datetime.timezone.utc)
    bounds = {}
    for name in ("since", "until"):
        value = module.params[name]
        if value is None or not value.strip():
            bounds[name] = None
            continue
        try:
            bounds[name] = access_logs.parse_time(value, now)
        except ValueError as e:
            module.fail_json(msg=f"{name}: {e}")
    if bounds["since"] and bounds["until"] and bounds["since"] > bounds["until"]:
        module.fail_json(
            msg=(
                f"since ({access_logs.iso8601(bounds['since'])}) is after until ({access_logs.iso8601(bounds['until'])}): "
                "no request can be in that window"
            )
        )
    return bounds["since"], bounds["until"]


def key_prefix_of(module):
    """The prefix the log file keys start with: as given for legacy files; a folder (``a/b/``) for v2 deliveries, whose
    destination prefix AWS keeps without its slashes."""
    prefix = module.params["prefix"]
    if module.params["log_delivery"] == "v2":
        folder = (prefix or "").strip("/")
        return folder + "/" if folder else ""
    return prefix


def listing_scope(module, since):
    """(key prefix to list, StartAfter or None). StartAfter only for one distribution, whose keys sort by hour."""
    prefix, distribution_id = key_prefix_of(module), module.params["distribution_id"]
    if not distribution_id:
        return prefix, None
    if module.params["log_delivery"] == "v2":
        # Keys of one distribution sort by hour: DistributionId=<id>/year=YYYY/month=MM/day=DD/hour=HH/<file>.
        key_prefix = f"{prefix}DistributionId={distribution_id}/"
        return key_prefix, (key_prefix + since.strftime("year=%Y/month=%m/day=%d/hour=%H/")) if since else None
    key_prefix = f"{prefix}{distribution_id}."
    if since is None:
        return key_prefix, None
    # Keys of the hour of `since` sort after "<key_prefix>YYYY-MM-DD-HH" (they continue with ".<unique-id>.gz").
    return key_prefix, key_prefix + since.strftime(HOUR_KEY_FORMAT)


@ErrorHandler.common_error_handler(
    "list the log files under s3://{bucket}/{key_prefix}",
    {
        "NoSuchBucket": (
            "Bucket {bucket} does not exist (NoSuchBucket): give the collector's log bucket (cloudfront_collector_log_bucket), "
            "the bucket name without .s3.amazonaws.com"
        ),
        ACCESS_DENIED: PERMISSIONS,
    },
)
def list_log_files(client, bucket, prefix, key_prefix, start_after=None, until=None):
    """Every log file object under ``key_prefix``: a list of (object, parsed name).

    ``until`` is given only for one distribution's keys, which sort by hour: the listing stops at the first key after it.
    That is why this is not amazon.aws's list_bucket_object_keys or paginated_query_with_retries, which read every page.
    """
    params = dict({"Bucket": bucket, "Prefix": key_prefix}, **({"StartAfter": start_after} if start_after else {}))
    found = []
    while True:
        response = client.list_objects_v2(aws_retry=True, **params)
        for obj in response.get("Contents", []):
            name = access_logs.parse_log_key(obj["Key"], prefix)
            if name is None:
                continue
            if until is not None and name["hour"] > until:
                return found
            found.append((obj, name))
        if not response.get("IsTruncated"):
            return found
        params["ContinuationToken"] = response["NextContinuationToken"]


def handle_files(client, module, since, until):
    """Choose the log files to read: in the window by the hour in their name, the newest first. -> (changed, result)"""
    params = module.params
    key_prefix, start_after = listing_scope(module, since)
    found = list_log_files(client, params["bucket"], key_prefix_of(module), key_prefix, start_after,
                           until if params["distribution_id"] else None)
    in_window = [(obj, name) for obj, name in found if access_logs.hour_in_window(name["hour"], since, until)]
    in_window.sort(key=lambda item: (item[0]["LastModified"], item[0]["Key"]), reverse=True)
    chosen = in_window[: params["max_files"]]
    files = [
        {
            "key": obj["Key"],
            "distribution_id": name["distribution_id"],
            "hour": access_logs.iso8601(name["hour"]),
            "last_modified": access_logs.iso8601(obj["LastModified"]),
            "size": obj.get("Size", 0),
        }
        for obj, name in chosen
    ]
    return False, {"files": files, "listed": len(found), "outside_window": len(found) - len(in_window)}


@ErrorHandler.common_error_handler("read the log file s3://{bucket}/{key}", {ACCESS_DENIED: PERMISSIONS})
def read_log_file(client, bucket, prefix, key):
    """The parsed entries of one log file, or (None, reason) when it cannot be read.

    Not amazon.aws's get_s3_object_content: its retries leave out SlowDown, which a module reading many files meets first.
    """
    try:
        body = client.get_object(aws_retry=True, Bucket=bucket, Key=key)["Body"].read()
    except is_boto3_error_code("NoSuchKey"):
        return None, "removed since the listing (NoSuchKey), for example by a lifecycle rule"
    if key.endswith(".parquet"):
        try:
            return access_logs.parse_parquet_log(body), None
        except ImportError:
            return None, "a parquet file: reading it needs pyarrow on the controller (pip install pyarrow)"
        except (ValueError, OSError) as e:  # pyarrow's ArrowInvalid and ArrowIOError for a damaged file
            return None, f"not a readable parquet file: {e}"
    if body[:2] != access_logs.GZIP_MAGIC:
        return None, "not a gzip file (CloudFront writes its log files gzip-compressed)"
    try:
        return access_logs.parse_any_log(body, key), None
    except (OSError, EOFError, zlib.error, ValueError) as e:
        return None, f"not a readable log file: {e}"


def entry_matches(entry, since, until, marker):
    if (since is not None or until is not None) and not access_logs.time_in_window(access_logs.request_time(entry), since, until):
        return False
    return marker is None or access_logs.query_contains(entry, marker)


def handle_records(client, module, files, since, until):
    """Read the chosen files and keep the records in the window carrying the marker. -> (changed, result)"""
    marker = module.params["marker"] or None
    records = []
    for item in files:
        entries, error = read_log_file(client, module.params["bucket"], key_prefix_of(module), item["key"])
        if entries is None:
            item.update(records=0, matched=0, error=error)
            module.warn(f"Skipped s3://{module.params['bucket']}/{item['key']}: {error}")
            continue
        matched = [entry for entry in entries if entry_matches(entry, since, until, marker)]
        item.update(records=len(entries), matched=len(matched))
        for entry in matched:
            record = access_logs.to_record(entry)
            record["log_file"] = item["key"]
            records.append(record)
    # Newest first; a record without a readable time last.
    records.sort(key=lambda r: r["timestamp"] or "", reverse=True)
    events = sum(1 for r in records if r["tracker"]["e"])
    limit = module.params["max_records"]
    return False, {"records": records[:limit], "matched": len(records), "events": events, "truncated": len(records) > limit}


def run(client, module):
    """The files in the window and their matching records. -> (changed, result); it never writes."""
    since, until = time_window(module)
    changed, result = handle_files(client, module, since, until)
    changed_records, records = handle_records(client, module, result["files"], since, until)
    result.update(records, since=access_logs.iso8601(since), until=access_logs.iso8601(until))
    return changed or changed_records, result


def main():
    argument_spec = dict(
        bucket=dict(type="str", required=True),
        prefix=dict(type="str", default=""),
        distribution_id=dict(type="str"),
        log_delivery=dict(type="str", choices=["legacy", "v2"], default="legacy"),
        since=dict(type="str"),
        until=dict(type="str"),
        marker=dict(type="str"),
        max_files=dict(type="int", default=20),
        max_records=dict(type="int", default=100),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    for name in ("max_files", "max_records"):
        if module.params[name] < 1:
            module.fail_json(msg=f"{name} must be at least 1, got {module.params[name]}")
    try:
        changed, result = run(s3_client(module), module)
    except AnsibleAWSError as e:
        fail(module, e)
    module.exit_json(changed=changed, **result)


if __name__ == "__main__":
    main()
