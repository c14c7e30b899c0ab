"""IAM evaluation: off by default; on, each request is authorized as AWS authorizes it and refused with
AWS's AccessDenied. Plain moto (no INITIAL_NO_AUTH_ACTION_COUNT) allows every call these tests expect refused."""

import json
import urllib.request

import pytest
from botocore.exceptions import ClientError

from tests.strict_aws.iam_policy import Check, Policy, PolicyError
from tests.strict_aws.testutil import ACCOUNT, LOCATION, distribution_config, expect_error, logging_config

USER = f"arn:aws:iam::{ACCOUNT}:user/moto"
MANAGED = {"managed-by": "clickstream.collectors"}


def allow(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def statement(action, resource="*", effect="Allow", **extra):
    return {"Effect": effect, "Action": action, "Resource": resource, **extra}


def denied_message(action, resource, quote=False, explicit=False):
    resource = f'"{resource}"' if quote else resource
    reason = "with an explicit deny in an identity-based policy" if explicit else f"because no identity-based policy allows the {action} action"
    return f"User: {USER} is not authorized to perform: {action} on resource: {resource} {reason}"


def cloudfront(fixture, **kwargs):
    return fixture.boto3_client("cloudfront", region="us-east-1", **kwargs)


# --- the evaluation logic ---------------------------------------------------------------------------------------

def decide(policy, action, resource="*", **context):
    return Policy(policy).decide(Check(action, resource, context)).outcome


def test_explicit_deny_wins_over_allow_and_nothing_is_allowed_by_default():
    policy = allow(statement("s3:*", "arn:aws:s3:::*"), statement("s3:DeleteBucket", "arn:aws:s3:::keep", "Deny"))
    assert decide(policy, "s3:DeleteBucket", "arn:aws:s3:::other") == "allow"
    assert decide(policy, "s3:DeleteBucket", "arn:aws:s3:::keep") == "explicit"
    assert decide(policy, "cloudfront:ListDistributions") == "implicit"


def test_action_and_resource_wildcards_not_action_and_not_resource():
    policy = allow({"Effect": "Allow", "NotAction": "s3:Delete*", "Resource": "arn:aws:s3:::*clickstream*"},
                   {"Effect": "Allow", "Action": "cloudfront:Get?istribution", "NotResource": "arn:aws:cloudfront::*:distribution/EPROD"})
    assert decide(policy, "S3:GETOBJECT", "arn:aws:s3:::a-clickstream-b/i") == "allow"  # action names are case-insensitive
    assert decide(policy, "s3:DeleteBucket", "arn:aws:s3:::a-clickstream-b") == "implicit"
    assert decide(policy, "s3:GetObject", "arn:aws:s3:::a-CLICKSTREAM-b/i") == "implicit"  # resources are not
    assert decide(policy, "cloudfront:GetDistribution", f"arn:aws:cloudfront::{ACCOUNT}:distribution/EDEV") == "allow"
    assert decide(policy, "cloudfront:GetDistribution", f"arn:aws:cloudfront::{ACCOUNT}:distribution/EPROD") == "implicit"
    # An action without a resource type is authorized on "*", which a narrower pattern does not cover.
    assert decide(allow(statement("s3:ListAllMyBuckets", "arn:aws:s3:::*")), "s3:ListAllMyBuckets") == "implicit"


def test_string_conditions_and_absent_keys():
    equals = allow(statement("cloudfront:UpdateDistribution", Condition={"StringEquals": {"aws:ResourceTag/managed-by": "clickstream.collectors"}}))
    assert decide(equals, "cloudfront:UpdateDistribution", **{"aws:ResourceTag/managed-by": "clickstream.collectors"}) == "allow"
    assert decide(equals, "cloudfront:UpdateDistribution", **{"aws:ResourceTag/managed-by": "someone-else"}) == "implicit"
    assert decide(equals, "cloudfront:UpdateDistribution") == "implicit"  # absent key: a positive operator is false
    not_equals = allow(statement("s3:GetObject", Condition={"StringNotEquals": {"s3:x-amz-acl": ["public-read", "public-read-write"]}}))
    assert decide(not_equals, "s3:GetObject") == "allow"  # absent key: a negated operator is true
    assert decide(not_equals, "s3:GetObject", **{"s3:x-amz-acl": "public-read"}) == "implicit"
    like = allow(statement("s3:GetObject", Condition={"StringLikeIfExists": {"s3:prefix": "cloudfront/*"}}))
    assert decide(like, "s3:GetObject") == "allow"
    assert decide(like, "s3:GetObject", **{"s3:prefix": "cloudfront/prod/"}) == "allow"
    assert decide(like, "s3:GetObject", **{"s3:prefix": "other/"}) == "implicit"


def test_set_operators_null_and_bool():
    only_ours = allow(statement("cloudfront:TagResource", Condition={
        "ForAllValues:StringEquals": {"aws:TagKeys": ["managed-by", "clickstream-environment", "cost-center"]},
        "Null": {"aws:RequestTag/managed-by": "false"},
    }))
    assert decide(only_ours, "cloudfront:TagResource", **{"aws:TagKeys": ["managed-by"], "aws:RequestTag/managed-by": "x"}) == "allow"
    assert decide(only_ours, "cloudfront:TagResource", **{"aws:TagKeys": ["managed-by", "owner"], "aws:RequestTag/managed-by": "x"}) == "implicit"
    assert decide(only_ours, "cloudfront:TagResource", **{"aws:TagKeys": ["cost-center"]}) == "implicit"
    any_of = allow(statement("cloudfront:UntagResource", Condition={"ForAnyValue:StringLike": {"aws:TagKeys": "managed-*"}}))
    assert decide(any_of, "cloudfront:UntagResource", **{"aws:TagKeys": ["x", "managed-by"]}) == "allow"
    assert decide(any_of, "cloudfront:UntagResource") == "implicit"  # ForAnyValue over an absent key is false
    secure = allow(statement("s3:*", Condition={"Bool": {"aws:SecureTransport": True}}))
    assert decide(secure, "s3:GetObject", **{"aws:SecureTransport": "true"}) == "allow"
    assert decide(secure, "s3:GetObject", **{"aws:SecureTransport": "false"}) == "implicit"


@pytest.mark.parametrize("document, message", [
    ({"Statement": [statement("s3:*", Principal="*")]}, "not allowed in an identity-based policy"),
    ({"Statement": [statement("s3:*", Condition={"NumericLessThan": {"s3:max-keys": "10"}})]}, "not implemented"),
    ({"Statement": [statement("s3:*", "arn:aws:s3:::${aws:username}")]}, "policy variables"),
    ({"Statement": [{"Effect": "Allow", "Action": "s3:*"}]}, "Resource"),
    ({"Version": "2008-10-17", "Statement": []}, "Version"),
])
def test_policies_the_evaluator_cannot_honour_are_refused(document, message):
    with pytest.raises(PolicyError, match=message):
        Policy(document)


# --- requests through the layer ---------------------------------------------------------------------------------

def test_off_by_default_and_after_reset(aws):
    s3 = aws.boto3_client("s3")
    s3.create_bucket(Bucket="any-bucket", CreateBucketConfiguration=LOCATION)
    aws.set_iam_policy(allow(statement("s3:ListAllMyBuckets")))
    expect_error(s3.get_bucket_tagging, "AccessDenied", 403, Bucket="any-bucket")
    aws.reset()
    s3.create_bucket(Bucket="any-bucket", CreateBucketConfiguration=LOCATION)
    s3.put_bucket_tagging(Bucket="any-bucket", Tagging={"TagSet": [{"Key": "a", "Value": "b"}]})


def test_s3_refusals_name_the_action_and_resource(aws):
    s3 = aws.boto3_client("s3")
    aws.set_iam_policy(allow(statement("s3:ListAllMyBuckets"), statement("s3:PutObject", "arn:aws:s3:::pixel-bucket/*")))
    err = expect_error(s3.create_bucket, "AccessDenied", 403, Bucket="pixel-bucket", CreateBucketConfiguration=LOCATION)
    assert err.response["Error"]["Message"] == denied_message("s3:CreateBucket", "arn:aws:s3:::pixel-bucket", quote=True)
    aws.set_iam_policy(allow(statement("s3:*")))
    s3.create_bucket(Bucket="pixel-bucket", CreateBucketConfiguration=LOCATION)
    aws.set_iam_policy(allow(statement("s3:ListAllMyBuckets"), statement("s3:PutObject", "arn:aws:s3:::pixel-bucket/*")))
    s3.put_object(Bucket="pixel-bucket", Key="i", Body=b"GIF89a")
    # HeadObject is authorized as s3:GetObject; S3 answers a refused HEAD with a bare 403.
    err = expect_error(s3.head_object, "403", 403, Bucket="pixel-bucket", Key="i")
    assert err.response["Error"]["Message"] == "Forbidden"
    err = expect_error(s3.get_object, "AccessDenied", 403, Bucket="pixel-bucket", Key="i")
    assert err.response["Error"]["Message"] == denied_message("s3:GetObject", "arn:aws:s3:::pixel-bucket/i", quote=True)
    assert aws.calls()[-1]["rule"] == "IamAccessDenied"
    assert [(d["operation"], d["action"]) for d in aws.iam_state()["denied"]][-2:] == [
        ("HeadObject", "s3:GetObject"), ("GetObject", "s3:GetObject")]


@pytest.mark.parametrize("operation, action", [
    ("head_bucket", "s3:ListBucket"),
    ("get_bucket_encryption", "s3:GetEncryptionConfiguration"),
    ("get_bucket_lifecycle_configuration", "s3:GetLifecycleConfiguration"),
    ("get_public_access_block", "s3:GetBucketPublicAccessBlock"),
    ("get_object_lock_configuration", "s3:GetBucketObjectLockConfiguration"),
    ("list_object_versions", "s3:ListBucketVersions"),
    ("delete_bucket_tagging", "s3:PutBucketTagging"),
])
def test_s3_operations_are_authorized_under_their_iam_action(aws, operation, action):
    s3 = aws.boto3_client("s3")
    s3.create_bucket(Bucket="named-bucket", CreateBucketConfiguration=LOCATION)
    everything_but = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "NotAction": action, "Resource": "*"}]}
    aws.set_iam_policy(everything_but)
    with pytest.raises(ClientError):
        getattr(s3, operation)(Bucket="named-bucket")
    refused = aws.iam_state()["denied"]
    assert refused[-1]["action"] == action
    aws.set_iam_policy(allow(statement(action, "arn:aws:s3:::named-bucket")))
    try:
        getattr(s3, operation)(Bucket="named-bucket")
    except ClientError as exc:  # e.g. no encryption configuration: answered by S3, not refused by IAM
        assert exc.response["Error"]["Code"] not in ("AccessDenied", "403"), exc.response
    assert aws.iam_state()["denied"] == refused


def test_create_bucket_with_object_ownership_also_needs_put_bucket_ownership_controls(aws):
    s3 = aws.boto3_client("s3")
    aws.set_iam_policy(allow(statement("s3:CreateBucket", "arn:aws:s3:::*")))
    s3.create_bucket(Bucket="plain-bucket", CreateBucketConfiguration=LOCATION)
    err = expect_error(s3.create_bucket, "AccessDenied", 403, Bucket="owned-bucket", CreateBucketConfiguration=LOCATION,
                       ObjectOwnership="BucketOwnerPreferred")
    assert "s3:PutBucketOwnershipControls" in err.response["Error"]["Message"]


def test_account_public_access_block_through_s3control(aws):
    control = aws.boto3_client("s3control")
    aws.set_iam_policy(allow(statement("s3:GetBucketPublicAccessBlock")))
    err = expect_error(control.get_public_access_block, "AccessDenied", 403, AccountId=ACCOUNT)
    assert err.response["Error"]["Message"] == denied_message("s3:GetAccountPublicAccessBlock", "*")
    aws.set_iam_policy(allow(statement("s3:GetAccountPublicAccessBlock")))
    expect_error(control.get_public_access_block, "NoSuchPublicAccessBlockConfiguration", 404, AccountId=ACCOUNT)


def test_iam_refusal_and_get_caller_identity_needs_no_permission(aws):
    aws.set_iam_policy(allow(statement("sts:GetCallerIdentity", effect="Deny"), statement("s3:ListAllMyBuckets")))
    assert aws.boto3_client("sts").get_caller_identity()["Account"] == ACCOUNT
    err = expect_error(aws.boto3_client("iam", region="us-east-1").list_account_aliases, "AccessDenied", 403)
    assert err.response["Error"]["Message"] == denied_message("iam:ListAccountAliases", "*")


def test_create_distribution_with_tags_needs_create_and_tag_with_the_request_tags(aws):
    cf = cloudfront(aws)
    with_tags = {"DistributionConfig": distribution_config(), "Tags": {"Items": [{"Key": "managed-by", "Value": "clickstream.collectors"}]}}
    aws.set_iam_policy(allow(statement("cloudfront:CreateDistribution")))
    err = expect_error(cf.create_distribution_with_tags, "AccessDenied", 403, DistributionConfigWithTags=with_tags)
    assert err.response["Error"]["Message"] == denied_message("cloudfront:TagResource", f"arn:aws:cloudfront::{ACCOUNT}:distribution/*")
    tagged_only = statement("cloudfront:TagResource", Condition={"StringEquals": {"aws:RequestTag/managed-by": "clickstream.collectors"}})
    aws.set_iam_policy(allow(statement("cloudfront:CreateDistribution"), tagged_only))
    wrong = {**with_tags, "Tags": {"Items": [{"Key": "managed-by", "Value": "someone"}]}}
    expect_error(cf.create_distribution_with_tags, "AccessDenied", 403, DistributionConfigWithTags=wrong)
    assert cf.create_distribution_with_tags(DistributionConfigWithTags=with_tags)["Distribution"]["Id"]


def test_a_distribution_with_standard_logging_needs_the_log_bucket_acl_permissions(aws):
    # CloudFront adds its awslogsdelivery grant to the log bucket's ACL with the caller's permissions.
    s3, cf = aws.boto3_client("s3"), cloudfront(aws)
    s3.create_bucket(Bucket="iam-logs", CreateBucketConfiguration=LOCATION, ObjectOwnership="BucketOwnerPreferred")
    config = distribution_config("logged", Logging=logging_config("iam-logs.s3.amazonaws.com"))
    aws.set_iam_policy(allow(statement("cloudfront:CreateDistribution"), statement("s3:GetBucketAcl", "arn:aws:s3:::iam-logs")))
    err = expect_error(cf.create_distribution, "AccessDenied", 403, DistributionConfig=config)
    assert err.response["Error"]["Message"] == denied_message("s3:PutBucketAcl", "arn:aws:s3:::iam-logs")
    # Without logging, CreateDistribution alone is enough; with both ACL permissions, logging is accepted.
    cf.create_distribution(DistributionConfig=distribution_config("unlogged"))
    aws.set_iam_policy(allow(statement("cloudfront:CreateDistribution"), statement(["s3:GetBucketAcl", "s3:PutBucketAcl"], "arn:aws:s3:::iam-logs")))
    assert cf.create_distribution(DistributionConfig=config)["Distribution"]["Id"]


def test_distribution_actions_see_the_distribution_tags(aws):
    cf = cloudfront(aws)
    ours = cf.create_distribution_with_tags(DistributionConfigWithTags={
        "DistributionConfig": distribution_config("ours"), "Tags": {"Items": [{"Key": "managed-by", "Value": "clickstream.collectors"}]}})
    theirs = cf.create_distribution(DistributionConfig=distribution_config("theirs"))
    ours_id, theirs_id = ours["Distribution"]["Id"], theirs["Distribution"]["Id"]
    aws.set_iam_policy(allow(statement(["cloudfront:GetDistribution", "cloudfront:TagResource"], "arn:aws:cloudfront::*:distribution/*",
                                       Condition={"StringEquals": {"aws:ResourceTag/managed-by": "clickstream.collectors"}})))
    assert cf.get_distribution(Id=ours_id)["Distribution"]["Id"] == ours_id
    arn = f"arn:aws:cloudfront::{ACCOUNT}:distribution/{theirs_id}"
    err = expect_error(cf.get_distribution, "AccessDenied", 403, Id=theirs_id)
    assert err.response["Error"]["Message"] == denied_message("cloudfront:GetDistribution", arn)
    # Tagging a foreign distribution as ours is refused: the resource tags are those it has now.
    expect_error(cf.tag_resource, "AccessDenied", 403, Resource=arn, Tags={"Items": [{"Key": "managed-by", "Value": "clickstream.collectors"}]})
    cf.tag_resource(Resource=f"arn:aws:cloudfront::{ACCOUNT}:distribution/{ours_id}", Tags={"Items": [{"Key": "cost", "Value": "1"}]})


def test_unmapped_operations_are_refused_loudly(aws):
    aws.set_iam_policy(allow(statement("*")))
    err = expect_error(cloudfront(aws).list_functions, "NotImplemented", 501)
    assert "no IAM mapping for cloudfront" in err.response["Error"]["Message"]
    assert aws.calls()[-1]["rule"] == "IamUnmapped"


def test_each_caller_its_policy_and_audited_policies(aws):
    first = aws.boto3_client("s3", aws_access_key_id="AKIAFIRSTCALLER00001")
    second = aws.boto3_client("s3", aws_access_key_id="AKIAOTHERCALLER00002")
    anyone = aws.boto3_client("s3")
    aws.set_iam_policy(allow(statement("s3:ListAllMyBuckets")), access_key_id="AKIAFIRSTCALLER00001",
                       audit={"nothing": allow(statement("iam:ListAccountAliases"))})
    first.list_buckets()
    expect_error(first.create_bucket, "AccessDenied", 403, Bucket="first-bucket", CreateBucketConfiguration=LOCATION)
    second.create_bucket(Bucket="second-bucket", CreateBucketConfiguration=LOCATION)  # no policy of its own, no default
    aws.set_iam_policy(allow(statement("s3:CreateBucket", "arn:aws:s3:::*")))
    expect_error(anyone.list_buckets, "AccessDenied", 403)
    expect_error(first.create_bucket, "AccessDenied", 403, Bucket="first-bucket", CreateBucketConfiguration=LOCATION)
    state = aws.iam_state()
    assert [d["operation"] for d in state["audit"]["nothing"]] == ["ListBuckets", "CreateBucket", "CreateBucket"]
    assert [(d["access_key_id"], d["operation"]) for d in state["denied"]] == [
        ("AKIAFIRSTCALLER00001", "CreateBucket"), ("testing", "ListBuckets"), ("AKIAFIRSTCALLER00001", "CreateBucket")]


def test_control_endpoint(strict_aws):
    def post(payload):
        request = urllib.request.Request(f"{strict_aws.endpoint}/_strict/iam", data=json.dumps(payload).encode(), method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # nosec - local endpoint
                return response.status, json.load(response)
        except urllib.error.HTTPError as exc:
            return exc.code, json.load(exc)

    status, body = post({"policy": allow(statement("s3:CreateBucket", "arn:aws:s3:::*"))})
    assert status == 200 and body["policy"]["Statement"][0]["Action"] == "s3:CreateBucket"
    expect_error(strict_aws.boto3_client("s3").list_buckets, "AccessDenied", 403)
    assert post({"policy": {"Statement": [statement("s3:*", Principal="*")]}})[0] == 400
    assert post({"policies": {}})[0] == 400
    status, body = post({"policy": None})
    assert status == 200 and body["policy"] is None and [d["operation"] for d in body["denied"]] == ["ListBuckets"]
    strict_aws.boto3_client("s3").list_buckets()
