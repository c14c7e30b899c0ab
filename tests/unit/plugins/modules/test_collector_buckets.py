# -*- coding: utf-8 -*-

# Copyright: clickstream.collectors contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""collector_buckets: the error paths with S3's real error codes, check mode, a concurrent create, policy removal.

The S3 client is stubbed (botocore Stubber): a call with no response queued fails the test, so a test that queues no
write response proves the module made no write.
"""

import json

import boto3
import pytest
from botocore.stub import ANY
from botocore.stub import Stubber

from ansible_collections.clickstream.collectors.plugins.modules import collector_buckets
from ansible_collections.clickstream.collectors.tests.unit.plugins.modules.module_double import clients_from_the_double
from ansible_collections.clickstream.collectors.tests.unit.plugins.modules.module_double import Failed
from ansible_collections.clickstream.collectors.tests.unit.plugins.modules.module_double import fake_module
from ansible_collections.clickstream.collectors.tests.unit.plugins.modules.module_double import retrying

NAME = "acme-clickstream-logs"
POLICY = {"Version": "2012-10-17", "Statement": [{"Sid": "TlsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                                                  "Resource": f"arn:aws:s3:::{NAME}/*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}
FLAGS = {"block_public_acls": True, "ignore_public_acls": True, "block_public_policy": True, "restrict_public_buckets": True}
BUCKET = {"name": NAME, "region": None, "object_ownership": "BucketOwnerPreferred", "public_access": FLAGS, "encryption": "AES256",
          "policy": json.dumps(POLICY), "tags": {"managed-by": "clickstream.collectors"}, "purge_tags": True}
ALL_ON = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True}


@pytest.fixture(autouse=True)
def _clients(monkeypatch):
    clients_from_the_double(monkeypatch)


class Env:
    """A stubbed S3 client, wrapped as module.client(..., retry_decorator=...) wraps it, and a module double."""

    def __init__(self, check_mode=False, **bucket):
        client = boto3.client("s3", region_name="eu-west-1", aws_access_key_id="k", aws_secret_access_key="s")
        self.s3 = Stubber(client)
        self.module = fake_module({"buckets": [dict(BUCKET, **bucket)]}, {}, check_mode=check_mode)
        self.module.client.side_effect = lambda service, **kwargs: retrying(client)

    def run(self):
        with self.s3:
            result = collector_buckets.handle_buckets(self.module)
        self.s3.assert_no_pending_responses()
        return result

    def exists(self):
        self.s3.add_response("head_bucket", {"ResponseMetadata": {"HTTPHeaders": {"x-amz-bucket-region": "eu-west-1"}}}, {"Bucket": NAME})

    def missing(self):
        self.s3.add_client_error("head_bucket", "404", http_status_code=404, expected_params={"Bucket": NAME})

    def reads(self, tags=None, ownership="BucketOwnerPreferred", flags=None, algorithm="AES256", policy="wanted"):
        tag_set = [{"Key": key, "Value": value} for key, value in (tags if tags is not None else BUCKET["tags"]).items()]
        self.s3.add_response("get_bucket_tagging", {"TagSet": tag_set}, {"Bucket": NAME})
        self.s3.add_response("get_bucket_ownership_controls", {"OwnershipControls": {"Rules": [{"ObjectOwnership": ownership}]}}, {"Bucket": NAME})
        self.s3.add_response("get_public_access_block", {"PublicAccessBlockConfiguration": flags or ALL_ON}, {"Bucket": NAME})
        self.s3.add_response("get_bucket_encryption", {"ServerSideEncryptionConfiguration": {
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": algorithm}}]}}, {"Bucket": NAME})
        policy = POLICY if policy == "wanted" else policy
        if policy is None:
            self.s3.add_client_error("get_bucket_policy", "NoSuchBucketPolicy", http_status_code=404)
        else:
            self.s3.add_response("get_bucket_policy", {"Policy": json.dumps(policy)}, {"Bucket": NAME})


def test_in_sync_reads_and_writes_nothing():
    env = Env()
    env.exists()
    env.reads()
    changed, result = env.run()
    assert changed is False
    assert result["buckets"] == [{"name": NAME, "region": "eu-west-1", "created": False, "changes": []}]


def test_check_mode_on_a_missing_bucket_reports_the_creation_and_writes_nothing():
    env = Env(check_mode=True)
    env.missing()
    changed, result = env.run()
    assert changed is True
    assert result["buckets"][0]["created"] is True
    assert result["buckets"][0]["changes"][:2] == [
        "created", "Block Public Access (BlockPublicAcls, BlockPublicPolicy, IgnorePublicAcls, RestrictPublicBuckets)"]
    assert result["diff"]["before"] == {NAME: {"exists": False}}
    assert result["diff"]["after"][NAME]["policy"] == POLICY


def test_head_bucket_403_names_another_account_and_the_permission():
    env = Env()
    env.s3.add_client_error("head_bucket", "403", http_status_code=403)
    with pytest.raises(Failed) as failure:
        env.run()
    message = str(failure.value)
    assert "belongs to another AWS account" in message
    assert f"s3:ListBucket on arn:aws:s3:::{NAME}" in message
    assert "Nothing was changed" in message


def test_name_taken_by_another_account():
    env = Env()
    env.missing()
    env.s3.add_client_error("create_bucket", "BucketAlreadyExists", http_status_code=409)
    with pytest.raises(Failed, match=f"Cannot create bucket {NAME} in eu-west-1: the name belongs to another AWS account"):
        env.run()


def test_created_meanwhile_by_a_concurrent_run_is_compared_not_recreated():
    env = Env()
    env.missing()
    env.s3.add_client_error("create_bucket", "BucketAlreadyOwnedByYou", http_status_code=409,
                            expected_params={"Bucket": NAME, "CreateBucketConfiguration": {"LocationConstraint": "eu-west-1"},
                                             "ObjectOwnership": "BucketOwnerPreferred"})
    env.reads(tags={})  # the concurrent run has not tagged it yet
    env.s3.add_response("put_bucket_tagging", {}, {"Bucket": NAME, "Tagging": {"TagSet": [{"Key": "managed-by", "Value": "clickstream.collectors"}]}})
    changed, result = env.run()
    assert changed is True
    assert result["buckets"][0] == {"name": NAME, "region": "eu-west-1", "created": False, "changes": ["its tags"]}


def test_policy_refused_names_the_permission_and_block_public_policy():
    env = Env()
    env.exists()
    env.reads(policy=None)
    env.s3.add_client_error("put_bucket_policy", "AccessDenied", http_status_code=403, expected_params={"Bucket": NAME, "Policy": ANY})
    with pytest.raises(Failed) as failure:
        env.run()
    assert f"Cannot write the policy of bucket {NAME}: the caller needs s3:PutBucketPolicy on it" in str(failure.value)
    assert "block_public_policy" in str(failure.value)


def test_read_refused_names_the_read_permissions():
    env = Env()
    env.exists()
    env.s3.add_client_error("get_bucket_tagging", "AccessDenied", http_status_code=403)
    with pytest.raises(Failed, match=f"Cannot read the settings of bucket {NAME}: the caller needs .*s3:GetBucketTagging"):
        env.run()


def test_an_empty_policy_removes_the_existing_one():
    env = Env(policy="")
    env.exists()
    env.reads()
    env.s3.add_response("delete_bucket_policy", {}, {"Bucket": NAME})
    changed, result = env.run()
    assert changed is True
    assert result["buckets"][0]["changes"] == ["its policy removed"]


def test_a_bucket_without_region_fails_before_any_call():
    env = Env()
    env.module.region = None
    with pytest.raises(Failed, match=f"Bucket {NAME} has no region"):
        env.run()
