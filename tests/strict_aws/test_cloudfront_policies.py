"""Cache and response headers policy APIs, which moto lacks (404): each test also runs against plain moto, and fails there."""

from tests.strict_aws.testutil import CACHING_DISABLED, CACHING_OPTIMIZED, distribution_config, expect_error

NO_CACHE = {
    "Name": "pixel-no-cache",
    "Comment": "browsers must not cache the pixel",
    "CustomHeadersConfig": {"Quantity": 1, "Items": [
        {"Header": "Cache-Control", "Value": "no-cache, no-store, must-revalidate", "Override": True}]},
}
CACHE_CONFIG = {
    "Name": "pixel-cache", "Comment": "", "DefaultTTL": 60, "MaxTTL": 300, "MinTTL": 0,
    "ParametersInCacheKeyAndForwardedToOrigin": {
        "EnableAcceptEncodingGzip": False, "EnableAcceptEncodingBrotli": False,
        "HeadersConfig": {"HeaderBehavior": "none"}, "CookiesConfig": {"CookieBehavior": "none"},
        "QueryStringsConfig": {"QueryStringBehavior": "none"},
    },
}


def test_response_headers_policy_round_trip(aws):
    cf = aws.boto3_client("cloudfront", region="us-east-1")
    created = cf.create_response_headers_policy(ResponseHeadersPolicyConfig=NO_CACHE)
    policy_id, etag = created["ResponseHeadersPolicy"]["Id"], created["ETag"]
    assert created["ResponseHeadersPolicy"]["ResponseHeadersPolicyConfig"] == NO_CACHE
    assert created["Location"].endswith(f"/2020-05-31/response-headers-policy/{policy_id}")
    got = cf.get_response_headers_policy(Id=policy_id)
    assert got["ETag"] == etag and got["ResponseHeadersPolicy"]["ResponseHeadersPolicyConfig"] == NO_CACHE
    assert cf.get_response_headers_policy_config(Id=policy_id)["ResponseHeadersPolicyConfig"] == NO_CACHE
    listed = cf.list_response_headers_policies(Type="custom")["ResponseHeadersPolicyList"]
    assert [item["Type"] for item in listed["Items"]] == ["custom"]
    assert listed["Items"][0]["ResponseHeadersPolicy"]["Id"] == policy_id
    changed = {**NO_CACHE, "Comment": "changed"}
    expect_error(cf.update_response_headers_policy, "PreconditionFailed", 412, Id=policy_id, IfMatch="E0STALE", ResponseHeadersPolicyConfig=changed)
    updated = cf.update_response_headers_policy(Id=policy_id, IfMatch=etag, ResponseHeadersPolicyConfig=changed)
    assert updated["ETag"] != etag
    assert cf.get_response_headers_policy_config(Id=policy_id)["ResponseHeadersPolicyConfig"]["Comment"] == "changed"
    expect_error(cf.delete_response_headers_policy, "InvalidIfMatchVersion", 400, Id=policy_id)
    expect_error(cf.delete_response_headers_policy, "PreconditionFailed", 412, Id=policy_id, IfMatch=etag)
    cf.delete_response_headers_policy(Id=policy_id, IfMatch=updated["ETag"])
    expect_error(cf.get_response_headers_policy, "NoSuchResponseHeadersPolicy", 404, Id=policy_id)
    assert cf.list_response_headers_policies(Type="custom")["ResponseHeadersPolicyList"]["Quantity"] == 0


def test_duplicate_names(aws):
    cf = aws.boto3_client("cloudfront", region="us-east-1")
    cf.create_response_headers_policy(ResponseHeadersPolicyConfig=NO_CACHE)
    expect_error(cf.create_response_headers_policy, "ResponseHeadersPolicyAlreadyExists", 409, ResponseHeadersPolicyConfig=NO_CACHE)
    cf.create_cache_policy(CachePolicyConfig=CACHE_CONFIG)
    expect_error(cf.create_cache_policy, "CachePolicyAlreadyExists", 409, CachePolicyConfig=CACHE_CONFIG)


def test_managed_cache_policies(aws):
    cf = aws.boto3_client("cloudfront", region="us-east-1")
    optimized = cf.get_cache_policy(Id=CACHING_OPTIMIZED)["CachePolicy"]["CachePolicyConfig"]
    assert optimized["Name"] == "Managed-CachingOptimized"
    assert (optimized["MinTTL"], optimized["DefaultTTL"], optimized["MaxTTL"]) == (1, 86400, 31536000)
    params = optimized["ParametersInCacheKeyAndForwardedToOrigin"]
    assert params["EnableAcceptEncodingGzip"] and params["EnableAcceptEncodingBrotli"]
    assert params["QueryStringsConfig"] == {"QueryStringBehavior": "none"}
    managed = cf.list_cache_policies(Type="managed")["CachePolicyList"]["Items"]
    assert {item["CachePolicy"]["Id"] for item in managed} == {CACHING_OPTIMIZED, CACHING_DISABLED}
    assert cf.list_cache_policies(Type="custom")["CachePolicyList"]["Quantity"] == 0
    etag = cf.get_cache_policy(Id=CACHING_DISABLED)["ETag"]
    expect_error(cf.delete_cache_policy, "IllegalDelete", 400, Id=CACHING_DISABLED, IfMatch=etag)


def test_cache_policy_round_trip_and_in_use(aws):
    aws.set_config(deploy_reads=0)
    cf = aws.boto3_client("cloudfront", region="us-east-1")
    created = cf.create_cache_policy(CachePolicyConfig=CACHE_CONFIG)
    policy_id, etag = created["CachePolicy"]["Id"], created["ETag"]
    assert cf.get_cache_policy_config(Id=policy_id)["CachePolicyConfig"] == CACHE_CONFIG
    headers = cf.create_response_headers_policy(ResponseHeadersPolicyConfig=NO_CACHE)
    config = distribution_config()
    config["DefaultCacheBehavior"].update(CachePolicyId=policy_id, ResponseHeadersPolicyId=headers["ResponseHeadersPolicy"]["Id"])
    dist = cf.create_distribution(DistributionConfig=config)
    expect_error(cf.delete_cache_policy, "CachePolicyInUse", 409, Id=policy_id, IfMatch=etag)
    expect_error(cf.delete_response_headers_policy, "ResponseHeadersPolicyInUse", 409,
                 Id=headers["ResponseHeadersPolicy"]["Id"], IfMatch=headers["ETag"])
    config["DefaultCacheBehavior"]["CachePolicyId"] = CACHING_OPTIMIZED
    cf.update_distribution(Id=dist["Distribution"]["Id"], IfMatch=dist["ETag"], DistributionConfig=config)
    cf.delete_cache_policy(Id=policy_id, IfMatch=etag)
    assert [c["operation"] for c in aws.calls()[:3]] == ["CreateCachePolicy", "GetCachePolicyConfig", "CreateResponseHeadersPolicy"]
    expect_error(cf.get_cache_policy, "NoSuchCachePolicy", 404, Id=policy_id)


MANAGED_HEADERS = {
    "e61eb60c-9c35-4d20-a928-2b84e02af89c": "Managed-CORS-and-SecurityHeadersPolicy",
    "5cc3b908-e619-4b99-88e5-2cf7f45965bd": "Managed-CORS-With-Preflight",
    "eaab4381-ed33-4a86-88ca-d9558dc6cd63": "Managed-CORS-with-preflight-and-SecurityHeadersPolicy",
    "67f7725c-6f97-4210-82d7-5512b31e9d03": "Managed-SecurityHeadersPolicy",
    "60669652-455b-4ae9-85a4-c4c02393f86c": "Managed-SimpleCORS",
}


def listed(cf, **kwargs):
    """{id: (type, name)} of one ListResponseHeadersPolicies page."""
    page = cf.list_response_headers_policies(**kwargs)["ResponseHeadersPolicyList"]
    return {item["ResponseHeadersPolicy"]["Id"]: (item["Type"], item["ResponseHeadersPolicy"]["ResponseHeadersPolicyConfig"]["Name"])
            for item in page.get("Items", [])}


def test_managed_response_headers_policies(aws):
    cf = aws.boto3_client("cloudfront", region="us-east-1")
    managed = {policy_id: ("managed", name) for policy_id, name in MANAGED_HEADERS.items()}
    assert listed(cf) == managed
    assert listed(cf, Type="managed") == managed
    empty = cf.list_response_headers_policies(Type="custom")["ResponseHeadersPolicyList"]
    assert empty["Quantity"] == 0 and "Items" not in empty and "NextMarker" not in empty
    custom_id = cf.create_response_headers_policy(ResponseHeadersPolicyConfig=NO_CACHE)["ResponseHeadersPolicy"]["Id"]
    assert listed(cf) == {**managed, custom_id: ("custom", NO_CACHE["Name"])}
    assert listed(cf, Type="custom") == {custom_id: ("custom", NO_CACHE["Name"])}
    assert listed(cf, Type="managed") == managed
    simple = cf.get_response_headers_policy(Id="60669652-455b-4ae9-85a4-c4c02393f86c")
    cors = simple["ResponseHeadersPolicy"]["ResponseHeadersPolicyConfig"]["CorsConfig"]
    assert cors["AccessControlAllowOrigins"] == {"Quantity": 1, "Items": ["*"]} and cors["OriginOverride"] is False
    config = simple["ResponseHeadersPolicy"]["ResponseHeadersPolicyConfig"]
    expect_error(cf.update_response_headers_policy, "IllegalUpdate", 400, Id="60669652-455b-4ae9-85a4-c4c02393f86c",
                 IfMatch=simple["ETag"], ResponseHeadersPolicyConfig={**config, "Comment": "mine"})
    expect_error(cf.delete_response_headers_policy, "IllegalDelete", 400, Id="60669652-455b-4ae9-85a4-c4c02393f86c", IfMatch=simple["ETag"])
    security = cf.get_response_headers_policy_config(Id="67f7725c-6f97-4210-82d7-5512b31e9d03")["ResponseHeadersPolicyConfig"]
    assert security["SecurityHeadersConfig"]["StrictTransportSecurity"]["AccessControlMaxAgeSec"] == 31536000
    aws.set_config(deploy_reads=0)
    dist = distribution_config()
    dist["DefaultCacheBehavior"]["ResponseHeadersPolicyId"] = "67f7725c-6f97-4210-82d7-5512b31e9d03"
    cf.create_distribution(DistributionConfig=dist)


def test_list_response_headers_policies_pages(aws):
    cf = aws.boto3_client("cloudfront", region="us-east-1")
    cf.create_response_headers_policy(ResponseHeadersPolicyConfig=NO_CACHE)
    seen, kwargs, pages = {}, {"MaxItems": "4"}, 0
    while True:
        page = cf.list_response_headers_policies(**kwargs)["ResponseHeadersPolicyList"]
        pages += 1
        assert page["MaxItems"] == 4 and page["Quantity"] == len(page["Items"]) <= 4
        seen.update(listed(cf, **kwargs))
        if "NextMarker" not in page:
            break
        kwargs["Marker"] = page["NextMarker"]
    assert pages == 2 and len(seen) == 6 and set(MANAGED_HEADERS) < set(seen)
