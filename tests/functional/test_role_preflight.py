"""The cloudfront_collector role refuses bad inputs before any AWS write, saying what to fix.

Each test runs the role through ansible-playbook against the strict local AWS with one bad setting and asserts
the failure message and the call log (no mutating call; for input errors, no AWS call at all). The input errors
(REFUSALS) run as the hosts of one play, one host per bad setting; each test reads its host's failure.
"""

import json
import os
import pathlib
import subprocess
import types

import pytest

from tests.strict_aws.pytest_plugin import StrictAWSFixture, strict_aws, strict_aws_server  # noqa: F401  pylint: disable=unused-import
from tests.strict_aws.server import client_environ

REPO = pathlib.Path(__file__).resolve().parents[2]
EU = ["eu-west-1", "eu-west-3", "eu-central-1", "eu-north-1", "eu-south-1", "eu-south-2"]
GOOD = {
    "cloudfront_collector_environment": "test",
    "cloudfront_collector_region": "eu-west-1",
    "cloudfront_collector_allowed_regions": EU,
    "cloudfront_collector_pixel_bucket": "preflight-pixel",
    "cloudfront_collector_log_bucket": "preflight-logs",
}


# The refusals that make no AWS call, by name: the settings over GOOD. They run as the hosts of one play (below).
REFUSALS = {
    "region outside the allow-list": {"cloudfront_collector_region": "eu-west-2"},
    "log bucket is the pixel bucket": {"cloudfront_collector_log_bucket": "preflight-pixel"},
    "no log bucket": {"cloudfront_collector_log_bucket": ""},
    "invalid bucket name": {"cloudfront_collector_pixel_bucket": "My_Pixels"},
    "log bucket region without standard logging": {"cloudfront_collector_region": "eu-south-1"},
    "unknown price class": {"cloudfront_collector_price_class": "PriceClass_Cheap"},
    "China region": {"cloudfront_collector_region": "cn-north-1", "cloudfront_collector_allowed_regions": []},
    "China log bucket region": {"cloudfront_collector_log_bucket_region": "cn-northwest-1", "cloudfront_collector_allowed_regions": []},
    "GovCloud region": {"cloudfront_collector_region": "us-gov-west-1", "cloudfront_collector_allowed_regions": []},
    "CORS origin with a path": {"cloudfront_collector_cors_allowed_origins": ["https://www.example.com/"]},
    "CORS origin without a scheme": {"cloudfront_collector_cors_allowed_origins": ["www.example.com"]},
    "CORS * beside an origin": {"cloudfront_collector_cors_allowed_origins": ["*", "https://www.example.com"]},
    "legacy logs to eu-south-2": {"cloudfront_collector_log_bucket_region": "eu-south-2", "cloudfront_collector_aliases": ["c.example.com"]},
    "v2 logs to eu-south-2": {"cloudfront_collector_log_bucket_region": "eu-south-2", "cloudfront_collector_aliases": ["c.example.com"],
                              "cloudfront_collector_log_delivery": "v2"},
    "v2 log format under legacy": {"cloudfront_collector_log_format": "parquet"},
    "v2 log fields under legacy": {"cloudfront_collector_log_fields": "minimal"},
}


def role_env(strict_aws):  # noqa: F811  pylint: disable=redefined-outer-name
    env = client_environ(strict_aws.endpoint, base=os.environ)
    env.update({"ANSIBLE_CONFIG": str(REPO / "ansible.cfg"), "ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json", "ANSIBLE_NOCOLOR": "1",
                "ANSIBLE_LOCALHOST_WARNING": "0", "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0"})
    return env


@pytest.fixture(scope="module")
def refusals(strict_aws_server, tmp_path_factory):  # noqa: F811  pylint: disable=redefined-outer-name
    """Every REFUSALS entry as one host (a local connection, GOOD updated by its settings) of one ansible-playbook run of
    the role: ``.failure(name)`` is (its host's first failed task name, failure message), ``.calls`` that run's call log."""
    strict_aws_server.reset()
    strict_aws = StrictAWSFixture(strict_aws_server)
    names = {f"refusal-{index:02d}": name for index, name in enumerate(REFUSALS)}
    inventory = {"all": {"hosts": {host: dict(GOOD, cloudfront_collector_aws_endpoint_url=strict_aws.endpoint, **REFUSALS[name])
                                   for host, name in names.items()}}}
    play = [{"hosts": "all", "gather_facts": False, "connection": "local",
             "vars": {"ansible_python_interpreter": "{{ ansible_playbook_python }}"},
             "tasks": [{"name": "the role", "ansible.builtin.include_role": {"name": "clickstream.collectors.cloudfront_collector"}}]}]
    directory = tmp_path_factory.mktemp("refusals")
    (directory / "inventory.json").write_text(json.dumps(inventory))
    (directory / "play.json").write_text(json.dumps(play))
    proc = subprocess.run(["ansible-playbook", "-i", str(directory / "inventory.json"), str(directory / "play.json")],
                          cwd=REPO, env=role_env(strict_aws), capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 2, f"the role should have failed:\n{proc.stdout[-3000:]}\n{proc.stderr}"
    failures = {}
    for task in json.loads(proc.stdout)["plays"][0]["tasks"]:
        for host, result in task["hosts"].items():
            if result.get("failed") and host not in failures:
                failures[host] = (task["task"]["name"], result.get("msg", ""))
    hosts = {name: host for host, name in names.items()}

    def failure(name):
        assert hosts[name] in failures, f"{name} ({hosts[name]}): the role did not fail\n{proc.stdout[-3000:]}"
        return failures[hosts[name]]

    return types.SimpleNamespace(failure=failure, calls=strict_aws.calls())


@pytest.fixture
def run_role(strict_aws, tmp_path):  # noqa: F811  pylint: disable=redefined-outer-name
    """Run the role once with GOOD updated by ``overrides``; return (failed task name, failure message)."""
    env = client_environ(strict_aws.endpoint, base=os.environ)
    env.update(
        {
            "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"),
            "ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json",
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_LOCALHOST_WARNING": "0",
            "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0",
        }
    )

    def _run(**overrides):
        role_vars = dict(GOOD, cloudfront_collector_aws_endpoint_url=strict_aws.endpoint)
        role_vars.update(overrides)
        play = [
            {
                "hosts": "localhost",
                "gather_facts": False,
                "connection": "local",
                "vars": {"ansible_python_interpreter": "{{ ansible_playbook_python }}"},
                "tasks": [
                    {
                        "name": "the role",
                        "ansible.builtin.include_role": {"name": "clickstream.collectors.cloudfront_collector"},
                        "vars": role_vars,
                    }
                ],
            }
        ]
        path = tmp_path / "play.json"
        path.write_text(json.dumps(play))
        proc = subprocess.run(
            ["ansible-playbook", "-i", "localhost,", str(path)],
            cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False,
        )
        assert proc.returncode == 2, f"the role should have failed:\n{proc.stdout[-3000:]}\n{proc.stderr}"
        report = json.loads(proc.stdout)
        for task in report["plays"][0]["tasks"]:
            result = task["hosts"].get("localhost", {})
            if result.get("failed"):
                return task["task"]["name"], result.get("msg", "")
        raise AssertionError(f"no failed task in the report:\n{proc.stdout[-3000:]}")

    return _run


def assert_no_aws_call(calls):
    calls = [c for c in calls if not c["path"].startswith("/_strict")]
    assert not calls, [c["operation"] for c in calls]


def test_privacy_guard_names_the_eu_regions(refusals):  # pylint: disable=redefined-outer-name
    task, msg = refusals.failure("region outside the allow-list")
    assert "Privacy guard" in task
    assert "'eu-west-2' is not in cloudfront_collector_allowed_regions" in msg
    assert "eu-west-1 (Ireland)" in msg and "eu-south-2 (Spain)" in msg
    assert_no_aws_call(refusals.calls)


def test_log_bucket_must_differ_from_pixel_bucket(refusals):  # pylint: disable=redefined-outer-name
    task, msg = refusals.failure("log bucket is the pixel bucket")
    assert "cloudfront_collector_log_bucket is the pixel bucket (preflight-pixel)" in msg, (task, msg)
    assert "own private bucket" in msg
    assert_no_aws_call(refusals.calls)


def test_logging_needs_a_log_bucket(refusals):  # pylint: disable=redefined-outer-name
    task, msg = refusals.failure("no log bucket")
    assert "cloudfront_collector_log_bucket is empty" in msg, (task, msg)
    assert "cloudfront_collector_logging to false" in msg
    assert_no_aws_call(refusals.calls)


def test_invalid_bucket_name(refusals):  # pylint: disable=redefined-outer-name
    task, msg = refusals.failure("invalid bucket name")
    assert "cloudfront_collector_pixel_bucket 'My_Pixels' is not a valid S3 bucket name" in msg, (task, msg)
    assert_no_aws_call(refusals.calls)


def test_log_bucket_region_without_standard_logging(refusals):  # pylint: disable=redefined-outer-name
    task, msg = refusals.failure("log bucket region without standard logging")
    assert "CloudFront cannot deliver standard logs to a bucket in eu-south-1" in msg, (task, msg)
    assert "cloudfront_collector_log_bucket_region" in msg
    assert_no_aws_call(refusals.calls)


def test_argument_spec_rejects_unknown_price_class(refusals):  # pylint: disable=redefined-outer-name
    task, msg = refusals.failure("unknown price class")
    assert "Validating arguments" in task
    assert "cloudfront_collector_price_class" in msg and "PriceClass_100" in msg
    assert_no_aws_call(refusals.calls)


def test_existing_bucket_not_ours_is_refused(run_role, strict_aws):  # noqa: F811  pylint: disable=redefined-outer-name
    strict_aws.boto3_client("s3").create_bucket(Bucket="preflight-pixel", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    before = len(strict_aws.writes())
    task, msg = run_role()
    assert "not owned by this collector" in msg and "preflight-pixel" in msg, (task, msg)
    assert "tag the bucket" in msg
    assert len(strict_aws.writes()) == before, [w["operation"] for w in strict_aws.writes()[before:]]


def _playbook(strict_aws, *args):  # noqa: F811  pylint: disable=redefined-outer-name
    env = client_environ(strict_aws.endpoint, base=os.environ)
    env.update({"ANSIBLE_CONFIG": str(REPO / "ansible.cfg"), "ANSIBLE_NOCOLOR": "1", "ANSIBLE_LOCALHOST_WARNING": "0"})
    return subprocess.run(
        ["ansible-playbook", "playbooks/collector.yml", *args],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False,
    )


@pytest.mark.parametrize(
    "args, message",
    [
        ((), "No environment given: run with -e env=NAME, NAME one of the inventory's groups with hosts: dev, local, prod, staging."),
        (("-e", "env=qa"), "Environment qa names no inventory group with hosts"),
    ],
)
def test_collector_playbook_needs_an_environment_group(strict_aws, args, message):  # noqa: F811  pylint: disable=redefined-outer-name
    proc = _playbook(strict_aws, *args)
    assert proc.returncode != 0
    assert message in " ".join(proc.stdout.split()), proc.stdout[-2000:]
    assert not strict_aws.calls()


def test_collector_playbook_with_a_user_inventory(strict_aws, tmp_path):  # noqa: F811  pylint: disable=redefined-outer-name
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(json.dumps({
        "qa": {
            "hosts": {"collector-qa": {
                "ansible_connection": "local",
                "ansible_python_interpreter": "{{ ansible_playbook_python }}",
                "cloudfront_collector_aws_endpoint_url": strict_aws.endpoint,
                "cloudfront_collector_pixel_bucket": "qa-clickstream-pixel",
                "cloudfront_collector_logging": False,
            }},
        },
    }))
    proc = _playbook(strict_aws, "-i", str(inventory), "-e", "env=qa")
    assert proc.returncode == 0, proc.stdout[-3000:]
    cloudfront = strict_aws.boto3_client("cloudfront", region="us-east-1")
    items = cloudfront.list_distributions()["DistributionList"]["Items"]
    config = cloudfront.get_distribution_config(Id=items[0]["Id"])["DistributionConfig"]
    assert config["CallerReference"] == "clickstream-collector-qa-qa-clickstream-pixel"
    assert not config["Logging"]["Enabled"]
    assert f"Tracker endpoint (the tracker's collector setting): https://{items[0]['DomainName']}" in proc.stdout


@pytest.mark.parametrize(
    "refusal, message",
    [
        ("China region", "cloudfront_collector_region 'cn-north-1' is in the AWS China partition"),
        ("China log bucket region", "cloudfront_collector_log_bucket_region 'cn-northwest-1' is in the AWS China partition"),
        ("GovCloud region", "cloudfront_collector_region 'us-gov-west-1' is in AWS GovCloud (US), which has no CloudFront"),
    ],
)
def test_partitions_without_a_supported_cloudfront_are_refused(refusals, refusal, message):  # pylint: disable=redefined-outer-name
    task, msg = refusals.failure(refusal)
    assert message in msg, (task, msg)
    assert "Nothing was changed" in msg
    assert_no_aws_call(refusals.calls)


@pytest.mark.parametrize("refusal, not_origins", [
    ("CORS origin with a path", '["https://www.example.com/"]'),
    ("CORS origin without a scheme", '["www.example.com"]'),
    ("CORS * beside an origin", '["*"]'),
])
def test_cors_origins_that_are_not_origins(refusals, refusal, not_origins):  # pylint: disable=redefined-outer-name
    task, msg = refusals.failure(refusal)
    assert "must be [\"*\"] alone, or a list of origins written scheme://host[:port]" in msg, (task, msg)
    assert f"not origins: {not_origins}" in msg
    assert_no_aws_call(refusals.calls)


def test_v2_accepts_a_log_bucket_where_legacy_logging_cannot_deliver(refusals):  # pylint: disable=redefined-outer-name
    # The same inputs (REFUSALS), legacy then v2; aliases without a certificate fail a check that comes after the region
    # checks: reaching it means they passed.
    _task, legacy = refusals.failure("legacy logs to eu-south-2")
    assert "CloudFront cannot deliver standard logs to a bucket in eu-south-2" in legacy
    assert "cloudfront_collector_log_delivery to v2" in legacy
    _task, v2 = refusals.failure("v2 logs to eu-south-2")
    assert "need cloudfront_collector_acm_certificate_arn" in v2, v2
    assert_no_aws_call(refusals.calls)


def test_v2_settings_under_legacy_are_refused(refusals):  # pylint: disable=redefined-outer-name
    task, msg = refusals.failure("v2 log format under legacy")
    assert "choose what standard logging v2 writes" in msg and "cloudfront_collector_log_delivery to v2" in msg, (task, msg)
    task, msg = refusals.failure("v2 log fields under legacy")
    assert "choose what standard logging v2 writes" in msg, (task, msg)
    assert_no_aws_call(refusals.calls)
