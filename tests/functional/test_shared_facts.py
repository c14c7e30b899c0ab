"""Facts the collection keeps in code, checked against their sources rather than only against each other.

The sources: botocore's endpoint data (the regions AWS has), AWS's documentation (quoted below with its address)
and Snowplow's pixel (the digests in ../shared/reference/aws-facts.md, "The tracking pixel"). The module constant
is the collection's own statement of each fact; the role's preflight reads it (the collector_input_problems filter) and the
strict local AWS, which plays AWS's side, keeps its own copy.
"""

import hashlib
import os
import pathlib
import struct
import subprocess
import sys

import botocore.session

from tests.strict_aws.cloudfront_rules import NO_STANDARD_LOGGING_REGIONS

REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / ".collections"))

# pylint: disable-next=wrong-import-position
from ansible_collections.clickstream.collectors.plugins.filter import collector_input_problems  # noqa: E402
# pylint: disable-next=wrong-import-position
from ansible_collections.clickstream.collectors.plugins.module_utils.facts import ACM_CERTIFICATE_ARN_PATTERN  # noqa: E402
# pylint: disable-next=wrong-import-position
from ansible_collections.clickstream.collectors.plugins.module_utils.facts import STANDARD_LOGGING_UNSUPPORTED_REGIONS  # noqa: E402

# https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/standard-logging-legacy-s3.html
# ("Choose an Amazon S3 bucket for your standard logs"): buckets in these regions cannot receive standard logs.
DOCUMENTED_WITHOUT_LOGGING = {"af-south-1", "ap-east-1", "ap-southeast-3", "eu-south-1", "me-south-1"}
# https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-regions.html: the regions enabled by default
# (launched before 20 March 2019). CloudFront delivers standard logs to buckets in all of them.
ENABLED_BY_DEFAULT = {
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "sa-east-1", "ap-south-1", "ap-northeast-1",
    "ap-northeast-2", "ap-northeast-3", "ap-southeast-1", "ap-southeast-2", "eu-central-1", "eu-west-1", "eu-west-2",
    "eu-west-3", "eu-north-1",
}
# Snowplow's CloudFront-collector pixel `i`: a 43-byte GIF89a, 1x1.
PIXEL_SHA256 = "caa849b179befa2645a8e2c474d2e82a76777a3305315ece911013e8ee9a916c"


def aws_regions():
    """The regions of the aws partition in botocore's endpoint data."""
    partitions = botocore.session.get_session().get_data("endpoints")["partitions"]
    return set(next(p for p in partitions if p["partition"] == "aws")["regions"])


def test_regions_without_standard_logging_against_aws():
    regions = set(STANDARD_LOGGING_UNSUPPORTED_REGIONS)
    assert len(regions) == len(STANDARD_LOGGING_UNSUPPORTED_REGIONS)
    assert regions <= aws_regions(), f"not AWS regions: {sorted(regions - aws_regions())}"
    assert DOCUMENTED_WITHOUT_LOGGING <= regions
    assert not regions & ENABLED_BY_DEFAULT, "CloudFront delivers standard logs to buckets in every default region"


def test_the_role_and_the_strict_aws_use_the_module_constants():
    """The role's input checks use the modules' constants (no copy in the role); the strict AWS keeps its own list, as
    AWS's side, which must agree."""
    role = "\n".join(path.read_text() for part in ("tasks", "vars", "defaults")
                     for path in (REPO / "roles" / "cloudfront_collector" / part).glob("*.yml"))
    copied = [region for region in STANDARD_LOGGING_UNSUPPORTED_REGIONS if region in role and not region.startswith("eu-")]
    assert not copied, f"the role keeps its own list of regions without standard logging: {copied}"
    assert "acm:us-east-1" not in role, "the role keeps its own certificate ARN pattern"
    assert collector_input_problems.facts.STANDARD_LOGGING_UNSUPPORTED_REGIONS is STANDARD_LOGGING_UNSUPPORTED_REGIONS
    assert collector_input_problems.facts.ACM_CERTIFICATE_ARN_PATTERN is ACM_CERTIFICATE_ARN_PATTERN
    assert NO_STANDARD_LOGGING_REGIONS == set(STANDARD_LOGGING_UNSUPPORTED_REGIONS), "the strict local AWS models other regions"


def test_default_pixel_is_snowplows_gif():
    pixel = (REPO / "files" / "i").read_bytes()
    assert hashlib.sha256(pixel).hexdigest() == PIXEL_SHA256
    assert pixel[:6] == b"GIF89a" and struct.unpack("<HH", pixel[6:10]) == (1, 1) and pixel[-1:] == b";"


def test_the_input_checks_do_not_import_boto3():
    """The role's preflight runs the filter in a worker process on the controller: importing botocore and boto3 there
    (through module_utils.cloudfront) would cost about 0.2 s per run."""
    code = ("import sys; from ansible_collections.clickstream.collectors.plugins.filter.collector_input_problems import FilterModule; "
            "FilterModule().filters(); "
            "print(sorted(name for name in ('boto3', 'botocore') if name in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], env=dict(os.environ, PYTHONPATH=str(REPO / ".collections")),
                          capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]", proc.stdout
