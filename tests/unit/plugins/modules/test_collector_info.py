# -*- coding: utf-8 -*-

# Copyright: clickstream.collectors contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""collector_info: each part's verdict, and its agreement with the module that would change the part.

A part reported in sync is skipped by the role, so a verdict must never say "in sync" where the module would write:
the agreement tests run the write modules' own comparisons (tracking_pixel, with and without acl,
cloudfront_logging in check mode, collector_distribution) on the same AWS-shaped states.
"""

import base64
import copy
import datetime
import hashlib
import json

import pytest

from ansible_collections.clickstream.collectors.plugins.module_utils import s3_access
from ansible_collections.clickstream.collectors.plugins.modules import cloudfront_logging
from ansible_collections.clickstream.collectors.plugins.modules import collector_distribution
from ansible_collections.clickstream.collectors.plugins.modules import collector_buckets
from ansible_collections.clickstream.collectors.plugins.modules import collector_info
from ansible_collections.clickstream.collectors.plugins.modules import tracking_pixel
from ansible_collections.clickstream.collectors.tests.unit.plugins.modules import aws_responses
from ansible_collections.clickstream.collectors.tests.unit.plugins.modules.module_double import fake_module

PIXEL = bytes.fromhex("47494638396101000100f00000ffffff00000021f90401000000002c00000000010001000002024401003b")
PIXEL_MD5 = "fb02f374b8f73825415db1bccd4bd76d"
PIXEL_SHA256 = "caa849b179befa2645a8e2c474d2e82a76777a3305315ece911013e8ee9a916c"
OWNER = "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a"
DELIVERY = s3_access.LOG_DELIVERY_CANONICAL_IDS["aws"]
ALL_USERS = s3_access.ALL_USERS_URI
OWNERSHIP = {"managed-by": "clickstream.collectors", "clickstream-environment": "prod"}
ALL_OFF = {"BlockPublicAcls": False, "IgnorePublicAcls": False, "BlockPublicPolicy": False, "RestrictPublicBuckets": False}
ALL_ON = dict((flag, True) for flag in ALL_OFF)
POLICY = {"Version": "2012-10-17", "Statement": [{"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                                                  "Resource": ["arn:aws:s3:::logs", "arn:aws:s3:::logs/*"],
                                                  "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}


def user(canonical_id, permission):
    return {"Grantee": {"Type": "CanonicalUser", "ID": canonical_id}, "Permission": permission}


def group(uri, permission):
    return {"Grantee": {"Type": "Group", "URI": uri}, "Permission": permission}


def head(etag=PIXEL_MD5, content_type="image/gif", cache_control="max-age=86400", metadata=None, length=43, **extra):
    response = {"ETag": f'"{etag}"', "ContentLength": length, "ContentType": content_type,
                "Metadata": {"pixel-sha256": PIXEL_SHA256} if metadata is None else metadata, "LastModified": datetime.datetime(2024, 1, 1)}
    if cache_control:
        response["CacheControl"] = cache_control
    response.update(extra)
    return response


def pixel_read(grants=None, **head_args):
    return {"exists": True, "head": head(**head_args),
            "acl": {"Owner": {"ID": OWNER}, "Grants": [user(OWNER, "FULL_CONTROL"), group(ALL_USERS, "READ")] if grants is None else grants}}


def pixel_bucket(ownership="BucketOwnerPreferred", pab=None, tags=None):
    return {"name": "pixel", "exists": True, "accessible": True, "region": "eu-west-1", "tags": dict(OWNERSHIP) if tags is None else tags,
            "object_ownership": ownership, "public_access_block": dict(ALL_OFF, BlockPublicPolicy=True, RestrictPublicBuckets=True) if pab is None else pab}


def log_bucket(**changes):
    bucket = {"name": "logs", "exists": True, "accessible": True, "region": "eu-west-1", "tags": dict(OWNERSHIP),
              "object_ownership": "BucketOwnerPreferred", "public_access_block": dict(ALL_ON), "encryption": "AES256",
              "policy": copy.deepcopy(POLICY), "lifecycle_rules": [],
              "acl": {"Owner": {"ID": OWNER}, "Grants": [user(OWNER, "FULL_CONTROL"), user(DELIVERY, "FULL_CONTROL")]}}
    bucket.update(changes)
    return bucket


# ---------------------------------------------------------------------------------------------
# The pixel: agreement with tracking_pixel
# ---------------------------------------------------------------------------------------------

PIXEL_CASES = [
    ("as uploaded", {}),
    ("other bytes, same size", {"etag": "0" * 32}),
    ("other size", {"length": 44}),
    ("kms: the stored checksum decides", {"etag": "1" * 32, "ServerSideEncryption": "aws:kms"}),
    ("kms, checksum wrong", {"etag": "1" * 32, "ServerSideEncryption": "aws:kms", "metadata": {"pixel-sha256": "0" * 64}}),
    ("multipart etag", {"etag": "2" * 32 + "-2"}),
    ("served as octet-stream", {"content_type": "binary/octet-stream"}),
    ("other Cache-Control", {"cache_control": "no-cache"}),
    ("no Cache-Control", {"cache_control": None}),
    ("no stored checksum", {"metadata": {}}),
    ("user metadata besides the checksum", {"metadata": {"pixel-sha256": PIXEL_SHA256, "team": "web"}}),
]


@pytest.mark.parametrize("label, changes", PIXEL_CASES, ids=[case[0] for case in PIXEL_CASES])
def test_pixel_verdict_agrees_with_tracking_pixel(label, changes):
    read = pixel_read(**changes)
    module = fake_module({"bucket": "pixel", "key": "i", "src": None, "content_base64": base64.b64encode(PIXEL).decode(),
                          "content_type": "image/gif", "cache_control": "max-age=86400", "metadata": None, "state": "present"}, {})
    before = tracking_pixel.describe(read["head"])
    desired = tracking_pixel.desired_state(module, PIXEL, before)
    module_writes = not (tracking_pixel.content_matches(before, desired) and tracking_pixel.headers_match(before, desired))
    assert bool(collector_info.pixel_differences(read, PIXEL, "image/gif", "max-age=86400")) == module_writes, label


def test_pixel_as_uploaded_is_in_sync_and_a_missing_one_is_not():
    assert collector_info.pixel_differences(pixel_read(), PIXEL, "image/gif", "max-age=86400") == []
    assert collector_info.pixel_differences({"exists": False}, PIXEL, "image/gif", None) == ["the pixel does not exist"]
    assert collector_info.pixel_differences(pixel_read(content_type="text/plain"), PIXEL, "image/gif", None) == [
        "Content-Type is text/plain, not image/gif"]


# ---------------------------------------------------------------------------------------------
# The pixel's ACL: agreement with tracking_pixel (acl: public-read); the pixel bucket's settings as collector_buckets keeps them
# ---------------------------------------------------------------------------------------------

ACL_CASES = [
    ("public", [user(OWNER, "FULL_CONTROL"), group(ALL_USERS, "READ")]),
    ("private object", [user(OWNER, "FULL_CONTROL")]),
    ("extra grant", [user(OWNER, "FULL_CONTROL"), group(ALL_USERS, "READ"), group(ALL_USERS, "WRITE")]),
    ("authenticated users instead", [user(OWNER, "FULL_CONTROL"), group(s3_access.AUTHENTICATED_USERS_URI, "READ")]),
]


@pytest.mark.parametrize("label, grants", ACL_CASES, ids=[case[0] for case in ACL_CASES])
def test_pixel_acl_verdict_agrees_with_tracking_pixel(label, grants):
    read = pixel_read(grants=grants)
    module_writes = s3_access.normalize_grants(grants) != tracking_pixel.wanted_grants("public-read", read["acl"])
    assert bool(collector_info.pixel_acl_differences(read)) == module_writes, label


def test_a_missing_pixel_has_no_acl_difference_of_its_own():
    """The upload sets the ACL: the pixel part already differs ("the pixel does not exist")."""
    assert collector_info.pixel_acl_differences({"exists": False}) == []


@pytest.mark.parametrize("bucket, difference", [
    (pixel_bucket("BucketOwnerEnforced"), "Object Ownership is BucketOwnerEnforced, not BucketOwnerPreferred"),
    (pixel_bucket("ObjectWriter"), "Object Ownership is ObjectWriter, not BucketOwnerPreferred"),
    (pixel_bucket(pab=dict(ALL_ON)), "Block Public Access differs (BlockPublicAcls, IgnorePublicAcls)"),
    (pixel_bucket(pab=dict(ALL_OFF)), "Block Public Access differs (BlockPublicPolicy, RestrictPublicBuckets)"),
])
def test_pixel_bucket_settings_as_the_bucket_task_keeps_them(bucket, difference):
    assert collector_info.pixel_bucket_differences(pixel_bucket(), OWNERSHIP) == []
    assert difference in collector_info.pixel_bucket_differences(bucket, OWNERSHIP)


def test_the_account_blocking_public_acls_is_its_own_difference():
    """No module changes the account: the role's preflight stops on it, before any write."""
    assert collector_info.account_differences({"public_access_block": dict(ALL_OFF, IgnorePublicAcls=True)}) == [
        "the account's Block Public Access has IgnorePublicAcls on: public ACLs cannot work"]
    assert collector_info.account_differences({"public_access_block": dict(ALL_OFF)}) == []
    assert collector_info.account_differences({"public_access_block": None}) == []


# ---------------------------------------------------------------------------------------------
# Logging: agreement with cloudfront_logging (manage_bucket) in check mode
# ---------------------------------------------------------------------------------------------

LOGGING_ON = {"Enabled": True, "IncludeCookies": False, "Bucket": "logs.s3.amazonaws.com", "Prefix": "cloudfront/"}
LOGGING_CASES = [
    ("as set", LOGGING_ON, log_bucket()),
    ("other prefix", dict(LOGGING_ON, Prefix="cf/"), log_bucket()),
    ("logging off", {"Enabled": False, "IncludeCookies": False, "Bucket": "", "Prefix": ""}, log_bucket()),
    ("delivery grant removed", LOGGING_ON, log_bucket(acl={"Owner": {"ID": OWNER}, "Grants": [user(OWNER, "FULL_CONTROL")]})),
    ("ACLs disabled", LOGGING_ON, log_bucket(object_ownership="BucketOwnerEnforced")),
    ("other grants kept", LOGGING_ON, log_bucket(acl={"Owner": {"ID": OWNER}, "Grants": [
        user(OWNER, "FULL_CONTROL"), user(DELIVERY, "FULL_CONTROL"), group(s3_access.LOG_DELIVERY_URI, "WRITE")]})),
]


@pytest.mark.parametrize("label, logging_block, bucket", LOGGING_CASES, ids=[case[0] for case in LOGGING_CASES])
def test_logging_verdict_agrees_with_cloudfront_logging(label, logging_block, bucket):
    config = dict(aws_responses.collector_config(), Logging=logging_block)
    distribution = aws_responses.distribution(config)
    module = fake_module({"distribution_id": distribution["Id"], "alias": None, "caller_reference": None, "enabled": True, "bucket": "logs",
                          "prefix": "cloudfront/", "include_cookies": False, "manage_bucket": True, "wait": False, "wait_timeout": 10},
                         {}, check_mode=True)
    state = {"name": "logs", "region": "eu-west-1", "object_ownership": bucket["object_ownership"], "acl": bucket["acl"]}
    bucket_changed, dummy = cloudfront_logging.handle_bucket(None, module, state)
    wanted = cloudfront_logging.desired_logging(True, "logs", "cloudfront/", False)
    logging_changed, dummy = cloudfront_logging.handle_logging(None, module, distribution, "E1", wanted)
    read = {"distribution": distribution, "etag": "E1", "tags": {}, "policy": None}
    verdict = collector_info.logging_differences(read, bucket, {"enabled": True, "prefix": "cloudfront/", "include_cookies": False}, "aws")
    assert bool(verdict) == (bucket_changed or logging_changed), label


def test_logging_off_is_compared_too():
    config = dict(aws_responses.collector_config(), Logging=LOGGING_ON)
    read = {"distribution": aws_responses.distribution(config), "etag": "E1", "tags": {}, "policy": None}
    off = {"enabled": False, "prefix": "", "include_cookies": False}
    assert collector_info.logging_differences(read, {"name": ""}, off, "aws") == ["its Logging settings differ"]
    read["distribution"]["DistributionConfig"]["Logging"] = {"Enabled": False, "IncludeCookies": False, "Bucket": "", "Prefix": ""}
    assert collector_info.logging_differences(read, {"name": ""}, off, "aws") == []


# ---------------------------------------------------------------------------------------------
# The distribution: collector_distribution's own comparison
# ---------------------------------------------------------------------------------------------

DISTRIBUTION_PARAMS = {
    "caller_reference": "clickstream-test-pixel", "origin_bucket": "pixel", "origin_bucket_region": "eu-west-1", "comment": "collector",
    "price_class": "PriceClass_100", "aliases": [], "acm_certificate_arn": None, "enabled": True, "http_version": "http2and3",
    "cache_policy_id": "658327ea-f89d-4fab-a63d-7e88639e58f6", "response_headers_policy_id": None, "viewer_cache_control": None,
    "cors_allowed_origins": [], "response_headers_policy_name": None,
}


def distribution_read(config=None, tags=None, policy=None):
    return {"distribution": aws_responses.distribution(config or aws_responses.collector_config()), "etag": "E1",
            "tags": dict(OWNERSHIP) if tags is None else tags, "policy": policy}


def test_distribution_as_aws_returns_it_is_in_sync():
    assert collector_info.distribution_differences(distribution_read(), DISTRIBUTION_PARAMS, OWNERSHIP) == []


def test_distribution_changes_are_seen_as_collector_distribution_sees_them():
    params = dict(DISTRIBUTION_PARAMS, price_class="PriceClass_All")
    assert collector_info.distribution_differences(distribution_read(), params, OWNERSHIP) == ["its config differs (PriceClass)"]
    current = aws_responses.collector_config()
    assert collector_distribution.build_config(current, params) != collector_distribution.normalize_config(current)
    assert collector_info.distribution_differences(distribution_read(tags={}), DISTRIBUTION_PARAMS, OWNERSHIP) == ["its tags differ"]
    assert collector_info.distribution_differences({"distribution": None}, DISTRIBUTION_PARAMS, OWNERSHIP) == ["the distribution does not exist"]


def test_response_headers_policy_missing_or_changed_by_hand():
    params = dict(DISTRIBUTION_PARAMS, viewer_cache_control="no-cache, no-store, must-revalidate", cors_allowed_origins=["*"])
    name = collector_distribution.policy_name(params)
    assert collector_info.distribution_differences(distribution_read(), params, OWNERSHIP) == [f"response headers policy {name} does not exist"]
    patch = collector_distribution.policy_patch(params)
    config = collector_distribution.strip_remove(dict(patch, Name=name))
    config_with_id = aws_responses.collector_config()
    config_with_id["DefaultCacheBehavior"]["ResponseHeadersPolicyId"] = "rhp-1"
    policy = {"Id": "rhp-1", "ResponseHeadersPolicyConfig": config}
    assert collector_info.distribution_differences(distribution_read(config_with_id, policy=policy), params, OWNERSHIP) == []
    edited = copy.deepcopy(policy)
    edited["ResponseHeadersPolicyConfig"]["CustomHeadersConfig"]["Items"][0]["Value"] = "max-age=60"
    assert collector_info.distribution_differences(distribution_read(config_with_id, policy=edited), params, OWNERSHIP) == [
        f"response headers policy {name} differs"]


# ---------------------------------------------------------------------------------------------
# Buckets and the expiry rule
# ---------------------------------------------------------------------------------------------


def test_log_bucket_as_the_role_keeps_it_is_in_sync():
    assert collector_info.log_bucket_differences(log_bucket(), OWNERSHIP, json.dumps(POLICY)) == []


@pytest.mark.parametrize("changes, difference", [
    ({"object_ownership": "BucketOwnerEnforced"}, "Object Ownership is BucketOwnerEnforced, not BucketOwnerPreferred"),
    ({"public_access_block": dict(ALL_ON, RestrictPublicBuckets=False)}, "Block Public Access is not fully on"),
    ({"encryption": None}, "default encryption is None, not AES256"),
    ({"policy": None}, "its policy differs"),
    ({"tags": dict(OWNERSHIP, extra="x")}, "its tags differ"),
    ({"exists": False}, "bucket logs does not exist"),
])
def test_log_bucket_differences(changes, difference):
    assert difference in collector_info.log_bucket_differences(log_bucket(**changes), OWNERSHIP, json.dumps(POLICY))


def test_policy_compared_as_collector_buckets_compares_it():
    """Key order and a Resource list order are no difference (amazon.aws compare_policies)."""
    reordered = json.loads(json.dumps(POLICY))
    reordered["Statement"][0]["Resource"].reverse()
    assert collector_info.log_bucket_differences(log_bucket(policy=reordered), OWNERSHIP, json.dumps(POLICY)) == []


@pytest.mark.parametrize("rules, days, in_sync", [
    ([], 0, True),
    ([{"ID": "clickstream-log-expiry", "Filter": {"Prefix": "cf/"}, "Status": "Enabled", "Expiration": {"Days": 90}}], 90, True),
    ([{"ID": "clickstream-log-expiry", "Filter": {"Prefix": "cf/"}, "Status": "Enabled", "Expiration": {"Days": 30}}], 90, False),
    ([{"ID": "clickstream-log-expiry", "Filter": {"Prefix": "cf/"}, "Status": "Disabled", "Expiration": {"Days": 90}}], 90, False),
    ([{"ID": "clickstream-log-expiry", "Filter": {"Prefix": "cf/"}, "Status": "Enabled", "Expiration": {"Days": 90}}], 0, False),
    ([{"ID": "someone-elses", "Filter": {"Prefix": ""}, "Status": "Enabled", "Expiration": {"Days": 1}}], 0, True),
    ([], 90, False),
])
def test_expiry_rule(rules, days, in_sync):
    assert (collector_info.expiry_differences(log_bucket(lifecycle_rules=rules), "clickstream-log-expiry", "cf/", days) == []) == in_sync


def test_pixel_bucket_verdict_and_ownership_result():
    assert collector_info.bucket_differences(pixel_bucket(), OWNERSHIP) == []
    assert collector_info.bucket_differences(pixel_bucket(tags={"managed-by": "clickstream.collectors"}), OWNERSHIP) == ["its tags differ"]
    assert collector_info.bucket_result(pixel_bucket(tags={}), OWNERSHIP)["owned"] is False
    foreign = {"name": "pixel", "exists": True, "accessible": False}
    assert collector_info.bucket_result(foreign, OWNERSHIP)["owned"] is False
    assert collector_info.bucket_result({"name": "pixel", "exists": False}, OWNERSHIP)["owned"] is None


def test_pixel_result_carries_the_checksum_a_smoke_test_expects():
    result = collector_info.pixel_result(pixel_read(), PIXEL)
    assert result["desired_sha256"] == hashlib.sha256(PIXEL).hexdigest() == PIXEL_SHA256
    assert result["grants"][1] == {"grantee": {"type": "Group", "uri": ALL_USERS}, "permission": "READ"}


# ---------------------------------------------------------------------------------------------
# The preflight's bucket verdicts agree with collector_buckets, which the role runs when they say a bucket differs: a
# bucket collector_buckets would leave alone is in sync, and one it would write to is not.
# ---------------------------------------------------------------------------------------------

PIXEL_SPEC = {"object_ownership": "BucketOwnerPreferred", "encryption": None, "policy": None, "tags": {}, "purge_tags": True,
              "public_access": {"block_public_acls": False, "ignore_public_acls": False, "block_public_policy": True, "restrict_public_buckets": True}}
LOG_SPEC = {"object_ownership": "BucketOwnerPreferred", "encryption": "AES256", "policy": json.dumps(POLICY), "tags": {}, "purge_tags": True,
            "public_access": {"block_public_acls": True, "ignore_public_acls": True, "block_public_policy": True, "restrict_public_buckets": True}}


def _as_collector_buckets_reads(bucket):
    return {"tags": bucket["tags"], "object_ownership": bucket["object_ownership"], "public_access": bucket["public_access_block"],
            "encryption": bucket.get("encryption"), "policy": bucket.get("policy")}


@pytest.mark.parametrize("bucket", [
    pixel_bucket(),
    pixel_bucket(tags={"managed-by": "clickstream.collectors"}),
    pixel_bucket(ownership="BucketOwnerEnforced"),
    pixel_bucket(pab=dict(ALL_ON)),
    pixel_bucket(pab=dict(ALL_OFF)),
], ids=["in-sync", "tags", "ownership", "all-flags-on", "all-flags-off"])
def test_pixel_bucket_verdict_agrees_with_collector_buckets(bucket):
    spec = dict(PIXEL_SPEC, tags=dict(OWNERSHIP))
    writes = collector_buckets.differences(_as_collector_buckets_reads(bucket), collector_buckets.wanted_settings(spec), True)
    assert bool(collector_info.pixel_bucket_differences(bucket, OWNERSHIP)) == bool(writes), writes


@pytest.mark.parametrize("changes", [
    {}, {"encryption": None}, {"public_access_block": dict(ALL_OFF)}, {"object_ownership": "BucketOwnerEnforced"},
    {"policy": None}, {"policy": dict(POLICY, Statement=[dict(POLICY["Statement"][0], Sid="Other")])}, {"tags": {}},
], ids=["in-sync", "encryption", "flags", "ownership", "no-policy", "other-policy", "tags"])
def test_log_bucket_verdict_agrees_with_collector_buckets(changes):
    bucket = log_bucket(**changes)
    spec = dict(LOG_SPEC, tags=dict(OWNERSHIP))
    writes = collector_buckets.differences(_as_collector_buckets_reads(bucket), collector_buckets.wanted_settings(spec), True)
    assert bool(collector_info.log_bucket_differences(bucket, OWNERSHIP, POLICY)) == bool(writes), writes
