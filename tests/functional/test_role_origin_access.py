"""cloudfront_collector_origin_access: oac builds a private pixel bucket read through an origin access control, and
switching both ways converges, keeps the bucket policy's other statements, and leaves a rerun with zero writes.

The role runs as users run it (``playbooks/collector.yml -e env=local``) against the strict local AWS, whose edge signs
an OAC origin's fetch as CloudFront and lets the bucket policy decide; the smoke test fetches the pixel through it.
"""

import json

from tests.functional.test_role_rerun import LOG_BUCKET, PIXEL_BUCKET, collector, writes_since
from tests.strict_aws.client import anonymous_get
from tests.strict_aws.pytest_plugin import strict_aws, strict_aws_server  # noqa: F401  pylint: disable=unused-import

NO_LOG_CHECK = ["-e", "cloudfront_collector_verify_logs=false"]
OAC = [*NO_LOG_CHECK, "-e", "cloudfront_collector_origin_access=oac"]
OAC_SID = "CloudFrontOriginAccessControl"
# A statement the user added to the pixel bucket's policy: no switch may remove it.
USER_STATEMENT = {"Sid": "KeepTheBucket", "Effect": "Deny", "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                  "Action": "s3:DeleteBucket", "Resource": f"arn:aws:s3:::{PIXEL_BUCKET}"}


def statements(s3):
    try:
        return json.loads(s3.get_bucket_policy(Bucket=PIXEL_BUCKET)["Policy"])["Statement"]
    except s3.exceptions.ClientError:
        return []


def origin(cloudfront):
    distribution_id = cloudfront.list_distributions()["DistributionList"]["Items"][0]["Id"]
    config = cloudfront.get_distribution_config(Id=distribution_id)["DistributionConfig"]
    return cloudfront.get_distribution(Id=distribution_id)["Distribution"]["ARN"], config["Origins"]["Items"][0]


def converge_then_rerun(strict_aws, *args):  # noqa: F811  pylint: disable=redefined-outer-name
    built = collector(strict_aws, *args)
    assert built.returncode == 0, built.stdout[-3000:]
    before = len(strict_aws.writes())
    again = collector(strict_aws, *args, "-e", "cloudfront_collector_smoke_test=false")
    assert again.returncode == 0, again.stdout[-3000:]
    assert writes_since(strict_aws, before) == []
    return built


def test_oac_build_and_the_switch_both_ways(strict_aws):  # noqa: F811  pylint: disable=redefined-outer-name
    s3 = strict_aws.boto3_client("s3")
    cloudfront = strict_aws.boto3_client("cloudfront", region="us-east-1")

    # oac: smoke test through the edge (HTTP and HTTPS, signed origin fetch), then a rerun with zero writes.
    converge_then_rerun(strict_aws, *OAC)
    assert anonymous_get(strict_aws.endpoint, PIXEL_BUCKET, "i").status_code == 403
    assert s3.get_bucket_ownership_controls(Bucket=PIXEL_BUCKET)["OwnershipControls"]["Rules"][0]["ObjectOwnership"] == "BucketOwnerEnforced"
    assert all(s3.get_public_access_block(Bucket=PIXEL_BUCKET)["PublicAccessBlockConfiguration"].values())
    arn, pixel_origin = origin(cloudfront)
    oacs = cloudfront.list_origin_access_controls()["OriginAccessControlList"]["Items"]
    assert [oac["Id"] for oac in oacs] == [pixel_origin["OriginAccessControlId"]]
    assert [(oac["SigningBehavior"], oac["SigningProtocol"], oac["OriginAccessControlOriginType"]) for oac in oacs] == [("always", "sigv4", "s3")]
    oac_statement = next(item for item in statements(s3) if item["Sid"] == OAC_SID)
    assert oac_statement["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert oac_statement["Condition"] == {"StringEquals": {"AWS:SourceArn": arn}}

    # Back to public_acl, with a statement of the user's in the policy: only the OAC statement goes.
    s3.put_bucket_policy(Bucket=PIXEL_BUCKET, Policy=json.dumps({"Version": "2012-10-17", "Statement": statements(s3) + [USER_STATEMENT]}))
    converge_then_rerun(strict_aws, *NO_LOG_CHECK)
    assert statements(s3) == [USER_STATEMENT]
    assert anonymous_get(strict_aws.endpoint, PIXEL_BUCKET, "i").status_code == 200
    assert origin(cloudfront)[1]["OriginAccessControlId"] == ""

    # To oac again: private again, the user's statement still there.
    converge_then_rerun(strict_aws, *OAC)
    assert anonymous_get(strict_aws.endpoint, PIXEL_BUCKET, "i").status_code == 403
    assert [item["Sid"] for item in statements(s3)] == ["KeepTheBucket", OAC_SID]

    # Teardown deletes the origin access control after the distribution.
    torn = collector(strict_aws, *OAC, "-e", "cloudfront_collector_state=absent")
    assert torn.returncode == 0, torn.stdout[-3000:]
    assert cloudfront.list_origin_access_controls()["OriginAccessControlList"].get("Items", []) == []
    assert LOG_BUCKET in [bucket["Name"] for bucket in s3.list_buckets()["Buckets"]]  # logs are kept


def test_check_mode_of_the_switch_to_oac_is_truthful_and_writes_nothing(strict_aws):  # noqa: F811  pylint: disable=redefined-outer-name
    built = collector(strict_aws, *NO_LOG_CHECK, "-e", "cloudfront_collector_smoke_test=false")
    assert built.returncode == 0, built.stdout[-3000:]
    before = len(strict_aws.writes())
    checked = collector(strict_aws, *OAC, "--check", "--diff")
    assert checked.returncode == 0, checked.stdout[-3000:]
    assert writes_since(strict_aws, before) == []
    lines = checked.stdout.splitlines()
    for task in ("Buckets | The pixel bucket", "Distribution | Serve the pixel", "Distribution | Pixel bucket policy"):
        assert any(line.startswith("TASK") and task in line for line in lines), task
    # collector_buckets' diff: the pixel bucket's ownership and Block Public Access, before and after
    diff = [line.replace(" ", "") for line in lines if line.startswith(("-", "+"))]
    assert '-"object_ownership":"BucketOwnerPreferred",' in diff and '+"object_ownership":"BucketOwnerEnforced",' in diff, lines[-200:]
    assert '-"BlockPublicAcls":false,' in diff and '+"BlockPublicAcls":true,' in diff


def test_account_block_public_access_stops_public_acl_not_oac(strict_aws):  # noqa: F811  pylint: disable=redefined-outer-name
    account = strict_aws.boto3_client("sts").get_caller_identity()["Account"]
    strict_aws.boto3_client("s3control").put_public_access_block(
        AccountId=account, PublicAccessBlockConfiguration={"BlockPublicAcls": True, "IgnorePublicAcls": True})
    before = len(strict_aws.writes())
    refused = collector(strict_aws, *NO_LOG_CHECK, "-e", "cloudfront_collector_smoke_test=false")
    assert refused.returncode == 2, refused.stdout[-3000:]
    assert "Set cloudfront_collector_origin_access: oac" in refused.stdout
    assert "BlockPublicAcls and IgnorePublicAcls on" in refused.stdout
    assert writes_since(strict_aws, before) == []
    # oac mode does not need public ACLs: the same account builds it, smoke test through the edge included.
    built = collector(strict_aws, *OAC)
    assert built.returncode == 0, built.stdout[-3000:]
