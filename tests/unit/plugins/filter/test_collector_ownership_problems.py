# -*- coding: utf-8 -*-

# Copyright: clickstream.collectors contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The role's ownership checks on what collector_info found: the order they report in, and what each message names.

The role-level tests (tests/functional/test_role_preflight.py, test_role_renames.py, test_role_origin_access.py) build
each situation on the strict local AWS and read the message the run fails with.
"""

from ansible_collections.clickstream.collectors.plugins.filter.collector_ownership_problems import FilterModule

problems = FilterModule().filters()["collector_ownership_problems"]

SETTINGS = {
    "state": "present", "logging": True, "environment": "qa", "name": "qa-1", "host": "qa-1", "region": "eu-west-1",
    "log_bucket_region": "eu-west-1", "log_bucket_region_setting": "", "pixel_bucket": "qa-pixel", "log_bucket": "qa-logs",
    "caller_reference": "clickstream-collector-qa-qa-pixel",
}
OWNED_BUCKET = {"exists": True, "accessible": True, "owned": True, "region": "eu-west-1", "tags": {}}


def _found(**parts):
    found = {
        "account": {"id": "123456789012"}, "differences": {},
        "pixel_bucket": dict(OWNED_BUCKET, name="qa-pixel"), "log_bucket": dict(OWNED_BUCKET, name="qa-logs"),
        "distribution": {"id": "E1", "owned": True, "logging": {"enabled": True, "bucket": "qa-logs"}},
        "previous_distributions": [],
    }
    found.update(parts)
    return found


def test_what_the_collector_owns_has_no_problem():
    assert problems(_found(), SETTINGS) == []
    assert problems(_found(pixel_bucket={"exists": False, "owned": None, "name": "qa-pixel"}, log_bucket={}, distribution={}), SETTINGS) == []


def test_the_account_block_comes_first_and_only_for_a_build():
    found = _found(differences={"account": ["BlockPublicAcls is on"]}, pixel_bucket=dict(OWNED_BUCKET, name="qa-pixel", owned=False))
    found_problems = problems(found, SETTINGS)
    assert len(found_problems) == 2
    assert found_problems[0].startswith("The pixel cannot be public in account 123456789012: BlockPublicAcls is on (account-level")
    assert problems(found, dict(SETTINGS, state="absent"))[0].startswith("Bucket qa-pixel already exists but is not owned")


def test_a_bucket_answering_403_is_named_with_both_causes():
    found = _found(log_bucket={"exists": True, "accessible": False, "owned": False, "name": "qa-logs", "tags": None})
    assert problems(found, SETTINGS) == [
        "Bucket qa-logs already exists but is not owned by this collector (S3 answers 403 to HeadBucket: another account owns it, "
        "or the caller lacks s3:ListBucket on it; expected managed-by=clickstream.collectors, clickstream-environment=qa). This "
        "role never changes or deletes a bucket it does not own. Choose another bucket name, or tag the bucket with those two "
        "tags to adopt it. Nothing was changed."]


def test_a_moved_log_bucket_names_the_variable_that_placed_it():
    found = _found(log_bucket=dict(OWNED_BUCKET, name="qa-logs", region="eu-central-1"))
    assert problems(found, SETTINGS)[0].startswith("cloudfront_collector_region is eu-west-1, but bucket qa-logs of this collector is in "
                                                   "eu-central-1")
    moved = problems(found, dict(SETTINGS, log_bucket_region_setting="eu-west-1"))[0]
    assert moved.startswith("cloudfront_collector_log_bucket_region is eu-west-1, but bucket qa-logs")
    assert ("ansible-playbook playbooks/collector.yml -e env=qa --limit qa-1 -e cloudfront_collector_state=absent "
            "-e cloudfront_collector_log_bucket_region=eu-central-1") in moved


def test_a_bucket_in_another_region_that_is_not_ours_is_reported_as_not_ours_only():
    found = _found(pixel_bucket=dict(OWNED_BUCKET, name="qa-pixel", region="us-east-1", owned=False))
    assert [problem[:30] for problem in problems(found, SETTINGS)] == ["Bucket qa-pixel already exists"]


def test_renamed_buckets():
    previous = [{"id": "E0", "domain_name": "d0.cloudfront.net", "origin_buckets": ["old-pixel"], "log_bucket": "old-logs"}]
    renamed = problems(_found(previous_distributions=previous), SETTINGS)
    assert renamed[0].startswith("Collector qa-1 (qa) is already built with another pixel bucket: distribution E0 (d0.cloudfront.net) "
                                 "serves old-pixel and logs to old-logs.")
    assert "-e cloudfront_collector_pixel_bucket=old-pixel (its log bucket and logs are kept)" in renamed[0]
    logs_elsewhere = _found(distribution={"id": "E1", "owned": True, "logging": {"enabled": True, "bucket": "old-logs"}})
    elsewhere = problems(logs_elsewhere, SETTINGS)[0]
    assert elsewhere.startswith("Collector qa-1 (qa): distribution E1 logs to old-logs, not to cloudfront_collector_log_bucket qa-logs.")
    assert problems(logs_elsewhere, dict(SETTINGS, logging=False)) == []
    assert problems(logs_elsewhere, dict(SETTINGS, state="absent")) == []


def test_a_distribution_without_the_ownership_tags_is_not_ours():
    found = _found(distribution={"id": "E9", "owned": False, "missing_ownership_tags": {"managed-by": "clickstream.collectors"}})
    assert problems(found, SETTINGS)[0].startswith(
        'Distribution E9 has caller reference clickstream-collector-qa-qa-pixel but lacks the ownership tags '
        '{"managed-by": "clickstream.collectors"}: it is not managed by this collection and environment')
