"""Per-call latency and CloudFront's per-account rate limit (network.py)."""

import concurrent.futures
import time

import botocore.config
import pytest
import requests

from tests.strict_aws.__main__ import parse_args
from tests.strict_aws.network import Network, TokenBucket
from tests.strict_aws.testutil import expect_error

NO_RETRY = botocore.config.Config(retries={"mode": "standard", "total_max_attempts": 1})


class FakeClock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_token_bucket_allows_a_burst_then_the_rate():
    clock = FakeClock()
    bucket = TokenBucket(rate=2, capacity=3, clock=clock)
    assert [bucket.take() for _attempt in range(4)] == [True, True, True, False]
    clock.now += 0.5  # one token at 2 per second
    assert [bucket.take(), bucket.take()] == [True, False]
    clock.now += 10  # refills up to the capacity, not beyond
    assert [bucket.take() for _attempt in range(4)] == [True, True, True, False]


def test_token_bucket_off_and_defaults():
    assert all(TokenBucket(rate=0).take() for _attempt in range(1000))
    assert TokenBucket(rate=5).capacity == 5
    assert TokenBucket(rate=0.5).capacity == 1
    with pytest.raises(ValueError):
        TokenBucket(rate=-1)
    with pytest.raises(ValueError):
        TokenBucket(rate=1, capacity=0)


def test_only_cloudfront_is_rate_limited():
    network = Network(cloudfront_rate_limit=1, cloudfront_burst=1, clock=FakeClock())
    assert network.admit("s3") is None and network.admit("s3") is None
    assert network.admit("cloudfront") is None
    throttled = network.admit("cloudfront")
    assert throttled.status == 400 and throttled.fault == "Throttling" and throttled.rule == "CloudFrontRateLimit"
    assert b"<Code>Throttling</Code>" in throttled.body and b"Rate exceeded" in throttled.body


def test_throttling_as_cloudfront_answers_it(aws):
    cloudfront = aws.boto3_client("cloudfront", region="us-east-1", config=NO_RETRY)
    s3 = aws.boto3_client("s3", config=NO_RETRY)
    aws.set_config(cloudfront_rate_limit=0.01, cloudfront_burst=2)  # a token every 100 s: refills are not seen here
    cloudfront.list_distributions()
    cloudfront.list_distributions()
    error = expect_error(cloudfront.list_distributions, "Throttling", 400)
    assert error.response["Error"]["Message"] == "Rate exceeded"
    for _attempt in range(5):
        s3.list_buckets()  # S3 has its own limits, not modelled here
    aws.set_config(cloudfront_rate_limit=0)
    cloudfront.list_distributions()  # no limit any more
    calls = aws.calls()
    throttled = [c for c in calls if c["fault"]]
    assert [(c["operation"], c["status"], c["fault"], c["rule"]) for c in throttled] == [
        ("ListDistributions", 400, "Throttling", "CloudFrontRateLimit")]
    assert len(calls) == 9


def test_throttling_is_retried_by_the_sdk(strict_aws):
    """botocore's standard retry mode backs off on Throttling: a burst of calls all succeed, some after a retry."""
    strict_aws.set_config(cloudfront_rate_limit=20, cloudfront_burst=2)
    retrying = botocore.config.Config(retries={"mode": "standard", "total_max_attempts": 10})
    cloudfront = strict_aws.boto3_client("cloudfront", region="us-east-1", config=retrying)
    for _attempt in range(10):
        cloudfront.list_distributions()
    calls = strict_aws.calls()
    assert len([c for c in calls if c["status"] == 200]) == 10
    assert any(c["fault"] == "Throttling" for c in calls)


def test_latency_delays_each_call_and_concurrent_calls_overlap(strict_aws):
    # 1 s a call: 8 calls in a row would take 8 s; overlapping, they take about 1 s (bound: half the serial time,
    # wide enough for a loaded machine).
    strict_aws.set_config(latency=1.0)
    sts = strict_aws.boto3_client("sts")
    started = time.monotonic()
    sts.get_caller_identity()
    assert time.monotonic() - started >= 1.0

    clients = [strict_aws.boto3_client("s3") for _attempt in range(8)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        started = time.monotonic()
        list(pool.map(lambda client: client.list_buckets(), clients))
        elapsed = time.monotonic() - started
    assert 1.0 <= elapsed < 8 * 1.0 / 2, f"8 concurrent calls took {elapsed:.2f} s: the waits should overlap"


def test_control_endpoints_are_not_delayed(strict_aws):
    strict_aws.set_config(latency=2)
    started = time.monotonic()
    requests.get(f"{strict_aws.endpoint}/_strict/calls", timeout=10)
    assert time.monotonic() - started < 1


def test_settings_through_the_control_endpoint_and_reset(strict_aws):
    answer = requests.post(f"{strict_aws.endpoint}/_strict/config", json={"latency": 0.05, "cloudfront_rate_limit": 4}, timeout=10)
    assert answer.status_code == 200
    assert answer.json() == {"deploy_reads": 2, "fault_rate": 0.0, "fault_seed": 0, "latency": 0.05,
                             "cloudfront_rate_limit": 4.0, "cloudfront_burst": 4.0}
    bad = requests.post(f"{strict_aws.endpoint}/_strict/config", json={"latency": -1}, timeout=10)
    assert bad.status_code == 400 and "latency" in bad.json()["error"]
    unknown = requests.post(f"{strict_aws.endpoint}/_strict/config", json={"bandwidth": 1}, timeout=10)
    assert unknown.status_code == 400
    strict_aws.reset()
    assert strict_aws.server.app.network.settings() == {"latency": 0.0, "cloudfront_rate_limit": 0.0, "cloudfront_burst": 1.0}


def test_command_line_flags():
    args = parse_args(["--latency", "0.1", "--cloudfront-rate-limit", "10", "--cloudfront-burst", "20"])
    assert (args.latency, args.cloudfront_rate_limit, args.cloudfront_burst) == (0.1, 10.0, 20.0)
    defaults = parse_args([])
    assert (defaults.latency, defaults.cloudfront_rate_limit, defaults.cloudfront_burst) == (0.0, 0.0, None)
