"""Small XML and response helpers shared by the strict layer."""

import json
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

CLOUDFRONT_NS = "http://cloudfront.amazonaws.com/doc/2020-05-31/"
S3_NS = "http://s3.amazonaws.com/doc/2006-03-01/"
QUERY_NS = {
    "sts": "https://sts.amazonaws.com/doc/2011-06-15/",
    "iam": "https://iam.amazonaws.com/doc/2010-05-08/",
}
XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n'


@dataclass
class Response:
    """A complete HTTP answer produced by the layer or captured from moto."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    rule: str | None = None
    fault: str | None = None
    log: dict = field(default_factory=dict)  # more fields for this request's call log entry (the edge's ``host``)

    def header(self, name: str) -> str | None:
        """Return the first header called ``name`` (case-insensitive), if any."""
        lname = name.lower()
        for key, value in self.headers:
            if key.lower() == lname:
                return value
        return None

    def set_header(self, name: str, value: str) -> None:
        """Replace every header called ``name`` with a single one."""
        lname = name.lower()
        self.headers = [(k, v) for k, v in self.headers if k.lower() != lname]
        self.headers.append((name, value))

    def set_body(self, body: bytes) -> None:
        """Replace the body and keep Content-Length consistent."""
        self.body = body
        self.set_header("Content-Length", str(len(body)))


def request_id() -> str:
    """A request id shaped like AWS's."""
    return uuid.uuid4().hex.upper()[:16]


def _xml_response(status: int, body: str, extra_headers: list[tuple[str, str]] | None = None) -> Response:
    data = body.encode("utf-8")
    rid = request_id()
    headers = [
        ("Content-Type", "application/xml"),
        ("Content-Length", str(len(data))),
        ("x-amz-request-id", rid),
        ("x-amzn-RequestId", rid),
    ]
    return Response(status, headers + (extra_headers or []), data)


def s3_error(status: int, code: str, message: str, rule: str | None = None, head: bool = False, **extra: str) -> Response:
    """An S3 REST error: ``<Error><Code/><Message/>...<RequestId/><HostId/></Error>``.

    ``head=True`` drops the body, as S3 does for HEAD requests.
    """
    parts = [f"<Code>{escape(code)}</Code>", f"<Message>{escape(message)}</Message>"]
    parts += [f"<{k}>{escape(v)}</{k}>" for k, v in extra.items()]
    parts += [f"<RequestId>{request_id()}</RequestId>", f"<HostId>{uuid.uuid4().hex}</HostId>"]
    resp = _xml_response(status, XML_DECL + "<Error>" + "".join(parts) + "</Error>")
    if head:
        resp.set_body(b"")
    resp.rule = rule
    return resp


def cloudfront_error(status: int, code: str, message: str, rule: str | None = None, error_type: str = "Sender") -> Response:
    """A CloudFront (rest-xml, 2020-05-31) error document."""
    body = (
        f'{XML_DECL}<ErrorResponse xmlns="{CLOUDFRONT_NS}"><Error><Type>{error_type}</Type>'
        f"<Code>{escape(code)}</Code><Message>{escape(message)}</Message></Error>"
        f"<RequestId>{request_id()}</RequestId></ErrorResponse>"
    )
    resp = _xml_response(status, body)
    resp.rule = rule
    return resp


def query_error(service: str, status: int, code: str, message: str, error_type: str = "Sender") -> Response:
    """An error in the query-API shape used by STS and IAM (and accepted by s3control's parser)."""
    xmlns = QUERY_NS.get(service)
    open_tag = f'<ErrorResponse xmlns="{xmlns}">' if xmlns else "<ErrorResponse>"
    body = (
        f"{XML_DECL}{open_tag}<Error><Type>{error_type}</Type><Code>{escape(code)}</Code>"
        f"<Message>{escape(message)}</Message></Error><RequestId>{request_id()}</RequestId></ErrorResponse>"
    )
    return _xml_response(status, body)


def json_error(status: int, code: str, message: str, rule: str | None = None) -> Response:
    """An error of a JSON-protocol service (CloudWatch Logs, Glue, Athena): ``{"__type": code, "message": ...}``."""
    data = json.dumps({"__type": code, "message": message}).encode("utf-8")
    return Response(status, [("Content-Type", "application/x-amz-json-1.1"), ("Content-Length", str(len(data))),
                             ("x-amzn-RequestId", request_id())], data, rule=rule)


def strip_ns(root: ET.Element) -> ET.Element:
    """Remove namespaces from every tag of ``root`` in place and return it."""
    for elem in root.iter():
        if isinstance(elem.tag, str) and "}" in elem.tag:
            elem.tag = elem.tag.split("}", 1)[1]
    return root


def parse(body: bytes) -> ET.Element | None:
    """Parse an XML body with namespaces stripped; None when it is not XML."""
    if not body or not body.strip():
        return None
    try:
        return strip_ns(ET.fromstring(body))
    except ET.ParseError:
        return None


def text(elem: ET.Element | None, path: str, default: str = "") -> str:
    """Text of ``path`` under ``elem`` (stripped), or ``default``."""
    if elem is None:
        return default
    found = elem.find(path)
    if found is None or found.text is None:
        return default
    return found.text.strip()


def to_bytes(root: ET.Element, namespace: str | None = None) -> bytes:
    """Serialise ``root`` (namespace-free tags) with an XML declaration and optional default namespace."""
    if namespace:
        root.set("xmlns", namespace)
    return (XML_DECL + ET.tostring(root, encoding="unicode")).encode("utf-8")
