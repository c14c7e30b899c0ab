"""Inventory edits on a built collector leave no orphan: renaming its pixel bucket or its log bucket, or moving it to
another region, is refused before any write, naming what is built and how to tear it down.

Measured before: renaming cloudfront_collector_pixel_bucket built a second bucket and a second distribution, and the first
ones kept serving (and logging into the same log bucket), unmanaged from then on. The collector is now known by its
identity tag (clickstream-collector: the inventory host), which the rerun finds among the ListDistributions summaries of
its environment without reading every distribution.
"""

import json

import pytest

from tests.functional.test_role_rerun import QUICK, collector, writes_since
from tests.strict_aws.pytest_plugin import StrictAWSFixture, strict_aws, strict_aws_server  # noqa: F401  pylint: disable=unused-import

PIXEL_BUCKET = "clickstream-pixel-local"
LOG_BUCKET = "clickstream-logs-local"


def failure(proc):
    """The message of the last failed task of the collector play."""
    tasks = json.loads(proc.stdout)["plays"][-1]["tasks"]
    failed = [task["hosts"]["collector-local"] for task in tasks if task["hosts"].get("collector-local", {}).get("failed")]
    assert failed, proc.stdout[-3000:]
    return " ".join(str(failed[-1].get("msg", "")).split())


def build(strict_aws):  # noqa: F811  pylint: disable=redefined-outer-name
    """Build the local collector; returns its distribution (id, domain name)."""
    proc = collector(strict_aws, *QUICK)
    assert proc.returncode == 0, proc.stdout[-3000:]
    cloudfront = strict_aws.boto3_client("cloudfront", region="us-east-1")
    items = cloudfront.list_distributions()["DistributionList"]["Items"]
    assert len(items) == 1
    return items[0]


@pytest.fixture
def built(strict_aws):  # noqa: F811  pylint: disable=redefined-outer-name
    """The local collector, built for this test alone (which may change it)."""
    return build(strict_aws)


@pytest.fixture(scope="module")
def built_once(strict_aws_server):  # noqa: F811  pylint: disable=redefined-outer-name
    """The local collector, built once for the refusals that must leave it as it is (each asserts it wrote nothing):
    the server (not reset between them) and the distribution."""
    strict_aws_server.reset()
    strict_aws = StrictAWSFixture(strict_aws_server)
    return strict_aws, build(strict_aws)


def distributions(strict_aws):  # noqa: F811  pylint: disable=redefined-outer-name
    return strict_aws.boto3_client("cloudfront", region="us-east-1").list_distributions()["DistributionList"]["Quantity"]


def test_renamed_pixel_bucket_is_refused_naming_the_built_collector(strict_aws, built):  # noqa: F811  pylint: disable=redefined-outer-name
    before = len(strict_aws.writes())
    calls_before = len(strict_aws.calls())
    proc = collector(strict_aws, *QUICK, "-e", "cloudfront_collector_pixel_bucket=clickstream-pixel-renamed", report=True)
    assert proc.returncode == 2, proc.stdout[-3000:]
    message = failure(proc)
    for fragment in (
        "Collector collector-local (local) is already built with another pixel bucket",
        f"distribution {built['Id']} ({built['DomainName']}) serves {PIXEL_BUCKET} and logs to {LOG_BUCKET}",
        f"Set cloudfront_collector_pixel_bucket back to {PIXEL_BUCKET}",
        "ansible-playbook playbooks/collector.yml -e env=local --limit collector-local -e cloudfront_collector_state=absent "
        f"-e cloudfront_collector_pixel_bucket={PIXEL_BUCKET}",
        "Nothing was changed",
    ):
        assert fragment in message, message
    assert writes_since(strict_aws, before) == []
    assert distributions(strict_aws) == 1
    # Found among the summaries: one tag read and one config read for the one candidate, not a read of every distribution.
    reads = [call["operation"] for call in strict_aws.calls()[calls_before:] if call["service"] == "cloudfront"]
    assert reads.count("GetDistributionConfig") == 1 and reads.count("ListTagsForResource") == 1, reads

    # Following the message: the old collector torn down, then the new name builds one collector, and a rerun writes nothing.
    teardown = collector(strict_aws, "--limit", "collector-local", "-e", "cloudfront_collector_state=absent")
    assert teardown.returncode == 0, teardown.stdout[-3000:]
    rebuilt = collector(strict_aws, *QUICK, "-e", "cloudfront_collector_pixel_bucket=clickstream-pixel-renamed")
    assert rebuilt.returncode == 0, rebuilt.stdout[-3000:]
    assert distributions(strict_aws) == 1
    buckets = {bucket["Name"] for bucket in strict_aws.boto3_client("s3").list_buckets()["Buckets"]}
    assert buckets == {"clickstream-pixel-renamed", LOG_BUCKET}


def test_renamed_log_bucket_is_refused_naming_the_bucket_in_use(built_once):  # pylint: disable=redefined-outer-name
    strict_aws, built = built_once  # pylint: disable=redefined-outer-name
    before = len(strict_aws.writes())
    proc = collector(strict_aws, *QUICK, "-e", "cloudfront_collector_log_bucket=clickstream-logs-renamed", report=True)
    assert proc.returncode == 2, proc.stdout[-3000:]
    message = failure(proc)
    for fragment in (
        f"distribution {built['Id']} logs to {LOG_BUCKET}, not to cloudfront_collector_log_bucket clickstream-logs-renamed",
        f"Set cloudfront_collector_log_bucket back to {LOG_BUCKET}",
        f"-e cloudfront_collector_state=absent -e cloudfront_collector_log_bucket={LOG_BUCKET}",
        "Nothing was changed",
    ):
        assert fragment in message, message
    assert writes_since(strict_aws, before) == []


def test_region_move_is_refused(built_once):  # pylint: disable=redefined-outer-name
    strict_aws = built_once[0]  # pylint: disable=redefined-outer-name
    before = len(strict_aws.writes())
    proc = collector(strict_aws, *QUICK, "-e", "cloudfront_collector_region=eu-west-3", report=True)
    assert proc.returncode == 2, proc.stdout[-3000:]
    message = failure(proc)
    for fragment in (
        f"cloudfront_collector_region is eu-west-3, but bucket {PIXEL_BUCKET} of this collector is in eu-west-1",
        "S3 buckets cannot move between regions",
        "Set cloudfront_collector_region back to eu-west-1",
        "-e cloudfront_collector_state=absent -e cloudfront_collector_region=eu-west-1",
        "Nothing was changed",
    ):
        assert fragment in message, message
    assert writes_since(strict_aws, before) == []
    assert distributions(strict_aws) == 1
