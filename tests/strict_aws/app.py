"""The WSGI layer in front of moto: classify, maybe fault, apply strict rules, forward, fix up, log."""

import io
import json
import threading
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, quote

from moto.moto_api._internal.models import moto_api_backend
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

from . import s3_rules
from .calllog import CallLog
from .cloudfront_rules import CloudFrontLayer
from .edge import Edge, viewer_host
from .faults import FaultInjector
from .iam import IamEnforcer
from .logs_rules import LogsLayer
from .network import Network
from .operations import Req, classify
from .xmlutil import Response, s3_error

CONTROL_PREFIX = "/_strict/"
NETWORK_SETTINGS = ("latency", "cloudfront_rate_limit", "cloudfront_burst")
ANONYMOUS_AUTHORIZATION = "AWS4-HMAC-SHA256 Credential=anonymous/20000101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0"


def _headers_from_environ(environ: dict[str, Any]) -> dict[str, str]:
    headers = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            headers[key[5:].replace("_", "-").lower()] = value
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            headers[key.replace("_", "-").lower()] = environ[key]
    return headers


def _read_body(environ: dict[str, Any]) -> bytes:
    stream = environ["wsgi.input"]
    length = environ.get("CONTENT_LENGTH")
    if length:
        return stream.read(int(length))
    if environ.get("wsgi.input_terminated"):
        return stream.read()
    return b""


class StrictApp:
    """WSGI application wrapping moto's DomainDispatcherApplication with the strict rules."""

    def __init__(self, call_log: CallLog, deploy_reads: int = 2, fault_rate: float = 0.0, fault_seed: int = 0,
                 log_flush_interval: float = 1.0, latency: float = 0.0, cloudfront_rate_limit: float = 0.0,
                 cloudfront_burst: float | None = None):
        self.moto = DomainDispatcherApplication(create_backend_app)
        self.call_log = call_log
        self.defaults = {"deploy_reads": deploy_reads, "fault_rate": fault_rate, "fault_seed": fault_seed}
        self.faults = FaultInjector(fault_rate, fault_seed)
        # Per-call latency and CloudFront's per-account rate limit (network.py).
        self.network = Network(latency, cloudfront_rate_limit, cloudfront_burst)
        self.network_defaults = self.network.settings()
        self.deploy_reads = deploy_reads
        self.cloudfront = CloudFrontLayer()
        self.logs = LogsLayer()
        # Off until a test sets the caller's identity policy (POST /_strict/iam).
        self.iam = IamEnforcer()
        # One request at a time reaches the rules and moto, so every check-then-act is atomic.
        self._lock = threading.RLock()
        s3_rules.install_secure_transport_patch()
        # Viewer requests for *.cloudfront.net (edge.py): served on this same app, never faulted.
        self.edge = Edge(call_log, self.cloudfront, self.origin_request, self._lock, log_flush_interval)

    # --- configuration and control -------------------------------------------------------------

    def configure(self, deploy_reads: int | None = None, fault_rate: float | None = None, fault_seed: int | None = None,
                  **network: float | None) -> None:
        """Change deploy reads, fault injection (changing either fault value restarts the fault sequence), and the
        network: ``latency``, ``cloudfront_rate_limit``, ``cloudfront_burst`` (network.py)."""
        unknown = set(network) - set(NETWORK_SETTINGS)
        if unknown:
            raise TypeError(f"unknown settings: {sorted(unknown)}")
        self.network.configure(**network)
        if deploy_reads is not None:
            if deploy_reads < 0:
                raise ValueError("deploy_reads must be >= 0")
            self.deploy_reads = deploy_reads
        if fault_rate is not None or fault_seed is not None:
            self.faults.configure(self.faults.rate if fault_rate is None else fault_rate,
                                  self.faults.seed if fault_seed is None else fault_seed)

    def reset(self) -> None:
        """Wipe moto's and the layer's state and the in-memory call log; restore the start-up configuration."""
        with self._lock:
            moto_api_backend.reset()
            self.cloudfront.reset()
            self.edge.reset()
            self.iam.reset()
            self.call_log.clear()
            self.deploy_reads = self.defaults["deploy_reads"]
            self.faults.configure(self.defaults["fault_rate"], self.defaults["fault_seed"])
            self.network.configure(**self.network_defaults)

    def _control(self, method: str, path: str, body: bytes) -> Response:
        name = path[len(CONTROL_PREFIX):].strip("/")
        if name == "calls" and method == "GET":
            return _json(200, self.call_log.entries())
        if name == "reset" and method == "POST":
            self.reset()
            return _json(200, {"reset": True})
        if name == "config" and method == "POST":
            try:
                settings = json.loads(body or b"{}")
                unknown = set(settings) - {"deploy_reads", "fault_rate", "fault_seed", *NETWORK_SETTINGS}
                if unknown:
                    raise ValueError(f"unknown settings: {sorted(unknown)}")
                self.configure(**settings)
            except (ValueError, TypeError) as exc:
                return _json(400, {"error": str(exc)})
            return _json(200, {"deploy_reads": self.deploy_reads, "fault_rate": self.faults.rate, "fault_seed": self.faults.seed,
                               **self.network.settings()})
        if name == "edge" and method == "GET":
            return _json(200, self.edge.info())
        if name == "logs/flush" and method == "POST":
            return _json(200, self.edge.logs.flush())
        if name == "iam":
            return _json(*self.iam.control(method, body))
        return _json(404, {"error": f"unknown control endpoint {method} {path}"})

    # --- request handling ----------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        path = path.encode("latin-1").decode("utf-8", errors="replace")
        method = environ["REQUEST_METHOD"].upper()
        body = _read_body(environ)
        if viewer_host(environ) is not None:
            return _send(self.edge.handle(environ, body), start_response)
        if path.startswith(CONTROL_PREFIX):
            return _send(self._control(method, path, body), start_response)
        query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        headers = _headers_from_environ(environ)
        req = Req(method, path, query, headers, body, classify(method, path, query, headers, body))
        self.network.wait()
        resp = self.faults.pick(req.op.service) or self.network.admit(req.op.service)
        if resp is None:
            with self._lock:
                resp = self.iam.authorize(req) or self._dispatch(req, environ)
        self.call_log.record(
            service=req.op.service, operation=req.op.operation, method=method, path=path,
            status=resp.status, mutating=req.op.mutating, fault=resp.fault, rule=resp.rule,
            anonymous=req.op.anonymous,
        )
        return _send(resp, start_response)

    def _dispatch(self, req: Req, environ: dict[str, Any]) -> Response:
        def forward() -> Response:
            if req.op.anonymous and req.method in ("GET", "HEAD"):
                # The layer has already decided that this unsigned read is allowed (s3_rules.check_anonymous);
                # moto's own anonymous check knows neither HEAD under a policy nor Block Public Access.
                return self._forward({**environ, "HTTP_AUTHORIZATION": ANONYMOUS_AUTHORIZATION}, req.body)
            return self._forward(environ, req.body)

        if req.op.service == "s3":
            rejected = s3_rules.check(req)
            if rejected is not None:
                return rejected
            resp = forward()
            if req.op.operation == "CreateBucket" and resp.status == 200:
                s3_rules.apply_new_bucket_defaults(req)
            if req.op.operation in s3_rules.BODY_ACL_OPERATIONS and resp.status == 200:
                s3_rules.apply_body_acl(req)
            if resp.status == 403 and not resp.body and req.method != "HEAD":
                # moto's bucket-policy denial has an empty body; S3 sends the AccessDenied error document.
                return s3_error(403, "AccessDenied", s3_rules.ACCESS_DENIED)
            return resp
        if req.op.service == "cloudfront":
            return self.cloudfront.handle(req, forward, self.deploy_reads)
        if req.op.service == "logs":
            return self.logs.handle(req, forward)
        return forward()

    def origin_request(self, environ: dict[str, Any], method: str, path: str) -> Response:
        """An unsigned S3 request from the local CloudFront edge to an S3 origin: no credentials, no viewer
        headers, no query string, through the same anonymous-access rules as any unsigned request.
        ``path`` is the path-style ``/bucket/key`` in WSGI form. The caller holds the lock."""
        decoded = path.encode("latin-1").decode("utf-8", errors="replace")
        env = {k: v for k, v in environ.items() if not k.startswith("HTTP_") and k not in ("CONTENT_TYPE", "CONTENT_LENGTH")}
        env.update({"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": "", "RAW_URI": quote(decoded),
                    "REQUEST_URI": quote(decoded), "HTTP_HOST": f"{environ['SERVER_NAME']}:{environ['SERVER_PORT']}",
                    "wsgi.url_scheme": "http"})
        req = Req(method, decoded, {}, {}, b"", classify(method, decoded, {}, {}, b""))
        return self._dispatch(req, env)

    def _forward(self, environ: dict[str, Any], body: bytes) -> Response:
        """Call moto with the already-read body and capture its answer."""
        env = dict(environ)
        env["wsgi.input"] = io.BytesIO(body)
        env["CONTENT_LENGTH"] = str(len(body))
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info=None) -> Callable:
            captured["status"] = int(status.split(" ", 1)[0])
            captured["headers"] = list(headers)
            return lambda data: None

        with s3_rules.secure_transport():
            result = self.moto(env, capture)
            try:
                data = b"".join(result)
            finally:
                if hasattr(result, "close"):
                    result.close()
        return Response(captured["status"], captured["headers"], data)


def _json(status: int, payload: Any) -> Response:
    data = json.dumps(payload).encode("utf-8")
    return Response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))], data)


def _send(resp: Response, start_response: Callable) -> list[bytes]:
    try:
        reason = HTTPStatus(resp.status).phrase
    except ValueError:
        reason = "Unknown"
    start_response(f"{resp.status} {reason}", resp.headers)
    return [resp.body]
