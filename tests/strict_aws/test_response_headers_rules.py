"""Response headers policy configurations CloudFront refuses; each test also runs against plain moto (no such API: 404), and fails there."""

from tests.strict_aws.testutil import expect_error


def cors_policy(name="cors", origins=("https://site.example",), headers=("Content-Type",), methods=("GET", "HEAD"),
                credentials=True):
    """A ResponseHeadersPolicyConfig with a CorsConfig."""
    return {
        "Name": name,
        "CorsConfig": {
            "AccessControlAllowOrigins": {"Quantity": len(origins), "Items": list(origins)},
            "AccessControlAllowHeaders": {"Quantity": len(headers), "Items": list(headers)},
            "AccessControlAllowMethods": {"Quantity": len(methods), "Items": list(methods)},
            "AccessControlAllowCredentials": credentials,
            "OriginOverride": True,
        },
    }


def custom_header_policy(value):
    """A ResponseHeadersPolicyConfig with one custom header."""
    return {"Name": "custom", "CustomHeadersConfig": {"Quantity": 1, "Items": [
        {"Header": "Cache-Control", "Value": value, "Override": True}]}}


REFUSED = {
    "credentials with * in allowed headers": (cors_policy(headers=("*",)), "CorsCredentialsWildcardHeaders"),
    "credentials with a header pattern": (cors_policy(headers=("x-*",)), "CorsCredentialsWildcardHeaders"),
    "unknown method": (cors_policy(methods=("GET", "TRACE")), "CorsAllowMethods"),
    "* as top-level domain": (cors_policy(origins=("https://example.*",)), "CorsOriginWildcard"),
    "* right of a sub-domain": (cors_policy(origins=("https://test.*.example.org",)), "CorsOriginWildcard"),
    "* inside a term": (cors_policy(origins=("https://exa*mple.org",)), "CorsOriginWildcard"),
    "LF in a custom header value": (custom_header_policy("no-cache\nSet-Cookie: a=b"), "CustomHeaderSingleLine"),
    "CR LF in a custom header value": (custom_header_policy("no-cache\r\nX: y"), "CustomHeaderSingleLine"),
}


def test_refused_configurations(aws):
    cf = aws.boto3_client("cloudfront", region="us-east-1")
    for index, (case, (config, rule)) in enumerate(sorted(REFUSED.items())):
        expect_error(cf.create_response_headers_policy, "InvalidArgument", 400, ResponseHeadersPolicyConfig=config)
        assert aws.calls()[-1]["rule"] == rule, case
        # The same rules on update.
        created = cf.create_response_headers_policy(ResponseHeadersPolicyConfig={**cors_policy(), "Name": f"valid-{index}"})
        expect_error(cf.update_response_headers_policy, "InvalidArgument", 400, Id=created["ResponseHeadersPolicy"]["Id"],
                     IfMatch=created["ETag"], ResponseHeadersPolicyConfig=config)
        assert aws.calls()[-1]["rule"] == rule, case


ACCEPTED = {
    "explicit origins with credentials": cors_policy(origins=("https://site.example", "http://localhost:8080")),
    "leftmost wildcard label with credentials": cors_policy(origins=("https://*.example.org",)),
    "any origin without credentials": cors_policy(origins=("*",), headers=("*",), methods=("ALL",), credentials=False),
    "single-line custom header": custom_header_policy("no-cache, no-store, must-revalidate"),
}


def test_accepted_configurations(aws):
    cf = aws.boto3_client("cloudfront", region="us-east-1")
    for index, (case, config) in enumerate(sorted(ACCEPTED.items())):
        config = {**config, "Name": f"accepted-{index}"}
        created = cf.create_response_headers_policy(ResponseHeadersPolicyConfig=config)
        assert created["ResponseHeadersPolicy"]["ResponseHeadersPolicyConfig"] == config, case
