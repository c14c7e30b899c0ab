"""Changing the collector's CORS origins through the role updates the response headers policy alone: no
UpdateDistribution (on AWS a redeployment), and the next rerun writes nothing."""

import json
import os
import pathlib
import subprocess

from tests.strict_aws.pytest_plugin import strict_aws, strict_aws_server  # noqa: F401  pylint: disable=unused-import
from tests.strict_aws.server import client_environ

REPO = pathlib.Path(__file__).resolve().parents[2]


def _collector(strict_aws, origins):  # noqa: F811  pylint: disable=redefined-outer-name
    env = client_environ(strict_aws.endpoint, base=os.environ)
    env.update({"ANSIBLE_CONFIG": str(REPO / "ansible.cfg"), "ANSIBLE_NOCOLOR": "1", "ANSIBLE_LOCALHOST_WARNING": "0"})
    proc = subprocess.run(
        ["ansible-playbook", "playbooks/collector.yml", "-e", "env=local",
         "-e", json.dumps({"cloudfront_collector_cors_allowed_origins": origins,
                           "cloudfront_collector_smoke_test": False, "cloudfront_collector_verify_logs": False})],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:]
    return proc.stdout


def _cors(strict_aws):  # noqa: F811  pylint: disable=redefined-outer-name
    cloudfront = strict_aws.boto3_client("cloudfront", region="us-east-1")
    distribution_id = cloudfront.list_distributions()["DistributionList"]["Items"][0]["Id"]
    behaviour = cloudfront.get_distribution_config(Id=distribution_id)["DistributionConfig"]["DefaultCacheBehavior"]
    policy = cloudfront.get_response_headers_policy(Id=behaviour["ResponseHeadersPolicyId"])["ResponseHeadersPolicy"]
    return behaviour["ResponseHeadersPolicyId"], policy["ResponseHeadersPolicyConfig"]["CorsConfig"]


def test_new_origins_update_the_policy_alone_then_nothing(strict_aws):  # noqa: F811  pylint: disable=redefined-outer-name
    built = _collector(strict_aws, ["*"])
    policy_id, cors = _cors(strict_aws)
    assert cors["AccessControlAllowOrigins"]["Items"] == ["*"] and not cors["AccessControlAllowCredentials"]
    # The snippet lines are printed JSON-escaped by the debug task.
    assert r'\"credentials\": \"omit\", \"withCredentials\": false' in built

    before = len(strict_aws.writes())
    changed = _collector(strict_aws, ["https://www.example.com", "https://shop.example.com"])
    assert [w["operation"] for w in strict_aws.writes()[before:]] == ["UpdateResponseHeadersPolicy"]
    same_policy_id, cors = _cors(strict_aws)
    assert same_policy_id == policy_id
    assert sorted(cors["AccessControlAllowOrigins"]["Items"]) == ["https://shop.example.com", "https://www.example.com"]
    assert cors["AccessControlAllowCredentials"]
    assert r'\"eventMethod\": \"get\"}' in changed  # the options end there: no credentials override
    assert "withCredentials" not in changed and r'\"credentials\"' not in changed

    before = len(strict_aws.writes())
    _collector(strict_aws, ["https://www.example.com", "https://shop.example.com"])
    assert strict_aws.writes()[before:] == []
