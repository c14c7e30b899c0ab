"""Response headers policy configurations CloudFront refuses (CreateResponseHeadersPolicy, UpdateResponseHeadersPolicy).

moto has no response headers policy API at all (404), so every rule here is one plain moto cannot show.
"""

import re
import xml.etree.ElementTree as ET

from .xmlutil import Response, cloudfront_error, text

# https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/understanding-response-headers-policies.html
# (Access-Control-Allow-Methods: "Valid values are GET, DELETE, HEAD, OPTIONS, PATCH, POST, PUT, and ALL") and
# https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_ResponseHeadersPolicyAccessControlAllowMethods.html
CORS_METHODS = frozenset({"GET", "DELETE", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "ALL"})
_ORIGIN = re.compile(r"^(?:(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://)?(?P<host>[^/:]+)(?::(?P<port>\d+))?/?$")


def _items(config: ET.Element, path: str) -> list[str]:
    return [(item.text or "").strip() for item in config.findall(path)]


def origin_item_valid(item: str) -> bool:
    """``*`` alone, or an origin whose only wildcard is the leftmost label of the domain (``https://*.example.org``).

    understanding-response-headers-policies.html (Access-Control-Allow-Origin): "The wildcard character (*) is
    allowed as the leftmost part of the domain (*.example.org). The wildcard character (*) is not allowed in the
    following positions: Top-level domains (example.*), To the right of sub-domains (test.*.example.org), Inside
    of terms (exa*mple.org)".
    """
    if item == "*":
        return True
    match = _ORIGIN.match(item)
    if match is None:
        return False
    host = match.group("host")
    return "*" not in host or (host.startswith("*.") and "*" not in host[2:])


def check_cors(cors: ET.Element) -> Response | None:
    """The CorsConfig rules, each with its source."""
    methods = _items(cors, "AccessControlAllowMethods/Items/Method")
    unknown = [method for method in methods if method not in CORS_METHODS]
    if unknown:
        return cloudfront_error(400, "InvalidArgument",
                                f"The parameter Access-Control-Allow-Methods contains an invalid method: {unknown[0]}. "
                                "Valid values: GET, DELETE, HEAD, OPTIONS, PATCH, POST, PUT, ALL.", rule="CorsAllowMethods")
    for origin in _items(cors, "AccessControlAllowOrigins/Items/Origin"):
        if not origin_item_valid(origin):
            return cloudfront_error(400, "InvalidArgument",
                                    f"The parameter Access-Control-Allow-Origin contains an invalid origin: {origin}. "
                                    "A wildcard (*) is allowed only alone or as the leftmost part of the domain.",
                                    rule="CorsOriginWildcard")
    # CloudFront's own answer, quoted in https://github.com/aws/aws-cdk/pull/35308 (a CloudFormation deployment of a
    # policy with AccessControlAllowCredentials true and "*" in AccessControlAllowHeaders: CloudFront, 400).
    if text(cors, "AccessControlAllowCredentials") == "true" and any("*" in h for h in _items(cors, "AccessControlAllowHeaders/Items/Header")):
        return cloudfront_error(400, "InvalidArgument",
                                "The parameter Access-Control-Allow-Headers cannot contain * when allowCredentials is true.",
                                rule="CorsCredentialsWildcardHeaders")
    return None


def check_custom_headers(config: ET.Element) -> Response | None:
    """HTTP header values are single-line: a CR or LF in a custom header value is refused (aws-facts.md, "Limits";
    RFC 9110 section 5.5 forbids CR and LF in field values)."""
    for custom in config.findall("CustomHeadersConfig/Items/ResponseHeadersPolicyCustomHeader"):
        value = custom.findtext("Value") or ""
        if "\r" in value or "\n" in value:
            return cloudfront_error(400, "InvalidArgument",
                                    f"The parameter Value of custom header {text(custom, 'Header')} contains an invalid character.",
                                    rule="CustomHeaderSingleLine")
    return None


def check(config: ET.Element) -> Response | None:
    """All rules for a ResponseHeadersPolicyConfig; a Response means 'refused'."""
    cors = config.find("CorsConfig")
    if cors is not None:
        rejected = check_cors(cors)
        if rejected is not None:
            return rejected
    return check_custom_headers(config)
