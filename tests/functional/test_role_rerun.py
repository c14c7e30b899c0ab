"""A rerun of the role is one module run when nothing changed, repairs exactly what was changed by hand, and costs the
same whatever else the account holds; long waits show progress.

The role is run as users run it (``playbooks/collector.yml -e env=local``) against the strict local AWS; the call log
tells which AWS calls each run made.
"""

import json
import os
import pathlib
import re
import subprocess

from tests.strict_aws.pytest_plugin import strict_aws, strict_aws_server  # noqa: F401  pylint: disable=unused-import
from tests.strict_aws.server import client_environ

REPO = pathlib.Path(__file__).resolve().parents[2]
PIXEL_BUCKET = "clickstream-pixel-local"
LOG_BUCKET = "clickstream-logs-local"
QUICK = ["-e", "cloudfront_collector_smoke_test=false", "-e", "cloudfront_collector_verify_logs=false"]
# Tasks that run on the controller only (no module process, no AWS call).
CONTROLLER_ACTIONS = {"ansible.builtin.assert", "ansible.builtin.set_fact", "ansible.builtin.debug", "ansible.builtin.fail",
                      "ansible.builtin.validate_argument_spec", "ansible.builtin.include_tasks", "assert", "set_fact", "debug",
                      "fail", "validate_argument_spec", "include_tasks"}
PROGRESS = re.compile(r"distribution (\w+) \((\S+\.cloudfront\.net)\): (InProgress|Deployed), (\d+:\d\d:\d\d) elapsed, (\d+:\d\d:\d\d) left")


def collector(strict_aws, *args, report=False, env=None):  # noqa: F811  pylint: disable=redefined-outer-name
    environ = client_environ(strict_aws.endpoint, base=os.environ)
    environ.update({"ANSIBLE_CONFIG": str(REPO / "ansible.cfg"), "ANSIBLE_NOCOLOR": "1", "ANSIBLE_LOCALHOST_WARNING": "0"})
    if report:
        environ["ANSIBLE_STDOUT_CALLBACK"] = "ansible.posix.json"
    environ.update(env or {})
    return subprocess.run(["ansible-playbook", "playbooks/collector.yml", "-e", "env=local", *args],
                          cwd=REPO, env=environ, capture_output=True, text=True, timeout=600, check=False)


def module_runs(proc):
    """The tasks of the collector play that ran a module (not skipped, not a controller-only action)."""
    plays = json.loads(proc.stdout)["plays"]
    runs = []
    for task in plays[-1]["tasks"]:
        result = task["hosts"].get("collector-local", {})
        if not result or result.get("skipped") or result.get("action") in CONTROLLER_ACTIONS:
            continue
        runs.append(task["task"]["name"].split(" : ")[-1])
    return runs


def seconds(text):
    hours, minutes, secs = (int(part) for part in text.split(":"))
    return hours * 3600 + minutes * 60 + secs


def writes_since(strict_aws, before):  # noqa: F811  pylint: disable=redefined-outer-name
    return [call["operation"] for call in strict_aws.writes()[before:] if call["status"] < 400]


def test_rerun_is_one_module_run_and_repairs_exactly_what_was_changed_by_hand(strict_aws):  # noqa: F811  pylint: disable=redefined-outer-name
    built = collector(strict_aws, *QUICK, report=True)
    assert built.returncode == 0, built.stdout[-3000:]
    # The distribution is created with its logging: one deployment, no UpdateDistribution on a first converge.
    assert [op for op in writes_since(strict_aws, 0) if "Distribution" in op] == ["CreateDistributionWithTags"]
    # A new public pixel is one module run: the upload carries its ACL, the bucket task set ownership and Block Public Access.
    assert [name for name in module_runs(built) if name.startswith("Pixel |")] == [
        "Pixel | Upload the 1x1 GIF as image/gif, public-read unless CloudFront reads it through an origin access control"]
    assert "PutObjectAcl" not in writes_since(strict_aws, 0)

    before = len(strict_aws.writes())
    rerun = collector(strict_aws, *QUICK, report=True)
    assert rerun.returncode == 0, rerun.stdout[-3000:]
    assert writes_since(strict_aws, before) == []
    assert module_runs(rerun) == ["Preflight | Read the collector in one pass (account, buckets, pixel, distribution, logging) and compare"]

    s3 = strict_aws.boto3_client("s3")
    cloudfront = strict_aws.boto3_client("cloudfront", region="us-east-1")
    distribution_id = cloudfront.list_distributions()["DistributionList"]["Items"][0]["Id"]

    def price_class_by_hand():
        response = cloudfront.get_distribution_config(Id=distribution_id)
        config = dict(response["DistributionConfig"], PriceClass="PriceClass_All")
        cloudfront.update_distribution(Id=distribution_id, IfMatch=response["ETag"], DistributionConfig=config)

    def distribution_tag_added():
        arn = cloudfront.get_distribution(Id=distribution_id)["Distribution"]["ARN"]
        cloudfront.tag_resource(Resource=arn, Tags={"Items": [{"Key": "added-by", "Value": "hand"}]})

    def content_type_by_hand():
        s3.copy_object(Bucket=PIXEL_BUCKET, Key="i", CopySource={"Bucket": PIXEL_BUCKET, "Key": "i"},
                       MetadataDirective="REPLACE", ContentType="binary/octet-stream")

    drifts = [
        ("pixel made private", lambda: s3.put_object_acl(Bucket=PIXEL_BUCKET, Key="i", ACL="private"), ["PutObjectAcl"]),
        # The copy carries the public-read ACL (x-amz-acl): one write, not a copy and an ACL put.
        ("pixel served as octet-stream", content_type_by_hand, ["CopyObject"]),
        ("public ACLs ignored on the pixel bucket", lambda: s3.put_public_access_block(Bucket=PIXEL_BUCKET, PublicAccessBlockConfiguration={
            "BlockPublicAcls": False, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True}),
         ["PutPublicAccessBlock"]),
        ("log bucket encryption removed", lambda: s3.delete_bucket_encryption(Bucket=LOG_BUCKET), ["PutBucketEncryption"]),
        ("price class changed", price_class_by_hand, ["UpdateDistribution"]),
        ("a tag added to the distribution by hand (the role purges other tags)", distribution_tag_added, ["UntagResource"]),
    ]
    for label, drift, expected in drifts:
        drift()
        before = len(strict_aws.writes())
        repaired = collector(strict_aws, *QUICK)
        assert repaired.returncode == 0, f"{label}:\n{repaired.stdout[-3000:]}"
        assert writes_since(strict_aws, before) == expected, label
        before = len(strict_aws.writes())
        again = collector(strict_aws, *QUICK)
        assert again.returncode == 0 and writes_since(strict_aws, before) == [], label
