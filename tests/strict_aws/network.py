"""What the network and the account's API rate limits add to every call: a per-call latency, and a per-account
rate limit on CloudFront's control plane answered with ``Throttling``.

Latency: every AWS API call (not the control endpoints, not the edge's viewer requests) waits ``latency``
seconds before it is answered, outside the layer's lock, so concurrent calls wait side by side as they do over a
network.

Rate limit: CloudFront API calls of the account draw from a token bucket holding ``cloudfront_burst`` tokens and
refilled at ``cloudfront_rate_limit`` tokens per second; a call finding it empty is answered ``400 Throttling``
("Rate exceeded") without reaching moto, as CloudFront answers (CommonErrors:
https://docs.aws.amazon.com/cloudfront/latest/APIReference/CommonErrors.html). AWS publishes no figure for
CloudFront's control-plane call rate (its quotas page,
https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-limits.html, lists resource counts and
viewer request rates only); its limits are per operation and per account, as an AWS SDK maintainer quoted for
CreateInvalidation (0.5 per second, https://github.com/aws/aws-sdk-js/issues/3983). The strict AWS has one account
and one bucket for every CloudFront operation: a deliberately tighter model, scaled to what a local benchmark sends.
"""

import threading
import time
from collections.abc import Callable

from .operations import Req
from .rules import Rules
from .xmlutil import Response, cloudfront_error

RATE_LIMIT_RULE = "CloudFrontRateLimit"


class TokenBucket:
    """``capacity`` tokens, refilled at ``rate`` per second; ``rate`` 0 means no limit."""

    def __init__(self, rate: float = 0.0, capacity: float | None = None, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self._lock = threading.Lock()
        self.configure(rate, capacity)

    def configure(self, rate: float, capacity: float | None = None) -> None:
        """Set the refill rate and capacity (default: one second's worth, at least 1) and fill the bucket."""
        if rate < 0:
            raise ValueError(f"rate limit must be >= 0 calls per second, got {rate}")
        if capacity is not None and capacity < 1:
            raise ValueError(f"burst must be >= 1 call, got {capacity}")
        with self._lock:
            self.rate = float(rate)
            self.capacity = float(capacity) if capacity is not None else max(1.0, self.rate)
            self._tokens = self.capacity
            self._stamp = self._clock()

    def take(self) -> bool:
        """Take a token if there is one; False when the bucket is empty (the call is throttled)."""
        with self._lock:
            if self.rate <= 0:
                return True
            now = self._clock()
            self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now
            if self._tokens >= 1:
                self._tokens -= 1
                return True
            return False


class Network(Rules):
    """Per-call latency and the CloudFront rate limit of the strict AWS (see the module docstring).

    As rules: the rate limit answers AWS API calls (not the edge's viewer requests, not the layer's own requests);
    the app calls ``wait()`` for the same calls before it takes its lock. ``settings``, when given, are the server's
    current settings, which ``reset()`` applies.
    """

    def __init__(self, latency: float = 0.0, cloudfront_rate_limit: float = 0.0, cloudfront_burst: float | None = None,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic, settings=None):
        self._sleep = sleep
        self._settings = settings
        self.cloudfront = TokenBucket(clock=clock)
        self.latency = 0.0
        self.configure(latency=latency, cloudfront_rate_limit=cloudfront_rate_limit, cloudfront_burst=cloudfront_burst)

    @classmethod
    def from_settings(cls, settings) -> "Network":
        """The network of the server's current settings."""
        network = cls(settings=settings)
        network.reset()
        return network

    def claims(self, req: Req) -> bool:
        return not req.internal and req.op.service != "cloudfront-edge"

    def handle(self, req: Req, forward: Callable[[], Response]) -> Response:
        return self.admit(req.op.service) or forward()

    def reset(self) -> None:
        """Apply the server's current settings."""
        if self._settings is not None:
            self.configure(latency=self._settings.latency, cloudfront_rate_limit=self._settings.cloudfront_rate_limit,
                           cloudfront_burst=self._settings.cloudfront_burst)

    def configure(self, latency: float | None = None, cloudfront_rate_limit: float | None = None,
                  cloudfront_burst: float | None = None) -> None:
        """Change the latency (seconds) and/or the CloudFront rate limit (calls per second, 0: none) and burst."""
        if latency is not None:
            if latency < 0:
                raise ValueError(f"latency must be >= 0 seconds, got {latency}")
            self.latency = float(latency)
        if cloudfront_rate_limit is not None or cloudfront_burst is not None:
            rate = self.cloudfront.rate if cloudfront_rate_limit is None else cloudfront_rate_limit
            self.cloudfront.configure(rate, cloudfront_burst)

    def settings(self) -> dict[str, float]:
        """The current settings, as /_strict/config answers them."""
        return {"latency": self.latency, "cloudfront_rate_limit": self.cloudfront.rate, "cloudfront_burst": self.cloudfront.capacity}

    def wait(self) -> None:
        """The network's share of one call."""
        if self.latency > 0:
            self._sleep(self.latency)

    def admit(self, service: str) -> Response | None:
        """None when the call may proceed; the Throttling answer when the account's CloudFront rate is exceeded."""
        if service != "cloudfront" or self.cloudfront.take():
            return None
        resp = cloudfront_error(400, "Throttling", "Rate exceeded", rule=RATE_LIMIT_RULE)
        resp.fault = "Throttling"
        return resp
