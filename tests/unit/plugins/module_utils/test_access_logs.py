# -*- coding: utf-8 -*-

# Copyright: clickstream.collectors contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""access_logs on real log lines: AWS's example file, older 24-field files, tracker requests as CloudFront logs them."""

import datetime
import gzip
import json

import pytest

from ansible_collections.clickstream.collectors.plugins.module_utils import access_logs

UTC = datetime.timezone.utc
HEADER = "#Version: 1.0\n#Fields: " + " ".join(access_logs.FIELDS) + "\n"

# The example log file of the CloudFront Developer Guide ("Standard log file format"), byte for byte:
# tab-separated, and its third record ends with a stray tab (34 values for 33 fields).
AWS_EXAMPLE = HEADER + (
    "2019-12-04\t21:02:31\tLAX1\t392\t192.0.2.100\tGET\td111111abcdef8.cloudfront.net\t/index.html\t200\t-\t"
    "Mozilla/5.0%20(Windows%20NT%2010.0;%20Win64;%20x64)%20AppleWebKit/537.36%20(KHTML,%20like%20Gecko)%20Chrome/78.0.3904.108%20Safari/537.36"
    "\t-\t-\tHit\tSOX4xwn4XV6Q4rgb7XiVGOHms_BGlTAC4KyHmureZmBNrjGdRLiNIQ==\td111111abcdef8.cloudfront.net\thttps\t23\t0.001\t-\tTLSv1.2\t"
    "ECDHE-RSA-AES128-GCM-SHA256\tHit\tHTTP/2.0\t-\t-\t11040\t0.001\tHit\ttext/html\t78\t-\t-\n"
    "2019-12-04\t21:02:31\tLAX1\t392\t192.0.2.100\tGET\td111111abcdef8.cloudfront.net\t/index.html\t200\t-\t"
    "Mozilla/5.0%20(Windows%20NT%2010.0;%20Win64;%20x64)%20AppleWebKit/537.36%20(KHTML,%20like%20Gecko)%20Chrome/78.0.3904.108%20Safari/537.36"
    "\t-\t-\tHit\tk6WGMNkEzR5BEM_SaF47gjtX9zBDO2m349OY2an0QPEaUum1ZOLrow==\td111111abcdef8.cloudfront.net\thttps\t23\t0.000\t-\tTLSv1.2\t"
    "ECDHE-RSA-AES128-GCM-SHA256\tHit\tHTTP/2.0\t-\t-\t11040\t0.000\tHit\ttext/html\t78\t-\t-\n"
    "2019-12-04\t21:02:31\tLAX1\t392\t192.0.2.100\tGET\td111111abcdef8.cloudfront.net\t/index.html\t200\t-\t"
    "Mozilla/5.0%20(Windows%20NT%2010.0;%20Win64;%20x64)%20AppleWebKit/537.36%20(KHTML,%20like%20Gecko)%20Chrome/78.0.3904.108%20Safari/537.36"
    "\t-\t-\tHit\tf37nTMVvnKvV2ZSvEsivup_c2kZ7VXzYdjC-GUQZ5qNs-89BlWazbw==\td111111abcdef8.cloudfront.net\thttps\t23\t0.001\t-\tTLSv1.2\t"
    "ECDHE-RSA-AES128-GCM-SHA256\tHit\tHTTP/2.0\t-\t-\t11040\t0.001\tHit\ttext/html\t78\t-\t-\t\n"
    "2019-12-13\t22:36:27\tSEA19-C1\t900\t192.0.2.200\tGET\td111111abcdef8.cloudfront.net\t/favicon.ico\t502\thttp://www.example.com/\t"
    "Mozilla/5.0%20(Windows%20NT%2010.0;%20Win64;%20x64)%20AppleWebKit/537.36%20(KHTML,%20like%20Gecko)%20Chrome/78.0.3904.108%20Safari/537.36"
    "\t-\t-\tError\t1pkpNfBQ39sYMnjjUQjmH2w1wdJnbHYTbag21o_3OfcQgPzdL2RSSQ==\twww.example.com\thttp\t675\t0.102\t-\t-\t-\tError\tHTTP/1.1\t-\t-\t"
    "25260\t0.102\tOriginDnsError\ttext/html\t507\t-\t-\n"
    "2019-12-13\t22:36:26\tSEA19-C1\t900\t192.0.2.200\tGET\td111111abcdef8.cloudfront.net\t/\t502\t-\t"
    "Mozilla/5.0%20(Windows%20NT%2010.0;%20Win64;%20x64)%20AppleWebKit/537.36%20(KHTML,%20like%20Gecko)%20Chrome/78.0.3904.108%20Safari/537.36"
    "\t-\t-\tError\t3AqrZGCnF_g0-5KOvfA7c9XLcf4YGvMFSeFdIetR1N_2y8jSis8Zxg==\twww.example.com\thttp\t735\t0.107\t-\t-\t-\tError\tHTTP/1.1\t-\t-\t"
    "3802\t0.107\tOriginDnsError\ttext/html\t507\t-\t-\n"
    "2019-12-13\t22:37:02\tSEA19-C2\t900\t192.0.2.200\tGET\td111111abcdef8.cloudfront.net\t/\t502\t-\tcurl/7.55.1\t-\t-\tError\t"
    "kBkDzGnceVtWHqSCqBUqtA_cEs2T3tFUBbnBNkB9El_uVRhHgcZfcw==\twww.example.com\thttp\t387\t0.103\t-\t-\t-\tError\tHTTP/1.1\t-\t-\t12644\t0.103\t"
    "OriginDnsError\ttext/html\t507\t-\t-\n"
)

# A Snowplow JavaScript tracker v4 page view (GET /i), as the browser sends the query string: encodeURIComponent
# on every value, so spaces are %20, ':' '/' '?' '=' '&' '|' inside values are %XX.
TRACKER_QUERY = (
    "e=pv&url=https%3A%2F%2Fwww.example.com%2Fpricing%3Fplan%3Dpro%26utm_source%3Dnewsletter"
    "&page=Pricing%20%7C%20Acme%20Analytics&refr=https%3A%2F%2Fwww.google.com%2Fsearch%3Fq%3Dacme%2520analytics"
    "&tv=js-4.1.0&tna=sp&aid=acme-web&p=web&tz=Europe%2FBerlin&lang=en-GB&cs=UTF-8&res=1920x1080&cd=24&cookie=1"
    "&eid=6f3c1b2a-8d4e-4f5a-9b6c-7d8e9f0a1b2c&dtm=1714557600412&vp=1280x720&ds=1265x3200&vid=3"
    "&sid=9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d&duid=0b4f3c2e-1d7a-4c5b-8e9f-a0b1c2d3e4f5&stm=1714557600415"
)
STRUCT_QUERY = (
    "e=se&se_ca=video&se_ac=play&se_la=Intro%20%E2%80%93%20Sp%C3%A4ter&se_pr=autoplay&se_va=12.5"
    "&tv=js-3.24.6&tna=sp&aid=acme-web&p=web&uid=customer%2B42%40example.com"
    "&eid=1c9e6a5d-3f2b-4e7a-8d1c-5b6a7f8e9d0c&dtm=1714561199999&stm=1714561200001"
)
UA = "Mozilla/5.0%20(X11;%20Linux%20x86_64)%20AppleWebKit/537.36%20(KHTML,%20like%20Gecko)%20Chrome/124.0.0.0%20Safari/537.36"


def cloudfront_encoded(query):
    """What CloudFront writes in cs-uri-query for a query string: '%' is one of the characters it URL-encodes."""
    return query.replace("%", "%25")


def tracker_line(query, date="2024-05-01", time="10:00:01", status="200", referer="https://www.example.com/pricing"):
    """One 33-field record of a tracker's GET /i over HTTPS, with the query as CloudFront logs it."""
    values = [
        date, time, "FRA56-P1", "467", "192.0.2.10", "GET", "d111111abcdef8.cloudfront.net", "/i", status, referer, UA,
        cloudfront_encoded(query), "-", "Hit", "vHql4ZhKJSl8yUJZuCrmvwBuVGmmgizVsKoo8lfPIn-ts0gR4g7KmA==",
        "d111111abcdef8.cloudfront.net", "https", "1120", "0.001", "-", "TLSv1.3", "TLS_AES_128_GCM_SHA256", "Hit", "HTTP/2.0",
        "-", "-", "51234", "0.001", "Hit", "image/gif", "43", "-", "-",
    ]
    return "\t".join(values) + "\n"


def test_aws_example_file_maps_every_field_by_the_fields_line():
    entries = access_logs.parse_log(AWS_EXAMPLE)
    assert len(entries) == 6
    first = entries[0]
    assert list(first) == list(access_logs.FIELDS)
    assert first["date"] == "2019-12-04" and first["time"] == "21:02:31"
    assert first["x-edge-location"] == "LAX1"
    assert first["cs(Host)"] == "d111111abcdef8.cloudfront.net"
    assert first["cs-uri-stem"] == "/index.html"
    assert first["x-edge-request-id"] == "SOX4xwn4XV6Q4rgb7XiVGOHms_BGlTAC4KyHmureZmBNrjGdRLiNIQ=="
    assert first["ssl-cipher"] == "ECDHE-RSA-AES128-GCM-SHA256"
    assert first["sc-content-type"] == "text/html" and first["sc-content-len"] == "78"
    assert entries[3]["cs(Referer)"] == "http://www.example.com/"
    assert entries[3]["x-edge-detailed-result-type"] == "OriginDnsError"
    assert entries[5]["cs(User-Agent)"] == "curl/7.55.1"


def test_hyphen_is_empty_and_a_trailing_tab_adds_nothing():
    entries = access_logs.parse_log(AWS_EXAMPLE)
    first, third = entries[0], entries[2]
    for field in ("cs(Referer)", "cs-uri-query", "cs(Cookie)", "x-forwarded-for", "fle-status", "sc-range-start", "sc-range-end"):
        assert first[field] is None, field
    assert third == dict(first, **{"x-edge-request-id": third["x-edge-request-id"]})
    assert set(third) == set(access_logs.FIELDS)


def test_record_for_users_names_numbers_time_and_decoded_headers():
    record = access_logs.to_record(access_logs.parse_log(AWS_EXAMPLE)[3])
    assert record["timestamp"] == "2019-12-13T22:36:27Z"
    assert record["cs_host"] == "d111111abcdef8.cloudfront.net"
    assert record["sc_status"] == 502 and record["sc_bytes"] == 900 and record["c_port"] == 25260
    assert record["time_taken"] == 0.102
    assert record["x_edge_detailed_result_type"] == "OriginDnsError"
    assert record["cs_user_agent"].startswith("Mozilla/5.0%20(Windows%20NT%2010.0;")
    assert record["user_agent"].startswith("Mozilla/5.0 (Windows NT 10.0; Win64; x64)")
    assert record["referer"] == "http://www.example.com/"
    assert record["cs_uri_query"] is None and record["query_string"] is None
    assert record["tracker"]["e"] is None and record["tracker"]["params"] == {}


def test_gzip_bytes_plain_bytes_and_text_give_the_same_records():
    text = HEADER + tracker_line(TRACKER_QUERY)
    expected = access_logs.parse_log(text)
    assert access_logs.parse_log(gzip.compress(text.encode())) == expected
    assert access_logs.parse_log(text.encode()) == expected
    assert access_logs.parse_log(text.replace("\n", "\r\n")) == expected


def test_corrupt_gzip_raises():
    with pytest.raises((OSError, EOFError)):
        access_logs.parse_log(gzip.compress(b"#Version: 1.0\n")[:-6])


def test_older_24_field_file_is_read_by_its_fields_line():
    # September 2016 to December 2017 files ended at cs-protocol-version (24 fields).
    fields = access_logs.FIELDS[:24]
    values = [
        "2017-03-02", "08:14:07", "AMS1", "372", "198.51.100.7", "GET", "d111111abcdef8.cloudfront.net", "/i", "200",
        "http://www.example.com/", "Mozilla/5.0%20(Windows%20NT%206.1;%20WOW64;%20rv:51.0)%20Gecko/20100101%20Firefox/51.0",
        cloudfront_encoded("e=pv&page=Tarot%20cards%20-%20Psychic%20Bazaar&tv=js-2.7.2&aid=legacy"), "-", "Miss",
        "MRVMF7KydIvxMWfJIglgwHQwZsbG2IhRJ07sn9AkKUFSHS9EXAMPLE==", "d111111abcdef8.cloudfront.net", "http", "702", "0.004",
        "-", "-", "-", "Miss", "HTTP/1.1",
    ]
    text = "#Version: 1.0\n#Fields: " + " ".join(fields) + "\n" + "\t".join(values) + "\n"
    [entry] = access_logs.parse_log(text)
    assert list(entry) == list(fields)
    assert entry["cs-protocol-version"] == "HTTP/1.1"
    assert "c-port" not in entry
    record = access_logs.to_record(entry)
    assert record["tracker"]["page_title"] == "Tarot cards - Psychic Bazaar"
    assert record["tracker"]["v_tracker"] == "js-2.7.2"
    assert "time_to_first_byte" not in record


def test_file_without_fields_line_uses_the_current_33_fields():
    [entry] = access_logs.parse_log(tracker_line(TRACKER_QUERY) + "not a record\n\n")
    assert entry["cs-uri-stem"] == "/i" and entry["sc-range-end"] is None


def test_cloudfront_encodes_the_trackers_percent_once_more_and_decoding_undoes_both():
    [entry] = access_logs.parse_log(HEADER + tracker_line(TRACKER_QUERY))
    logged = entry["cs-uri-query"]
    assert "page=Pricing%2520%257C%2520Acme%2520Analytics" in logged
    assert "url=https%253A%252F%252Fwww.example.com" in logged
    assert access_logs.query_string(logged) == TRACKER_QUERY
    tracker = access_logs.decode_tracker(logged)
    assert tracker["page_title"] == "Pricing | Acme Analytics"  # %2520 -> space, %257C -> |
    assert tracker["page_url"] == "https://www.example.com/pricing?plan=pro&utm_source=newsletter"  # %253A -> :
    # The referrer's own encoding survives: it was encoded three times in the log.
    assert tracker["page_referrer"] == "https://www.google.com/search?q=acme%20analytics"
    assert tracker["os_timezone"] == "Europe/Berlin"


def test_page_view_fields_under_snowplow_names():
    tracker = access_logs.decode_tracker(cloudfront_encoded(TRACKER_QUERY))
    assert tracker["e"] == "pv" and tracker["event"] == "page_view"
    assert tracker["event_id"] == "6f3c1b2a-8d4e-4f5a-9b6c-7d8e9f0a1b2c"
    assert tracker["app_id"] == "acme-web" and tracker["platform"] == "web"
    assert tracker["v_tracker"] == "js-4.1.0" and tracker["name_tracker"] == "sp"
    assert tracker["dvce_created_tstamp"] == "2024-05-01T10:00:00.412Z"
    assert tracker["dvce_sent_tstamp"] == "2024-05-01T10:00:00.415Z"
    assert tracker["domain_userid"] == "0b4f3c2e-1d7a-4c5b-8e9f-a0b1c2d3e4f5"
    assert tracker["domain_sessionid"] == "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
    assert tracker["domain_sessionidx"] == 3
    assert tracker["se_category"] is None and tracker["user_id"] is None
    assert tracker["params"]["res"] == "1920x1080"


def test_structured_event_with_non_ascii_and_plus_signs():
    tracker = access_logs.decode_tracker(cloudfront_encoded(STRUCT_QUERY))
    assert tracker["event"] == "struct"
    assert (tracker["se_category"], tracker["se_action"], tracker["se_property"]) == ("video", "play", "autoplay")
    assert tracker["se_label"] == "Intro \u2013 Sp\u00e4ter"
    assert tracker["se_value"] == 12.5
    assert tracker["user_id"] == "customer+42@example.com"
    assert tracker["v_tracker"] == "js-3.24.6"
    assert tracker["dvce_created_tstamp"] == "2024-05-01T10:59:59.999Z"


def test_characters_cloudfront_encodes_beside_the_percent():
    # encodeURIComponent leaves ' ~ ( ) ! * as they are; CloudFront logs ' as %27 and ~ as %7E, and a raw
    # newline the same way. %250A is a newline the tracker encoded.
    logged = "e=pv&aid=acme%27s&page=%250APublisher%253A%2520Piatnik&url=https%253A%252F%252Fexample.com%252F%7Euser%252F"
    tracker = access_logs.decode_tracker(logged)
    assert tracker["app_id"] == "acme's"
    assert tracker["page_title"] == "\nPublisher: Piatnik"
    assert tracker["page_url"] == "https://example.com/~user/"


def test_self_describing_event_and_contexts_base64():
    logged = (
        "e=ue&ue_px=eyJzY2hlbWEiOiJpZ2x1OmNvbS5zbm93cGxvd2FuYWx5dGljcy5zbm93cGxvdy91bnN0cnVjdF9ldmVudC9qc29uc2NoZW1hLzEtMC0wIiwiZGF0YSI6e319"
        "&cx=bm90IGpzb24&tv=js-4.1.0"
    )
    tracker = access_logs.decode_tracker(logged)
    assert tracker["event"] == "unstruct"
    assert tracker["unstruct_event"] == {"schema": "iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0", "data": {}}
    assert tracker["contexts"] is None  # "not json": kept raw in params only
    assert tracker["params"]["cx"] == "bm90IGpzb24"


def test_query_not_encoded_again_still_decodes_once():
    # A log line whose percent signs were not encoded again: decoding must not split inside a value.
    tracker = access_logs.decode_tracker("e=pv&url=https%3A%2F%2Fexample.com%2F%3Fa%3D1%26b%3D2")
    assert tracker["page_url"] == "https://example.com/?a=1&b=2"


def test_marker_matches_logged_sent_and_decoded_forms():
    [entry] = access_logs.parse_log(tracker_line("e=pv&page=smoke%20test%2042&tv=js-4.1.0"))
    assert access_logs.query_contains(entry, "smoke test 42")
    assert access_logs.query_contains(entry, "smoke%20test%2042")
    assert access_logs.query_contains(entry, "smoke%2520test")
    assert access_logs.query_contains(entry, "page=")
    assert not access_logs.query_contains(entry, "smoke test 43")
    [no_query] = access_logs.parse_log(AWS_EXAMPLE)[:1]
    assert not access_logs.query_contains(no_query, "smoke")


@pytest.mark.parametrize(
    "key, prefix, expected",
    [
        ("cloudfront/E2QWRUHAPOMQZL.2024-05-01-10.a1b2c3d4.gz", "cloudfront/", ("E2QWRUHAPOMQZL", "2024-05-01T10:00:00Z", "a1b2c3d4")),
        ("E2QWRUHAPOMQZL.2019-12-04-21.0d5b6c7e.gz", "", ("E2QWRUHAPOMQZL", "2019-12-04T21:00:00Z", "0d5b6c7e")),
        ("prod-E2QWRUHAPOMQZL.2024-05-01-23.ffff.gz", "prod-", ("E2QWRUHAPOMQZL", "2024-05-01T23:00:00Z", "ffff")),
        ("cloudfront/E2QWRUHAPOMQZL.2024-05-01-10.a1b2c3d4", "cloudfront/", None),
        ("cloudfront/sub/E2QWRUHAPOMQZL.2024-05-01-10.a1b2c3d4.gz", "cloudfront/", None),
        ("other/E2QWRUHAPOMQZL.2024-05-01-10.a1b2c3d4.gz", "cloudfront/", None),
        ("cloudfront/E2QWRUHAPOMQZL.2024-13-01-10.a1b2c3d4.gz", "cloudfront/", None),
    ],
)
def test_log_file_names(key, prefix, expected):
    parsed = access_logs.parse_log_key(key, prefix)
    if expected is None:
        assert parsed is None
    else:
        assert (parsed["distribution_id"], access_logs.iso8601(parsed["hour"]), parsed["unique_id"]) == expected


NOW = datetime.datetime(2024, 5, 1, 10, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2024-05-01T10:00:00Z", datetime.datetime(2024, 5, 1, 10, 0, tzinfo=UTC)),
        ("2024-05-01T12:00:00+02:00", datetime.datetime(2024, 5, 1, 10, 0, tzinfo=UTC)),
        ("2024-05-01 10:00", datetime.datetime(2024, 5, 1, 10, 0, tzinfo=UTC)),
        ("2024-05-01", datetime.datetime(2024, 5, 1, tzinfo=UTC)),
        ("now", NOW),
        ("-15m", datetime.datetime(2024, 5, 1, 10, 15, tzinfo=UTC)),
        ("-2h", datetime.datetime(2024, 5, 1, 8, 30, tzinfo=UTC)),
        ("7d", datetime.datetime(2024, 4, 24, 10, 30, tzinfo=UTC)),
        ("-30s", datetime.datetime(2024, 5, 1, 10, 29, 30, tzinfo=UTC)),
    ],
)
def test_time_bounds(text, expected):
    assert access_logs.parse_time(text, NOW) == expected


@pytest.mark.parametrize("text", ["yesterday", "-15 minutes", "2024-05-32", ""])
def test_unreadable_time_bounds_say_what_is_accepted(text):
    with pytest.raises(ValueError, match="ISO 8601"):
        access_logs.parse_time(text, NOW)


def test_hour_window_keeps_only_files_that_can_hold_requests_in_the_window():
    since = datetime.datetime(2024, 5, 1, 9, 45, tzinfo=UTC)
    until = datetime.datetime(2024, 5, 1, 11, 0, tzinfo=UTC)
    hours = [datetime.datetime(2024, 5, 1, h, tzinfo=UTC) for h in range(8, 13)]
    assert [h.hour for h in hours if access_logs.hour_in_window(h, since, until)] == [9, 10, 11]
    assert [h.hour for h in hours if access_logs.hour_in_window(h, since, None)] == [9, 10, 11, 12]
    assert [h.hour for h in hours if access_logs.hour_in_window(h, None, until)] == [8, 9, 10, 11]


def test_record_time_window_is_inclusive_and_unknown_times_only_pass_without_bounds():
    since = datetime.datetime(2024, 5, 1, 10, 0, 1, tzinfo=UTC)
    [entry] = access_logs.parse_log(tracker_line(TRACKER_QUERY, time="10:00:01"))
    moment = access_logs.request_time(entry)
    assert access_logs.time_in_window(moment, since, since)
    assert not access_logs.time_in_window(moment, since + datetime.timedelta(seconds=1), None)
    assert access_logs.time_in_window(None)
    assert not access_logs.time_in_window(None, since)


def test_parse_log_key_reads_v2_hive_keys_of_the_distribution_only():
    key = "cloudfront/DistributionId=E2Q/year=2026/month=11/day=28/hour=20/E2Q.2026-11-28-20.1a2b3c4d.gz"
    name = access_logs.parse_log_key(key, "cloudfront/")
    assert name["distribution_id"] == "E2Q" and name["hour"] == datetime.datetime(2026, 11, 28, 20, tzinfo=datetime.timezone.utc)
    assert access_logs.parse_log_key(key.replace(".gz", ".parquet"), "cloudfront/")["unique_id"] == "1a2b3c4d"
    # another distribution's file in this folder, other folders, and legacy names one folder down are not log files here
    assert access_logs.parse_log_key(key.replace("/E2Q.", "/E9X."), "cloudfront/") is None
    assert access_logs.parse_log_key("cloudfront/other/E2Q.2026-11-28-20.1a2b3c4d.gz", "cloudfront/") is None


def test_parse_any_log_reads_v2_json_as_the_legacy_fields():
    lines = [{"date": "2026-11-28", "time": "20:01:02", "cs-uri-query": "e=pv%2526x", "c-country": "DE", "cs(Referer)": "-"}]
    body = gzip.compress("\n".join(json.dumps(line) for line in lines).encode("utf-8"))
    [entry] = access_logs.parse_any_log(body, "k.gz")
    assert entry == {"date": "2026-11-28", "time": "20:01:02", "cs-uri-query": "e=pv%2526x", "c-country": "DE", "cs(Referer)": None}
    assert access_logs.to_record(entry)["timestamp"] == "2026-11-28T20:01:02Z"
