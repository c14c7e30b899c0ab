"""Identify the AWS service and API operation of an incoming request.

Services come from the SigV4 credential scope (``.../<region>/<service>/aws4_request``, in the
Authorization header or the X-Amz-Credential query parameter of a presigned URL). s3control signs
as ``s3`` and is told apart by its ``/v20180820/`` path. Unsigned requests are anonymous S3 requests.
"""

import re
from dataclasses import dataclass
from urllib.parse import parse_qs

S3_BUCKET_SUBRESOURCES = {
    # query parameter: (GET, PUT, DELETE) operation names
    "acl": ("GetBucketAcl", "PutBucketAcl", None),
    "tagging": ("GetBucketTagging", "PutBucketTagging", "DeleteBucketTagging"),
    "ownershipControls": ("GetBucketOwnershipControls", "PutBucketOwnershipControls", "DeleteBucketOwnershipControls"),
    "publicAccessBlock": ("GetPublicAccessBlock", "PutPublicAccessBlock", "DeletePublicAccessBlock"),
    "policyStatus": ("GetBucketPolicyStatus", None, None),
    "policy": ("GetBucketPolicy", "PutBucketPolicy", "DeleteBucketPolicy"),
    "encryption": ("GetBucketEncryption", "PutBucketEncryption", "DeleteBucketEncryption"),
    "logging": ("GetBucketLogging", "PutBucketLogging", None),
    "versioning": ("GetBucketVersioning", "PutBucketVersioning", None),
    "lifecycle": ("GetBucketLifecycleConfiguration", "PutBucketLifecycleConfiguration", "DeleteBucketLifecycle"),
    "location": ("GetBucketLocation", None, None),
    "uploads": ("ListMultipartUploads", None, None),
    "versions": ("ListObjectVersions", None, None),
    "cors": ("GetBucketCors", "PutBucketCors", "DeleteBucketCors"),
    "website": ("GetBucketWebsite", "PutBucketWebsite", "DeleteBucketWebsite"),
    "notification": ("GetBucketNotificationConfiguration", "PutBucketNotificationConfiguration", None),
    "replication": ("GetBucketReplication", "PutBucketReplication", "DeleteBucketReplication"),
    "accelerate": ("GetBucketAccelerateConfiguration", "PutBucketAccelerateConfiguration", None),
    "requestPayment": ("GetBucketRequestPayment", "PutBucketRequestPayment", None),
    "object-lock": ("GetObjectLockConfiguration", "PutObjectLockConfiguration", None),
    "inventory": ("GetBucketInventoryConfiguration", "PutBucketInventoryConfiguration", "DeleteBucketInventoryConfiguration"),
    "metrics": ("GetBucketMetricsConfiguration", "PutBucketMetricsConfiguration", "DeleteBucketMetricsConfiguration"),
    "analytics": ("GetBucketAnalyticsConfiguration", "PutBucketAnalyticsConfiguration", "DeleteBucketAnalyticsConfiguration"),
    "intelligent-tiering": (
        "GetBucketIntelligentTieringConfiguration",
        "PutBucketIntelligentTieringConfiguration",
        "DeleteBucketIntelligentTieringConfiguration",
    ),
}

S3_OBJECT_SUBRESOURCES = {
    "acl": ("GetObjectAcl", "PutObjectAcl", None),
    "tagging": ("GetObjectTagging", "PutObjectTagging", "DeleteObjectTagging"),
    "retention": ("GetObjectRetention", "PutObjectRetention", None),
    "legal-hold": ("GetObjectLegalHold", "PutObjectLegalHold", None),
    "attributes": ("GetObjectAttributes", None, None),
}

# CloudFront resources under /2020-05-31/: path segment -> API noun.
CLOUDFRONT_NOUNS = {
    "distribution": "Distribution",
    "cache-policy": "CachePolicy",
    "response-headers-policy": "ResponseHeadersPolicy",
    "origin-request-policy": "OriginRequestPolicy",
    "origin-access-control": "OriginAccessControl",
    "origin-access-identity/cloudfront": "CloudFrontOriginAccessIdentity",
    "key-group": "KeyGroup",
    "public-key": "PublicKey",
    "function": "Function",
    "key-value-store": "KeyValueStore",
}
CLOUDFRONT_PREFIX = "/2020-05-31/"

READ_ONLY_QUERY_PREFIXES = ("Get", "List", "Describe", "Simulate", "Generate", "Decode")
_SCOPE = re.compile(r"Credential=[^/,\s]+/\d{8}/([^/]+)/([^/]+)/aws4_request")
_QUERY_SCOPE = re.compile(r"^[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request")


@dataclass
class Operation:
    """What a request is: service, API operation, whether it changes state, whether it is unsigned."""

    service: str
    operation: str
    mutating: bool
    anonymous: bool


def signing_service(headers: dict[str, str], query: dict[str, list[str]]) -> str | None:
    """Service name from the SigV4 credential scope, or None for an unsigned request."""
    match = _SCOPE.search(headers.get("authorization", ""))
    if match:
        return match.group(2)
    cred = query.get("X-Amz-Credential", [""])[0]
    match = _QUERY_SCOPE.match(cred)
    if match:
        return match.group(2)
    return None


def classify(method: str, path: str, query: dict[str, list[str]], headers: dict[str, str], body: bytes) -> Operation:
    """Classify a request. ``headers`` must have lower-case keys."""
    scope = signing_service(headers, query)
    anonymous = scope is None and "X-Amz-Signature" not in query
    service = scope or "s3"
    if service == "s3" and path.startswith("/v20180820/"):
        service = "s3control"
    if service == "s3":
        operation = s3_operation(method, path, query, headers)
        mutating = method in ("PUT", "POST", "DELETE") and operation != "SelectObjectContent"
    elif service == "s3control":
        operation = s3control_operation(method, path)
        mutating = method in ("PUT", "POST", "DELETE")
    elif service == "cloudfront":
        operation = cloudfront_operation(method, path, query)
        mutating = method in ("PUT", "POST", "DELETE")
    else:
        operation = query_action(query, body) or json_target(headers) or f"{method} {path}"
        mutating = service != "sts" and not operation.startswith(READ_ONLY_QUERY_PREFIXES)
    return Operation(service, operation, mutating, anonymous)


def split_s3_path(path: str) -> tuple[str, str]:
    """Path-style ``/bucket/key`` -> (bucket, key); either may be empty."""
    stripped = path.lstrip("/")
    bucket, _slash, key = stripped.partition("/")
    return bucket, key


def s3_operation(method: str, path: str, query: dict[str, list[str]], headers: dict[str, str]) -> str:
    """S3 operation name from method, path-style path, query sub-resources and copy-source header."""
    bucket, key = split_s3_path(path)
    if not bucket:
        return "ListBuckets" if method == "GET" else f"{method} /"
    verb_index = {"GET": 0, "PUT": 1, "DELETE": 2}.get(method)
    if not key:
        if method == "HEAD":
            return "HeadBucket"
        if method == "POST":
            return "DeleteObjects" if "delete" in query else "PostObject"
        for sub, names in S3_BUCKET_SUBRESOURCES.items():
            if sub in query and verb_index is not None and names[verb_index]:
                return names[verb_index]
        if method == "GET":
            return "ListObjectsV2" if query.get("list-type") == ["2"] else "ListObjects"
        return {"PUT": "CreateBucket", "DELETE": "DeleteBucket"}.get(method, f"{method} bucket")
    copy = "x-amz-copy-source" in headers
    if method == "HEAD":
        return "HeadObject"
    if method == "POST":
        if "uploads" in query:
            return "CreateMultipartUpload"
        if "uploadId" in query:
            return "CompleteMultipartUpload"
        if "restore" in query:
            return "RestoreObject"
        if "select" in query:
            return "SelectObjectContent"
        return "PostObject"
    for sub, names in S3_OBJECT_SUBRESOURCES.items():
        if sub in query and verb_index is not None and names[verb_index]:
            return names[verb_index]
    if method == "GET":
        return "ListParts" if "uploadId" in query else "GetObject"
    if method == "PUT":
        if "partNumber" in query:
            return "UploadPartCopy" if copy else "UploadPart"
        return "CopyObject" if copy else "PutObject"
    if method == "DELETE":
        return "AbortMultipartUpload" if "uploadId" in query else "DeleteObject"
    return f"{method} object"


def s3control_operation(method: str, path: str) -> str:
    """s3control operation name (the account-level public access block and a generic fallback)."""
    if path.rstrip("/").endswith("/configuration/publicAccessBlock"):
        return {"GET": "GetPublicAccessBlock", "PUT": "PutPublicAccessBlock", "DELETE": "DeletePublicAccessBlock"}.get(method, method)
    return f"{method} {path}"


def cloudfront_operation(method: str, path: str, query: dict[str, list[str]]) -> str:
    """CloudFront operation name from method and path under /2020-05-31/."""
    if not path.startswith(CLOUDFRONT_PREFIX):
        return f"{method} {path}"
    rest = path[len(CLOUDFRONT_PREFIX):].strip("/")
    if rest == "tagging":
        if method == "GET":
            return "ListTagsForResource"
        return {"Tag": "TagResource", "Untag": "UntagResource"}.get(query.get("Operation", [""])[0], "TagResource")
    for prefix, noun in sorted(CLOUDFRONT_NOUNS.items(), key=lambda item: -len(item[0])):
        if rest == prefix or rest.startswith(prefix + "/"):
            tail = rest[len(prefix):].strip("/").split("/") if rest != prefix else []
            return _cloudfront_resource_operation(method, noun, tail, query)
    return f"{method} {path}"


def _cloudfront_resource_operation(method: str, noun: str, tail: list[str], query: dict[str, list[str]]) -> str:
    plural = noun[:-1] + "ies" if noun.endswith("y") else noun + "s"
    if not tail:
        if method == "POST":
            return f"Create{noun}WithTags" if "WithTags" in query else f"Create{noun}"
        return f"List{plural}"
    if len(tail) >= 2 and tail[1] == "invalidation":
        if method == "POST":
            return "CreateInvalidation"
        return "GetInvalidation" if len(tail) > 2 else "ListInvalidations"
    if len(tail) >= 2 and tail[1] == "config":
        return f"Update{noun}" if method == "PUT" else f"Get{noun}Config"
    if len(tail) >= 2 and tail[1] == "describe":
        return f"Describe{noun}"
    return {"GET": f"Get{noun}", "PUT": f"Update{noun}", "DELETE": f"Delete{noun}"}.get(method, f"{method}{noun}")


def json_target(headers: dict[str, str]) -> str | None:
    """Operation of a JSON-protocol request (CloudWatch Logs: ``X-Amz-Target: Logs_20140328.CreateDelivery``)."""
    target = headers.get("x-amz-target", "")
    return target.rsplit(".", 1)[1] if "." in target else None


def query_action(query: dict[str, list[str]], body: bytes) -> str | None:
    """``Action`` of a query-protocol request (STS, IAM), from the query string or the form body."""
    if "Action" in query:
        return query["Action"][0]
    try:
        form = parse_qs(body.decode("utf-8"))
    except UnicodeDecodeError:
        return None
    return form.get("Action", [None])[0]


@dataclass
class Req:
    """An incoming request, fully read, with its classification."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    op: Operation
    environ: dict | None = None  # the WSGI environ (the edge reads the scheme, TLS and client address from it)
    internal: bool = False  # made by the layer itself (the edge's origin fetch): never faulted, not logged
    # An origin fetch signed through an origin access control: (service principal, aws:SourceArn), else None.
    signed_by_service: tuple[str, str] | None = None

    @property
    def bucket(self) -> str:
        """Bucket name of a path-style S3 request ('' when none)."""
        return split_s3_path(self.path)[0]

    @property
    def key(self) -> str:
        """Object key of a path-style S3 request ('' when none)."""
        return split_s3_path(self.path)[1]

    def param(self, name: str) -> str | None:
        """First value of query parameter ``name``."""
        values = self.query.get(name)
        return values[0] if values else None
