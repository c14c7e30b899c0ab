"""The collector through the strict local AWS's CloudFront edge: what a user sees when the pixel's ACL or the log
bucket's delivery grant is changed by hand.

The role is run as users run it (``playbooks/collector.yml -e env=local``); the edge answers on the local AWS's
address with the distribution's domain as Host, and delivers access logs on ``POST /_strict/logs/flush``.
"""

import os
import pathlib
import secrets
import subprocess

import pytest

from tests.strict_aws.client import flush_logs, log_records, view
from tests.strict_aws.cloudfront_rules import AWSLOGSDELIVERY_CANONICAL_ID
from tests.strict_aws.pytest_plugin import strict_aws, strict_aws_server  # noqa: F401  pylint: disable=unused-import
from tests.strict_aws.server import client_environ

REPO = pathlib.Path(__file__).resolve().parents[2]
PIXEL_BUCKET = "clickstream-pixel-local"
LOG_BUCKET = "clickstream-logs-local"
LOG_PREFIX = "cloudfront/local/"


@pytest.fixture
def collector(strict_aws):  # noqa: F811  pylint: disable=redefined-outer-name
    """Run the collector playbook for the local environment; returns a function taking extra arguments."""
    env = client_environ(strict_aws.endpoint, base=os.environ)
    env.update({"ANSIBLE_CONFIG": str(REPO / "ansible.cfg"), "ANSIBLE_NOCOLOR": "1", "ANSIBLE_LOCALHOST_WARNING": "0"})

    def _run(*args):
        return subprocess.run(["ansible-playbook", "playbooks/collector.yml", "-e", "env=local", *args],
                              cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False)

    return _run


def _domain(strict_aws):  # noqa: F811  pylint: disable=redefined-outer-name
    items = strict_aws.boto3_client("cloudfront", region="us-east-1").list_distributions()["DistributionList"]["Items"]
    assert len(items) == 1
    return items[0]["DomainName"], items[0]["Id"]


def _edge_get(strict_aws, domain, path):  # noqa: F811  pylint: disable=redefined-outer-name
    return view(strict_aws.endpoint, domain, path).status_code


def _logged(strict_aws, distribution_id, marker):  # noqa: F811  pylint: disable=redefined-outer-name
    """Access-log records whose query string carries ``marker``, after the edge delivered what it holds."""
    flush_logs(strict_aws.endpoint)
    return log_records(strict_aws.boto3_client("s3"), LOG_BUCKET, f"{LOG_PREFIX}{distribution_id}.", marker)


def test_private_pixel_gives_403_at_the_edge_and_the_smoke_test_names_the_acl(strict_aws, collector):  # noqa: F811  pylint: disable=redefined-outer-name
    built = collector()
    assert built.returncode == 0, built.stdout[-3000:]
    domain, _distribution_id = _domain(strict_aws)
    assert _edge_get(strict_aws, domain, "/i") == 200

    strict_aws.boto3_client("s3").put_object_acl(Bucket=PIXEL_BUCKET, Key="i", ACL="private")
    assert _edge_get(strict_aws, domain, "/i") == 403

    proc = collector("--tags", "verify")
    output = " ".join(proc.stdout.split())
    assert proc.returncode == 2, proc.stdout[-3000:]
    assert "HTTP 403" in output
    assert f"the object ACL of s3://{PIXEL_BUCKET}/i must grant public-read" in output, proc.stdout[-3000:]


def test_log_delivery_grant_removed_by_hand_then_restored_by_a_rerun(strict_aws, collector):  # noqa: F811  pylint: disable=redefined-outer-name
    built = collector()
    assert built.returncode == 0, built.stdout[-3000:]
    domain, distribution_id = _domain(strict_aws)
    s3 = strict_aws.boto3_client("s3")
    acl = s3.get_bucket_acl(Bucket=LOG_BUCKET)
    kept = [g for g in acl["Grants"] if g["Grantee"].get("ID") != AWSLOGSDELIVERY_CANONICAL_ID]
    assert len(kept) < len(acl["Grants"]), "the build should have left CloudFront's awslogsdelivery grant"
    s3.put_bucket_acl(Bucket=LOG_BUCKET, AccessControlPolicy={"Grants": kept, "Owner": acl["Owner"]})

    marker = f"lost={secrets.token_hex(6)}"
    assert _edge_get(strict_aws, domain, f"/i?e=pv&{marker}") == 200
    assert _logged(strict_aws, distribution_id, marker) == []
    dropped = [c for c in strict_aws.calls() if c["service"] == "cloudfront-logs" and c["operation"] == "DropLogFile"]
    assert dropped, "the call log should record the dropped delivery"

    before = len(strict_aws.writes())
    rerun = collector()
    assert rerun.returncode == 0, rerun.stdout[-3000:]
    assert [w["operation"] for w in strict_aws.writes()[before:]] == ["PutBucketAcl"]

    marker = f"flows={secrets.token_hex(6)}"
    assert _edge_get(strict_aws, domain, f"/i?e=pv&{marker}") == 200
    assert len(_logged(strict_aws, distribution_id, marker)) == 1
