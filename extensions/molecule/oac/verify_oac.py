#!/usr/bin/env python
"""Check a collector's origin access (oac, or public_acl after the switch back) against the strict local AWS.

Used by the oac scenario's verify step. ``--mode=oac``: the pixel answers 200 through the local edge over HTTP and
HTTPS, a direct anonymous S3 GET answers 403, the pixel bucket has ACLs disabled and every Block Public Access flag on,
the origin uses the collector's origin access control, and the bucket policy allows s3:GetObject to
cloudfront.amazonaws.com for this distribution only. ``--mode=public_acl``: no OAC statement, no OAC on the origin, the
pixel public, and no AWS write since ``--writes-before``. ``--mode=writes``: prints how many AWS writes the call log
holds. Prints one line per check; exits 1 on the first failure.
"""

import argparse
import json
import sys
import urllib.request

import boto3
import requests

EDGE_SERVICES = {"cloudfront-edge", "cloudfront-logs"}
OAC_SID = "CloudFrontOriginAccessControl"
PIXEL = bytes.fromhex("47494638396101000100f00000ffffff00000021f90401000000002c00000000010001000002024401003b")


class CheckFailed(Exception):
    """A setting differs from what the role promises."""


def check(what, ok, detail=""):
    print(f"{'ok  ' if ok else 'FAIL'} {what}{': ' + str(detail) if detail and not ok else ''}")
    if not ok:
        raise CheckFailed(f"{what}: {detail}")


def client(args, service, region="eu-west-1"):
    return boto3.client(service, endpoint_url=args.endpoint, region_name=region, aws_access_key_id="testing",
                        aws_secret_access_key="testing")


def control(args, path):
    with urllib.request.urlopen(f"{args.endpoint}/_strict/{path}", timeout=30) as answer:  # noqa: S310 (the local endpoint)
        return json.load(answer)


def writes(args):
    return len([c for c in control(args, "calls") if c["mutating"] and c["status"] < 400 and c["service"] not in EDGE_SERVICES])


def distribution(args):
    cloudfront = client(args, "cloudfront", "us-east-1")
    for summary in cloudfront.list_distributions()["DistributionList"].get("Items", []):
        if summary["Origins"]["Items"][0]["DomainName"].startswith(f"{args.pixel_bucket}.s3."):
            config = cloudfront.get_distribution_config(Id=summary["Id"])["DistributionConfig"]
            return summary, config["Origins"]["Items"][0], cloudfront
    raise CheckFailed(f"no distribution for {args.pixel_bucket}")


def oac_statements(s3, bucket):
    try:
        policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    except s3.exceptions.ClientError:
        return []
    return [item for item in policy.get("Statement", []) if item.get("Sid") == OAC_SID]


def through_edge(args, domain, scheme):
    edge = control(args, "edge")
    verify = edge["certificate"] if scheme == "https" else True
    return requests.get(f"{edge[scheme]}/i", headers={"Host": domain}, verify=verify, allow_redirects=False, timeout=30)


def check_oac(args):
    s3 = client(args, "s3")
    summary, origin, cloudfront = distribution(args)
    for scheme in ("http", "https"):
        answer = through_edge(args, summary["DomainName"], scheme)
        check(f"the pixel through the edge over {scheme}: 200, the pixel's bytes", answer.status_code == 200 and answer.content == PIXEL,
              answer.status_code)
    direct = requests.get(f"{args.endpoint}/{args.pixel_bucket}/i", timeout=30)
    check("a direct anonymous S3 GET of the pixel: 403", direct.status_code == 403, direct.status_code)
    ownership = s3.get_bucket_ownership_controls(Bucket=args.pixel_bucket)["OwnershipControls"]["Rules"][0]["ObjectOwnership"]
    check("the pixel bucket has ACLs disabled (BucketOwnerEnforced)", ownership == "BucketOwnerEnforced", ownership)
    flags = s3.get_public_access_block(Bucket=args.pixel_bucket)["PublicAccessBlockConfiguration"]
    check("every Block Public Access flag of the pixel bucket is on", all(flags.values()), flags)
    oac_id = origin.get("OriginAccessControlId")
    oac = cloudfront.get_origin_access_control(Id=oac_id)["OriginAccessControl"]["OriginAccessControlConfig"] if oac_id else {}
    check("the origin uses an origin access control (s3, always, sigv4)",
          (oac.get("OriginAccessControlOriginType"), oac.get("SigningBehavior"), oac.get("SigningProtocol")) == ("s3", "always", "sigv4"), oac)
    statements = oac_statements(s3, args.pixel_bucket)
    wanted = {"Sid": OAC_SID, "Effect": "Allow", "Principal": {"Service": "cloudfront.amazonaws.com"}, "Action": "s3:GetObject",
              "Resource": f"arn:aws:s3:::{args.pixel_bucket}/*", "Condition": {"StringEquals": {"AWS:SourceArn": summary["ARN"]}}}
    check("the bucket policy allows s3:GetObject to cloudfront.amazonaws.com for this distribution only", statements == [wanted], statements)


def check_public(args):
    s3 = client(args, "s3")
    summary, origin, dummy = distribution(args)
    check("no OAC statement in the pixel bucket's policy", oac_statements(s3, args.pixel_bucket) == [])
    check("the origin uses no origin access control", not origin.get("OriginAccessControlId"), origin.get("OriginAccessControlId"))
    direct = requests.get(f"{args.endpoint}/{args.pixel_bucket}/i", timeout=30)
    check("the pixel is public again (anonymous S3 GET: 200)", direct.status_code == 200, direct.status_code)
    answer = through_edge(args, summary["DomainName"], "https")
    check("the pixel through the edge over https: 200", answer.status_code == 200, answer.status_code)
    check("the rerun made zero AWS writes", writes(args) == args.writes_before, f"{args.writes_before} -> {writes(args)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--pixel-bucket", required=True)
    parser.add_argument("--mode", choices=["oac", "public_acl", "writes"], required=True)
    parser.add_argument("--writes-before", type=int, default=0)
    args = parser.parse_args()
    try:
        if args.mode == "writes":
            print(writes(args))
        elif args.mode == "oac":
            check_oac(args)
        else:
            check_public(args)
    except CheckFailed as failed:
        print(f"FAILED: {failed}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
