"""A rerun's reads do not grow with the account, and throttled CloudFront calls are retried by the modules.

Split from test_role_rerun.py (its helpers), so that pytest-xdist (--dist loadfile) can run them beside it.
"""

import collections

from tests.functional.test_role_rerun import QUICK, collector
from tests.strict_aws.pytest_plugin import strict_aws, strict_aws_server  # noqa: F401  pylint: disable=unused-import


def test_rerun_reads_do_not_grow_with_the_account(strict_aws):  # noqa: F811  pylint: disable=redefined-outer-name
    """150 other distributions, listed before the collector's: the rerun reads the collector's alone (and 2 list pages)."""
    cloudfront = strict_aws.boto3_client("cloudfront", region="us-east-1")
    for index in range(150):
        cloudfront.create_distribution(DistributionConfig={
            "CallerReference": f"foreign-{index}", "Comment": f"another site {index}", "Enabled": True,
            "Origins": {"Quantity": 1, "Items": [{"Id": "o", "DomainName": f"site-{index}.s3.eu-west-1.amazonaws.com",
                                                  "S3OriginConfig": {"OriginAccessIdentity": ""}}]},
            "DefaultCacheBehavior": {"TargetOriginId": "o", "ViewerProtocolPolicy": "allow-all",
                                     "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6"}})
    foreign = {item["Id"] for item in cloudfront.list_distributions(MaxItems="200")["DistributionList"]["Items"]}
    seen = len(strict_aws.calls())
    built = collector(strict_aws, *QUICK)
    assert built.returncode == 0, built.stdout[-3000:]
    calls = strict_aws.calls()[seen:]
    assert not [c for c in calls if c["service"] == "cloudfront" and any(f"/{dist_id}" in c["path"] for dist_id in foreign)], (
        "no foreign distribution is read or written")

    seen = len(strict_aws.calls())
    rerun = collector(strict_aws, *QUICK)
    assert rerun.returncode == 0, rerun.stdout[-3000:]
    cloudfront_reads = collections.Counter(c["operation"] for c in strict_aws.calls()[seen:] if c["service"] == "cloudfront")
    assert cloudfront_reads == {"ListDistributions": 2, "GetDistribution": 1, "ListTagsForResource": 1, "ListResponseHeadersPolicies": 1}


def test_throttled_cloudfront_calls_are_retried(strict_aws):  # noqa: F811  pylint: disable=redefined-outer-name
    """One CloudFront call a second for the account, and no SDK retries: the modules' own retries absorb the Throttling."""
    built = collector(strict_aws, *QUICK)
    assert built.returncode == 0, built.stdout[-3000:]
    strict_aws.set_config(cloudfront_rate_limit=1, cloudfront_burst=1)
    seen = len(strict_aws.calls())
    rerun = collector(strict_aws, *QUICK, "-e", "cloudfront_collector_price_class=PriceClass_200", env={"AWS_MAX_ATTEMPTS": "1"})
    assert rerun.returncode == 0, rerun.stdout[-3000:]
    calls = strict_aws.calls()[seen:]
    assert [c["rule"] for c in calls if c["fault"]] and {c["rule"] for c in calls if c["fault"]} == {"CloudFrontRateLimit"}
    assert [c["operation"] for c in calls if c["mutating"] and c["status"] < 400] == ["UpdateDistribution"]
