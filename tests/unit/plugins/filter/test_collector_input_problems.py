# -*- coding: utf-8 -*-

# Copyright: clickstream.collectors contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The role's input checks: the order they report in, and the cases the role's bad-input table does not reach.

tests/functional/test_role_bad_input.py runs every check through the role, one bad setting per inventory host.
"""

import pytest

from ansible_collections.clickstream.collectors.plugins.filter.collector_input_problems import NUMBERS
from ansible_collections.clickstream.collectors.plugins.filter.collector_input_problems import FilterModule

problems = FilterModule().filters()["collector_input_problems"]

# The role's defaults, with buckets and an EU allow-list, as the preflight hands them over.
GOOD = {
    "state": "present", "logging": True, "v2": False, "region": "eu-west-1", "log_bucket_region": "eu-west-1",
    "allowed_regions": ["eu-west-1", "eu-central-1"], "eu_regions": ["eu-west-1 (Ireland)", "eu-central-1 (Frankfurt)"],
    "pixel_bucket": "qa-clickstream-pixel", "log_bucket": "qa-clickstream-logs", "log_format": "json", "log_fields": "",
    "athena": False, "athena_database": "clickstream_qa", "aliases": [], "acm_certificate_arn": "",
    "cors_allowed_origins": ["*"], "pixel_key": "i", "wait_timeout": 1800, "verify_logs_timeout": 3600,
    "log_expiration_days": 0, "pixel_cache_control": "max-age=31536000", "viewer_cache_control": "no-cache, no-store, must-revalidate",
    "tags": {"team": "web"}, "ownership_tags": {"managed-by": "clickstream.collectors", "clickstream-environment": "qa"},
    "identity_tags": {"clickstream-collector": "qa-1"},
}


def _problems(**settings):
    return problems(dict(GOOD, **settings))


def test_good_settings_have_no_problem():
    assert _problems() == []


def test_every_failing_check_reports_once_in_the_role_order():
    found = _problems(region="Ireland", allowed_regions=[], pixel_key="", tags={"aws:team": "web"})
    assert len(found) == 3
    assert found[0].startswith("cloudfront_collector_region 'Ireland' is not an AWS region name")
    assert found[1].startswith("cloudfront_collector_pixel_key '' is not a usable object key: S3 keys cannot be empty")
    assert found[2].startswith("cloudfront_collector_tags: key aws:team starts with aws:")


def test_the_privacy_guard_names_the_allowed_and_the_eu_regions():
    found = _problems(region="us-east-1", log_bucket_region="us-east-1")
    assert found[0].startswith("Privacy guard: cloudfront_collector_region 'us-east-1' is not in cloudfront_collector_allowed_regions "
                               "[eu-west-1, eu-central-1]")
    assert "EU member-state regions: eu-west-1 (Ireland), eu-central-1 (Frankfurt)." in found[0]


def test_a_teardown_is_not_stopped_by_the_privacy_guard_or_by_logging_settings():
    assert _problems(state="absent", region="us-east-1", log_bucket="", aliases=["stats.example.com"]) == []


def test_an_empty_allow_list_allows_any_region():
    assert _problems(allowed_regions=[], region="us-east-1", log_bucket_region="us-east-1") == []


def test_a_logs_region_outside_the_allow_list_is_refused_only_with_logging_on():
    found = _problems(log_bucket_region="us-east-1")
    assert found[0].startswith("Privacy guard: the access logs (every tracker request) would be stored in 'us-east-1'")
    assert _problems(log_bucket_region="us-east-1", logging=False, log_bucket="") == []


@pytest.mark.parametrize("name, value, least", [("wait_timeout", "0", 1), ("verify_logs_timeout", 0, 1), ("log_expiration_days", -1, 0),
                                                ("wait_timeout", "1.5", 1)])
def test_numbers_are_whole_and_at_least_their_least(name, value, least):
    fix = dict((number, example) for number, dummy, example in NUMBERS)[name]
    assert _problems(**{name: value}) == [f"cloudfront_collector_{name} is {value}: it must be a whole number of at least {least} ({fix}). "
                                          "Nothing was changed."]


def test_zero_days_keeps_the_logs():
    assert _problems(log_expiration_days=0) == []


def test_the_tag_room_counts_the_role_own_tags():
    assert _problems(tags={f"t{n}": "x" for n in range(47)}) == []
    found = _problems(tags={f"t{n}": "x" for n in range(48)})
    assert found[0].startswith("cloudfront_collector_tags has 48 tags: S3 and CloudFront allow 50 per resource, 3 of them the role's own "
                               "(managed-by, clickstream-environment, clickstream-collector); give at most 47.")


@pytest.mark.parametrize("origins, quoted", [(["*", "https://www.example.com"], '["*"]'),
                                             (["https://www.example.com/"], '["https://www.example.com/"]')])
def test_cors_origins_quote_what_is_not_an_origin(origins, quoted):
    found = _problems(cors_allowed_origins=origins)
    assert 'must be ["*"] alone' in found[0]
    assert f"not origins: {quoted}." in found[0]


def test_origins_and_aliases_that_are_good():
    assert _problems(cors_allowed_origins=["https://www.example.com", "http://localhost:8080", "https://*.example.org"]) == []
    assert _problems(aliases=["stats.example.com", "*.example.org"],
                     acm_certificate_arn="arn:aws:acm:us-east-1:123456789012:certificate/0b5ff5b9") == []


def test_legacy_logging_settings_that_only_v2_reads_are_refused_under_legacy():
    found = _problems(log_format="parquet")
    assert found[0].startswith("cloudfront_collector_log_format (parquet) and cloudfront_collector_log_fields ('')")
    assert _problems(log_format="parquet", v2=True) == []
