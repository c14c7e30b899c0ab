# -*- coding: utf-8 -*-

# Copyright: clickstream.collectors contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""s3_access: the real AWS error codes, the s3control host hook, grant normalisation."""

import boto3
import pytest
from botocore.awsrequest import AWSPreparedRequest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from ansible_collections.clickstream.collectors.plugins.module_utils import s3_access
from ansible_collections.clickstream.collectors.tests.unit.plugins.modules.module_double import retrying

OWNER = "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a"
OTHER = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
ACCOUNT = "123456789012"


def s3():
    return retrying(boto3.client("s3", region_name="eu-west-1", aws_access_key_id="k", aws_secret_access_key="s"))


def s3control(endpoint=None):
    return boto3.client("s3control", region_name="eu-west-1", aws_access_key_id="k", aws_secret_access_key="s", endpoint_url=endpoint)


def owner_grant(canonical_id=OWNER, permission="FULL_CONTROL", display_name=None):
    grantee = {"Type": "CanonicalUser", "ID": canonical_id}
    if display_name:
        grantee["DisplayName"] = display_name
    return {"Grantee": grantee, "Permission": permission}


def all_users_read():
    return {"Grantee": {"Type": "Group", "URI": s3_access.ALL_USERS_URI}, "Permission": "READ"}


@pytest.mark.parametrize(
    "region, partition",
    [("eu-west-1", "aws"), ("us-east-1", "aws"), ("cn-north-1", "aws-cn"), ("cn-northwest-1", "aws-cn"), ("us-gov-west-1", "aws-us-gov"), (None, "aws")],
)
def test_partition_for_region(region, partition):
    assert s3_access.partition_for_region(region) == partition


def test_object_ownership_read_and_missing_controls():
    client = s3()
    with Stubber(client) as stub:
        stub.add_response("get_bucket_ownership_controls", {"OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}}, {"Bucket": "b"})
        stub.add_client_error("get_bucket_ownership_controls", "OwnershipControlsNotFoundError", http_status_code=404)
        assert s3_access.get_object_ownership(client, "b") == "BucketOwnerEnforced"
        # A bucket from before April 2023 without ownership controls behaves as ObjectWriter.
        assert s3_access.get_object_ownership(client, "b") == "ObjectWriter"


def test_object_ownership_other_errors_are_raised():
    client = s3()
    with Stubber(client) as stub:
        stub.add_client_error("get_bucket_ownership_controls", "NoSuchBucket", http_status_code=404)
        with pytest.raises(ClientError) as raised:
            s3_access.get_object_ownership(client, "b")
    assert raised.value.response["Error"]["Code"] == "NoSuchBucket"


def test_public_access_block_read_and_missing_configuration():
    client = s3()
    with Stubber(client) as stub:
        stub.add_response("get_public_access_block", {"PublicAccessBlockConfiguration": {"BlockPublicAcls": True, "IgnorePublicAcls": True}}, {"Bucket": "b"})
        stub.add_client_error("get_public_access_block", "NoSuchPublicAccessBlockConfiguration", http_status_code=404)
        assert s3_access.get_public_access_block(client, "b") == {
            "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": False, "RestrictPublicBuckets": False}
        assert s3_access.get_public_access_block(client, "b") == dict.fromkeys(s3_access.PUBLIC_ACCESS_BLOCK_FLAGS, False)


def test_account_public_access_block_reads_the_account_given():
    control = s3control()
    with Stubber(control) as control_stub:
        control_stub.add_response(
            "get_public_access_block",
            {"PublicAccessBlockConfiguration": {"BlockPublicAcls": True, "IgnorePublicAcls": False, "BlockPublicPolicy": True, "RestrictPublicBuckets": False}},
            {"AccountId": ACCOUNT},
        )
        flags = s3_access.account_public_access_block(retrying(control), ACCOUNT)
    assert flags == {"BlockPublicAcls": True, "IgnorePublicAcls": False, "BlockPublicPolicy": True, "RestrictPublicBuckets": False}


def test_account_public_access_block_not_configured_and_access_denied():
    control = s3control()
    with Stubber(control) as stub:
        stub.add_client_error("get_public_access_block", "NoSuchPublicAccessBlockConfiguration", http_status_code=404)
        stub.add_client_error("get_public_access_block", "AccessDenied", http_status_code=403)
        assert s3_access.account_public_access_block(retrying(control), ACCOUNT) == dict.fromkeys(s3_access.PUBLIC_ACCESS_BLOCK_FLAGS, False)
        # AccessDenied is the caller's to handle (s3_object_acl warns and goes on).
        with pytest.raises(ClientError) as raised:
            s3_access.account_public_access_block(retrying(control), ACCOUNT)
    assert raised.value.response["Error"]["Code"] == "AccessDenied"


@pytest.mark.parametrize(
    "url, expected",
    [
        ("http://123456789012.127.0.0.1:5000/v20180820/configuration/publicAccessBlock",
         "http://127.0.0.1:5000/v20180820/configuration/publicAccessBlock"),
        ("http://123456789012.localhost:4566/v20180820/x", "http://localhost:4566/v20180820/x"),
        ("http://123456789012.[::1]:4566/v20180820/x", "http://[::1]:4566/v20180820/x"),
        # Real AWS and named endpoints keep their host prefix.
        ("https://123456789012.s3-control.eu-west-1.amazonaws.com/v20180820/x",
         "https://123456789012.s3-control.eu-west-1.amazonaws.com/v20180820/x"),
        ("http://123456789012.minio.internal:9000/v20180820/x", "http://123456789012.minio.internal:9000/v20180820/x"),
        ("http://127.0.0.1:5000/v20180820/x", "http://127.0.0.1:5000/v20180820/x"),
    ],
)
def test_strip_account_host_prefix(url, expected):
    assert s3_access.strip_account_host_prefix(url) == expected


def _send_through_hook(endpoint):
    """Run a real GetPublicAccessBlock up to before-send and return the URL botocore would send to."""
    client = s3_access.register_s3control_host_hook(s3control(endpoint))
    seen = {}

    def capture(request, **kwargs):
        seen["url"] = request.url
        raise RuntimeError("stop before sending")

    # Registered after the module's hook, so it sees the URL the hook leaves.
    client.meta.events.register_last("before-send.s3-control.*", capture)
    with pytest.raises(RuntimeError):
        client.get_public_access_block(AccountId=ACCOUNT)
    return seen["url"]


def test_host_hook_registered_on_a_client_fixes_ip_endpoints_only():
    assert _send_through_hook("http://127.0.0.1:5000").startswith("http://127.0.0.1:5000/v20180820/")
    assert _send_through_hook(None).startswith(f"https://{ACCOUNT}.s3-control.eu-west-1.amazonaws.com/")


def test_host_hook_updates_an_explicit_host_header():
    request = AWSPreparedRequest("GET", f"http://{ACCOUNT}.127.0.0.1:5000/v20180820/x", {"Host": f"{ACCOUNT}.127.0.0.1:5000"}, None, True)
    s3_access._s3control_host_hook(request)  # pylint: disable=protected-access
    assert request.url == "http://127.0.0.1:5000/v20180820/x"
    assert request.headers["Host"] == "127.0.0.1:5000"


def test_put_bucket_acl_sends_the_whole_policy():
    client = s3()
    acl = {"Owner": {"ID": OWNER, "DisplayName": "me"}, "Grants": [owner_grant(display_name="me"), all_users_read()]}
    with Stubber(client) as stub:
        stub.add_response("put_bucket_acl", {}, {"Bucket": "b", "AccessControlPolicy": acl})
        s3_access.put_bucket_acl(client, "b", acl)
        stub.assert_no_pending_responses()


def test_normalize_grants_drops_display_names_duplicates_and_order():
    messy = [
        all_users_read(),
        owner_grant(display_name="webfile"),
        owner_grant(),
        {"Grantee": {"URI": s3_access.ALL_USERS_URI}, "Permission": "READ"},
    ]
    assert s3_access.normalize_grants(messy) == [owner_grant(), all_users_read()]
    assert s3_access.normalize_grants(messy) == s3_access.normalize_grants([all_users_read(), owner_grant(display_name="other name")])
    # Different permissions or grantees stay different.
    assert s3_access.normalize_grants([owner_grant()]) != s3_access.normalize_grants([owner_grant(permission="READ")])
    assert s3_access.normalize_grants([all_users_read()]) != s3_access.normalize_grants(
        [{"Grantee": {"Type": "Group", "URI": s3_access.AUTHENTICATED_USERS_URI}, "Permission": "READ"}])


def test_grants_for_canned_acls():
    norm = s3_access.normalize_grants
    assert s3_access.grants_for_canned_acl("private", OWNER) == norm([owner_grant()])
    assert s3_access.grants_for_canned_acl("public-read", OWNER) == norm([owner_grant(), all_users_read()])
    assert s3_access.grants_for_canned_acl("public-read-write", OWNER) == norm(
        [owner_grant(), all_users_read(), {"Grantee": {"Type": "Group", "URI": s3_access.ALL_USERS_URI}, "Permission": "WRITE"}])
    assert s3_access.grants_for_canned_acl("bucket-owner-full-control", OWNER) == norm([owner_grant()])
    assert s3_access.grants_for_canned_acl("bucket-owner-full-control", OWNER, OTHER) == norm([owner_grant(), owner_grant(OTHER)])
    assert s3_access.grants_for_canned_acl("bucket-owner-read", OWNER, OTHER) == norm([owner_grant(), owner_grant(OTHER, "READ")])
    assert s3_access.grants_are_public(s3_access.grants_for_canned_acl("authenticated-read", OWNER))
    assert not s3_access.grants_are_public(s3_access.grants_for_canned_acl("private", OWNER))
    with pytest.raises(ValueError):
        s3_access.grants_for_canned_acl("public", OWNER)


def test_add_grants_adds_missing_and_never_drops():
    delivery = owner_grant(s3_access.LOG_DELIVERY_CANONICAL_IDS["aws"])
    policy = {"Owner": {"ID": OWNER, "DisplayName": "me"}, "Grants": [owner_grant(display_name="me"), all_users_read()]}
    changed, new_policy = s3_access.add_grants(policy, [delivery, owner_grant()])
    assert changed is True
    assert new_policy["Owner"] == policy["Owner"]
    assert new_policy["Grants"][:2] == policy["Grants"]
    assert s3_access.normalize_grants(new_policy["Grants"]) == s3_access.normalize_grants([owner_grant(), all_users_read(), delivery])
    assert len(policy["Grants"]) == 2  # the input is not modified

    changed_again, same = s3_access.add_grants(new_policy, [delivery])
    assert changed_again is False
    assert same == new_policy


def test_grant_headers_for_put_object_acl():
    headers = s3_access.grant_headers([owner_grant(display_name="me"), all_users_read(), owner_grant(OTHER, "READ")])
    assert headers == {"GrantFullControl": f'id="{OWNER}"', "GrantRead": f'id="{OTHER}", uri="{s3_access.ALL_USERS_URI}"'}
    with pytest.raises(ValueError):
        s3_access.grant_headers([{"Grantee": {"Type": "Group", "URI": s3_access.ALL_USERS_URI}, "Permission": "WRITE"}])
