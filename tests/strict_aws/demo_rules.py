"""Show each strict rule rejecting what plain moto accepts.

Usage: ``python -m tests.strict_aws.demo_rules http://127.0.0.1:PORT`` against a running server
(it is reset first). Prints one line per rule: rule, plain moto's answer, the strict server's answer.
"""

import json
import sys
import urllib.error
import urllib.request
from collections.abc import Callable

import boto3
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError
from moto import mock_aws

from .client import make_client

REGION = "eu-west-1"
BUCKET = "demo-bucket"
LOG_BUCKET = "demo-logs"
OWNER_ENFORCED = "BucketOwnerEnforced"
ORIGIN = {"Quantity": 1, "Items": [{"Id": "o", "DomainName": f"{BUCKET}.s3.{REGION}.amazonaws.com", "S3OriginConfig": {"OriginAccessIdentity": ""}}]}
OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
AWSLOGSDELIVERY = "c4c1ede66af53448b93c283ce9448c4ba468c9432aa01d700d3878632f77d2d0"
PUBLIC_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{BUCKET}/*"}]})
TLS_ONLY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": f"arn:aws:s3:::{BUCKET}/*",
     "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]})


def dist_config(ref: str, **extra) -> dict:
    """A small distribution config."""
    behaviour = {"TargetOriginId": "o", "ViewerProtocolPolicy": "redirect-to-https", "CachePolicyId": OPTIMIZED}
    behaviour.update(extra.pop("behaviour", {}))
    return {"CallerReference": ref, "Comment": "", "Enabled": True, "Origins": ORIGIN, "DefaultCacheBehavior": behaviour, **extra}


def logging(domain: str) -> dict:
    """Logging block."""
    return {"Enabled": True, "IncludeCookies": False, "Bucket": domain, "Prefix": ""}


class Env:
    """Clients for one target (plain moto or the strict server)."""

    def __init__(self, factory: Callable, endpoint: str | None):
        self.s3 = factory("s3", REGION)
        self.cf = factory("cloudfront", "us-east-1")
        self.factory = factory
        self.endpoint = endpoint

    def bucket(self, name: str = BUCKET, ownership: str | None = None, bpa: bool | None = None) -> None:
        """Create a bucket, optionally with ownership and all BPA flags set."""
        extra = {"ObjectOwnership": ownership} if ownership else {}
        self.s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION}, **extra)
        if bpa is not None:
            flags = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
            self.s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=dict.fromkeys(flags, bpa))

    def created(self, config: dict) -> tuple[str, str]:
        """Create a distribution; (id, etag)."""
        answer = self.cf.create_distribution(DistributionConfig=config)
        return answer["Distribution"]["Id"], answer["ETag"]


def anonymous(env: Env, method: str, path: str):
    """An unsigned LIST, GET or PUT: raw HTTP to the strict server, an UNSIGNED boto3 client for in-process plain moto."""
    if env.endpoint is None:
        client = boto3.client("s3", region_name=REGION, config=Config(signature_version=UNSIGNED))
        if method == "LIST":
            return client.list_objects_v2(Bucket=BUCKET)
        if method == "GET":
            return client.get_object(Bucket=BUCKET, Key=path)
        return client.put_object(Bucket=BUCKET, Key=path, Body=b"x")
    request = urllib.request.Request(f"{env.endpoint}/{BUCKET}{'' if method == 'LIST' else '/' + path}",
                                     method="PUT" if method == "PUT" else "GET", data=b"x" if method == "PUT" else None)
    with urllib.request.urlopen(request, timeout=10):
        return None


def anonymous_get_private(env: Env):
    env.bucket()
    env.s3.put_object(Bucket=BUCKET, Key="i", Body=b"x")
    return anonymous(env, "GET", "i")


def anonymous_get_ignored_public_acl(env: Env):
    env.bucket(ownership="ObjectWriter", bpa=False)
    env.s3.put_object(Bucket=BUCKET, Key="i", Body=b"x", ACL="public-read")
    flags = {"BlockPublicAcls": False, "IgnorePublicAcls": True, "BlockPublicPolicy": False, "RestrictPublicBuckets": False}
    env.s3.put_public_access_block(Bucket=BUCKET, PublicAccessBlockConfiguration=flags)
    return anonymous(env, "GET", "i")


def logging_to_opt_in_region(env: Env):
    region = "eu-south-1"
    env.factory("s3", region).create_bucket(Bucket=LOG_BUCKET, CreateBucketConfiguration={"LocationConstraint": region},
                                            ObjectOwnership="ObjectWriter")
    return env.created(dist_config("r1", Logging=logging(f"{LOG_BUCKET}.s3.amazonaws.com")))


def update_without_if_match(env: Env):
    dist_id, _etag = env.created(dist_config("r1"))
    config = env.cf.get_distribution_config(Id=dist_id)["DistributionConfig"]
    return env.cf.update_distribution(Id=dist_id, DistributionConfig=config)


def awslogsdelivery_grant(env: Env) -> str:
    env.bucket(LOG_BUCKET, ownership="ObjectWriter")
    env.created(dist_config("r1", Logging=logging(f"{LOG_BUCKET}.s3.amazonaws.com")))
    grants = env.s3.get_bucket_acl(Bucket=LOG_BUCKET)["Grants"]
    present = any(g["Grantee"].get("ID") == AWSLOGSDELIVERY and g["Permission"] == "FULL_CONTROL" for g in grants)
    return "grant present" if present else "grant absent"


def update_with_stale_etag(env: Env):
    dist_id, _etag = env.created(dist_config("r1"))
    config = env.cf.get_distribution_config(Id=dist_id)["DistributionConfig"]
    return env.cf.update_distribution(Id=dist_id, IfMatch="ESTALEETAG0000", DistributionConfig=config)


def delete_enabled(env: Env):
    dist_id, etag = env.created(dist_config("r1"))
    return env.cf.delete_distribution(Id=dist_id, IfMatch=etag)


def tls_only_then_put(env: Env):
    env.bucket()
    env.s3.put_bucket_policy(Bucket=BUCKET, Policy=TLS_ONLY)
    return env.s3.put_object(Bucket=BUCKET, Key="i", Body=b"x")


def new_bucket_ownership(env: Env) -> str:
    env.bucket()
    return env.s3.get_bucket_ownership_controls(Bucket=BUCKET)["OwnershipControls"]["Rules"][0]["ObjectOwnership"]


def get_after_create(env: Env):
    dist_id, _etag = env.created(dist_config("r1"))
    return env.cf.get_distribution(Id=dist_id)["Distribution"]["Status"]


def methods_read_back(env: Env) -> str:
    sent = {"Quantity": 2, "Items": ["GET", "HEAD"], "CachedMethods": {"Quantity": 2, "Items": ["GET", "HEAD"]}}
    dist_id, _etag = env.created(dist_config("r1", behaviour={"AllowedMethods": sent}))
    return ",".join(env.cf.get_distribution_config(Id=dist_id)["DistributionConfig"]["DefaultCacheBehavior"]["AllowedMethods"]["Items"])


FORWARDED = {"QueryString": False, "Cookies": {"Forward": "none"}}
RULES: list[tuple[str, Callable[[Env], object]]] = [
    ("new bucket: ownership controls", new_bucket_ownership),
    ("ACL on BucketOwnerEnforced bucket", lambda e: (e.bucket(ownership=OWNER_ENFORCED),
                                                     e.s3.put_object(Bucket=BUCKET, Key="i", Body=b"x", ACL="private"))),
    ("public ACL under BlockPublicAcls", lambda e: (e.bucket(ownership="ObjectWriter", bpa=True),
                                                    e.s3.put_object(Bucket=BUCKET, Key="i", Body=b"x", ACL="public-read"))),
    ("public policy under BlockPublicPolicy", lambda e: (e.bucket(bpa=True), e.s3.put_bucket_policy(Bucket=BUCKET, Policy=PUBLIC_POLICY))),
    ("BucketOwnerEnforced with foreign grants", lambda e: (
        e.bucket(ownership="ObjectWriter", bpa=False), e.s3.put_bucket_acl(Bucket=BUCKET, ACL="public-read"),
        e.s3.put_bucket_ownership_controls(Bucket=BUCKET, OwnershipControls={"Rules": [{"ObjectOwnership": OWNER_ENFORCED}]}))),
    ("anonymous ListObjects", lambda e: (e.bucket(), anonymous(e, "LIST", ""))),
    ("anonymous PutObject", lambda e: (e.bucket(), anonymous(e, "PUT", "i"))),
    ("anonymous GET of a private object", anonymous_get_private),
    ("anon GET of public-read, IgnorePublicAcls", anonymous_get_ignored_public_acl),
    ("TLS-only policy vs signed PutObject", tls_only_then_put),
    ("logging bucket not *.s3.amazonaws.com", lambda e: e.created(dist_config("r1", Logging=logging(f"{LOG_BUCKET}.s3.{REGION}.amazonaws.com")))),
    ("logging bucket missing", lambda e: e.created(dist_config("r1", Logging=logging(f"{LOG_BUCKET}.s3.amazonaws.com")))),
    ("logging bucket with ACLs disabled", lambda e: (e.bucket(LOG_BUCKET, ownership=OWNER_ENFORCED),
                                                     e.created(dist_config("r1", Logging=logging(f"{LOG_BUCKET}.s3.amazonaws.com"))))),
    ("logging bucket in eu-south-1", logging_to_opt_in_region),
    ("logging on: awslogsdelivery FULL_CONTROL", awslogsdelivery_grant),
    ("UpdateDistribution without IfMatch", update_without_if_match),
    ("UpdateDistribution with stale IfMatch", update_with_stale_etag),
    ("DeleteDistribution while enabled", delete_enabled),
    ("CachePolicyId and ForwardedValues", lambda e: e.created(dist_config("r1", behaviour={"ForwardedValues": FORWARDED}))),
    ("neither CachePolicyId nor ForwardedValues", lambda e: e.created(dist_config("r1", behaviour={"CachePolicyId": ""}))),
    ("unknown CachePolicyId", lambda e: e.created(dist_config("r1", behaviour={"CachePolicyId": "00000000-0000-0000-0000-000000000000"}))),
    ("Status right after create", get_after_create),
    ("AllowedMethods sent GET,HEAD, read back", methods_read_back),
    ("S3 bucket tag value over 256 characters", lambda e: (e.bucket(), e.s3.put_bucket_tagging(
        Bucket=BUCKET, Tagging={"TagSet": [{"Key": "team", "Value": "v" * 257}]}))),
    ("CloudFront tag key starting with aws:", lambda e: e.cf.tag_resource(
        Resource=e.cf.get_distribution(Id=e.created(dist_config("r1"))[0])["Distribution"]["ARN"],
        Tags={"Items": [{"Key": "aws:team", "Value": "web"}]})),
    ("CreateResponseHeadersPolicy", lambda e: e.cf.create_response_headers_policy(
        ResponseHeadersPolicyConfig={"Name": "n", "CustomHeadersConfig": {"Quantity": 0, "Items": []}})["ResponseHeadersPolicy"]["Id"][:8] + "..."),
]


def outcome(action: Callable[[Env], object], env: Env) -> str:
    """``accepted`` (or the value returned) or ``<status> <code>``."""
    try:
        value = action(env)
    except ClientError as error:
        return f"{error.response['ResponseMetadata']['HTTPStatusCode']} {error.response['Error']['Code']}"
    except urllib.error.HTTPError as error:
        body = error.read().decode()
        code = body.split("<Code>", 1)[1].split("</Code>", 1)[0] if "<Code>" in body else ""
        return f"{error.code} {code}".strip()
    return value if isinstance(value, str) else "accepted"


def plain_factory(service: str, region: str):
    """A plain-moto client (inside mock_aws)."""
    return boto3.client(service, region_name=region, aws_access_key_id="testing", aws_secret_access_key="testing")


def main(argv: list[str]) -> int:
    """Run every rule against plain moto and the strict server at ``argv[0]``."""
    if len(argv) != 1:
        print(__doc__)
        return 2
    endpoint = argv[0].rstrip("/")
    reset = urllib.request.Request(f"{endpoint}/_strict/reset", method="POST")
    print(f"{'rule':42} {'plain moto':34} strict")
    for name, action in RULES:
        with mock_aws():
            plain = outcome(action, Env(plain_factory, None))
        urllib.request.urlopen(reset, timeout=10).close()  # pylint: disable=consider-using-with
        strict = outcome(action, Env(lambda service, region: make_client(endpoint, service, region), endpoint))
        print(f"{name:42} {plain:34} {strict}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
