"""A built collector stays unchanged on AWS's representation of its distribution.

AWS returns AllowedMethods/CachedMethods in its own order (HEAD, GET) and fills in fields nobody sent
(aws-facts.md, "CloudFront distributions"); the strict local AWS answers the same way. A rerun must make
no write (on AWS every UpdateDistribution is a redeployment) and ``--check --diff`` must report no change.
"""

import json
import os
import pathlib
import subprocess

from tests.strict_aws.server import client_environ

REPO = pathlib.Path(__file__).resolve().parents[2]
OWNERSHIP = {"managed-by": "clickstream.collectors"}
DISTRIBUTION = {
    "caller_reference": "clickstream-test-pixel",
    "origin_bucket": "clickstream-test-pixel",
    "origin_bucket_region": "eu-west-1",
    "comment": "Snowplow CloudFront collector (test)",
    "ownership_tags": OWNERSHIP,
    "tags": {"clickstream-environment": "test"},
    "viewer_cache_control": "no-cache, no-store, must-revalidate",
}
LOGGING = {"caller_reference": DISTRIBUTION["caller_reference"], "bucket": "clickstream-test-logs", "prefix": "cloudfront/test/"}


def operations(calls):
    return [call["operation"] for call in calls]


def build(strict_aws, run_module):
    s3 = strict_aws.boto3_client("s3")
    s3.create_bucket(Bucket=LOGGING["bucket"], CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    created = run_module("clickstream.collectors.collector_distribution", DISTRIBUTION)
    assert created["changed"] is True, created
    logged = run_module("clickstream.collectors.cloudfront_logging", LOGGING)
    assert logged["changed"] is True, logged
    cloudfront = strict_aws.boto3_client("cloudfront", region="us-east-1")
    config = cloudfront.get_distribution_config(Id=created["distribution"]["id"])["DistributionConfig"]
    # the premise: the local AWS answers in AWS's terms, not in the order the module sent
    assert config["DefaultCacheBehavior"]["AllowedMethods"]["Items"] == ["HEAD", "GET"]
    assert config["Origins"]["Items"][0]["ConnectionAttempts"] == 3
    assert config["ViewerCertificate"]["SSLSupportMethod"] == "vip"
    return created["distribution"]["id"]


def test_modules_rerun_without_writes_on_aws_representation(strict_aws, run_module):
    build(strict_aws, run_module)
    writes = len(strict_aws.writes())
    for module, args in (("clickstream.collectors.collector_distribution", DISTRIBUTION), ("clickstream.collectors.cloudfront_logging", LOGGING)):
        again = run_module(module, args)
        assert not again.get("failed"), again
        assert again["changed"] is False, (module, again.get("diff"))
    assert operations(strict_aws.writes()[writes:]) == []


def test_modules_check_diff_reports_no_change_on_aws_representation(strict_aws, run_module):
    build(strict_aws, run_module)
    writes = len(strict_aws.writes())
    for module, args in (("clickstream.collectors.collector_distribution", DISTRIBUTION), ("clickstream.collectors.cloudfront_logging", LOGGING)):
        checked = run_module(module, args, check=True, diff=True)
        assert not checked.get("failed"), checked
        assert checked["changed"] is False, (module, checked["diff"])
        assert checked["diff"]["before"] == checked["diff"]["after"]
    assert operations(strict_aws.writes()[writes:]) == []


def run_playbook(endpoint, *extra):
    """``ansible-playbook playbooks/collector.yml -e env=local`` as a user runs it; returns the per-host stats."""
    env = dict(client_environ(endpoint, base=os.environ), ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_STDOUT_CALLBACK="json",
               ANSIBLE_NOCOLOR="1")
    proc = subprocess.run(
        ["ansible-playbook", "playbooks/collector.yml", "-e", "env=local", *extra],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=900, check=False,
    )
    assert proc.returncode == 0, f"{proc.stdout[-4000:]}\n{proc.stderr[-2000:]}"
    report = json.loads(proc.stdout)
    changed = [
        task["task"]["name"]
        for play in report["plays"]
        for task in play["tasks"]
        if any(result.get("changed") for result in task["hosts"].values())
    ]
    return report["stats"], changed


def test_role_rerun_and_check_change_nothing_on_aws_representation(strict_aws):
    stats, dummy = run_playbook(strict_aws.endpoint)
    assert stats["collector-local"]["changed"] > 0
    writes = len(strict_aws.writes())

    stats, changed = run_playbook(strict_aws.endpoint)
    assert changed == [] and stats["collector-local"]["changed"] == 0
    assert operations(strict_aws.writes()[writes:]) == []

    stats, changed = run_playbook(strict_aws.endpoint, "--check", "--diff")
    assert changed == [] and stats["collector-local"]["changed"] == 0
    assert operations(strict_aws.writes()[writes:]) == []
