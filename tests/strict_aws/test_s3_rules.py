"""S3 rules. A test taking ``aws`` shows a rule: it passes on the strict AWS and fails on plain moto (run too).
A test taking ``strict_aws`` shows that the layer keeps what AWS and moto both do (no over-rejection)."""

import json

import pytest
import requests

from tests.strict_aws.testutil import ACCOUNT, ALL_BPA_OFF, ALL_BPA_ON, LOCATION, expect_error, public_read_policy

BUCKET = "strict-bucket"


def make_bucket(s3, name=BUCKET, ownership=None, bpa_off=False):
    kwargs = {"ObjectOwnership": ownership} if ownership else {}
    s3.create_bucket(Bucket=name, CreateBucketConfiguration=LOCATION, **kwargs)
    if bpa_off:
        s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=ALL_BPA_OFF)


def test_new_bucket_defaults(aws):
    s3 = aws.boto3_client("s3")
    make_bucket(s3)
    rules = s3.get_bucket_ownership_controls(Bucket=BUCKET)["OwnershipControls"]["Rules"]
    assert rules == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    assert s3.get_public_access_block(Bucket=BUCKET)["PublicAccessBlockConfiguration"] == ALL_BPA_ON


def test_object_ownership_header_honoured(aws):
    s3 = aws.boto3_client("s3")
    make_bucket(s3, ownership="ObjectWriter")
    rules = s3.get_bucket_ownership_controls(Bucket=BUCKET)["OwnershipControls"]["Rules"]
    assert rules == [{"ObjectOwnership": "ObjectWriter"}]
    assert s3.get_public_access_block(Bucket=BUCKET)["PublicAccessBlockConfiguration"] == ALL_BPA_ON


def test_create_bucket_with_acl_under_owner_enforced(aws):
    s3 = aws.boto3_client("s3")
    expect_error(s3.create_bucket, "InvalidBucketAclWithObjectOwnership", 400, Bucket=BUCKET, CreateBucketConfiguration=LOCATION, ACL="public-read")
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration=LOCATION, ACL="private")


OWNER_ID = "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a"
OWNER_GRANT = f'id="{OWNER_ID}"'
THIRD_PARTY = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
ACL_REQUESTS = {
    "PutObject canned": lambda s3: s3.put_object(Bucket=BUCKET, Key="k", Body=b"x", ACL="private"),
    "PutObject grant header": lambda s3: s3.put_object(Bucket=BUCKET, Key="k", Body=b"x", GrantRead='uri="http://acs.amazonaws.com/groups/global/AllUsers"'),
    "PutObjectAcl canned": lambda s3: s3.put_object_acl(Bucket=BUCKET, Key="seed", ACL="public-read"),
    "PutObjectAcl body": lambda s3: s3.put_object_acl(Bucket=BUCKET, Key="seed", AccessControlPolicy={
        "Owner": {"ID": "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a"},
        "Grants": [{"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"}, "Permission": "READ"}]}),
    "PutBucketAcl canned": lambda s3: s3.put_bucket_acl(Bucket=BUCKET, ACL="private"),
    "PutBucketAcl body": lambda s3: s3.put_bucket_acl(Bucket=BUCKET, AccessControlPolicy={
        "Owner": {"ID": "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a"},
        "Grants": [{"Grantee": {"Type": "CanonicalUser", "ID": THIRD_PARTY}, "Permission": "READ"}]}),
    "CopyObject": lambda s3: s3.copy_object(Bucket=BUCKET, Key="copy", CopySource={"Bucket": BUCKET, "Key": "seed"}, ACL="authenticated-read"),
    "CreateMultipartUpload": lambda s3: s3.create_multipart_upload(Bucket=BUCKET, Key="mpu", ACL="public-read"),
}


@pytest.mark.parametrize("name", sorted(ACL_REQUESTS))
def test_acl_on_bucket_owner_enforced(aws, name):
    call = ACL_REQUESTS[name]
    s3 = aws.boto3_client("s3")
    make_bucket(s3)
    s3.put_object(Bucket=BUCKET, Key="seed", Body=b"x")
    err = expect_error(call, "AccessControlListNotSupported", 400, s3)
    assert err.response["Error"]["Message"] == "The bucket does not allow ACLs"


def test_bucket_owner_full_control_allowed_on_owner_enforced(strict_aws):
    """The one ACL a bucket with ACLs disabled accepts, canned or as a grant header, passes the layer."""
    s3 = strict_aws.boto3_client("s3")
    make_bucket(s3)
    s3.put_object(Bucket=BUCKET, Key="k", Body=b"x", ACL="bucket-owner-full-control")
    s3.put_object(Bucket=BUCKET, Key="k2", Body=b"x", GrantFullControl=OWNER_GRANT)
    for key in ("k", "k2"):
        grants = s3.get_object_acl(Bucket=BUCKET, Key=key)["Grants"]
        assert [(g["Grantee"].get("ID"), g["Permission"]) for g in grants] == [(OWNER_ID, "FULL_CONTROL")]
    assert [c["status"] for c in strict_aws.calls() if c["operation"] == "PutObject"] == [200, 200]


def test_block_public_acls_bucket_and_account(aws):
    s3 = aws.boto3_client("s3")
    make_bucket(s3, ownership="ObjectWriter")
    expect_error(s3.put_object, "AccessDenied", 403, Bucket=BUCKET, Key="k", Body=b"x", ACL="public-read")
    expect_error(s3.put_bucket_acl, "AccessDenied", 403, Bucket=BUCKET, ACL="public-read-write")
    s3.put_object(Bucket=BUCKET, Key="k", Body=b"x", ACL="private")
    s3.put_public_access_block(Bucket=BUCKET, PublicAccessBlockConfiguration=ALL_BPA_OFF)
    s3.put_object(Bucket=BUCKET, Key="k", Body=b"x", ACL="public-read")
    control = aws.boto3_client("s3control")
    control.put_public_access_block(AccountId=ACCOUNT, PublicAccessBlockConfiguration={**ALL_BPA_OFF, "BlockPublicAcls": True})
    expect_error(s3.put_object_acl, "AccessDenied", 403, Bucket=BUCKET, Key="k", ACL="public-read")


def test_block_public_policy(aws):
    policy = public_read_policy(BUCKET)
    s3 = aws.boto3_client("s3")
    make_bucket(s3)
    expect_error(s3.put_bucket_policy, "AccessDenied", 403, Bucket=BUCKET, Policy=policy)
    restricted = json.loads(policy)
    restricted["Statement"][0]["Condition"] = {"StringEquals": {"aws:SourceArn": "arn:aws:cloudfront::123456789012:distribution/E1"}}
    s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(restricted))
    s3.put_public_access_block(Bucket=BUCKET, PublicAccessBlockConfiguration=ALL_BPA_OFF)
    s3.put_bucket_policy(Bucket=BUCKET, Policy=policy)
    aws.boto3_client("s3control").put_public_access_block(
        AccountId=ACCOUNT, PublicAccessBlockConfiguration={**ALL_BPA_OFF, "BlockPublicPolicy": True})
    expect_error(s3.put_bucket_policy, "AccessDenied", 403, Bucket=BUCKET, Policy=policy)


def test_owner_enforced_with_foreign_grants(aws):
    controls = {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    s3 = aws.boto3_client("s3")
    make_bucket(s3, ownership="ObjectWriter", bpa_off=True)
    s3.put_bucket_acl(Bucket=BUCKET, ACL="public-read")
    expect_error(s3.put_bucket_ownership_controls, "InvalidBucketAclWithObjectOwnership", 400, Bucket=BUCKET, OwnershipControls=controls)
    s3.put_bucket_acl(Bucket=BUCKET, ACL="private")
    s3.put_bucket_ownership_controls(Bucket=BUCKET, OwnershipControls=controls)


def test_tls_only_policy_does_not_block_signed_requests(aws):
    policy = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "TLSOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]})
    s3 = aws.boto3_client("s3")
    make_bucket(s3)
    s3.put_bucket_policy(Bucket=BUCKET, Policy=policy)
    s3.put_object(Bucket=BUCKET, Key="k", Body=b"x")
    assert s3.get_object(Bucket=BUCKET, Key="k")["Body"].read() == b"x"
    s3.delete_object(Bucket=BUCKET, Key="k")
    assert s3.get_bucket_policy(Bucket=BUCKET)["Policy"] == policy


def test_unconditional_deny_still_applies(strict_aws):
    s3 = strict_aws.boto3_client("s3")
    make_bucket(s3)
    s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{BUCKET}/*"}]}))
    expect_error(s3.put_object, "AccessDenied", 403, Bucket=BUCKET, Key="k", Body=b"x")


BODY_GRANTS = [
    {"Grantee": {"Type": "CanonicalUser", "ID": OWNER_ID}, "Permission": "FULL_CONTROL"},
    {"Grantee": {"Type": "CanonicalUser", "ID": THIRD_PARTY}, "Permission": "READ_ACP"},
    {"Grantee": {"Type": "Group", "URI": ALL_USERS}, "Permission": "READ"},
]
OWNER_ONLY = [{"Grantee": {"ID": OWNER_ID, "Type": "CanonicalUser"}, "Permission": "FULL_CONTROL"}]


def body_policy(grants):
    return {"Owner": {"ID": OWNER_ID}, "Grants": grants}


def test_put_object_acl_body_is_stored(aws):
    s3 = aws.boto3_client("s3")
    make_bucket(s3, ownership="ObjectWriter", bpa_off=True)
    s3.put_object(Bucket=BUCKET, Key="k", Body=b"x")
    assert requests.get(f"{aws.endpoint}/{BUCKET}/k", timeout=10).status_code == 403
    s3.put_object_acl(Bucket=BUCKET, Key="k", AccessControlPolicy=body_policy(BODY_GRANTS))
    assert s3.get_object_acl(Bucket=BUCKET, Key="k")["Grants"] == BODY_GRANTS
    assert requests.get(f"{aws.endpoint}/{BUCKET}/k", timeout=10).status_code == 200  # the stored grant counts
    s3.put_object_acl(Bucket=BUCKET, Key="k", AccessControlPolicy=body_policy(BODY_GRANTS[:1]))
    assert s3.get_object_acl(Bucket=BUCKET, Key="k")["Grants"] == OWNER_ONLY
    assert s3.get_bucket_acl(Bucket=BUCKET)["Grants"] == OWNER_ONLY  # the bucket ACL is untouched


def test_put_bucket_acl_body_round_trip(strict_aws):
    s3 = strict_aws.boto3_client("s3")
    make_bucket(s3, ownership="ObjectWriter", bpa_off=True)
    s3.put_bucket_acl(Bucket=BUCKET, AccessControlPolicy=body_policy(BODY_GRANTS))
    assert s3.get_bucket_acl(Bucket=BUCKET)["Grants"] == BODY_GRANTS


def test_body_acl_rules(aws):
    s3 = aws.boto3_client("s3")
    make_bucket(s3, ownership="ObjectWriter")
    s3.put_object(Bucket=BUCKET, Key="k", Body=b"x")
    public = body_policy(BODY_GRANTS)
    expect_error(s3.put_object_acl, "AccessDenied", 403, Bucket=BUCKET, Key="k", AccessControlPolicy=public)
    expect_error(s3.put_bucket_acl, "AccessDenied", 403, Bucket=BUCKET, AccessControlPolicy=public)
    assert aws.calls()[-1]["rule"] == "BlockPublicAcls"
    private = body_policy(BODY_GRANTS[:2])
    s3.put_object_acl(Bucket=BUCKET, Key="k", AccessControlPolicy=private)
    assert s3.get_object_acl(Bucket=BUCKET, Key="k")["Grants"] == BODY_GRANTS[:2]
    bad_permission = body_policy([{"Grantee": {"Type": "CanonicalUser", "ID": OWNER_ID}, "Permission": "EVERYTHING"}])
    expect_error(s3.put_object_acl, "MalformedACLError", 400, Bucket=BUCKET, Key="k", AccessControlPolicy=bad_permission)
    expect_error(s3.put_object_acl, "MalformedACLError", 400, Bucket=BUCKET, Key="k", AccessControlPolicy={"Grants": BODY_GRANTS[:1]})
    email = [{"Grantee": {"Type": "AmazonCustomerByEmail", "EmailAddress": "someone@example.com"}, "Permission": "READ"}]
    expect_error(s3.put_object_acl, "MethodNotAllowed", 405, Bucket=BUCKET, Key="k", AccessControlPolicy=body_policy(email))
    expect_error(s3.put_object_acl, "MethodNotAllowed", 405, Bucket=BUCKET, Key="k", GrantRead='emailAddress="someone@example.com"')
    assert aws.calls()[-1]["rule"] == "EmailGrantee"
    assert s3.get_object_acl(Bucket=BUCKET, Key="k")["Grants"] == BODY_GRANTS[:2]
