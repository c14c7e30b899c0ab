"""Deterministic fault injection: a fixed seed and rate fault the same requests every run."""

import random
import threading
from functools import partial

from .xmlutil import Response, cloudfront_error, query_error, s3_error


class FaultInjector:
    """Decides, request by request, whether to answer with a throttling or 5xx error instead of moto.

    The n-th AWS request is faulted when the n-th draw of ``random.Random(seed)`` is below ``rate``,
    so the faulted requests depend only on (seed, rate, request order). Per service, non-S3 faults
    alternate between throttling (first) and an internal error.
    """

    def __init__(self, rate: float = 0.0, seed: int = 0):
        self._lock = threading.Lock()
        self.configure(rate, seed)

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
        # https://docs.aws.amazon.com/cloudfront/latest/APIReference/CommonErrors.html (Throttling 400, InternalFailure 500)
        error = cloudfront_error if service == "cloudfront" else partial(query_error, service)
        if second:
            resp = error(500, "InternalError", "We encountered an internal error. Please try again.", error_type="Receiver")
            resp.fault = "InternalError"
        else:
            resp = error(400, "Throttling", "Rate exceeded")
            resp.fault = "Throttling"
        return resp
