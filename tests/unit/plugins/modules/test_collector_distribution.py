# -*- coding: utf-8 -*-

# Copyright: clickstream.collectors contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""collector_distribution: desired-config overlay and error paths with the real AWS error codes."""

import copy

import boto3
import pytest
from botocore.stub import Stubber

from ansible_collections.clickstream.collectors.plugins.module_utils import distribution_config
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import normalize_config
from ansible_collections.clickstream.collectors.plugins.modules import collector_distribution
from ansible_collections.clickstream.collectors.tests.unit.plugins.modules import aws_responses
from ansible_collections.clickstream.collectors.tests.unit.plugins.modules.module_double import Failed
from ansible_collections.clickstream.collectors.tests.unit.plugins.modules.module_double import fake_module
from ansible_collections.clickstream.collectors.tests.unit.plugins.modules.module_double import retrying

DIST_ID = "E2QWRUHAPOMQZL"
PARAMS = {
    "state": "present",
    "caller_reference": "clickstream-test-pixel",
    "distribution_id": None,
    "origin_bucket": "pixel",
    "origin_bucket_region": "eu-west-1",
    "comment": "collector",
    "price_class": "PriceClass_100",
    "aliases": [],
    "acm_certificate_arn": None,
    "enabled": True,
    "http_version": "http2and3",
    "cache_policy_id": "658327ea-f89d-4fab-a63d-7e88639e58f6",
    "response_headers_policy_id": None,
    "viewer_cache_control": None,
    "cors_allowed_origins": [],
    "response_headers_policy_name": None,
    "tags": {},
    "purge_tags": False,
    "ownership_tags": {"managed-by": "clickstream.collectors"},
    "origin_access_control_name": "",
    "wait": False,
    "disable_only": False,
    "wait_timeout": 1800,
}


def make_module(check_mode=False, **params):
    return fake_module(PARAMS, params, check_mode)


def aws_config():
    """The config as AWS returns it for a distribution the module created, plus Logging set by cloudfront_logging."""
    return aws_responses.collector_config()


def test_create_config_has_logging_off_and_exactly_one_cache_setting():
    config = collector_distribution.build_config(None, PARAMS)
    assert config["CallerReference"] == "clickstream-test-pixel"
    assert config["Logging"] == {"Enabled": False, "IncludeCookies": False, "Bucket": "", "Prefix": ""}
    behaviour = config["DefaultCacheBehavior"]
    assert behaviour["CachePolicyId"] == PARAMS["cache_policy_id"]
    assert not {"ForwardedValues", "MinTTL", "DefaultTTL", "MaxTTL", "ResponseHeadersPolicyId"} & set(behaviour)
    assert behaviour["ViewerProtocolPolicy"] == "allow-all" and behaviour["Compress"] is False
    assert config["Origins"]["Items"][0] == {"Id": "s3-pixel", "DomainName": "pixel.s3.eu-west-1.amazonaws.com", "OriginPath": "",
                                             "S3OriginConfig": {"OriginAccessIdentity": ""}, "OriginAccessControlId": ""}


def test_overlay_on_aws_config_changes_nothing_and_keeps_logging():
    assert collector_distribution.build_config(aws_config(), PARAMS) == aws_config()


def test_overlay_changes_only_the_managed_field():
    current = aws_config()
    wanted = collector_distribution.build_config(current, dict(PARAMS, price_class="PriceClass_All"))
    assert wanted == dict(aws_config(), PriceClass="PriceClass_All")
    assert wanted["Logging"] == aws_responses.LOGGING_ON
    assert wanted["Origins"]["Items"][0]["ConnectionAttempts"] == 3


def test_legacy_cache_settings_beside_a_policy_do_not_cause_an_update():
    current = aws_config()
    current["DefaultCacheBehavior"].update(ForwardedValues={"QueryString": False, "Cookies": {"Forward": "none"}}, MinTTL=0)
    del current["Origins"]["Items"][0]["S3OriginConfig"]
    # The same config in AWS's representation: nothing to update.
    assert collector_distribution.build_config(current, PARAMS) == aws_config()


def test_aliases_switch_certificate_block_whole():
    arn = "arn:aws:acm:us-east-1:123456789012:certificate/abc"
    wanted = collector_distribution.build_config(aws_config(), dict(PARAMS, aliases=["c.example.com"], acm_certificate_arn=arn))
    assert wanted["Aliases"] == {"Quantity": 1, "Items": ["c.example.com"]}
    assert wanted["ViewerCertificate"] == {"CloudFrontDefaultCertificate": False, "ACMCertificateArn": arn, "SSLSupportMethod": "sni-only",
                                           "MinimumProtocolVersion": "TLSv1.2_2021"}


def client():
    return retrying(boto3.client("cloudfront", region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s"))


def distribution(config, status="Deployed"):
    return {"Id": DIST_ID, "ARN": f"arn:aws:cloudfront::123456789012:distribution/{DIST_ID}", "Status": status,
            "LastModifiedTime": "2024-01-01T00:00:00Z", "InProgressInvalidationBatches": 0,
            "DomainName": "d111111abcdef8.cloudfront.net", "DistributionConfig": config}


@pytest.mark.parametrize("check_mode", [False, True])
def test_rerun_on_aws_representation_makes_no_call(check_mode):
    """HEAD,GET and the filled-in fields as AWS returns them are no change: no UpdateDistribution, in check mode neither."""
    cloudfront = client()
    stubber = Stubber(cloudfront)  # no stubbed answer: any AWS call would fail the test
    module = make_module(check_mode=check_mode)
    with stubber:
        changed, result = collector_distribution.handle_update(
            cloudfront, module, "d", aws_responses.distribution(aws_config()), "E1", {"managed-by": "clickstream.collectors"})
    stubber.assert_no_pending_responses()
    diff, result = result["diff"], result["distribution"]
    assert changed is False
    assert diff["before"] == diff["after"]
    assert diff["after"]["allowed_methods"] == ["GET", "HEAD"]
    assert result["etag"] == "E1"


def test_methods_compare_as_sets():
    sent_order = aws_config()
    sent_order["DefaultCacheBehavior"]["AllowedMethods"] = {
        "Quantity": 2, "Items": ["GET", "HEAD"], "CachedMethods": {"Quantity": 2, "Items": ["GET", "HEAD"]}}
    assert collector_distribution.build_config(sent_order, PARAMS) == aws_config()
    with_options = aws_config()
    with_options["DefaultCacheBehavior"]["AllowedMethods"] = {
        "Quantity": 3, "Items": ["HEAD", "GET", "OPTIONS"], "CachedMethods": {"Quantity": 2, "Items": ["HEAD", "GET"]}}
    wanted = collector_distribution.build_config(with_options, PARAMS)
    assert wanted["DefaultCacheBehavior"]["AllowedMethods"] == aws_config()["DefaultCacheBehavior"]["AllowedMethods"]
    assert wanted != normalize_config(with_options)


def test_acm_certificate_as_aws_returns_it_is_no_change():
    current = aws_responses.collector_config_with_acm_certificate()
    params = dict(PARAMS, aliases=["c.example.com"], acm_certificate_arn=aws_responses.ACM_ARN)
    assert collector_distribution.build_config(current, params) == aws_responses.collector_config_with_acm_certificate()


def test_change_keeps_the_fields_aws_filled_in():
    current = aws_config()
    wanted = collector_distribution.build_config(current, dict(PARAMS, comment="renamed"))
    assert wanted == dict(aws_config(), Comment="renamed")
    assert wanted["Origins"]["Items"][0]["OriginShield"] == {"Enabled": False}
    assert wanted["DefaultCacheBehavior"]["GrpcConfig"] == {"Enabled": False}
    assert wanted["ViewerCertificate"]["SSLSupportMethod"] == "vip"


def test_update_retries_precondition_failed_and_keeps_logging():
    cloudfront = client()
    stubber = Stubber(cloudfront)
    current = aws_config()
    stubber.add_client_error("update_distribution", "PreconditionFailed", http_status_code=412)
    fresh = copy.deepcopy(current)
    fresh["Logging"]["Prefix"] = "changed-meanwhile/"
    stubber.add_response("get_distribution_config", {"DistributionConfig": fresh, "ETag": "E2"}, {"Id": DIST_ID})
    module = make_module(price_class="PriceClass_All", ownership_tags={})
    # What AWS must be sent: the fresh config (the other writer's Logging kept) with only the price class changed.
    expected = dict(copy.deepcopy(fresh), PriceClass="PriceClass_All")
    stubber.add_response("update_distribution", {"Distribution": distribution(expected, "InProgress"), "ETag": "E3"},
                         {"Id": DIST_ID, "IfMatch": "E2", "DistributionConfig": expected})
    with stubber:
        changed, result = collector_distribution.handle_update(cloudfront, module, "d", distribution(current), "E1", {})
    stubber.assert_no_pending_responses()
    assert changed is True
    assert result["distribution"]["etag"] == "E3"


def test_delete_not_disabled_gives_the_fix(monkeypatch):
    cloudfront = client()
    stubber = Stubber(cloudfront)
    config = aws_config()
    config["Enabled"] = False
    stubber.add_response("get_distribution", {"Distribution": distribution(config), "ETag": "E1"}, {"Id": DIST_ID})  # the wait
    stubber.add_response("get_distribution_config", {"DistributionConfig": config, "ETag": "E1"}, {"Id": DIST_ID})
    stubber.add_client_error("delete_distribution", "DistributionNotDisabled", "The distribution you are trying to delete has not been disabled.", 409)
    module = make_module(state="absent")
    module.params["ownership_tags"] = {}
    monkeypatch.setattr(collector_distribution, "read_existing", lambda *args, **kwargs: (distribution(config), "E1", {}))
    with stubber:
        with pytest.raises(Failed) as failed:
            collector_distribution.ensure_absent(cloudfront, module)
    assert "not disabled and deployed yet" in str(failed.value) and DIST_ID in str(failed.value)


@pytest.mark.parametrize(
    "code, words",
    [
        ("CNAMEAlreadyExists", ["c.example.com", "already used by another distribution"]),
        ("InvalidViewerCertificate", ["us-east-1"]),
        ("NoSuchCachePolicy", ["cache policy nope"]),
        ("NoSuchResponseHeadersPolicy", ["response headers policy rhp"]),
        ("AccessDenied", ["cloudfront:CreateDistribution"]),
    ],
)
def test_create_errors_name_cause_and_fix(code, words):
    cloudfront = client()
    stubber = Stubber(cloudfront)
    stubber.add_client_error("create_distribution_with_tags", code, "AWS says no", 409 if "Exists" in code else 400)
    module = make_module(aliases=["c.example.com"], acm_certificate_arn="arn:aws:acm:us-east-1:1:certificate/x", cache_policy_id="nope",
                         response_headers_policy_id="rhp")
    with stubber:
        with pytest.raises(Failed) as failed:
            collector_distribution.handle_create(cloudfront, module, "the distribution")
    for word in words:
        assert word in str(failed.value)
    assert "AWS says no" in str(failed.value)


TAGS = {"Tags": {"Items": [{"Key": "managed-by", "Value": "clickstream.collectors"}]}}


def summary(dist_id, origin):
    return {"Id": dist_id, "ARN": f"arn:aws:cloudfront::123456789012:distribution/{dist_id}", "Status": "Deployed",
            "LastModifiedTime": "2024-01-01T00:00:00Z", "DomainName": f"{dist_id.lower()}.cloudfront.net", "Aliases": {"Quantity": 0},
            "Origins": {"Quantity": 1, "Items": [{"Id": "o", "DomainName": origin}]},
            "DefaultCacheBehavior": {"TargetOriginId": "o", "ViewerProtocolPolicy": "allow-all"}, "CacheBehaviors": {"Quantity": 0},
            "CustomErrorResponses": {"Quantity": 0}, "Comment": "", "PriceClass": "PriceClass_100", "Enabled": True,
            "ViewerCertificate": {}, "Restrictions": {"GeoRestriction": {"RestrictionType": "none", "Quantity": 0}}, "WebACLId": "",
            "HttpVersion": "http2", "IsIPV6Enabled": True, "Staging": False}


def listing(*summaries):
    return {"DistributionList": {"Marker": "", "MaxItems": 100, "IsTruncated": False, "Quantity": len(summaries), "Items": list(summaries)}}


def test_create_refused_for_the_caller_reference_finds_the_distribution_moved_by_hand():
    """Its origin was changed by hand (no candidate): CloudFront refuses a second one with the caller reference, and only
    then is every distribution read; the one found is updated back (its origin restored), not duplicated."""
    cloudfront = client()
    stubber = Stubber(cloudfront)
    moved = aws_config()
    moved["Origins"]["Items"][0]["DomainName"] = "elsewhere.s3.eu-west-1.amazonaws.com"
    moved["Comment"] = "edited by hand"
    summaries = listing(summary("EOTHER", "site.s3.eu-west-1.amazonaws.com"), dict(summary(DIST_ID, "elsewhere.s3.eu-west-1.amazonaws.com")))
    stubber.add_response("list_distributions", summaries)
    stubber.add_client_error("create_distribution_with_tags", "DistributionAlreadyExists", "exists", 409)
    stubber.add_response("list_distributions", summaries)
    stubber.add_response("get_distribution_config", {"DistributionConfig": dict(aws_config(), CallerReference="other"), "ETag": "E9"},
                         {"Id": "EOTHER"})
    stubber.add_response("get_distribution_config", {"DistributionConfig": moved, "ETag": "E1"}, {"Id": DIST_ID})
    stubber.add_response("get_distribution", {"Distribution": distribution(moved), "ETag": "E1"}, {"Id": DIST_ID})
    stubber.add_response("list_tags_for_resource", TAGS)
    expected = aws_config()  # the managed fields back as they were (origin and comment), the rest as AWS returns it
    stubber.add_response("update_distribution", {"Distribution": distribution(expected, "InProgress"), "ETag": "E2"},
                         {"Id": DIST_ID, "IfMatch": "E1", "DistributionConfig": expected})
    with stubber:
        changed, result = collector_distribution.ensure_present(cloudfront, make_module())
    stubber.assert_no_pending_responses()
    assert changed is True and result["distribution"]["id"] == DIST_ID and result["distribution"]["etag"] == "E2"


def test_create_refused_and_nothing_found_names_the_caller_reference():
    cloudfront = client()
    stubber = Stubber(cloudfront)
    stubber.add_response("list_distributions", listing())
    stubber.add_client_error("create_distribution_with_tags", "DistributionAlreadyExists", "exists", 409)
    stubber.add_response("list_distributions", listing())
    with stubber:
        with pytest.raises(Failed) as failed:
            collector_distribution.ensure_present(cloudfront, make_module())
    assert "caller reference clickstream-test-pixel is already used by another distribution" in str(failed.value)


def test_known_id_with_another_caller_reference_is_refused():
    cloudfront = client()
    stubber = Stubber(cloudfront)
    stubber.add_response("get_distribution", {"Distribution": distribution(dict(aws_config(), CallerReference="not-mine")), "ETag": "E1"},
                         {"Id": DIST_ID})
    with stubber:
        with pytest.raises(Failed) as failed:
            collector_distribution.ensure_present(cloudfront, make_module(distribution_id=DIST_ID))
    assert f"distribution {DIST_ID} has caller reference not-mine, not clickstream-test-pixel" in str(failed.value)


def test_known_id_reads_the_distribution_once_and_writes_nothing_when_in_sync():
    cloudfront = client()
    stubber = Stubber(cloudfront)
    stubber.add_response("get_distribution", {"Distribution": distribution(aws_config()), "ETag": "E1"}, {"Id": DIST_ID})
    stubber.add_response("list_tags_for_resource", TAGS)
    with stubber:
        changed, result = collector_distribution.ensure_present(cloudfront, make_module(distribution_id=DIST_ID))
    stubber.assert_no_pending_responses()
    assert changed is False and result["distribution"]["id"] == DIST_ID


def test_disable_only_disables_and_returns_without_waiting_or_deleting(monkeypatch):
    cloudfront = client()
    stubber = Stubber(cloudfront)
    config = aws_config()
    disabled = dict(config, Enabled=False)
    stubber.add_response("update_distribution", {"Distribution": distribution(disabled, "InProgress"), "ETag": "E2"},
                         {"Id": DIST_ID, "IfMatch": "E1", "DistributionConfig": disabled})
    monkeypatch.setattr(collector_distribution, "read_existing", lambda *args, **kwargs: (distribution(config), "E1", {}))
    module = make_module(state="absent", disable_only=True, ownership_tags={})
    with stubber:
        changed, result = collector_distribution.ensure_absent(cloudfront, module)
    stubber.assert_no_pending_responses()  # no GetDistribution (wait), no DeleteDistribution
    assert changed is True and result["distribution"]["status"] == "InProgress" and result["distribution"]["enabled"] is False
    assert result["diff"]["after"]["enabled"] is False


def test_disable_only_on_a_disabled_distribution_changes_nothing(monkeypatch):
    cloudfront = client()
    stubber = Stubber(cloudfront)
    monkeypatch.setattr(collector_distribution, "read_existing",
                        lambda *args, **kwargs: (distribution(dict(aws_config(), Enabled=False), "InProgress"), "E1", {}))
    with stubber:
        changed, result = collector_distribution.ensure_absent(cloudfront, make_module(state="absent", disable_only=True, ownership_tags={}))
    assert changed is False and result["distribution"]["status"] == "InProgress"


def test_ownership_tags_missing_is_refused():
    module = make_module()
    with pytest.raises(Failed) as failed:
        collector_distribution.check_ownership(module, distribution(aws_config()), {"owner": "someone-else"})
    assert "not managed by this collection" in str(failed.value)
    collector_distribution.check_ownership(module, distribution(aws_config()), {"managed-by": "clickstream.collectors", "x": "y"})


def policy_list(*policies):
    items = [{"Type": "custom", "ResponseHeadersPolicy": p} for p in policies]
    return {"ResponseHeadersPolicyList": {"MaxItems": 100, "Quantity": len(items), "Items": items}}


def rhp(policy_id, config):
    return {"Id": policy_id, "LastModifiedTime": "2024-01-01T00:00:00Z", "ResponseHeadersPolicyConfig": config}


NAME = "clickstream-test-pixel-viewer-cache-control"
CACHE_COMMENT = "Cache-Control for the viewers of a clickstream.collectors collector pixel"
BOTH_COMMENT = "Cache-Control and CORS for the viewers of a clickstream.collectors collector pixel"


def cache_control_policy(value, comment=CACHE_COMMENT, **extra):
    """A policy config sending Cache-Control, as GetResponseHeadersPolicy returns it."""
    config = {"Comment": comment, "Name": NAME,
              "CustomHeadersConfig": {"Quantity": 1, "Items": [{"Header": "Cache-Control", "Value": value, "Override": True}]}}
    config.update(extra)
    return config


def cors_config(origins, credentials=True):
    return {
        "AccessControlAllowOrigins": {"Quantity": len(origins), "Items": list(origins)},
        "AccessControlAllowHeaders": {"Quantity": 1, "Items": ["SP-Anonymous"]},
        "AccessControlAllowMethods": {"Quantity": 3, "Items": ["GET", "HEAD", "OPTIONS"]},
        "AccessControlAllowCredentials": credentials,
        "AccessControlMaxAgeSec": 600,
        "OriginOverride": True,
    }


def test_response_headers_policy_unchanged_makes_no_write():
    cloudfront = client()
    stubber = Stubber(cloudfront)
    module = make_module(viewer_cache_control="no-cache, no-store, must-revalidate")
    name = collector_distribution.policy_name(module.params)
    assert name == NAME
    config = cache_control_policy("no-cache, no-store, must-revalidate")
    stubber.add_response("list_response_headers_policies", policy_list(rhp("other", {"Name": "other"}), rhp("P1", config)), {"Type": "custom"})
    stubber.add_response("get_response_headers_policy", {"ResponseHeadersPolicy": rhp("P1", config), "ETag": "E1"}, {"Id": "P1"})
    with stubber:
        changed, policy = collector_distribution.handle_response_headers_policy(cloudfront, module, NAME)
    policy_id, before, after = policy["id"], policy["before"], policy["after"]
    stubber.assert_no_pending_responses()
    assert (changed, policy_id) == (False, "P1")
    assert before == after == {"id": "P1", "name": name, "cache_control": "no-cache, no-store, must-revalidate", "cors": None}


def test_response_headers_policy_value_change_updates_with_if_match():
    cloudfront = client()
    stubber = Stubber(cloudfront)
    module = make_module(viewer_cache_control="no-store")
    name = collector_distribution.policy_name(module.params)
    old = cache_control_policy("max-age=60")
    new = cache_control_policy("no-store")
    stubber.add_response("list_response_headers_policies", policy_list(rhp("P1", old)), {"Type": "custom"})
    stubber.add_response("get_response_headers_policy", {"ResponseHeadersPolicy": rhp("P1", old), "ETag": "E1"}, {"Id": "P1"})
    stubber.add_response("update_response_headers_policy", {"ResponseHeadersPolicy": rhp("P1", new), "ETag": "E2"},
                         {"Id": "P1", "IfMatch": "E1", "ResponseHeadersPolicyConfig": new})
    with stubber:
        changed, policy = collector_distribution.handle_response_headers_policy(cloudfront, module, NAME)
    policy_id, before, after = policy["id"], policy["before"], policy["after"]
    stubber.assert_no_pending_responses()
    assert changed is True and before["cache_control"] == "max-age=60" and after["cache_control"] == "no-store"


def test_response_headers_policy_created_meanwhile_by_another_run_is_adopted():
    """Two controllers at once: both read no policy, the other run creates it first; this one keeps that policy."""
    cloudfront = client()
    stubber = Stubber(cloudfront)
    module = make_module(viewer_cache_control="no-cache, no-store, must-revalidate")
    config = cache_control_policy("no-cache, no-store, must-revalidate")
    stubber.add_response("list_response_headers_policies", policy_list(rhp("other", {"Name": "other"})), {"Type": "custom"})
    stubber.add_client_error("create_response_headers_policy", "ResponseHeadersPolicyAlreadyExists", http_status_code=409)
    stubber.add_response("list_response_headers_policies", policy_list(rhp("P1", config)), {"Type": "custom"})
    stubber.add_response("get_response_headers_policy", {"ResponseHeadersPolicy": rhp("P1", config), "ETag": "E1"}, {"Id": "P1"})
    with stubber:
        changed, policy = collector_distribution.handle_response_headers_policy(cloudfront, module, NAME)
    stubber.assert_no_pending_responses()
    assert (changed, policy["id"]) == (False, "P1")
    assert policy["before"] == policy["after"]


def test_response_headers_policy_in_use_is_kept_with_warning():
    cloudfront = client()
    stubber = Stubber(cloudfront)
    module = make_module(state="absent", viewer_cache_control="no-store")
    config = cache_control_policy("no-store")
    for dummy in range(2):
        stubber.add_response("list_response_headers_policies", policy_list(rhp("P1", config)), {"Type": "custom"})
        stubber.add_response("get_response_headers_policy", {"ResponseHeadersPolicy": rhp("P1", config), "ETag": "E1"}, {"Id": "P1"})
    stubber.add_client_error("delete_response_headers_policy", "ResponseHeadersPolicyInUse", "in use", 409)
    with stubber:
        assert collector_distribution.remove_response_headers_policy(cloudfront, module, NAME) is False
    assert "still attached" in module.warn.call_args[0][0]


@pytest.mark.parametrize(
    "given, expected",
    [
        (["https://www.example.com"], ["https://www.example.com"]),
        (["https://shop.example.com", "HTTPS://WWW.Example.COM:443", "https://www.example.com"], ["https://shop.example.com", "https://www.example.com"]),
        (["http://localhost:8080", "http://127.0.0.1:80"], ["http://127.0.0.1", "http://localhost:8080"]),
        (["https://*.Example.com"], ["https://*.example.com"]),
        (["*"], ["*"]),
        ([], []),
    ],
)
def test_cors_origins_accepted_as_browsers_send_them(given, expected):
    assert collector_distribution.validate_cors_origins(given) == (expected, None)


@pytest.mark.parametrize(
    "given, words",
    [
        (["*", "https://www.example.com"], ["cors_allowed_origins", "cannot be combined", "['*']"]),
        (["https://www.example.com/"], ["cors_allowed_origins", "'https://www.example.com/'", "without a path or a trailing slash"]),
        (["https://www.example.com/shop"], ["'https://www.example.com/shop'", "scheme://host[:port]"]),
        (["www.example.com"], ["'www.example.com'", "https://www.example.com"]),
        (["ftp://files.example.com"], ["scheme http or https"]),
        (["https://www.example.com:0"], ["'https://www.example.com:0'"]),
        (["https://*.com"], ["'https://*.com'"]),
        (["https://www.*.example.com"], ["'https://www.*.example.com'"]),
        (["https://exa*mple.com"], ["'https://exa*mple.com'"]),
    ],
)
def test_cors_origins_refused_with_the_fix(given, words):
    origins, message = collector_distribution.validate_cors_origins(given)
    assert origins is None
    for word in words:
        assert word in message


def test_cors_policy_created_with_credentials_for_explicit_origins():
    cloudfront = client()
    stubber = Stubber(cloudfront)
    module = make_module(viewer_cache_control="no-store", cors_allowed_origins=["https://www.example.com"])
    expected = cache_control_policy("no-store", comment=BOTH_COMMENT, CorsConfig=cors_config(["https://www.example.com"]))
    stubber.add_response("list_response_headers_policies", policy_list(), {"Type": "custom"})
    stubber.add_response("create_response_headers_policy", {"ResponseHeadersPolicy": rhp("P1", expected), "ETag": "E1"},
                         {"ResponseHeadersPolicyConfig": expected})
    with stubber:
        changed, policy = collector_distribution.handle_response_headers_policy(cloudfront, module, NAME)
    policy_id, before, after = policy["id"], policy["before"], policy["after"]
    stubber.assert_no_pending_responses()
    assert (changed, policy_id, before) == (True, "P1", {})
    assert after["cors"] == {"allowed_origins": ["https://www.example.com"], "allow_credentials": True,
                             "allowed_methods": ["GET", "HEAD", "OPTIONS"], "allowed_headers": ["SP-Anonymous"], "max_age_sec": 600,
                             "origin_override": True}


def test_cors_only_policy_without_cache_control_in_check_mode():
    cloudfront = client()
    stubber = Stubber(cloudfront)
    module = make_module(check_mode=True, cors_allowed_origins=["*"])
    stubber.add_response("list_response_headers_policies", policy_list(), {"Type": "custom"})
    with stubber:
        changed, policy = collector_distribution.handle_response_headers_policy(cloudfront, module, NAME)
    policy_id, after = policy["id"], policy["after"]
    stubber.assert_no_pending_responses()  # no CreateResponseHeadersPolicy
    assert changed is True and policy_id == f"(new response headers policy {NAME})"
    assert after["cache_control"] is None
    assert after["cors"]["allowed_origins"] == ["*"] and after["cors"]["allow_credentials"] is False


def test_cors_as_aws_returns_it_makes_no_write():
    """Origins, methods and headers in another order or case, and fields AWS adds, are no change."""
    cloudfront = client()
    stubber = Stubber(cloudfront)
    module = make_module(viewer_cache_control="no-store", cors_allowed_origins=["https://www.example.com", "https://shop.example.com"])
    cors = cors_config(["https://www.example.com", "https://shop.example.com"])
    cors["AccessControlAllowMethods"]["Items"] = ["OPTIONS", "HEAD", "GET"]
    cors["AccessControlAllowHeaders"]["Items"] = ["sp-anonymous"]
    cors["AccessControlExposeHeaders"] = {"Quantity": 0}
    current = cache_control_policy("no-store", comment=BOTH_COMMENT, CorsConfig=cors)
    stubber.add_response("list_response_headers_policies", policy_list(rhp("P1", current)), {"Type": "custom"})
    stubber.add_response("get_response_headers_policy", {"ResponseHeadersPolicy": rhp("P1", current), "ETag": "E1"}, {"Id": "P1"})
    with stubber:
        changed, policy = collector_distribution.handle_response_headers_policy(cloudfront, module, NAME)
    policy_id, before, after = policy["id"], policy["before"], policy["after"]
    stubber.assert_no_pending_responses()
    assert (changed, policy_id) == (False, "P1")
    assert before == after
    assert after["cors"]["allowed_origins"] == ["https://shop.example.com", "https://www.example.com"]


@pytest.mark.parametrize("check_mode", [False, True])
def test_cors_origins_change_is_one_policy_update(check_mode):
    cloudfront = client()
    stubber = Stubber(cloudfront)
    module = make_module(check_mode=check_mode, viewer_cache_control="no-store", cors_allowed_origins=["https://shop.example.com"])
    current = cache_control_policy("no-store", comment=BOTH_COMMENT, CorsConfig=cors_config(["https://www.example.com"]))
    new = cache_control_policy("no-store", comment=BOTH_COMMENT, CorsConfig=cors_config(["https://shop.example.com"]))
    stubber.add_response("list_response_headers_policies", policy_list(rhp("P1", current)), {"Type": "custom"})
    stubber.add_response("get_response_headers_policy", {"ResponseHeadersPolicy": rhp("P1", current), "ETag": "E1"}, {"Id": "P1"})
    if not check_mode:
        stubber.add_response("update_response_headers_policy", {"ResponseHeadersPolicy": rhp("P1", new), "ETag": "E2"},
                             {"Id": "P1", "IfMatch": "E1", "ResponseHeadersPolicyConfig": new})
    with stubber:
        changed, policy = collector_distribution.handle_response_headers_policy(cloudfront, module, NAME)
    policy_id, before, after = policy["id"], policy["before"], policy["after"]
    stubber.assert_no_pending_responses()
    assert (changed, policy_id) == (True, "P1")  # same policy id: the distribution is not updated
    assert before["cors"]["allowed_origins"] == ["https://www.example.com"]
    assert after["cors"]["allowed_origins"] == ["https://shop.example.com"]


def test_cors_added_to_a_cache_control_policy_and_removed_again():
    cloudfront = client()
    stubber = Stubber(cloudfront)
    plain = cache_control_policy("no-store")
    with_cors = cache_control_policy("no-store", comment=BOTH_COMMENT, CorsConfig=cors_config(["*"], credentials=False))
    for current, wanted, origins in ((plain, with_cors, ["*"]), (with_cors, plain, [])):
        stubber.add_response("list_response_headers_policies", policy_list(rhp("P1", current)), {"Type": "custom"})
        stubber.add_response("get_response_headers_policy", {"ResponseHeadersPolicy": rhp("P1", current), "ETag": "E1"}, {"Id": "P1"})
        stubber.add_response("update_response_headers_policy", {"ResponseHeadersPolicy": rhp("P1", wanted), "ETag": "E2"},
                             {"Id": "P1", "IfMatch": "E1", "ResponseHeadersPolicyConfig": wanted})
        with stubber:
            changed, policy = collector_distribution.handle_response_headers_policy(
                cloudfront, make_module(viewer_cache_control="no-store", cors_allowed_origins=origins), NAME)
            after = policy["after"]
        assert changed is True
        assert after["cors"] == (distribution_config.cors_view(wanted.get("CorsConfig")))
    stubber.assert_no_pending_responses()


def test_policy_refused_by_cloudfront_names_the_options():
    cloudfront = client()
    stubber = Stubber(cloudfront)
    stubber.add_response("list_response_headers_policies", policy_list(), {"Type": "custom"})
    stubber.add_client_error("create_response_headers_policy", "InvalidArgument",
                             "The parameter Value of custom header Cache-Control contains an invalid character.", 400)
    with stubber:
        with pytest.raises(Failed) as failed:
            collector_distribution.handle_response_headers_policy(cloudfront, make_module(viewer_cache_control="no-store\nx: y"), NAME)
    message = str(failed.value)
    assert "contains an invalid character" in message  # AWS's own message
    assert "viewer_cache_control (one line)" in message and "cors_allowed_origins" in message
