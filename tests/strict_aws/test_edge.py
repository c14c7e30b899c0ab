"""The local CloudFront edge: viewer requests by Host on the strict AWS's port, over HTTP and HTTPS, and its access logs.

Each test of an edge rule also runs against plain moto, which has no edge, and fails there; the tests of the
edge's own machinery (delivery timer, endpoint and certificate) run on the strict AWS only."""

import gzip
import re
import time
from pathlib import Path
from urllib.parse import unquote

import pytest
import requests

from tests.strict_aws.client import flush_logs
from tests.strict_aws.client import view as client_view
from tests.strict_aws.log_delivery import FIELDS
from tests.strict_aws.testutil import ALL_BPA_OFF, LOCATION, distribution_config, logging_config

PIXEL = (Path(__file__).resolve().parents[2] / "files" / "i").read_bytes()
PIXEL_BUCKET = "edge-pixel"
LOG_BUCKET = "edge-logs"
SITE = "https://site.example"
# A Snowplow-shaped query string, already URL-encoded by the tracker.
QUERY = "e=pv&eid=4c1e0a0e-1a2b-4c3d-8e9f-0a1b2c3d4e5f&aid=site&url=https%3A%2F%2Fsite.example%2Fa%3Fb%3Dc&page=Home%20page&tv=js-4.10.1"
NO_CACHE = "no-cache, no-store, must-revalidate"
EDGE_SERVICES = {"cloudfront-edge", "cloudfront-logs"}


def with_buckets(fixture):
    """A pixel bucket with a public-read `i` (ACLs enabled, BPA ACL flags off) and a log bucket with ACLs enabled."""
    s3 = fixture.boto3_client("s3")
    s3.create_bucket(Bucket=PIXEL_BUCKET, CreateBucketConfiguration=LOCATION, ObjectOwnership="BucketOwnerPreferred")
    s3.put_public_access_block(Bucket=PIXEL_BUCKET, PublicAccessBlockConfiguration={
        **ALL_BPA_OFF, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    s3.put_object(Bucket=PIXEL_BUCKET, Key="i", Body=PIXEL, ContentType="image/gif", CacheControl="max-age=60", ACL="public-read")
    s3.create_bucket(Bucket=LOG_BUCKET, CreateBucketConfiguration=LOCATION, ObjectOwnership="BucketOwnerPreferred")
    fixture.s3 = s3
    fixture.cf = fixture.boto3_client("cloudfront", region="us-east-1")
    fixture.edge = fixture.edge_info()
    return fixture


@pytest.fixture(name="aws")
def fixture_aws(aws):
    """The strict AWS, then plain moto (the conftest's ``aws``), with the buckets."""
    return with_buckets(aws)


@pytest.fixture(name="strict_edge")
def fixture_strict_edge(strict_aws):
    """The strict AWS only, with the buckets."""
    return with_buckets(strict_aws)


def create_distribution(aws, reference="edge", protocol="redirect-to-https", methods=("GET", "HEAD"), policy_id=None,
                        logging=True, include_cookies=False, enabled=True):
    """A distribution for the pixel bucket; returns (id, domain name)."""
    config = distribution_config(reference, origin_bucket=PIXEL_BUCKET, Enabled=enabled)
    behaviour = config["DefaultCacheBehavior"]
    behaviour["ViewerProtocolPolicy"] = protocol
    behaviour["AllowedMethods"] = {"Quantity": len(methods), "Items": list(methods),
                                   "CachedMethods": {"Quantity": 2, "Items": ["GET", "HEAD"]}}
    if policy_id:
        behaviour["ResponseHeadersPolicyId"] = policy_id
    if logging:
        config["Logging"] = {**logging_config(f"{LOG_BUCKET}.s3.amazonaws.com"), "IncludeCookies": include_cookies}
    created = aws.cf.create_distribution(DistributionConfig=config)["Distribution"]
    return created["Id"], created["DomainName"]


def view(aws, domain, path="/i", scheme="http", method="GET", headers=None):
    """A viewer request to the edge for ``domain`` (never following redirects)."""
    return client_view(aws.endpoint, domain, path, scheme, method, headers, edge=aws.edge)


def flush(aws):
    """Deliver the buffered records now; the flush endpoint's answer."""
    return flush_logs(aws.endpoint)


def log_files(aws):
    """{key: text} of every log file in the log bucket, read as the bucket owner through the S3 API."""
    listed = aws.s3.list_objects_v2(Bucket=LOG_BUCKET).get("Contents", [])
    return {item["Key"]: gzip.decompress(aws.s3.get_object(Bucket=LOG_BUCKET, Key=item["Key"])["Body"].read()).decode("utf-8")
            for item in listed}


def records(aws):
    """Every record of every log file as a dict keyed by the #Fields names (header lines checked)."""
    found = []
    for text in log_files(aws).values():
        lines = text.splitlines()
        assert lines[0] == "#Version: 1.0"
        assert lines[1] == "#Fields: " + " ".join(FIELDS)
        names = lines[1].split(" ")[1:]
        assert len(names) == 33
        for line in lines[2:]:
            values = line.split("\t")
            assert len(values) == 33, line
            found.append(dict(zip(names, values)))
    return found


def edge_calls(aws):
    return [c for c in aws.calls() if c["service"] == "cloudfront-edge"]


def test_http_and_https_served_and_logged(aws):
    dist_id, domain = create_distribution(aws, protocol="allow-all")
    plain = view(aws, domain, f"/i?{QUERY}")
    assert plain.status_code == 200 and plain.content == PIXEL
    assert plain.headers["Content-Type"] == "image/gif" and plain.headers["X-Cache"] == "Miss from cloudfront"
    assert "Access-Control-Allow-Origin" not in plain.headers  # no policy: S3's answer, and S3 sends no CORS headers
    secure = view(aws, domain, f"/i?{QUERY}", scheme="https", headers={"User-Agent": "Mozilla/5.0 (X11) tracker", "Cookie": "sp=1"})
    assert secure.status_code == 200 and secure.content == PIXEL
    head = view(aws, domain, "/i", scheme="https", method="HEAD")
    assert head.status_code == 200 and head.content == b"" and head.headers["Content-Length"] == str(len(PIXEL))

    delivered = flush(aws)
    files = log_files(aws)
    assert {entry["key"] for entry in delivered["written"]} <= set(files)  # the timer may have delivered some already
    assert all(re.fullmatch(rf"cf/{dist_id}\.\d{{4}}-\d{{2}}-\d{{2}}-\d{{2}}\.[0-9a-f]{{8}}\.gz", key) for key in files), files
    logged = sorted(records(aws), key=lambda r: (r["cs-protocol"], r["cs-method"] == "HEAD"))
    assert [(r["cs-protocol"], r["cs-method"], r["sc-status"]) for r in logged] == [
        ("http", "GET", "200"), ("https", "GET", "200"), ("https", "HEAD", "200")]
    first, second, _head = logged
    assert unquote(first["cs-uri-query"]) == QUERY  # URL-encoded once more by CloudFront, otherwise intact
    assert first["cs-uri-query"] == QUERY.replace("%", "%25")
    assert first["cs-uri-stem"] == "/i" and first["cs(Host)"] == domain and first["x-host-header"] == domain
    assert first["ssl-protocol"] == "-" and first["ssl-cipher"] == "-" and first["cs(Cookie)"] == "-"
    assert second["ssl-protocol"].startswith("TLSv1.") and second["ssl-cipher"] != "-"
    assert second["cs(User-Agent)"] == "Mozilla/5.0%20(X11)%20tracker"
    assert second["cs(Cookie)"] == "-"  # IncludeCookies false
    assert second["x-edge-request-id"] == secure.headers["X-Amz-Cf-Id"]
    assert second["c-ip"] == "127.0.0.1" and second["x-edge-result-type"] == "Miss"
    assert second["sc-content-type"] == "image/gif" and second["sc-content-len"] == str(len(PIXEL))
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", second["date"]) and re.fullmatch(r"\d{2}:\d{2}:\d{2}", second["time"])

    calls = aws.calls()
    assert [c["operation"] for c in calls if c["service"] == "cloudfront-edge"] == ["ViewerRequest"] * 3
    assert {c["operation"] for c in calls if c["service"] == "cloudfront-logs"} == {"DeliverLogFile"}
    assert all(c["mutating"] is False for c in calls if c["service"] in EDGE_SERVICES)
    assert not [c for c in aws.writes() if c["service"] in EDGE_SERVICES]


def test_include_cookies(aws):
    _dist_id, domain = create_distribution(aws, protocol="allow-all", include_cookies=True)
    view(aws, domain, headers={"Cookie": "sp=abc; theme=dark"})
    flush(aws)
    assert [r["cs(Cookie)"] for r in records(aws)] == ["sp=abc;%20theme=dark"]


def test_redirect_to_https_is_a_second_logged_request(aws):
    _dist_id, domain = create_distribution(aws, protocol="redirect-to-https")
    redirected = view(aws, domain, f"/i?{QUERY}")
    assert redirected.status_code == 301
    assert redirected.headers["Location"] == f"https://{domain}/i?{QUERY}"
    followed = view(aws, domain, f"/i?{QUERY}", scheme="https")
    assert followed.status_code == 200 and followed.content == PIXEL
    flush(aws)
    logged = sorted(records(aws), key=lambda r: r["cs-protocol"])
    assert [(r["cs-protocol"], r["sc-status"], r["x-edge-result-type"]) for r in logged] == [
        ("http", "301", "Redirect"), ("https", "200", "Miss")]
    assert {unquote(r["cs-uri-query"]) for r in logged} == {QUERY}
    assert [c["rule"] for c in edge_calls(aws)] == ["EdgeRedirectToHttps", None]


def test_https_only_refuses_http(aws):
    _dist_id, domain = create_distribution(aws, protocol="https-only")
    refused = view(aws, domain)
    assert refused.status_code == 403 and "The request could not be satisfied" in refused.text
    assert view(aws, domain, scheme="https").status_code == 200
    assert [(c["status"], c["rule"]) for c in edge_calls(aws)] == [(403, "EdgeHttpsOnly"), (200, None)]
    flush(aws)
    assert [(r["cs-protocol"], r["sc-status"], r["x-edge-result-type"]) for r in sorted(records(aws), key=lambda r: r["cs-protocol"])] == [
        ("http", "403", "Error"), ("https", "200", "Miss")]


def test_methods_outside_allowed_methods_refused(aws):
    _dist_id, domain = create_distribution(aws, protocol="allow-all")
    for method in ("POST", "PUT", "DELETE", "PATCH", "OPTIONS"):
        refused = view(aws, domain, method=method)
        assert refused.status_code == 403, method
        assert "not configured to allow the HTTP request method" in refused.text
        assert refused.headers["X-Cache"] == "Error from cloudfront"
    assert [c["rule"] for c in edge_calls(aws)] == ["EdgeMethodNotAllowed"] * 5
    flush(aws)
    assert sorted(r["cs-method"] for r in records(aws) if r["sc-status"] == "403") == ["DELETE", "OPTIONS", "PATCH", "POST", "PUT"]


def test_options_allowed_reaches_the_origin(aws):
    _dist_id, domain = create_distribution(aws, protocol="allow-all", methods=("GET", "HEAD", "OPTIONS"))
    answer = view(aws, domain, method="OPTIONS")
    assert "not configured to allow the HTTP request method" not in answer.text
    assert answer.headers.get("X-Cache") in ("Miss from cloudfront", "Error from cloudfront")  # the origin's answer, passed on
    assert edge_calls(aws)[-1]["rule"] != "EdgeMethodNotAllowed"


def create_policy(aws, origins, credentials, **cors):
    """A response headers policy with a CORS configuration and two custom headers (one overriding the origin's)."""
    config = {
        "Name": f"edge-{len(origins)}-{credentials}",
        "CorsConfig": {
            "AccessControlAllowOrigins": {"Quantity": len(origins), "Items": origins},
            "AccessControlAllowHeaders": {"Quantity": 1, "Items": ["Content-Type"]},
            "AccessControlAllowMethods": {"Quantity": 3, "Items": ["GET", "HEAD", "OPTIONS"]},
            "AccessControlAllowCredentials": credentials,
            "AccessControlExposeHeaders": {"Quantity": 1, "Items": ["X-Amz-Cf-Id"]},
            "AccessControlMaxAgeSec": 600,
            "OriginOverride": True,
            **cors,
        },
        "CustomHeadersConfig": {"Quantity": 2, "Items": [
            {"Header": "Cache-Control", "Value": NO_CACHE, "Override": True},
            {"Header": "Accept-Ranges", "Value": "none", "Override": False},
        ]},
    }
    return aws.cf.create_response_headers_policy(ResponseHeadersPolicyConfig=config)["ResponseHeadersPolicy"]["Id"]


def test_cors_matching_origin_echoed_with_credentials(aws):
    policy_id = create_policy(aws, [SITE, "https://*.example.org"], True)
    _dist_id, domain = create_distribution(aws, protocol="allow-all", methods=("GET", "HEAD", "OPTIONS"), policy_id=policy_id)
    matching = view(aws, domain, headers={"Origin": SITE})
    assert matching.status_code == 200 and matching.content == PIXEL
    assert matching.headers["Access-Control-Allow-Origin"] == SITE
    assert matching.headers["Access-Control-Allow-Credentials"] == "true"
    assert matching.headers["Access-Control-Expose-Headers"] == "X-Amz-Cf-Id"
    assert "Access-Control-Allow-Methods" not in matching.headers  # preflight only
    assert matching.headers["Cache-Control"] == NO_CACHE  # overrides S3's max-age=60
    assert matching.headers["Accept-Ranges"] == "bytes"  # S3's own value kept: no override
    sub = view(aws, domain, scheme="https", headers={"Origin": "https://shop.example.org"})
    assert sub.headers["Access-Control-Allow-Origin"] == "https://shop.example.org"
    for other in ({"Origin": "https://evil.example"}, {"Origin": "https://example.org.evil"}, {}):
        answer = view(aws, domain, headers=other)
        assert answer.status_code == 200
        assert not [h for h in answer.headers if h.lower().startswith("access-control-")], answer.headers
        assert answer.headers["Cache-Control"] == NO_CACHE
    preflight = view(aws, domain, method="OPTIONS", headers={
        "Origin": SITE, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "content-type"})
    assert preflight.status_code == 200 and preflight.content == b""
    assert preflight.headers["Access-Control-Allow-Origin"] == SITE
    assert preflight.headers["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"
    assert preflight.headers["Access-Control-Allow-Headers"] == "Content-Type"
    assert preflight.headers["Access-Control-Max-Age"] == "600"


def test_cors_any_origin(aws):
    policy_id = create_policy(aws, ["*"], False, AccessControlAllowMethods={"Quantity": 1, "Items": ["ALL"]})
    _dist_id, domain = create_distribution(aws, protocol="allow-all", methods=("GET", "HEAD", "OPTIONS"), policy_id=policy_id)
    answer = view(aws, domain, headers={"Origin": "https://anywhere.example"})
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in answer.headers
    preflight = view(aws, domain, method="OPTIONS", headers={"Origin": SITE, "Access-Control-Request-Method": "GET"})
    assert preflight.headers["Access-Control-Allow-Methods"] == "GET, DELETE, HEAD, OPTIONS, PATCH, POST, PUT"
    simple_cors = "60669652-455b-4ae9-85a4-c4c02393f86c"  # AWS's managed SimpleCORS policy
    _other_id, other = create_distribution(aws, reference="managed", protocol="allow-all", policy_id=simple_cors)
    assert view(aws, other, headers={"Origin": SITE}).headers["Access-Control-Allow-Origin"] == "*"


def test_private_pixel_is_403_at_the_edge(aws):
    _dist_id, domain = create_distribution(aws, protocol="allow-all")
    aws.s3.put_object_acl(Bucket=PIXEL_BUCKET, Key="i", ACL="private")
    refused = view(aws, domain)
    assert refused.status_code == 403 and "<Code>AccessDenied</Code>" in refused.text
    assert refused.headers["X-Cache"] == "Error from cloudfront"
    assert edge_calls(aws)[-1]["rule"] == "AnonymousAccess"
    flush(aws)
    assert [(r["sc-status"], r["x-edge-result-type"]) for r in records(aws)] == [("403", "Error")]


def test_disabled_and_unknown_distributions_refused(aws):
    _dist_id, domain = create_distribution(aws, protocol="allow-all", enabled=False)
    refused = view(aws, domain)
    assert refused.status_code == 403 and "The request could not be satisfied" in refused.text
    unknown = view(aws, "d000000example.cloudfront.net")
    assert unknown.status_code == 403
    assert [c["rule"] for c in edge_calls(aws)] == ["EdgeDistributionDisabled", "EdgeUnknownDistribution"]
    assert flush(aws) == {"written": [], "dropped": []}
    assert log_files(aws) == {}


def test_delivery_dropped_without_the_grant_or_with_acls_disabled(aws):
    _dist_id, domain = create_distribution(aws, protocol="allow-all")
    aws.s3.put_bucket_acl(Bucket=LOG_BUCKET, ACL="private")  # a canned ACL wipes the awslogsdelivery grant
    assert view(aws, domain).status_code == 200
    dropped = flush(aws)
    assert dropped["written"] == [] and [d["rule"] for d in dropped["dropped"]] == ["LogBucketGrant"]
    aws.s3.put_bucket_ownership_controls(Bucket=LOG_BUCKET, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})
    assert view(aws, domain).status_code == 200
    assert [d["rule"] for d in flush(aws)["dropped"]] == ["LogBucketAclsDisabled"]
    assert log_files(aws) == {}
    drops = [c for c in aws.calls() if c["service"] == "cloudfront-logs"]
    assert [(c["operation"], c["rule"], c["mutating"]) for c in drops] == [
        ("DropLogFile", "LogBucketGrant", False), ("DropLogFile", "LogBucketAclsDisabled", False)]


def test_logs_delivered_after_the_interval_and_reset_clears_buffers(strict_edge):
    aws = strict_edge
    _dist_id, domain = create_distribution(aws, protocol="allow-all")
    view(aws, domain)
    deadline = time.monotonic() + 10
    while not log_files(aws) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(records(aws)) == 1  # delivered by the timer (1 s by default), no flush call
    view(aws, domain)
    aws.reset()
    assert aws.server.app.edge.logs.pending() == 0


def test_edge_endpoint_and_certificate(strict_edge):
    aws = strict_edge
    info = aws.edge
    host_port = aws.endpoint.split("://", 1)[1]
    assert info == {"address": host_port, "http": f"http://{host_port}", "https": f"https://{host_port}",
                    "certificate": info["certificate"]}
    assert "BEGIN CERTIFICATE" in Path(info["certificate"]).read_text(encoding="ascii")
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(f"{info['https']}/i", headers={"Host": "d1.cloudfront.net"}, timeout=10)  # not a trusted CA
    # The AWS API is unchanged on the same port.
    assert aws.s3.head_object(Bucket=PIXEL_BUCKET, Key="i")["ContentLength"] == len(PIXEL)
