"""Bad input is refused before any AWS write, with a message naming the variable and the fix.

Each row of BAD_INPUT is one setting a new user might plausibly get wrong, run as users run the role
(``ansible-playbook playbooks/collector.yml -i INVENTORY -e env=qa``) against the strict local AWS with everything else
good. The run must fail, its failure message must hold every fragment of the row (the variable, the cause, the fix), and
the call log must show no AWS call at all (so no write). The same table is listed in the role's README ("Bad input").
"""

import json
import os
import pathlib
import subprocess

import pytest

from tests.strict_aws.pytest_plugin import StrictAWSFixture, strict_aws, strict_aws_server  # noqa: F401  pylint: disable=unused-import
from tests.strict_aws.server import client_environ

REPO = pathlib.Path(__file__).resolve().parents[2]
EU = ["eu-west-1", "eu-west-3", "eu-central-1", "eu-north-1", "eu-south-1", "eu-south-2"]
GOOD = {
    "cloudfront_collector_region": "eu-west-1",
    "cloudfront_collector_allowed_regions": EU,
    "cloudfront_collector_pixel_bucket": "qa-clickstream-pixel",
    "cloudfront_collector_log_bucket": "qa-clickstream-logs",
}
CERT_EU = "arn:aws:acm:eu-west-1:123456789012:certificate/0b5ff5b9-0d0a-4b4f-9a30-6d8a3c7a1f00"
V = "cloudfront_collector_"

# id: (the bad settings, fragments the failure message must hold: the variable, the cause, the fix)
BAD_INPUT = {
    "missing pixel file": ({V + "pixel_src": "/nonexistent/pixel.gif"},
                           [V + "pixel_src '/nonexistent/pixel.gif'", "Cannot find the pixel file", "path of a GIF image"]),
    "pixel file not a GIF": ({V + "pixel_src": str(REPO / "galaxy.yml")},
                             [V + "pixel_src", "is not a GIF image", "path of a GIF image"]),
    "empty pixel key": ({V + "pixel_key": ""}, [V + "pixel_key ''", "S3 keys cannot be empty", "Set " + V + "pixel_key to i"]),
    "pixel key with a leading slash": ({V + "pixel_key": "/i"}, [V + "pixel_key '/i'", "starts with /", "Set " + V + "pixel_key to i"]),
    "tag key starting with aws:": ({V + "tags": {"aws:team": "web"}}, [V + "tags: key aws:team starts with aws:", "Fix or remove"]),
    "tag value over 256 characters": ({V + "tags": {"team": "w" * 257}}, [V + "tags: the value of team is longer than 256", "Fix or remove"]),
    "tag key over 128 characters": ({V + "tags": {"k" * 129: "x"}}, [V + "tags: key kkkk", "not 1 to 128 characters", "Fix or remove"]),
    "tag key with a character S3 refuses": ({V + "tags": {"team#1": "web"}}, [V + "tags: key team#1 has characters", "Fix or remove"]),
    "more tags than AWS allows": ({V + "tags": {f"t{n}": "x" for n in range(49)}}, [V + "tags has 49 tags", "give at most 47"]),
    "viewer_cache_control with a line break": ({V + "viewer_cache_control": "no-cache\nSet-Cookie: a=b"},
                                               [V + "viewer_cache_control contains a line break", "Write it on one line"]),
    "pixel_cache_control with a line break": ({V + "pixel_cache_control": "max-age=60\r\nX: y"},
                                              [V + "pixel_cache_control contains a line break", "Write it on one line"]),
    "negative log expiry": ({V + "log_expiration_days": -1}, [V + "log_expiration_days is -1", "at least 0", "0 to keep them"]),
    "negative wait timeout": ({V + "wait_timeout": -5}, [V + "wait_timeout is -5", "at least 1", "e.g. 1800"]),
    "zero log check timeout": ({V + "verify_logs_timeout": 0}, [V + "verify_logs_timeout is 0", "at least 1"]),
    "wait timeout not a number": ({V + "wait_timeout": "soon"}, [V + "wait_timeout", "unable to convert to int"]),
    "logging not a boolean": ({V + "logging": "maybe"}, [V + "logging", "unable to convert to bool"]),
    "tags as a list": ({V + "tags": ["team=web"]}, [V + "tags", "unable to convert to dict"]),
    "aliases as a mapping": ({V + "aliases": {"stats": "example.com"}}, [V + "aliases", "unable to convert to list"]),
    "unknown state": ({V + "state": "deleted"}, [V + "state must be one of: present, absent, got: deleted"]),
    "unknown price class": ({V + "price_class": "PriceClass_Cheap"}, [V + "price_class must be one of: PriceClass_100"]),
    "unknown origin access": ({V + "origin_access": "private"}, [V + "origin_access must be one of: public_acl, oac, got: private"]),
    "invalid pixel bucket name": ({V + "pixel_bucket": "My_Pixels"}, [V + "pixel_bucket 'My_Pixels' is not a valid S3 bucket name",
                                                                      "use 3 to 63 lower-case letters"]),
    "invalid log bucket name": ({V + "log_bucket": "qa..logs"}, [V + "log_bucket 'qa..logs' is not a valid S3 bucket name",
                                                                 "no two dots in a row"]),
    "reserved bucket prefix": ({V + "pixel_bucket": "xn--clickstream-pixel"}, [V + "pixel_bucket 'xn--clickstream-pixel'",
                                                                               "the prefixes AWS reserves"]),
    "reserved bucket suffix": ({V + "log_bucket": "qa-clickstream-logs-s3alias"}, [V + "log_bucket 'qa-clickstream-logs-s3alias'",
                                                                                   "suffixes (-s3alias"]),
    "bucket name shaped like an IP address": ({V + "pixel_bucket": "192.168.1.10"}, [V + "pixel_bucket '192.168.1.10'",
                                                                                     "not shaped like an IP address"]),
    "the same bucket twice": ({V + "log_bucket": "qa-clickstream-pixel"},
                              [V + "log_bucket is the pixel bucket (qa-clickstream-pixel)", "Set " + V + "log_bucket to another bucket name"]),
    "logging without a log bucket": ({V + "log_bucket": ""}, [V + "log_bucket is empty", V + "logging to false"]),
    "region that is not a region name": ({V + "region": "Ireland"}, [V + "region 'Ireland' is not an AWS region name", "e.g. eu-west-1"]),
    "region code with a typo": ({V + "region": "eu-west1", V + "allowed_regions": []}, [V + "region 'eu-west1' is not an AWS region name"]),
    "allowed region that is not a region name": ({V + "allowed_regions": ["eu-west-1", "EU"]},
                                                 [V + "allowed_regions 'EU' is not an AWS region name"]),
    "region not allowed": ({V + "region": "eu-west-2"}, ["Privacy guard: " + V + "region 'eu-west-2' is not in " + V + "allowed_regions",
                                                         "Set " + V + "region to an allowed region"]),
    "log bucket region not allowed": ({V + "log_bucket_region": "us-east-1"}, ["would be stored in 'us-east-1'",
                                                                               "Set " + V + "log_bucket_region to an allowed region"]),
    "log bucket region without standard logs": ({V + "region": "eu-south-1"},
                                                ["CloudFront cannot deliver standard logs to a bucket in eu-south-1",
                                                 "Set " + V + "log_delivery to v2", V + "log_bucket_region to a supported region"]),
    "region in the China partition": ({V + "region": "cn-north-1", V + "allowed_regions": []},
                                      [V + "region 'cn-north-1' is in the AWS China partition", "Choose a region of the standard aws partition"]),
    "aliases without a certificate": ({V + "aliases": ["stats.example.com"]},
                                      [V + "aliases ['stats.example.com'] need " + V + "acm_certificate_arn", "in us-east-1"]),
    "aliases with a certificate outside us-east-1": ({V + "aliases": ["stats.example.com"], V + "acm_certificate_arn": CERT_EU},
                                                     [V + "acm_certificate_arn", "got '" + CERT_EU + "'", "in us-east-1"]),
    "alias that is a URL": ({V + "aliases": ["https://stats.example.com/"],
                             V + "acm_certificate_arn": CERT_EU.replace("eu-west-1", "us-east-1")},
                            [V + 'aliases ["https://stats.example.com/"]: not domain names', "without scheme, port or path"]),
    "CORS origin with a path": ({V + "cors_allowed_origins": ["https://www.example.com/"]},
                                [V + "cors_allowed_origins", 'not origins: ["https://www.example.com/"]', "scheme://host[:port]"]),
    "CORS origin without a scheme": ({V + "cors_allowed_origins": ["www.example.com"]},
                                     [V + "cors_allowed_origins", 'not origins: ["www.example.com"]']),
    "CORS * beside origins": ({V + "cors_allowed_origins": ["*", "https://www.example.com"]},
                              [V + "cors_allowed_origins", 'must be ["*"] alone']),
    "Athena without logs": ({V + "athena": True, V + "logging": False},
                            [V + "athena needs access logs to query", "turn " + V + "logging on"]),
    "Athena database name Glue refuses": ({V + "athena": True, V + "athena_database": "Clickstream-QA"},
                                          [V + "athena_database Clickstream-QA is not a Glue database name", "lower-case letters"]),
}


ENVIRONMENT_PLAY = "Select the environment"
# Where a bad input may be refused: the role's argument validation (types, choices), the preflight's input checks, or its
# pixel file read (the rescue of collector_info, which reads the file before any AWS call).
REFUSED_BY = ("Validating arguments against arg spec", "Preflight | ")


def host_name(case):
    """The inventory host of a row (host names are plain: the row's id may hold anything)."""
    return f"bad-input-{list(BAD_INPUT).index(case):02d}"


def playbook_env(strict_aws):  # noqa: F811  pylint: disable=redefined-outer-name
    env = client_environ(strict_aws.endpoint, base=os.environ)
    env.update({"ANSIBLE_CONFIG": str(REPO / "ansible.cfg"), "ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json",
                "ANSIBLE_NOCOLOR": "1", "ANSIBLE_LOCALHOST_WARNING": "0"})
    return env


def host_results(report, host):
    """(task name without the role's prefix, result) of each task the collector play ran on host, in order."""
    return [(task["task"]["name"].split(" : ", 1)[-1], task["hosts"][host])
            for task in report["plays"][-1]["tasks"] if host in task["hosts"]]


@pytest.fixture(scope="module")
def bad_input_run(strict_aws_server, tmp_path_factory):  # noqa: F811  pylint: disable=redefined-outer-name
    """The whole table as users run the role: one ansible-playbook run, one inventory host per row (a local connection,
    the row's settings over good ones); the report and the call log of that run."""
    strict_aws_server.reset()
    strict_aws = StrictAWSFixture(strict_aws_server)
    hosts = {}
    for case, (settings, dummy) in BAD_INPUT.items():
        hosts[host_name(case)] = dict(GOOD, ansible_connection="local", ansible_python_interpreter="{{ ansible_playbook_python }}",
                                      cloudfront_collector_aws_endpoint_url=strict_aws.endpoint, **settings)
    inventory = tmp_path_factory.mktemp("bad_input") / "inventory.json"
    inventory.write_text(json.dumps({"qa": {"hosts": hosts}}))
    proc = subprocess.run(["ansible-playbook", "playbooks/collector.yml", "-i", str(inventory), "-e", "env=qa"],
                          cwd=REPO, env=playbook_env(strict_aws), capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 2, proc.stdout[-3000:] + proc.stderr[-2000:]
    report = json.loads(proc.stdout)
    assert report["plays"][-1]["play"]["name"] != ENVIRONMENT_PLAY, proc.stdout[-3000:]
    return report, strict_aws.calls()


def test_the_table_runs_as_one_play_and_makes_no_aws_call_at_all(bad_input_run):  # pylint: disable=redefined-outer-name
    report, calls = bad_input_run
    assert sorted(report["stats"]) == sorted(["localhost"] + [host_name(case) for case in BAD_INPUT])
    assert not [call for call in calls if call["mutating"]]
    assert not calls, [call["operation"] for call in calls]


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_is_refused_before_any_aws_call(bad_input_run, case):  # pylint: disable=redefined-outer-name
    report, calls = bad_input_run
    dummy, fragments = BAD_INPUT[case]
    host = host_name(case)
    results = host_results(report, host)
    failed = [index for index, (name, result) in enumerate(results) if result.get("failed")]
    # The row's host stopped at a check before the first AWS call (the pixel file read fails into the preflight's rescue,
    # whose message is the one users see) and ran nothing after it.
    assert report["stats"][host]["failures"] == 1, results
    assert failed and failed[-1] == len(results) - 1, results
    assert all(results[index][0].startswith(REFUSED_BY) for index in failed), [results[index][0] for index in failed]
    result = results[-1][1]
    message = " ".join(str(result.get("msg", "")).split())
    for fragment in fragments:
        assert fragment in message, message
    # No AWS call from this host or any other (the pixel file is read before collector_info calls AWS).
    assert not [call for call in calls if call["mutating"]]
    assert not calls, [call["operation"] for call in calls]


def test_the_table_has_at_least_25_distinct_bad_inputs():
    assert len(BAD_INPUT) >= 25
    assert len({json.dumps(settings, sort_keys=True) for settings, dummy in BAD_INPUT.values()}) == len(BAD_INPUT)


NASTY_APP_IDS = ["it's", 'say "hi"', "back\\slash", "</script><script>alert(1)</script>", "line\nbreak", "\u2028sep\u2029", "${x}`"]
NODE_HARNESS = """
const calls = [];
const window = {snowplow: function () { calls.push(Array.from(arguments)); }};
const document = {};
%s
process.stdout.write(JSON.stringify(calls));
"""


@pytest.fixture(scope="module")
def snippet_run(strict_aws_server, tmp_path_factory):  # noqa: F811  pylint: disable=redefined-outer-name
    """One --check run of the collector play, one inventory host per app id: each host's printed report lines.
    The app id only reaches the report (vars/main.yml), so the run is limited to it (--tags report; the preflight
    runs whatever the tags, and gives the report what it reads)."""
    strict_aws_server.reset()
    strict_aws = StrictAWSFixture(strict_aws_server)
    hosts = {f"snippet-{index}": dict(GOOD, ansible_connection="local", ansible_python_interpreter="{{ ansible_playbook_python }}",
                                      cloudfront_collector_aws_endpoint_url=strict_aws.endpoint, cloudfront_collector_tracker_app_id=app_id)
             for index, app_id in enumerate(NASTY_APP_IDS)}
    inventory = tmp_path_factory.mktemp("snippet") / "inventory.json"
    inventory.write_text(json.dumps({"qa": {"hosts": hosts}}))
    proc = subprocess.run(["ansible-playbook", "playbooks/collector.yml", "-i", str(inventory), "-e", "env=qa", "--check", "--tags", "report"],
                          cwd=REPO, env=playbook_env(strict_aws), capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:]
    report = json.loads(proc.stdout)
    return {app_id: [result for name, result in host_results(report, f"snippet-{index}") if "JavaScript tracker snippet" in name]
            for index, app_id in enumerate(NASTY_APP_IDS)}


@pytest.mark.parametrize("app_id", NASTY_APP_IDS)
def test_printed_snippet_stays_valid_javascript_for_any_app_id(snippet_run, app_id):  # pylint: disable=redefined-outer-name
    printed = snippet_run[app_id]
    assert len(printed) == 1, printed
    lines = printed[0]["msg"]
    tag = lines[lines.index('<script type="text/javascript" async=1>') + 1:lines.index("</script>")]
    script = "\n".join(tag)
    assert "</script" not in script.lower()  # no value can close the page's <script> element
    node = subprocess.run(["node", "-e", NODE_HARNESS % script], capture_output=True, text=True, timeout=60, check=False)
    assert node.returncode == 0, node.stderr
    calls = json.loads(node.stdout)
    assert calls[0][:2] == ["newTracker", "cf"] and calls[0][3]["appId"] == app_id
    assert calls[1] == ["trackPageView"]
    npm = next(line for line in lines if line.startswith("npm (@snowplow/browser-tracker 4.x): "))
    statement = npm.split(": ", 1)[1]
    node = subprocess.run(["node", "-e", "const out = []; function newTracker() { out.push(Array.from(arguments)); }\n" + statement
                           + "\nprocess.stdout.write(JSON.stringify(out));"], capture_output=True, text=True, timeout=60, check=False)
    assert node.returncode == 0, node.stderr
    assert json.loads(node.stdout)[0][2]["appId"] == app_id
