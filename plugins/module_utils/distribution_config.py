# -*- coding: utf-8 -*-

# Copyright: clickstream.collectors contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The collector's CloudFront distribution and response headers policy as they should be: pure functions.

clickstream.collectors.collector_distribution writes what they describe; clickstream.collectors.collector_info
compares an existing distribution with them, with the very same code, to tell a playbook that there is nothing to
write. ``params`` are collector_distribution's options (its argument spec, cors_allowed_origins validated).
"""

import re

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import LEGACY_CACHE_KEYS
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import REMOVE
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import allowed_methods
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import desired_logging
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import logging_settings
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import normalize_config
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import overlay
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import strip_remove

SERVED_METHODS = ("GET", "HEAD")
MIN_TLS = "TLSv1.2_2021"
POLICY_COMMENTS = {
    (True, False): "Cache-Control for the viewers of a clickstream.collectors collector pixel",
    (False, True): "CORS for the trackers of a clickstream.collectors collector pixel",
    (True, True): "Cache-Control and CORS for the viewers of a clickstream.collectors collector pixel",
}
# CORS of the collector's response headers policy. The trackers' GETs are simple requests (no preflight) unless they
# carry a header such as SP-Anonymous (server-side anonymisation); CloudFront needs at least one allowed header and
# refuses "*" as a header when credentials are allowed. Methods: what the pixel serves, and the preflight.
CORS_METHODS = ("GET", "HEAD", "OPTIONS")
CORS_HEADERS = ("SP-Anonymous",)
CORS_MAX_AGE_SEC = 600
ORIGIN_PATTERN = re.compile(
    r"^(?P<scheme>https?)://(?P<host>(?:\*\.)?[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*)"
    r"(?::(?P<port>[0-9]{1,5}))?$"
)
DEFAULT_PORTS = {"http": "80", "https": "443"}


def origin_id(params):
    return f"s3-{params['origin_bucket']}"


def desired_origin(params):
    return {
        "Id": origin_id(params),
        "DomainName": f"{params['origin_bucket']}.s3.{params['origin_bucket_region']}.amazonaws.com",
        "OriginPath": "",
        "S3OriginConfig": {"OriginAccessIdentity": ""},
        # The origin access control CloudFront signs its fetches with (a private pixel bucket), or none (a public pixel).
        "OriginAccessControlId": params.get("origin_access_control_id") or "",
        "CustomOriginConfig": REMOVE,
    }


def desired_cache_behaviour(params, response_headers_policy_id=None):
    patch = {
        "TargetOriginId": origin_id(params),
        "ViewerProtocolPolicy": "allow-all",
        "AllowedMethods": allowed_methods(SERVED_METHODS, SERVED_METHODS),
        "CachePolicyId": params["cache_policy_id"],
        "ResponseHeadersPolicyId": response_headers_policy_id or params.get("response_headers_policy_id") or REMOVE,
        "Compress": False,
    }
    for key in LEGACY_CACHE_KEYS:
        patch[key] = REMOVE
    return patch


def desired_viewer_certificate(params):
    if params["aliases"]:
        return {
            "CloudFrontDefaultCertificate": False,
            "ACMCertificateArn": params["acm_certificate_arn"],
            "SSLSupportMethod": "sni-only",
            "MinimumProtocolVersion": MIN_TLS,
        }
    return {"CloudFrontDefaultCertificate": True}


def viewer_certificate_matches(current, desired):
    """Whether the current ViewerCertificate block already gives the desired certificate (extra AWS fields ignored)."""
    current = current or {}
    if desired.get("CloudFrontDefaultCertificate"):
        return bool(current.get("CloudFrontDefaultCertificate"))
    return not current.get("CloudFrontDefaultCertificate") and all(
        current.get(key) == desired[key] for key in ("ACMCertificateArn", "SSLSupportMethod", "MinimumProtocolVersion")
    )


def desired_aliases(params):
    aliases = sorted(set(params["aliases"]))
    if not aliases:
        return {"Quantity": 0}
    return {"Quantity": len(aliases), "Items": aliases}


def build_config(current, params, response_headers_policy_id=None):
    """Return the DistributionConfig to have: ``current`` (normalized, or None for a new one) with the managed fields set.

    Fields the module does not manage are kept as they are, among them the Logging block
    (clickstream.collectors.cloudfront_logging's; a new distribution gets O(initial_logging), else logging off) and the
    fields AWS fills in. ``response_headers_policy_id`` is the
    policy the module keeps, when it keeps one (else the option's).
    """
    creating = current is None
    current = normalize_config(current) if current else {}
    result = overlay(
        current,
        {
            "Comment": params["comment"],
            "Enabled": params["enabled"],
            "PriceClass": params["price_class"],
            "HttpVersion": params["http_version"],
        },
    )
    if creating:
        result["CallerReference"] = params["caller_reference"]
        initial = params.get("initial_logging")
        result["Logging"] = (
            desired_logging(True, initial["bucket"], initial["prefix"], initial["include_cookies"]) if initial else desired_logging(False)
        )

    current_aliases = (current.get("Aliases") or {}).get("Items") or []
    wanted_aliases = desired_aliases(params)
    if creating or sorted(current_aliases) != (wanted_aliases.get("Items") or []):
        result["Aliases"] = wanted_aliases

    wanted_certificate = desired_viewer_certificate(params)
    if not viewer_certificate_matches(current.get("ViewerCertificate"), wanted_certificate):
        result["ViewerCertificate"] = wanted_certificate

    # One origin: the pixel bucket, keeping the fields AWS added to it (timeouts, Origin Shield...).
    existing_origins = (current.get("Origins") or {}).get("Items") or []
    existing = next((o for o in existing_origins if o.get("Id") == origin_id(params)), {})
    origin = overlay(existing, desired_origin(params))
    result["Origins"] = {"Quantity": 1, "Items": [origin]}

    behaviour_patch = desired_cache_behaviour(params, response_headers_policy_id)
    if creating:
        result["DefaultCacheBehavior"] = strip_remove(behaviour_patch)
    else:
        result["DefaultCacheBehavior"] = overlay(current.get("DefaultCacheBehavior") or {}, behaviour_patch)
    return result


def managed_view(config, tags):
    """The fields of a config the module manages, and the tags, in the module's terms (snake_case): diff and results."""
    if not config:
        return {}
    behaviour = config.get("DefaultCacheBehavior") or {}
    certificate = config.get("ViewerCertificate") or {}
    view = camel_dict_to_snake_dict(
        {
            "CallerReference": config.get("CallerReference"),
            "Comment": config.get("Comment"),
            "Enabled": config.get("Enabled"),
            "PriceClass": config.get("PriceClass"),
            "HttpVersion": config.get("HttpVersion"),
            "Aliases": sorted((config.get("Aliases") or {}).get("Items") or []),
            "AcmCertificateArn": None if certificate.get("CloudFrontDefaultCertificate") else certificate.get("ACMCertificateArn"),
            "Origins": [{"Id": o.get("Id"), "DomainName": o.get("DomainName"), "OriginAccessControlId": o.get("OriginAccessControlId") or None}
                        for o in (config.get("Origins") or {}).get("Items") or [{}]],
            "ViewerProtocolPolicy": behaviour.get("ViewerProtocolPolicy"),
            "AllowedMethods": sorted((behaviour.get("AllowedMethods") or {}).get("Items") or []),
            "CachePolicyId": behaviour.get("CachePolicyId"),
            "ResponseHeadersPolicyId": behaviour.get("ResponseHeadersPolicyId") or None,
            "Compress": behaviour.get("Compress"),
        }
    )
    view["tags"] = dict(tags or {})  # tag keys as they are
    return view


def distribution_result(distribution, config, etag, tags):
    """The module's ``distribution`` result: the managed view, with the distribution's id, ARN, domain, status and ETag."""
    distribution = distribution or {}
    result = managed_view(config, tags)
    result.update(id=distribution.get("Id"), arn=distribution.get("ARN"), domain_name=distribution.get("DomainName"),
                  status=distribution.get("Status"), etag=etag)
    return result


def manages_policy(params):
    """Whether the module keeps a response headers policy of its own (Cache-Control and/or CORS)."""
    return bool(params["viewer_cache_control"] or params["cors_allowed_origins"])


def policy_name(params):
    if params["response_headers_policy_name"]:
        return params["response_headers_policy_name"]
    return re.sub(r"[^A-Za-z0-9_-]", "-", params["caller_reference"])[:107] + "-viewer-cache-control"


def validate_cors_origins(origins):
    """Return (origins as browsers send them, sorted and deduplicated, None) or (None, a message naming the fix)."""
    origins = [str(origin).strip() for origin in origins or []]
    if "*" in origins:
        if set(origins) != {"*"}:
            return None, (
                "cors_allowed_origins: '*' allows every origin (without credentials) and cannot be combined with other origins; "
                "give either ['*'] or a list of origins such as ['https://www.example.com']"
            )
        return ["*"], None
    normalized = set()
    for origin in origins:
        match = ORIGIN_PATTERN.match(origin.lower())
        port = match.group("port") if match else None
        # CloudFront takes * only as the leftmost label of a domain (*.example.org), not of a top-level domain.
        wildcard_tld = match is not None and match.group("host").startswith("*.") and "." not in match.group("host")[2:]
        if not match or wildcard_tld or (port is not None and not 0 < int(port) < 65536):
            return None, (
                f"cors_allowed_origins: {origin!r} is not a web origin; give scheme://host[:port] with scheme http or https, without "
                "a path or a trailing slash, as browsers send it in the Origin header (for example https://www.example.com, or "
                "https://*.example.com for its subdomains), or ['*'] alone for any origin"
            )
        if port is not None and port == DEFAULT_PORTS[match.group("scheme")]:
            port = None
        normalized.add(f"{match.group('scheme')}://{match.group('host')}" + (f":{port}" if port else ""))
    return sorted(normalized), None


def desired_cors(origins):
    """The CorsConfig for these (validated) origins, or None for no CORS."""
    if not origins:
        return None
    return {
        "AccessControlAllowOrigins": {"Quantity": len(origins), "Items": list(origins)},
        "AccessControlAllowHeaders": {"Quantity": len(CORS_HEADERS), "Items": list(CORS_HEADERS)},
        "AccessControlAllowMethods": {"Quantity": len(CORS_METHODS), "Items": list(CORS_METHODS)},
        "AccessControlAllowCredentials": origins != ["*"],
        "AccessControlMaxAgeSec": CORS_MAX_AGE_SEC,
        "OriginOverride": True,
    }


def policy_patch(params):
    """The parts of the policy config the module manages (REMOVE: what must not be there)."""
    cache_control, cors = params["viewer_cache_control"], desired_cors(validate_cors_origins(params["cors_allowed_origins"])[0])
    patch = {"Comment": POLICY_COMMENTS[(bool(cache_control), bool(cors))], "CustomHeadersConfig": REMOVE, "CorsConfig": REMOVE}
    if cache_control:
        header = {"Header": "Cache-Control", "Value": cache_control, "Override": True}
        patch["CustomHeadersConfig"] = {"Quantity": 1, "Items": [header]}
    if cors:
        patch["CorsConfig"] = cors
    return patch


def _items(block):
    return list((block or {}).get("Items") or [])


def cors_view(cors):
    """A CorsConfig in the module's terms (lists sorted: CloudFront matches them as sets), or None."""
    if not cors:
        return None
    return {
        "allowed_origins": sorted(_items(cors.get("AccessControlAllowOrigins"))),
        "allow_credentials": bool(cors.get("AccessControlAllowCredentials")),
        "allowed_methods": sorted(method.upper() for method in _items(cors.get("AccessControlAllowMethods"))),
        "allowed_headers": sorted(_items(cors.get("AccessControlAllowHeaders")), key=str.lower),
        "max_age_sec": cors.get("AccessControlMaxAgeSec"),
        "origin_override": bool(cors.get("OriginOverride")),
    }


def policy_view(policy_id, name, config):
    items = _items((config or {}).get("CustomHeadersConfig"))
    value = next((h.get("Value") for h in items if h.get("Header", "").lower() == "cache-control"), None)
    return {"id": policy_id, "name": name, "cache_control": value, "cors": cors_view((config or {}).get("CorsConfig"))}


def same_policy(config, other):
    """Whether two policy configs agree on everything the module manages (in CloudFront's terms, not list order or case)."""

    def key(value):
        view = policy_view(None, None, value)
        if view["cors"]:
            view["cors"]["allowed_headers"] = sorted(header.lower() for header in view["cors"]["allowed_headers"])
        return (value or {}).get("Comment"), view

    return key(config) == key(other)


def distribution_facts(distribution, etag, tags, with_config=False):
    """What the info modules return about a distribution: distribution_result, its logging, and optionally its config."""
    config = distribution["DistributionConfig"]
    facts = distribution_result(distribution, config, etag, tags)
    facts["logging"] = logging_settings(config.get("Logging"))
    if with_config:
        facts["config"] = camel_dict_to_snake_dict(config)
    return facts
