#!/usr/bin/env python
"""Read a collector back from the strict local AWS and check every setting the role promises.

Used by the molecule scenarios' verify step. Prints one line per check; exits 1 on the first failure.
"""

import argparse
import hashlib
import json
import pathlib
import secrets
import sys

from botocore.exceptions import ClientError

REPO = pathlib.Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO))
# pylint: disable=wrong-import-position
from tests.strict_aws.client import anonymous_get, flush_logs, log_records, make_client, view  # noqa: E402
# The collection, which tests.strict_aws.client puts on the path.
from ansible_collections.clickstream.collectors.plugins.module_utils.access_logs import query_string  # noqa: E402

# pylint: enable=wrong-import-position

PIXEL = (REPO / "files" / "i").read_bytes()
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
AWSLOGSDELIVERY = "c4c1ede66af53448b93c283ce9448c4ba468c9432aa01d700d3878632f77d2d0"
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
NO_CACHE = "no-cache, no-store, must-revalidate"


class CheckFailed(Exception):
    """A setting differs from what the role promises."""


def check(what, ok, detail=""):
    """Print the check; raise CheckFailed when it does not hold."""
    print(f"{'ok  ' if ok else 'FAIL'} {what}{': ' + str(detail) if detail and not ok else ''}")
    if not ok:
        raise CheckFailed(f"{what}: {detail}")


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--result", help="cloudfront_collector_result saved as JSON by converge")
    parser.add_argument("--environment", required=True)
    parser.add_argument("--region", default="eu-west-1")
    parser.add_argument("--pixel-bucket", required=True)
    parser.add_argument("--pixel-key", default="i")
    parser.add_argument("--cache-control", default="max-age=86400")
    parser.add_argument("--log-bucket", default="", help="empty: a /dev/null collector (no logging, no log bucket)")
    parser.add_argument("--log-prefix", default="cloudfront/")
    parser.add_argument("--log-expiration-days", type=int, default=0)
    parser.add_argument("--price-class", default="PriceClass_100")
    parser.add_argument("--tag", action="append", default=[], help="KEY=VALUE expected on buckets and distribution")
    return parser.parse_args(argv)


def clients(args):
    return make_client(args.endpoint, "s3", args.region), make_client(args.endpoint, "cloudfront", "us-east-1")


def all_objects(s3):
    """Every object key of every bucket, as bucket/key."""
    keys = []
    for bucket in s3.list_buckets()["Buckets"]:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket["Name"]):
            keys += [f"{bucket['Name']}/{o['Key']}" for o in page.get("Contents", [])]
    return keys


def bucket_tags(s3, bucket):
    try:
        return {t["Key"]: t["Value"] for t in s3.get_bucket_tagging(Bucket=bucket)["TagSet"]}
    except ClientError:
        return {}


def verify_pixel(args, s3, tags):
    bucket, key = args.pixel_bucket, args.pixel_key
    check(f"pixel bucket {bucket} tagged {tags}", tags.items() <= bucket_tags(s3, bucket).items(), bucket_tags(s3, bucket))
    logging = s3.get_bucket_logging(Bucket=bucket).get("LoggingEnabled")
    check("pixel bucket has no S3 access logging", logging is None, logging)
    head = s3.head_object(Bucket=bucket, Key=key)
    check("pixel Content-Type image/gif", head["ContentType"] == "image/gif", head["ContentType"])
    check(f"pixel Cache-Control {args.cache_control}", head.get("CacheControl") == args.cache_control, head.get("CacheControl"))
    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    check("pixel bytes are Snowplow's 43-byte GIF", body == PIXEL, hashlib.sha256(body).hexdigest())
    grants = s3.get_object_acl(Bucket=bucket, Key=key)["Grants"]
    public = any(g["Grantee"].get("URI") == ALL_USERS and g["Permission"] == "READ" for g in grants)
    check("pixel ACL public-read (AllUsers READ)", public, grants)
    anonymous = anonymous_get(args.endpoint, bucket, key)
    got = (anonymous.status_code, anonymous.headers.get("Content-Type"), anonymous.content)
    check("anonymous GET of the pixel: 200 image/gif, exact bytes", got == (200, "image/gif", PIXEL), (got[0], got[1], len(got[2])))


def verify_log_bucket(args, s3, tags):
    bucket = args.log_bucket
    names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    if not bucket:
        check("/dev/null collector: only the pixel bucket exists", names == [args.pixel_bucket], names)
        return
    check(f"log bucket {bucket} exists", bucket in names, names)
    check(f"log bucket tagged {tags}", tags.items() <= bucket_tags(s3, bucket).items(), bucket_tags(s3, bucket))
    bpa = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    check("log bucket: all four Block Public Access flags on", all(bpa.values()) and len(bpa) == 4, bpa)
    rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    algorithm = rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"]
    check("log bucket: default encryption SSE-S3 (AES256)", algorithm == "AES256", rules)
    policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    tls_only = any(
        s["Effect"] == "Deny" and s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") in ("false", False)
        and f"arn:aws:s3:::{bucket}/*" in s["Resource"]
        for s in policy["Statement"]
    )
    check("log bucket: TLS-only bucket policy", tls_only, policy)
    ownership = s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"][0]["ObjectOwnership"]
    check("log bucket: ACLs enabled (BucketOwnerPreferred)", ownership == "BucketOwnerPreferred", ownership)
    grants = s3.get_bucket_acl(Bucket=bucket)["Grants"]
    delivery = any(g["Grantee"].get("ID") == AWSLOGSDELIVERY and g["Permission"] == "FULL_CONTROL" for g in grants)
    check("log bucket: awslogsdelivery FULL_CONTROL grant", delivery, grants)
    public = [g for g in grants if g["Grantee"].get("Type") == "Group"]
    check("log bucket: no group (public) grant", not public, public)
    try:
        lifecycle = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    except ClientError:
        lifecycle = []
    if args.log_expiration_days:
        expiry = [r for r in lifecycle if r.get("Expiration", {}).get("Days") == args.log_expiration_days and r["Status"] == "Enabled"]
        check(f"log bucket: logs expire after {args.log_expiration_days} days", bool(expiry), lifecycle)
    else:
        check("log bucket: no lifecycle expiry (logs kept)", not lifecycle, lifecycle)


def verify_distribution(args, cloudfront, tags):
    reference = f"clickstream-collector-{args.environment}-{args.pixel_bucket}"
    items = cloudfront.list_distributions()["DistributionList"].get("Items", [])
    check("exactly one distribution", len(items) == 1, [i["Id"] for i in items])
    distribution = cloudfront.get_distribution(Id=items[0]["Id"])["Distribution"]
    config = distribution["DistributionConfig"]
    check(f"caller reference {reference}", config["CallerReference"] == reference, config["CallerReference"])
    check("distribution enabled and deployed", config["Enabled"] and distribution["Status"] == "Deployed", distribution["Status"])
    origins = config["Origins"]["Items"]
    origin_domain = f"{args.pixel_bucket}.s3.{args.region}.amazonaws.com"
    check(f"S3 origin {origin_domain}", [o["DomainName"] for o in origins] == [origin_domain], origins)
    behaviour = config["DefaultCacheBehavior"]
    check("HTTP and HTTPS served without redirect (allow-all)", behaviour["ViewerProtocolPolicy"] == "allow-all", behaviour["ViewerProtocolPolicy"])
    check("cache policy CachingOptimized", behaviour.get("CachePolicyId") == CACHING_OPTIMIZED, behaviour.get("CachePolicyId"))
    policy_id = behaviour.get("ResponseHeadersPolicyId")
    check("a response headers policy is attached", bool(policy_id), behaviour)
    headers = cloudfront.get_response_headers_policy(Id=policy_id)["ResponseHeadersPolicy"]["ResponseHeadersPolicyConfig"]
    custom = {h["Header"]: h for h in headers.get("CustomHeadersConfig", {}).get("Items", [])}
    no_cache = custom.get("Cache-Control", {})
    check(f"viewers told Cache-Control: {NO_CACHE} (override)", no_cache.get("Value") == NO_CACHE and no_cache.get("Override"), headers)
    check(f"price class {args.price_class}", config["PriceClass"] == args.price_class, config["PriceClass"])
    logging = config["Logging"]
    if args.log_bucket:
        wanted = (True, f"{args.log_bucket}.s3.amazonaws.com", args.log_prefix)
        got = (logging["Enabled"], logging["Bucket"], logging["Prefix"])
        check(f"access logs to {wanted[1]} under {wanted[2]}", got == wanted, got)
    else:
        check("access logging off (/dev/null collector)", not logging["Enabled"], logging)
    dist_tags = {t["Key"]: t["Value"] for t in cloudfront.list_tags_for_resource(Resource=distribution["ARN"])["Tags"].get("Items", [])}
    check(f"distribution tagged {tags}", tags.items() <= dist_tags.items(), dist_tags)
    return distribution


def verify_result(args, distribution):
    result = json.loads(pathlib.Path(args.result).read_text(encoding="utf-8"))
    domain = distribution["DomainName"]
    wanted = {
        "distribution_id": distribution["Id"],
        "domain_name": domain,
        "pixel_url_http": f"http://{domain}/{args.pixel_key}",
        "pixel_url_https": f"https://{domain}/{args.pixel_key}",
        "pixel_bucket": args.pixel_bucket,
        "log_bucket": args.log_bucket,
        "logging_enabled": bool(args.log_bucket),
        "environment": args.environment,
        "region": args.region,
    }
    got = {k: result.get(k) for k in wanted}
    check("cloudfront_collector_result", got == wanted, {k: (got[k], v) for k, v in wanted.items() if got[k] != v})


def verify_edge(args, s3, distribution):
    """Through the local CloudFront edge, as a browser: the pixel over HTTP and HTTPS, and the access logs."""
    domain = distribution["DomainName"]
    for scheme in ("http", "https"):
        response = view(args.endpoint, domain, f"/{args.pixel_key}", scheme)
        got = (response.status_code, response.headers.get("Content-Type"), response.content)
        check(f"{scheme}://{domain}/{args.pixel_key} through the edge: 200 image/gif, exact bytes",
              got == (200, "image/gif", PIXEL), (got[0], got[1], len(got[2])))
        check(f"{scheme}: viewers told Cache-Control: {NO_CACHE}", response.headers.get("Cache-Control") == NO_CACHE,
              response.headers.get("Cache-Control"))
    marker = f"verify_collector={secrets.token_hex(8)}"
    query = f"e=pv&aid=molecule&url=https%3A%2F%2Fwww.example.com%2F%3Fa%3Db&{marker}"
    status = view(args.endpoint, domain, f"/{args.pixel_key}?{query}", "https").status_code
    check("marked tracker-shaped request through the edge: 200", status == 200, status)
    flush_logs(args.endpoint)
    if not args.log_bucket:
        keys = all_objects(s3)
        check("/dev/null collector: no log file anywhere", keys == [f"{args.pixel_bucket}/{args.pixel_key}"], keys)
        return
    records = [record for _key, record in log_records(s3, args.log_bucket, f"{args.log_prefix}{distribution['Id']}.", marker)]
    check("the marked request is in the access logs exactly once", len(records) == 1, records)
    check("its query string is intact (as the tracker sent it)", query_string(records[0]["cs-uri-query"]) == query,
          records[0].get("cs-uri-query"))


def main(argv=None):
    args = parse_args(argv)
    s3, cloudfront = clients(args)
    tags = {"managed-by": "clickstream.collectors", "clickstream-environment": args.environment}
    tags.update(dict(t.split("=", 1) for t in args.tag))
    try:
        verify_pixel(args, s3, tags)
        verify_log_bucket(args, s3, tags)
        distribution = verify_distribution(args, cloudfront, tags)
        verify_edge(args, s3, distribution)
        if args.result:
            verify_result(args, distribution)
    except CheckFailed as exc:
        print(f"collector check failed: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
