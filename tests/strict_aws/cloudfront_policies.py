"""CloudFront cache policies and response headers policies, which moto does not implement (404).

In-memory, faithful to the 2020-05-31 API: Create/Get/GetConfig/List/Update/Delete with ETags,
IfMatch, and the real errors. https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CreateCachePolicy.html
and https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CreateResponseHeadersPolicy.html
"""

import copy
import datetime
import secrets
import string
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass

from . import response_headers_rules
from .operations import CLOUDFRONT_PREFIX, Req
from .xmlutil import CLOUDFRONT_NS, Response, cloudfront_error, parse, text, to_bytes

IF_MATCH_MISSING = "The If-Match version is missing or not valid for the resource."
PRECONDITION_FAILED = "The precondition given in one or more of the request-header fields evaluated to false."


def new_etag() -> str:
    """An ETag shaped like CloudFront's (``E`` + 13 upper-case letters and digits)."""
    return "E" + "".join(secrets.choice(string.ascii_uppercase + string.digits) for _position in range(13))


def now_iso() -> str:
    """CloudFront's timestamp format."""
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass(frozen=True)
class PolicyKind:
    """Names and errors of one policy API."""

    segment: str
    noun: str
    no_such: str
    no_such_message: str
    already_exists: str
    already_exists_message: str
    in_use: str
    in_use_message: str

    @property
    def config_tag(self) -> str:
        """Root tag of the config document."""
        return f"{self.noun}Config"


CACHE = PolicyKind(
    "cache-policy", "CachePolicy", "NoSuchCachePolicy", "The cache policy does not exist.",
    "CachePolicyAlreadyExists", "A cache policy with this name already exists. You must provide a unique name.",
    "CachePolicyInUse", "Cannot delete the cache policy because it is attached to one or more cache behaviors.",
)
RESPONSE_HEADERS = PolicyKind(
    "response-headers-policy", "ResponseHeadersPolicy", "NoSuchResponseHeadersPolicy", "The response headers policy does not exist.",
    "ResponseHeadersPolicyAlreadyExists", "A response headers policy with this name already exists. You must provide a unique name.",
    "ResponseHeadersPolicyInUse", "Cannot delete the response headers policy because it is attached to one or more cache behaviors.",
)
KINDS = {kind.segment: kind for kind in (CACHE, RESPONSE_HEADERS)}


def _managed_cache_config(name: str, comment: str, ttls: tuple[int, int, int], compress: bool) -> str:
    flag = "true" if compress else "false"
    return (
        f"<CachePolicyConfig><Comment>{comment}</Comment><Name>{name}</Name><DefaultTTL>{ttls[1]}</DefaultTTL>"
        f"<MaxTTL>{ttls[2]}</MaxTTL><MinTTL>{ttls[0]}</MinTTL><ParametersInCacheKeyAndForwardedToOrigin>"
        f"<EnableAcceptEncodingGzip>{flag}</EnableAcceptEncodingGzip><EnableAcceptEncodingBrotli>{flag}</EnableAcceptEncodingBrotli>"
        "<HeadersConfig><HeaderBehavior>none</HeaderBehavior></HeadersConfig><CookiesConfig><CookieBehavior>none</CookieBehavior></CookiesConfig>"
        "<QueryStringsConfig><QueryStringBehavior>none</QueryStringBehavior></QueryStringsConfig>"
        "</ParametersInCacheKeyAndForwardedToOrigin></CachePolicyConfig>"
    )


# https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-cache-policies.html
MANAGED_CACHE_POLICIES = {
    "658327ea-f89d-4fab-a63d-7e88639e58f6": _managed_cache_config(
        "Managed-CachingOptimized", "Policy with caching enabled. Supports Gzip and Brotli compression.", (1, 86400, 31536000), True),
    "4135ea2d-6df8-44a3-9df3-4b5a84be39ad": _managed_cache_config(
        "Managed-CachingDisabled", "Policy with caching disabled", (0, 0, 0), False),
}


def _items(tag: str, item_tag: str, values: tuple[str, ...]) -> str:
    inner = "".join(f"<{item_tag}>{value}</{item_tag}>" for value in values)
    return f"<{tag}><Quantity>{len(values)}</Quantity><Items>{inner}</Items></{tag}>"


def _cors(preflight: bool) -> str:
    expose = _items("AccessControlExposeHeaders", "Header", ("*",)) if preflight else ""
    return (
        "<CorsConfig>" + _items("AccessControlAllowOrigins", "Origin", ("*",)) + _items("AccessControlAllowHeaders", "Header", ("*",))
        + _items("AccessControlAllowMethods", "Method", ("ALL",)) + "<AccessControlAllowCredentials>false</AccessControlAllowCredentials>"
        + expose + "<OriginOverride>false</OriginOverride></CorsConfig>"
    )


SECURITY_HEADERS = (
    "<SecurityHeadersConfig>"
    "<XSSProtection><Override>false</Override><Protection>true</Protection><ModeBlock>true</ModeBlock></XSSProtection>"
    "<FrameOptions><Override>false</Override><FrameOption>SAMEORIGIN</FrameOption></FrameOptions>"
    "<ReferrerPolicy><Override>false</Override><ReferrerPolicy>strict-origin-when-cross-origin</ReferrerPolicy></ReferrerPolicy>"
    "<ContentTypeOptions><Override>false</Override></ContentTypeOptions>"
    "<StrictTransportSecurity><Override>false</Override><IncludeSubdomains>false</IncludeSubdomains><Preload>false</Preload>"
    "<AccessControlMaxAgeSec>31536000</AccessControlMaxAgeSec></StrictTransportSecurity>"
    "</SecurityHeadersConfig>"
)


def _managed_headers_config(name: str, comment: str, body: str) -> str:
    return f"<ResponseHeadersPolicyConfig><Comment>{comment}</Comment><Name>{name}</Name>{body}</ResponseHeadersPolicyConfig>"


# https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-response-headers-policies.html
# (ids and names as AWS lists them; the configs carry the documented headers in minimal form).
MANAGED_RESPONSE_HEADERS_POLICIES = {
    "e61eb60c-9c35-4d20-a928-2b84e02af89c": _managed_headers_config(
        "Managed-CORS-and-SecurityHeadersPolicy", "Allows all origins for simple CORS requests and adds security headers",
        _cors(False) + SECURITY_HEADERS),
    "5cc3b908-e619-4b99-88e5-2cf7f45965bd": _managed_headers_config(
        "Managed-CORS-With-Preflight", "Allows all origins for CORS requests, including preflight requests", _cors(True)),
    "eaab4381-ed33-4a86-88ca-d9558dc6cd63": _managed_headers_config(
        "Managed-CORS-with-preflight-and-SecurityHeadersPolicy",
        "Allows all origins for CORS requests, including preflight requests, and adds security headers", _cors(True) + SECURITY_HEADERS),
    "67f7725c-6f97-4210-82d7-5512b31e9d03": _managed_headers_config(
        "Managed-SecurityHeadersPolicy", "Adds a set of security headers to every response", SECURITY_HEADERS),
    "60669652-455b-4ae9-85a4-c4c02393f86c": _managed_headers_config(
        "Managed-SimpleCORS", "Allows all origins for simple CORS requests", _cors(False)),
}
MANAGED = {"cache-policy": MANAGED_CACHE_POLICIES, "response-headers-policy": MANAGED_RESPONSE_HEADERS_POLICIES}


@dataclass
class Policy:
    """One stored policy."""

    policy_id: str
    etag: str
    last_modified: str
    config: ET.Element
    managed: bool = False

    @property
    def name(self) -> str:
        """The policy name from its config."""
        return text(self.config, "Name")


class PolicyStore:
    """Cache and response headers policies, keyed by kind segment and id."""

    def __init__(self):
        self.items: dict[str, dict[str, Policy]] = {}
        self.reset()

    def reset(self) -> None:
        """Drop custom policies; keep the managed ones."""
        self.items = {segment: {} for segment in KINDS}
        stamp = "2020-10-12T18:43:48.000Z"
        for segment, managed in MANAGED.items():
            for policy_id, config in managed.items():
                self.items[segment][policy_id] = Policy(policy_id, "E23ZP02F085DFQ", stamp, ET.fromstring(config), managed=True)

    def exists(self, kind: PolicyKind, policy_id: str) -> bool:
        """Whether a policy of this kind exists."""
        return policy_id in self.items[kind.segment]

    def handle(self, req: Req, in_use: Callable[[PolicyKind, str], bool]) -> Response:
        """Answer one cache-policy or response-headers-policy API request."""
        rest = req.path[len(CLOUDFRONT_PREFIX):].strip("/").split("/")
        kind = KINDS[rest[0]]
        store = self.items[kind.segment]
        if len(rest) == 1:
            if req.method == "POST":
                return self._create(kind, req)
            return self._list(kind, req)
        policy = store.get(rest[1])
        if policy is None:
            return cloudfront_error(404, kind.no_such, kind.no_such_message, rule="PolicyExists")
        if len(rest) == 3 and rest[2] == "config" and req.method == "GET":
            return xml_answer(200, with_ns(copy.deepcopy(policy.config)), policy.etag)
        if req.method == "GET":
            return xml_answer(200, _document(kind, policy), policy.etag)
        if req.method in ("PUT", "DELETE"):
            rejected = check_if_match(req, policy.etag)
            if rejected is not None:
                return rejected
            if policy.managed:
                action = "IllegalUpdate" if req.method == "PUT" else "IllegalDelete"
                return cloudfront_error(400, action, "You cannot modify or delete a managed policy.", rule="ManagedPolicy")
            if req.method == "PUT":
                return self._update(kind, req, policy)
            if in_use(kind, policy.policy_id):
                return cloudfront_error(409, kind.in_use, kind.in_use_message, rule="PolicyInUse")
            del store[policy.policy_id]
            return Response(204, [("x-amzn-RequestId", str(uuid.uuid4()))])
        return cloudfront_error(405, "MethodNotAllowed", f"{req.method} is not supported here.")

    def _config_from(self, kind: PolicyKind, req: Req) -> ET.Element | Response:
        config = parse(req.body)
        if config is None or config.tag != kind.config_tag or not text(config, "Name"):
            return cloudfront_error(400, "MalformedInput", f"A {kind.config_tag} with a Name is required.")
        if kind is RESPONSE_HEADERS:
            return response_headers_rules.check(config) or config
        return config

    def _name_taken(self, kind: PolicyKind, name: str, other_than: str | None = None) -> bool:
        return any(p.name == name and p.policy_id != other_than for p in self.items[kind.segment].values())

    def _create(self, kind: PolicyKind, req: Req) -> Response:
        config = self._config_from(kind, req)
        if isinstance(config, Response):
            return config
        if self._name_taken(kind, text(config, "Name")):
            return cloudfront_error(409, kind.already_exists, kind.already_exists_message, rule="PolicyNameUnique")
        policy = Policy(str(uuid.uuid4()), new_etag(), now_iso(), config)
        self.items[kind.segment][policy.policy_id] = policy
        resp = xml_answer(201, _document(kind, policy), policy.etag)
        resp.headers.append(("Location", f"https://cloudfront.amazonaws.com{CLOUDFRONT_PREFIX}{kind.segment}/{policy.policy_id}"))
        return resp

    def _update(self, kind: PolicyKind, req: Req, policy: Policy) -> Response:
        config = self._config_from(kind, req)
        if isinstance(config, Response):
            return config
        if self._name_taken(kind, text(config, "Name"), other_than=policy.policy_id):
            return cloudfront_error(409, kind.already_exists, kind.already_exists_message, rule="PolicyNameUnique")
        policy.config, policy.etag, policy.last_modified = config, new_etag(), now_iso()
        return xml_answer(200, _document(kind, policy), policy.etag)

    def _list(self, kind: PolicyKind, req: Req) -> Response:
        """List<Kind>Policies: managed and custom without Type, else the one type; MaxItems per page with
        NextMarker (an opaque id of the next page's first policy); no Items element when the page is empty
        (botocore's model: MaxItems and Quantity are required, Items optional)."""
        wanted = req.param("Type")
        raw_max = req.param("MaxItems") or ""
        max_items = int(raw_max) if raw_max.isdigit() and int(raw_max) > 0 else 100
        policies = [p for p in self.items[kind.segment].values()
                    if wanted is None or wanted == ("managed" if p.managed else "custom")]
        ids = [p.policy_id for p in policies]
        start = ids.index(req.param("Marker")) if req.param("Marker") in ids else 0
        page, rest = policies[start:start + max_items], policies[start + max_items:]
        root = ET.Element(f"{kind.noun}List")
        if rest:
            ET.SubElement(root, "NextMarker").text = rest[0].policy_id
        ET.SubElement(root, "MaxItems").text = str(max_items)
        ET.SubElement(root, "Quantity").text = str(len(page))
        if page:
            items = ET.SubElement(root, "Items")
            for policy in page:
                summary = ET.SubElement(items, f"{kind.noun}Summary")
                ET.SubElement(summary, "Type").text = "managed" if policy.managed else "custom"
                summary.append(_document(kind, policy, namespace=False))
        return xml_answer(200, with_ns(root), None)


def check_if_match(req: Req, etag: str) -> Response | None:
    """IfMatch is required on updates and deletes; a stale one fails the precondition.

    https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_UpdateCachePolicy.html (InvalidIfMatchVersion 400, PreconditionFailed 412)
    """
    if_match = req.headers.get("if-match")
    if not if_match:
        return cloudfront_error(400, "InvalidIfMatchVersion", IF_MATCH_MISSING, rule="IfMatchRequired")
    if if_match != etag:
        return cloudfront_error(412, "PreconditionFailed", PRECONDITION_FAILED, rule="IfMatchCurrent")
    return None


def _document(kind: PolicyKind, policy: Policy, namespace: bool = True) -> ET.Element:
    root = ET.Element(kind.noun)
    ET.SubElement(root, "Id").text = policy.policy_id
    ET.SubElement(root, "LastModifiedTime").text = policy.last_modified
    root.append(copy.deepcopy(policy.config))
    return with_ns(root) if namespace else root


def with_ns(root: ET.Element) -> ET.Element:
    root.set("xmlns", CLOUDFRONT_NS)
    return root


def xml_answer(status: int, root: ET.Element, etag: str | None) -> Response:
    data = to_bytes(root)
    headers = [("Content-Type", "text/xml"), ("Content-Length", str(len(data))), ("x-amzn-RequestId", str(uuid.uuid4()))]
    if etag:
        headers.append(("ETag", etag))
    return Response(status, headers, data)
