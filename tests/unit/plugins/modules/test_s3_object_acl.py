# -*- coding: utf-8 -*-

# Copyright: clickstream.collectors contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""s3_object_acl: blocking settings, account-level Block Public Access, error paths with the real AWS error codes."""

import contextlib

import boto3
import pytest
from botocore.stub import Stubber

from ansible_collections.clickstream.collectors.plugins.module_utils import s3_access
from ansible_collections.clickstream.collectors.plugins.modules import s3_object_acl
from ansible_collections.clickstream.collectors.tests.unit.plugins.modules.module_double import clients_from_the_double
from ansible_collections.clickstream.collectors.tests.unit.plugins.modules.module_double import Failed
from ansible_collections.clickstream.collectors.tests.unit.plugins.modules.module_double import fake_module
from ansible_collections.clickstream.collectors.tests.unit.plugins.modules.module_double import retrying

OWNER = "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a"
ACCOUNT = "123456789012"
OBJ = {"Bucket": "b", "Key": "i"}
ALL_OFF = {"BlockPublicAcls": False, "IgnorePublicAcls": False, "BlockPublicPolicy": False, "RestrictPublicBuckets": False}
ALL_ON = dict.fromkeys(ALL_OFF, True)
ALL_OFF_SNAKE = {"block_public_acls": False, "ignore_public_acls": False, "block_public_policy": False, "restrict_public_buckets": False}


@pytest.fixture(autouse=True)
def _clients(monkeypatch):
    clients_from_the_double(monkeypatch)


def _client(service):
    return boto3.client(service, region_name="eu-west-1", aws_access_key_id="k", aws_secret_access_key="s")


class Env:
    """Stubbed s3, sts and s3control clients and a module double that hands them out."""

    def __init__(self, check_mode=False, **params):
        self.s3, self.sts, self.control = _client("s3"), _client("sts"), _client("s3control")
        self.stubs = {name: Stubber(getattr(self, name)) for name in ("s3", "sts", "control")}
        self.module = fake_module({"bucket": "b", "key": "i", "acl": "public-read", "prepare_bucket": False}, params, check_mode)
        clients = {"s3": self.s3, "sts": self.sts, "s3control": self.control}
        self.module.client.side_effect = lambda service, **kw: retrying(clients[service])

    @contextlib.contextmanager
    def active(self):
        with self.stubs["s3"], self.stubs["sts"], self.stubs["control"]:
            yield
            for stub in self.stubs.values():
                stub.assert_no_pending_responses()

    def bucket(self, ownership="BucketOwnerEnforced", pab=None):
        self.stubs["s3"].add_response("get_bucket_ownership_controls", {"OwnershipControls": {"Rules": [{"ObjectOwnership": ownership}]}}, {"Bucket": "b"})
        self.stubs["s3"].add_response("get_public_access_block", {"PublicAccessBlockConfiguration": pab or ALL_ON}, {"Bucket": "b"})

    def account(self, pab=None, error=None):
        self.stubs["sts"].add_response("get_caller_identity", {"Account": ACCOUNT, "Arn": "arn:aws:iam::123456789012:user/u", "UserId": "U"})
        if error:
            self.stubs["control"].add_client_error("get_public_access_block", error, http_status_code=403 if error == "AccessDenied" else 404)
        else:
            self.stubs["control"].add_response("get_public_access_block", {"PublicAccessBlockConfiguration": pab or ALL_OFF}, {"AccountId": ACCOUNT})

    def object_acl(self, acl="private"):
        grants = s3_access.grants_for_canned_acl(acl, OWNER)
        self.stubs["s3"].add_response("get_object_acl", {"Owner": {"ID": OWNER}, "Grants": grants}, OBJ)

    def run(self):
        """(changed, result) of the module's handler; result carries the account flags read, snake_case."""
        return s3_object_acl.handle_acl(retrying(self.s3), self.module)


def test_enforced_bucket_with_block_public_access_fails_naming_both():
    env = Env()
    env.bucket()
    env.account()
    env.object_acl()
    with env.active(), pytest.raises(Failed) as failed:
        env.run()
    message = str(failed.value)
    assert "BucketOwnerEnforced" in message
    assert "BlockPublicAcls" in message and "IgnorePublicAcls" in message
    assert "prepare_bucket: true" in message


def test_prepare_bucket_changes_only_the_blocking_settings_in_order():
    env = Env(prepare_bucket=True)
    env.bucket()
    env.account()
    env.object_acl()
    stub = env.stubs["s3"]
    stub.add_response("put_bucket_ownership_controls", {}, {"Bucket": "b", "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerPreferred"}]}})
    stub.add_response("put_public_access_block", {}, {"Bucket": "b", "PublicAccessBlockConfiguration": dict(
        ALL_ON, BlockPublicAcls=False, IgnorePublicAcls=False)})
    stub.add_response("put_object_acl", {}, dict(OBJ, ACL="public-read"))
    env.object_acl("public-read")
    with env.active():
        changed, result = env.run()
    assert changed is True
    assert result["bucket_settings_changed"] == {"object_ownership": "BucketOwnerPreferred", "block_public_acls": False, "ignore_public_acls": False}
    assert result["diff"]["after"]["bucket"]["public_access_block"]["block_public_policy"] is True
    assert result["account_public_access_block"] == ALL_OFF_SNAKE


def test_account_block_public_access_fails_pointing_to_origin_access_control():
    env = Env(prepare_bucket=True)
    env.bucket()
    env.account(pab=dict(ALL_OFF, IgnorePublicAcls=True))
    with env.active(), pytest.raises(Failed) as failed:
        env.run()
    assert "account-level Block Public Access has IgnorePublicAcls on" in str(failed.value)
    assert "origin access control" in str(failed.value)


def test_account_check_access_denied_warns_and_goes_on():
    env = Env()
    env.bucket(ownership="BucketOwnerPreferred", pab=ALL_OFF)
    env.account(error="AccessDenied")
    env.object_acl("public-read")
    with env.active():
        changed, result = env.run()
    assert changed is False
    assert result["account_public_access_block"] is None
    assert "AccessDenied" in env.module.warn.call_args[0][0]


def test_account_without_configuration_counts_as_all_off():
    env = Env()
    env.bucket(ownership="ObjectWriter", pab=ALL_OFF)
    env.account(error="NoSuchPublicAccessBlockConfiguration")
    env.object_acl("public-read")
    with env.active():
        changed, result = env.run()
    assert changed is False
    assert result["account_public_access_block"] == ALL_OFF_SNAKE


def test_ignore_public_acls_alone_fails_even_when_grants_already_match():
    # The grants say public-read but S3 ignores them: reporting success would be a lie.
    env = Env()
    env.bucket(ownership="BucketOwnerPreferred", pab=dict(ALL_OFF, IgnorePublicAcls=True))
    env.account()
    env.object_acl("public-read")
    with env.active(), pytest.raises(Failed, match="IgnorePublicAcls"):
        env.run()


def test_private_acl_on_enforced_bucket_needs_no_change():
    env = Env(acl="private")
    env.bucket()  # no account check for a non-public ACL
    env.object_acl("private")
    with env.active():
        changed, result = env.run()
    assert changed is False
    assert result["bucket_settings_changed"] == {}
    assert result["account_public_access_block"] is None


def test_access_denied_on_put_explains_block_public_access():
    env = Env()
    env.bucket(ownership="BucketOwnerPreferred", pab=ALL_OFF)
    env.account()
    env.object_acl()
    env.stubs["s3"].add_client_error("put_object_acl", "AccessDenied", "Access Denied", http_status_code=403)
    with env.active(), pytest.raises(Failed, match="Block Public Access"):
        env.run()


def test_acl_not_supported_on_put_names_ownership():
    env = Env(acl="private")
    env.bucket(ownership="ObjectWriter", pab=ALL_OFF)
    env.object_acl("public-read")
    env.stubs["s3"].add_client_error("put_object_acl", "AccessControlListNotSupported", "The bucket does not allow ACLs", http_status_code=400)
    with env.active(), pytest.raises(Failed, match="BucketOwnerEnforced"):
        env.run()


def test_acl_not_stored_after_write_is_a_failure():
    env = Env()
    env.bucket(ownership="BucketOwnerPreferred", pab=ALL_OFF)
    env.account()
    env.object_acl()
    env.stubs["s3"].add_response("put_object_acl", {}, dict(OBJ, ACL="public-read"))
    env.object_acl("private")  # read back: AWS kept it private
    with env.active(), pytest.raises(Failed, match="does not store it"):
        env.run()


def test_missing_object_fails_outside_check_mode_and_is_a_change_in_check_mode():
    env = Env(acl="private")
    env.bucket(ownership="BucketOwnerPreferred", pab=ALL_OFF)
    env.stubs["s3"].add_client_error("get_object_acl", "NoSuchKey", "The specified key does not exist.", http_status_code=404)
    with env.active(), pytest.raises(Failed, match="object i does not exist in bucket b"):
        env.run()

    env = Env(acl="private", check_mode=True)
    env.bucket(ownership="BucketOwnerPreferred", pab=ALL_OFF)
    env.stubs["s3"].add_client_error("get_object_acl", "NoSuchKey", http_status_code=404)
    with env.active():
        changed, result = env.run()
    assert changed is True


def test_missing_bucket_in_check_mode_is_a_change():
    env = Env(check_mode=True, prepare_bucket=True)
    env.stubs["s3"].add_client_error("get_bucket_ownership_controls", "NoSuchBucket", http_status_code=404)
    env.account()
    with env.active():
        changed, result = env.run()
    assert changed is True
    assert {"grantee": {"type": "Group", "uri": s3_access.ALL_USERS_URI}, "permission": "READ"} in result["grants"]
    assert result["diff"]["before"]["grants"] == []


def test_missing_bucket_fails_outside_check_mode():
    env = Env(acl="private")
    env.stubs["s3"].add_client_error("get_bucket_ownership_controls", "NoSuchBucket", http_status_code=404)
    with env.active(), pytest.raises(Failed, match="bucket b does not exist"):
        env.run()


def test_check_mode_on_fresh_bucket_without_the_object_reports_the_bucket_changes():
    # The pixel upload before this task is skipped by check mode; the bucket already has the 2023 defaults.
    env = Env(check_mode=True, prepare_bucket=True)
    env.bucket()
    env.account()
    env.stubs["s3"].add_client_error("get_object_acl", "NoSuchKey", http_status_code=404)
    with env.active():
        changed, result = env.run()
    assert changed is True
    assert result["bucket_settings_changed"] == {"object_ownership": "BucketOwnerPreferred", "block_public_acls": False, "ignore_public_acls": False}

    env = Env(check_mode=True)
    env.bucket()
    env.account()
    env.stubs["s3"].add_client_error("get_object_acl", "NoSuchKey", http_status_code=404)
    with env.active(), pytest.raises(Failed, match="BucketOwnerEnforced"):
        env.run()
