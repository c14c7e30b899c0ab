"""The WSGI layer in front of moto: classify, then run the request through the rules (``rules.Rules``: faults,
the network's rate limit, IAM, S3, CloudFront, CloudWatch Logs, Athena, the CloudFront edge), which refuse it, answer it or forward it to moto
and fix the answer; log it."""

import io
import json
import threading
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, quote

from moto.moto_api._internal.models import moto_api_backend
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

from .athena_rules import AthenaRules
from .calllog import CallLog
from .cloudfront_rules import CloudFrontRules
from .edge import Edge, viewer_request
from .faults import FaultRules
from .iam import IamEnforcer
from .logs_rules import LogsRules
from .network import Network
from .operations import Req, classify
from .rules import chain
from .s3_policy import install_secure_transport_patch, secure_transport
from .s3_rules import S3Rules
from .settings import Settings
from .xmlutil import Response

CONTROL_PREFIX = "/_strict/"
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
    """WSGI application wrapping moto's DomainDispatcherApplication with the strict rules.

    ``settings`` are the start-up settings (``settings.Settings``); ``self.settings`` holds the current ones.
    """

    def __init__(self, call_log: CallLog, settings: Settings):
        self.moto = DomainDispatcherApplication(create_backend_app)
        self.call_log = call_log
        self.startup = settings.as_dict(runtime_only=True)
        self.settings = settings
        # One request at a time reaches the rules and moto, so every check-then-act is atomic.
        self._lock = threading.RLock()
        install_secure_transport_patch()
        self.cloudfront = CloudFrontRules(self.settings)
        # Viewer requests for *.cloudfront.net (edge.py): served on this same app, never faulted.
        self.edge = Edge(call_log, self.cloudfront, self.origin_request, self._lock, settings.log_flush_interval)
        # Per-call latency and CloudFront's per-account rate limit (network.py).
        self.network = Network.from_settings(self.settings)
        # Off until a test sets the caller's identity policy (POST /_strict/iam).
        self.iam = IamEnforcer()
        # In the order a request meets them.
        self.rules = [FaultRules(self.settings), self.network, self.iam, S3Rules(), self.cloudfront, LogsRules(), AthenaRules(), self.edge]

    # --- configuration and control -------------------------------------------------------------

    def configure(self, **changes: Any) -> None:
        """Change runtime settings (ValueError for an unknown one or a bad value); a fault setting restarts the faults."""
        with self._lock:
            self.settings.update(changes, runtime_only=True)
            if {"fault_rate", "fault_seed"} & set(changes):
                self.rules[0].reset()
            if {"latency", "cloudfront_rate_limit", "cloudfront_burst"} & set(changes):
                self.network.reset()

    def reset(self) -> None:
        """Wipe moto's and the layer's state and the in-memory call log; restore the start-up settings."""
        with self._lock:
            moto_api_backend.reset()
            self.settings.update(self.startup)
            for rules in self.rules:
                rules.reset()
            self.call_log.clear()

    def _control(self, method: str, path: str, body: bytes) -> Response:
        name = path[len(CONTROL_PREFIX):].strip("/")
        if name == "calls" and method == "GET":
            return _json(200, self.call_log.entries())
        if name == "reset" and method == "POST":
            self.reset()
            return _json(200, {"reset": True})
        if name == "config" and method == "POST":
            try:
                self.configure(**json.loads(body or b"{}"))
            except (ValueError, TypeError) as exc:
                return _json(400, {"error": str(exc)})
            return _json(200, {**self.settings.as_dict(runtime_only=True), **self.network.settings()})
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
        req = viewer_request(environ, method, path, body)
        if req is None:
            if path.startswith(CONTROL_PREFIX):
                return _send(self._control(method, path, body), start_response)
            query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
            headers = _headers_from_environ(environ)
            req = Req(method, path, query, headers, body, classify(method, path, query, headers, body), environ=environ)
        if self.network.claims(req):
            self.network.wait()  # outside the lock: concurrent calls wait side by side, as over a network
        resp = self._dispatch(req)
        self.call_log.record(
            service=req.op.service, operation=req.op.operation, method=method, path=path,
            status=resp.status, mutating=req.op.mutating, fault=resp.fault, rule=resp.rule,
            anonymous=req.op.anonymous, **resp.log,
        )
        return _send(resp, start_response)

    def _dispatch(self, req: Req) -> Response:
        """The answer of the rules that claim ``req``, the last of them forwarding it to moto."""
        with self._lock:
            return chain(self.rules, req, lambda: self._moto(req))

    def origin_request(self, environ: dict[str, Any], method: str, path: str, signed_by: tuple[str, str] | None = None) -> Response:
        """An S3 request from the local CloudFront edge to an S3 origin: no viewer headers, no query string.
        Unsigned (``signed_by`` None), it meets the same anonymous-access rules as any unsigned request; signed
        through an origin access control, ``signed_by`` is (service principal, aws:SourceArn) and the bucket policy
        decides. ``path`` is the path-style ``/bucket/key`` in WSGI form."""
        decoded = path.encode("latin-1").decode("utf-8", errors="replace")
        env = {k: v for k, v in environ.items() if not k.startswith("HTTP_") and k not in ("CONTENT_TYPE", "CONTENT_LENGTH")}
        env.update({"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": "", "RAW_URI": quote(decoded),
                    "REQUEST_URI": quote(decoded), "HTTP_HOST": f"{environ['SERVER_NAME']}:{environ['SERVER_PORT']}",
                    "wsgi.url_scheme": "http"})
        return self._dispatch(Req(method, decoded, {}, {}, b"", classify(method, decoded, {}, {}, b""), environ=env, internal=True,
                                  signed_by_service=signed_by))

    def _moto(self, req: Req) -> Response:
        """moto's answer to ``req`` (its already-read body)."""
        env = dict(req.environ)
        if req.op.anonymous and req.method in ("GET", "HEAD"):
            # The S3 rules have already decided that this unsigned read is allowed (s3_rules.check_anonymous);
            # moto's own anonymous check knows neither HEAD under a policy nor Block Public Access.
            env["HTTP_AUTHORIZATION"] = ANONYMOUS_AUTHORIZATION
        env["wsgi.input"] = io.BytesIO(req.body)
        env["CONTENT_LENGTH"] = str(len(req.body))
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info=None) -> Callable:
            captured["status"] = int(status.split(" ", 1)[0])
            captured["headers"] = list(headers)
            return lambda data: None

        with secure_transport():
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
