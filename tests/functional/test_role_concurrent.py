"""Two controllers converging the same environment at once (two CI pipelines) both succeed and leave one collector.

Both runs read the account before either writes, so both go on to create the buckets, the response headers policy and
the distribution; CloudFront lets only one CreateDistribution have the caller reference. The other run must adopt that
distribution (after checking its ownership tags) instead of failing, and the next run must find nothing to change.
"""

import subprocess
import threading

from tests.functional.test_role_rerun import QUICK, collector, writes_since
from tests.strict_aws.pytest_plugin import strict_aws, strict_aws_server  # noqa: F401  pylint: disable=unused-import


def test_two_concurrent_converges_both_succeed_with_one_distribution(strict_aws):  # noqa: F811  pylint: disable=redefined-outer-name
    # Every AWS call takes 0.5 s, as over a network: both runs are between their read and their writes together.
    strict_aws.set_config(latency=0.5)
    barrier = threading.Barrier(2)
    results = [None, None]

    def converge(index):
        barrier.wait()
        results[index] = collector(strict_aws, *QUICK)

    threads = [threading.Thread(target=converge, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for proc in results:
        assert isinstance(proc, subprocess.CompletedProcess)
        assert proc.returncode == 0, proc.stdout[-3000:]

    creates = [call for call in strict_aws.calls() if call["operation"].startswith("CreateDistribution")]
    assert sorted(call["status"] for call in creates) == [201, 409], "both runs should have raced to create the distribution"
    assert [call["rule"] for call in creates if call["status"] == 409] == ["CallerReferenceUnique"]
    cloudfront = strict_aws.boto3_client("cloudfront", region="us-east-1")
    assert cloudfront.list_distributions()["DistributionList"]["Quantity"] == 1
    policies = cloudfront.list_response_headers_policies(Type="custom")["ResponseHeadersPolicyList"]
    assert policies["Quantity"] == 1

    strict_aws.set_config(latency=0)
    before = len(strict_aws.writes())
    rerun = collector(strict_aws, *QUICK)
    assert rerun.returncode == 0, rerun.stdout[-3000:]
    assert writes_since(strict_aws, before) == []
