"""Facts the collection keeps in more than one place agree with each other and with the strict local AWS.

The role checks the log bucket's region in its preflight (before any write), the cloudfront_logging
module checks it again, and the strict local AWS models what CloudFront does: one list, three places.
"""

import pathlib
import sys

import yaml

from tests.strict_aws.cloudfront_rules import NO_STANDARD_LOGGING_REGIONS

REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / ".collections"))

# pylint: disable-next=wrong-import-position
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import STANDARD_LOGGING_UNSUPPORTED_REGIONS  # noqa: E402


def test_regions_without_standard_logging_agree():
    role_vars = yaml.safe_load((REPO / "roles" / "cloudfront_collector" / "vars" / "main.yml").read_text())
    role_list = role_vars["_cloudfront_collector_no_legacy_logging_regions"]
    assert len(role_list) == len(set(role_list))
    assert set(role_list) == set(STANDARD_LOGGING_UNSUPPORTED_REGIONS) == set(NO_STANDARD_LOGGING_REGIONS)
    # The five regions AWS documents by name are in every list.
    assert {"af-south-1", "ap-east-1", "ap-southeast-3", "eu-south-1", "me-south-1"} <= set(role_list)


def test_default_pixel_is_snowplows_gif():
    pixel = (REPO / "files" / "i").read_bytes()
    assert pixel.hex() == "47494638396101000100f00000ffffff00000021f90401000000002c00000000010001000002024401003b"
