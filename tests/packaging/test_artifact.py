"""The Galaxy artifact, as a user gets it: built, installed alone, documented and run.

The tarball ``ansible-galaxy collection build`` makes from this checkout is installed into an empty
collections path (its dependencies, amazon.aws and community.aws, come from the `ansible` package in
the venv, as they would from a user's installation). Everything after that runs outside the checkout
with no ansible.cfg: ansible-doc for every module and the role, and the FQCN playbook
``clickstream.collectors.collector`` against the strict local AWS with the repository's inventory as
the user's inventory (-i), the way a user of the installed collection runs it.
"""

import json
import os
import pathlib
import re
import shutil
import subprocess
import tarfile
import urllib.request

import pytest

from tests.packaging.util import REPO, environ, galaxy, problems, run, tarball_name
from tests.strict_aws.pytest_plugin import make_client
from tests.strict_aws.server import client_environ, spawn

INVENTORY = REPO / "playbooks" / "inventory" / "hosts.yml"
MODULES = sorted(path.stem for path in (REPO / "plugins" / "modules").glob("*.py") if not path.name.startswith("_"))
ROLES = sorted(path.name for path in (REPO / "roles").iterdir() if (path / "tasks").is_dir())
# directories and files that must never ship, at any depth
FORBIDDEN_PARTS = {".build", ".venv", ".collections", ".tmp", ".ansible", ".git", "__pycache__", ".pytest_cache",
                   ".mypy_cache", ".ruff_cache", ".tox", ".cache", "node_modules", ".molecule", "molecule", "tests"}
FORBIDDEN_SUFFIXES = (".pyc", ".tar.gz", ".swp", "~", ".egg-info")


def _build(source, output):
    run(["ansible-galaxy", "collection", "build", "--output-path", output, source], cwd=output.parent, env=environ())
    tarball = output / tarball_name()
    assert tarball.is_file(), f"ansible-galaxy collection build made no {tarball.name}: {os.listdir(output)}"
    return tarball


def _names(tarball):
    with tarfile.open(tarball) as archive:
        return sorted(member.name.rstrip("/") for member in archive.getmembers())


@pytest.fixture(name="artifact", scope="module")
def fixture_artifact(tmp_path_factory):
    """The tarball built from this checkout, and the empty collections path it was installed into."""
    base = tmp_path_factory.mktemp("artifact")
    tarball = _build(REPO, base / "dist")
    collections = base / "collections"
    collections.mkdir()
    run(["ansible-galaxy", "collection", "install", "--no-deps", "--offline", "-p", collections, tarball],
        cwd=base, env=environ())
    installed = collections / "ansible_collections" / "clickstream" / "collectors"
    assert (installed / "MANIFEST.json").is_file()
    outside = base / "elsewhere"  # the working directory of a user's run: not the checkout, no ansible.cfg
    outside.mkdir()
    return {"tarball": tarball, "collections": collections, "installed": installed, "cwd": outside}


def test_the_tarball_ships_the_collection_and_nothing_of_the_development_tree(artifact):
    names = _names(artifact["tarball"])
    leaked = [name for name in names
              if FORBIDDEN_PARTS.intersection(pathlib.PurePosixPath(name).parts) or name.endswith(FORBIDDEN_SUFFIXES)]
    assert not leaked, f"the tarball ships development files: {leaked}"
    tracked = subprocess.run(["git", "ls-files", "plugins", "roles", "playbooks", "meta", "files", "changelogs"],
                             cwd=REPO, capture_output=True, text=True, check=True).stdout.split()
    expected = {name for name in tracked if (REPO / name).exists()}
    expected |= {"MANIFEST.json", "FILES.json", "README.md", "LICENSE", "CHANGELOG.rst", "requirements.txt",
                 "requirements.yml", "bindep.txt"}
    missing = sorted(expected - set(names))
    assert not missing, f"the tarball lacks {missing}"
    development = {"Makefile", "ansible.cfg", "requirements-dev.txt", "execution-environment.yml", ".ansible-lint",
                   ".yamllint", ".gitignore", ".python-version"}
    assert not development & set(names)


def test_build_output_and_caches_in_the_checkout_stay_out_of_the_tarball(tmp_path):
    """A developer's checkout has venvs, caches and earlier builds in it; the artifact is the same without them."""
    source = tmp_path / "checkout"
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    for name in filter(None, tracked.decode().split("\0")):
        if (REPO / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, source / name)
    (tmp_path / "clean").mkdir()
    clean = _names(_build(source, tmp_path / "clean"))
    junk = [".venv/bin/python", ".collections/ansible_collections/clickstream/collectors/x", ".build/ee/" + tarball_name(),
            ".tmp/demo-calls.jsonl", ".ansible/tmp/x", ".pytest_cache/v/x", "plugins/modules/__pycache__/m.cpython-312.pyc",
            "plugins/module_utils/stale.pyc", "node_modules/x/package.json", "roles/cloudfront_collector/node_modules/x/y.js",
            "tests/output/x", ".mypy_cache/x", "plugins/.mypy_cache/x", ".ruff_cache/x", ".cache/x", ".tox/x",
            "roles/cloudfront_collector/tasks/.main.yml.swp", "README.md~", "clickstream.egg-info/PKG-INFO",
            "changelogs/.plugin-cache.yaml", "clickstream-collectors-0.9.0.tar.gz", "old-build.tar.gz",
            "extensions/molecule/default/.molecule/state.yml", "roles/cloudfront_collector/.ansible/x"]
    for name in junk:
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        (source / name).write_text("junk\n", encoding="utf-8")
    (tmp_path / "junk").mkdir()
    polluted = _names(_build(source, tmp_path / "junk"))
    assert polluted == clean, f"shipped from a used checkout: {sorted(set(polluted) - set(clean))}"


def test_the_metadata_users_see_is_complete(artifact):
    with tarfile.open(artifact["tarball"]) as archive:
        info = json.load(archive.extractfile("MANIFEST.json"))["collection_info"]
    repository = info["repository"]
    assert repository.startswith("https://")
    for key in ("documentation", "homepage", "issues"):
        assert info[key].startswith(repository), f"{key} {info[key]!r} is not on the repository {repository!r}"
    assert info["issues"].rstrip("/").endswith("/issues")
    assert {"aws", "cloudfront", "s3", "analytics"} <= set(info["tags"])
    assert info["description"] and info["license"] and info["authors"]
    assert info["version"] == galaxy()["version"]
    assert info["dependencies"] == galaxy()["dependencies"]


def test_ansible_doc_documents_every_module_from_the_installed_artifact(artifact):
    env = environ(artifact["collections"])
    listed = run(["ansible-doc", "-t", "module", "-l", "clickstream.collectors", "--json"], cwd=artifact["cwd"], env=env)
    assert sorted(json.loads(listed.stdout)) == [f"clickstream.collectors.{name}" for name in MODULES]
    for name in MODULES:
        fqcn = f"clickstream.collectors.{name}"
        shown = run(["ansible-doc", fqcn], cwd=artifact["cwd"], env=env)
        assert not problems(shown.stdout + shown.stderr), shown.stdout + shown.stderr
        assert shown.stdout.startswith("> MODULE ")
        assert fqcn in shown.stdout.splitlines()[0]
        assert f"({artifact['installed']}/plugins/modules/{name}.py)" in shown.stdout.splitlines()[0]
        for section in ("OPTIONS", "EXAMPLES", "RETURN VALUES"):
            assert section in shown.stdout, f"ansible-doc {fqcn} shows no {section}"


def test_ansible_doc_documents_the_role_from_the_installed_artifact(artifact):
    env = environ(artifact["collections"])
    listed = run(["ansible-doc", "-t", "role", "-l", "clickstream.collectors", "--json"], cwd=artifact["cwd"], env=env)
    assert sorted(json.loads(listed.stdout)) == [f"clickstream.collectors.{name}" for name in ROLES]
    for name in ROLES:
        fqcn = f"clickstream.collectors.{name}"
        shown = run(["ansible-doc", "-t", "role", fqcn], cwd=artifact["cwd"], env=env)
        assert not problems(shown.stdout + shown.stderr), shown.stdout + shown.stderr
        assert shown.stdout.startswith("> ROLE: ")
        assert fqcn in shown.stdout.splitlines()[0] and f"({artifact['installed']})" in shown.stdout.splitlines()[0]
        assert re.search(r"^ENTRY POINT: \*?main\*? - ", shown.stdout, flags=re.MULTILINE) and "Options (" in shown.stdout


def test_without_an_inventory_the_playbook_says_which_to_pass(artifact):
    proc = run(["ansible-playbook", "clickstream.collectors.collector", "-e", "env=local"],
               cwd=artifact["cwd"], env=environ(artifact["collections"]), check=False)
    assert proc.returncode != 0
    assert "Environment local names no inventory group with hosts" in proc.stdout


def test_the_fqcn_playbook_of_the_installed_artifact_builds_a_collector(artifact, tmp_path):
    pid_file, endpoint_file = tmp_path / "strict_aws.pid", tmp_path / "strict_aws.endpoint"
    server = spawn(pid_file=str(pid_file), endpoint_file=str(endpoint_file), call_log=str(tmp_path / "calls.jsonl"))
    try:
        assert int(pid_file.read_text(encoding="utf-8")) == server.pid
        endpoint = endpoint_file.read_text(encoding="utf-8").strip()
        env = client_environ(endpoint, base=environ(artifact["collections"]))
        command = ["ansible-playbook", "clickstream.collectors.collector", "-e", "env=local", "-i", INVENTORY]
        # the FQCN resolves to the installed copy, and so does the role it runs
        listed = run([*command, "--list-tasks", "-vv"], cwd=artifact["cwd"], env=env).stdout
        assert f"playbook: {artifact['installed']}/playbooks/collector.yml" in listed
        assert f"statically imported: {artifact['installed']}/roles/cloudfront_collector/tasks/preflight.yml" in listed
        assert f"statically imported: {REPO}/" not in listed
        play = run(command, cwd=artifact["cwd"], env=env, timeout=900, check=False)
        assert play.returncode == 0, f"the playbook failed\n{play.stdout}\n{play.stderr}"
        assert "collector-local" in play.stdout and "failed=0" in play.stdout
        distributions = make_client(endpoint, "cloudfront", region="us-east-1").list_distributions()
        items = distributions["DistributionList"].get("Items", [])
        assert len(items) == 1 and items[0]["Enabled"]
        origin = items[0]["Origins"]["Items"][0]["DomainName"]
        bucket = origin.split(".s3.", 1)[0]
        with urllib.request.urlopen(f"{endpoint}/{bucket}/i", timeout=10) as response:  # nosec - local endpoint
            assert response.headers.get("Content-Type") == "image/gif"
            assert response.read() == (REPO / "files" / "i").read_bytes()
    finally:
        server.stop()  # SIGTERM to its PID
    assert not pid_file.exists(), "the strict local AWS did not stop"
