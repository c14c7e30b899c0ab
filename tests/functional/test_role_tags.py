"""Running the role by tag keeps every guard: each tag alone, on an environment the privacy guard refuses,
fails with the guard's message and writes nothing.

Measured before the fix: ``--tags pixel`` created the pixel bucket and uploaded the pixel in the refused
region and exited 0; ``--tags distribution`` created a response headers policy and a distribution.
"""

import os
import pathlib
import subprocess

import pytest

from tests.strict_aws.pytest_plugin import strict_aws, strict_aws_server  # noqa: F401  pylint: disable=unused-import
from tests.strict_aws.server import client_environ

REPO = pathlib.Path(__file__).resolve().parents[2]
TAGS = ["preflight", "buckets", "pixel", "distribution", "logging", "verify", "report", "teardown"]
GUARD = "Privacy guard: cloudfront_collector_region 'us-east-1' is not in cloudfront_collector_allowed_regions"


def _collector_playbook(strict_aws, *args):  # noqa: F811  pylint: disable=redefined-outer-name
    env = client_environ(strict_aws.endpoint, base=os.environ)
    env.update({"ANSIBLE_CONFIG": str(REPO / "ansible.cfg"), "ANSIBLE_NOCOLOR": "1", "ANSIBLE_LOCALHOST_WARNING": "0"})
    return subprocess.run(
        # The local environment allows EU regions only; us-east-1 is refused by its privacy guard.
        ["ansible-playbook", "playbooks/collector.yml", "-e", "env=local", "-e", "cloudfront_collector_region=us-east-1", *args],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False,
    )


@pytest.mark.parametrize("tag", TAGS)
def test_each_tag_alone_stops_at_the_privacy_guard(strict_aws, tag):  # noqa: F811  pylint: disable=redefined-outer-name
    proc = _collector_playbook(strict_aws, "--tags", tag)
    output = " ".join(proc.stdout.split())
    assert proc.returncode == 2, f"--tags {tag} should fail at the privacy guard:\n{proc.stdout[-3000:]}"
    assert GUARD in output, f"--tags {tag}: the guard's message is missing:\n{proc.stdout[-3000:]}"
    assert strict_aws.writes() == [], [w["operation"] for w in strict_aws.writes()]


def test_skipping_the_preflight_tag_keeps_the_guard(strict_aws):  # noqa: F811  pylint: disable=redefined-outer-name
    proc = _collector_playbook(strict_aws, "--skip-tags", "preflight")
    assert proc.returncode == 2, proc.stdout[-3000:]
    assert GUARD in " ".join(proc.stdout.split())
    assert strict_aws.writes() == []


def test_each_phase_alone_on_a_built_collector_writes_nothing(strict_aws):  # noqa: F811  pylint: disable=redefined-outer-name
    """A phase run by tag finds what the earlier phases built (the distribution among them) through the preflight."""
    env = client_environ(strict_aws.endpoint, base=os.environ)
    env.update({"ANSIBLE_CONFIG": str(REPO / "ansible.cfg"), "ANSIBLE_NOCOLOR": "1", "ANSIBLE_LOCALHOST_WARNING": "0"})

    def play(*args):
        return subprocess.run(["ansible-playbook", "playbooks/collector.yml", "-e", "env=local", *args],
                              cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False)

    built = play()
    assert built.returncode == 0, built.stdout[-3000:]
    before = len(strict_aws.writes())
    for tag in ("logging", "verify", "report"):
        proc = play("--tags", tag)
        assert proc.returncode == 0, f"--tags {tag}:\n{proc.stdout[-3000:]}"
        assert "changed=0" in proc.stdout, f"--tags {tag}:\n{proc.stdout[-3000:]}"
    assert strict_aws.writes()[before:] == []
