"""Deterministic fault injection: a fixed seed and rate fault the same requests every run."""

import random
import threading
from collections.abc import Callable
from functools import partial

from .operations import Req
from .rules import Rules
from .xmlutil import Response, cloudfront_error, json_error, query_error, s3_error

VIEWER_SERVICES = ("cloudfront-edge",)
# JSON-protocol services answer in their own shape, with their own codes (throttling, internal error):
# https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/CommonErrors.html (ThrottlingException 400,
# ServiceUnavailableException 500), https://docs.aws.amazon.com/glue/latest/dg/aws-glue-api-exceptions.html
# (ThrottlingException, InternalServiceException), https://docs.aws.amazon.com/athena/latest/APIReference/CommonErrors.html
# (TooManyRequestsException 400, InternalServerException 500).
JSON_FAULTS = {
    "logs": ("ThrottlingException", "ServiceUnavailableException"),
    "glue": ("ThrottlingException", "InternalServiceException"),
    "athena": ("TooManyRequestsException", "InternalServerException"),
}


class FaultRules(Rules):
    """Decides, request by request, whether to answer with a throttling or 5xx error instead of moto.

    The n-th AWS request is faulted when the n-th draw of ``random.Random(seed)`` is below ``rate``,
    so the faulted requests depend only on (seed, rate, request order). Per service, non-S3 faults
    alternate between throttling (first) and an internal error. Viewer requests (the edge) and the layer's
    own requests are never faulted. ``settings`` are the server's current settings (``fault_rate``, ``fault_seed``).
    """

    def __init__(self, settings):
        self.settings = settings
        self._lock = threading.Lock()
        self.reset()

    def claims(self, req: Req) -> bool:
        return not req.internal and req.op.service not in VIEWER_SERVICES

    def handle(self, req: Req, forward: Callable[[], Response]) -> Response:
        return self.pick(req.op.service) or forward()

    def reset(self) -> None:
        """Restart the fault sequence with the current rate and seed."""
        self.configure(self.settings.fault_rate, self.settings.fault_seed)

    def configure(self, rate: float, seed: int) -> None:
        """Set rate and seed and restart the random sequence."""
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"fault rate must be within [0, 1], got {rate}")
        with self._lock:
            self.rate = rate
            self.seed = seed
            self._rng = random.Random(seed)
            self._counts: dict[str, int] = {}

    def pick(self, service: str) -> Response | None:
        """A fault response for this request, or None to let it through."""
        with self._lock:
            if self.rate <= 0.0 or self._rng.random() >= self.rate:
                return None
            self._counts[service] = self._counts.get(service, 0) + 1
            second = self._counts[service] % 2 == 0
        if service == "s3":
            # https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#ErrorCodeList (SlowDown, 503)
            resp = s3_error(503, "SlowDown", "Please reduce your request rate.")
            resp.fault = "SlowDown"
            return resp
        if service in JSON_FAULTS:
            code = JSON_FAULTS[service][1 if second else 0]
            resp = json_error(500 if second else 400, code, "Service unavailable" if second else "Rate exceeded")
            resp.fault = code
            return resp
        # https://docs.aws.amazon.com/cloudfront/latest/APIReference/CommonErrors.html (Throttling 400, InternalFailure 500)
        error = cloudfront_error if service == "cloudfront" else partial(query_error, service)
        if second:
            resp = error(500, "InternalError", "We encountered an internal error. Please try again.", error_type="Receiver")
            resp.fault = "InternalError"
        else:
            resp = error(400, "Throttling", "Rate exceeded")
            resp.fault = "Throttling"
        return resp
