"""The action groups of meta/runtime.yml: the role's module_defaults reach every AWS module it calls, and no other.

The role sets the AWS connection (region, endpoint, retries) once, with module_defaults on the group
clickstream.collectors.cloudfront_collector. An AWS module the role calls outside that group would run without the
region and endpoint; a group wider than the role's modules costs time, since Ansible resolves each of its modules when
it loads the play (the aws group extends to every amazon.aws and community.aws module).
"""

import json
import sys

import yaml

from tests.packaging.util import REPO, environ, run

ROLE = REPO / "roles" / "cloudfront_collector"
AWS_COLLECTIONS = ("amazon.aws.", "community.aws.")
# Ansible's own resolution of a module_defaults group (Play._resolve_group), in a process of its own.
RESOLVE = """
import json, sys
from ansible.plugins.loader import init_plugin_loader
from ansible.playbook.play import Play
init_plugin_loader()
print(json.dumps(Play()._resolve_group(sys.argv[1])[1]))
"""


def _runtime():
    return yaml.safe_load((REPO / "meta" / "runtime.yml").read_text(encoding="utf-8"))


def _fqcn(action):
    return action if action.count(".") == 2 else f"clickstream.collectors.{action}"


def _actions(tasks):
    """Every module or action a list of tasks names (blocks, rescues and always included)."""
    for task in tasks or []:
        for key in ("block", "rescue", "always"):
            yield from _actions(task.get(key))
        yield from (key for key in task if key.count(".") == 2)


def _role_aws_modules():
    """The AWS modules the role's tasks call: amazon.aws, community.aws and this collection's aws group."""
    ours = {_fqcn(action) for action in _runtime()["action_groups"]["aws"] if isinstance(action, str)}
    called = set()
    for path in (ROLE / "tasks").glob("*.yml"):
        called.update(_actions(yaml.safe_load(path.read_text(encoding="utf-8"))))
    return {action for action in called if action.startswith(AWS_COLLECTIONS) or action in ours}


def test_the_role_group_is_exactly_the_aws_modules_the_role_calls():
    group = {_fqcn(action) for action in _runtime()["action_groups"]["cloudfront_collector"]}
    called = _role_aws_modules()
    assert called - group == set(), f"the role calls AWS modules its module_defaults group misses: {sorted(called - group)}"
    assert group - called == set(), f"the role's group lists modules the role never calls: {sorted(group - called)}"


def test_the_role_module_defaults_name_that_group():
    main = yaml.safe_load((ROLE / "tasks" / "main.yml").read_text(encoding="utf-8"))
    defaults = main[0]["module_defaults"]
    assert "group/clickstream.collectors.cloudfront_collector" in defaults
    assert not [key for key in defaults if key.startswith("group/") and key != "group/clickstream.collectors.cloudfront_collector"]


def test_the_role_group_resolves_to_its_modules_only():
    """As Ansible resolves it when it loads the play (an entry naming no module, a typo, is dropped silently)."""
    resolved = {
        group: json.loads(run([sys.executable, "-c", RESOLVE, group], cwd=REPO, env=environ(ANSIBLE_CONFIG=str(REPO / "ansible.cfg"))).stdout)
        for group in ("clickstream.collectors.cloudfront_collector", "clickstream.collectors.aws")
    }
    assert set(resolved["clickstream.collectors.cloudfront_collector"]) == _role_aws_modules()
    assert len(resolved["clickstream.collectors.aws"]) > 10 * len(_role_aws_modules()), (
        "the aws group no longer extends amazon.aws.aws and community.aws.aws")
