"""Run the collection's modules through ansible-playbook against the strict local AWS.

A test calls ``run_module("clickstream.collectors.tracking_pixel", {...}, check=True, diff=True)``
and gets the task result (the module's return values plus ``changed``/``failed``/``diff``).
Every call is a real ansible-playbook run: module_defaults, action plugins, check mode and
argument validation behave as they do for users.
"""

import json
import os
import pathlib
import subprocess

import pytest

from tests.strict_aws.pytest_plugin import strict_aws, strict_aws_server  # noqa: F401  pylint: disable=unused-import
from tests.strict_aws.server import client_environ

REPO = pathlib.Path(__file__).resolve().parents[2]
REGION = "eu-west-1"


def _playbook(module, args, check, diff):
    task = {
        "name": "module under test",
        module: args,
        "register": "result",
        "ignore_errors": True,
    }
    return [
        {
            "hosts": "localhost",
            "gather_facts": False,
            "connection": "local",
            "check_mode": check,
            "diff": diff,
            "vars": {"ansible_python_interpreter": "{{ ansible_playbook_python }}"},
            "module_defaults": {"group/clickstream.collectors.aws": {"region": REGION}},
            "tasks": [task, {"name": "emit the result", "ansible.builtin.debug": {"var": "result"}}],
        }
    ]


@pytest.fixture
def run_module(strict_aws, tmp_path):  # pylint: disable=redefined-outer-name
    """Return a function running one module task; it returns the registered result."""
    env = client_environ(strict_aws.endpoint, base=os.environ)
    env.update(
        {
            "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"),
            "ANSIBLE_COLLECTIONS_PATH": str(REPO / ".collections"),
            "ANSIBLE_STDOUT_CALLBACK": "json",
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_LOCALHOST_WARNING": "0",
            "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0",
        }
    )
    counter = {"n": 0}

    def _run(module, args, check=False, diff=False):
        counter["n"] += 1
        playbook = tmp_path / f"play{counter['n']}.json"
        playbook.write_text(json.dumps(_playbook(module, args, check, diff)))
        proc = subprocess.run(
            ["ansible-playbook", "-i", "localhost,", str(playbook)],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        try:
            report = json.loads(proc.stdout)
        except json.JSONDecodeError as exc:
            raise AssertionError(f"ansible-playbook gave no JSON report:\n{proc.stdout}\n{proc.stderr}") from exc
        tasks = report["plays"][0]["tasks"]
        return tasks[0]["hosts"]["localhost"]

    return _run
