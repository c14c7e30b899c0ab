"""What the packaging tests share: the repository's metadata, the tested versions, commands run outside it."""

import json
import os
import pathlib
import subprocess
import sys

import ansible.release
import ansible_collections
import yaml

REPO = pathlib.Path(__file__).resolve().parents[2]
BIN = pathlib.Path(sys.executable).parent
# where the `ansible` package (requirements.txt) installed amazon.aws and community.aws: a collections path entry
SITE_COLLECTIONS = pathlib.Path(list(ansible_collections.__path__)[0]).parent
ANSIBLE_CORE_VERSION = ansible.release.__version__


def galaxy():
    """galaxy.yml."""
    return yaml.safe_load((REPO / "galaxy.yml").read_text(encoding="utf-8"))


def tarball_name():
    """The file name ``ansible-galaxy collection build`` gives the collection's artifact."""
    meta = galaxy()
    return f"{meta['namespace']}-{meta['name']}-{meta['version']}.tar.gz"


def installed_collection_version(fqcn):
    """The version of a collection the tests run with (installed by the `ansible` package)."""
    namespace, name = fqcn.split(".")
    manifest = SITE_COLLECTIONS / "ansible_collections" / namespace / name / "MANIFEST.json"
    return json.loads(manifest.read_text(encoding="utf-8"))["collection_info"]["version"]


def pinned(requirements_file, name):
    """The version ``name==VERSION`` pins in a pip requirements file of the repository."""
    for line in (REPO / requirements_file).read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line.lower().startswith(f"{name.lower()}=="):
            return line.split("==", 1)[1].strip()
    raise AssertionError(f"{requirements_file} pins no {name}")


def environ(collections_path=None, **extra):
    """This environment without ansible settings (the Makefile sets ANSIBLE_CONFIG), with the venv's tools first.

    With ``collections_path``, ansible looks for collections there and in the venv's site-packages only,
    never in this checkout's .collections.
    """
    env = {key: value for key, value in os.environ.items() if not key.startswith("ANSIBLE_")}
    env["PATH"] = os.pathsep.join([str(BIN), env.get("PATH", "")])
    env["ANSIBLE_NOCOLOR"] = "1"
    env["ANSIBLE_FORCE_COLOR"] = "0"
    if collections_path is not None:
        env["ANSIBLE_COLLECTIONS_PATH"] = os.pathsep.join([str(collections_path), str(SITE_COLLECTIONS)])
    env.update(extra)
    return env


def run(command, cwd, env, timeout=600, check=True):
    """Run a command; on an unexpected exit code fail with its output."""
    proc = subprocess.run([str(part) for part in command], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, command))} exited {proc.returncode}\n"
                             f"--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}")
    return proc


# ansible-core 2.21 warns about its own internal collection when it lists roles; that is not ours to fix
_CORE_NOISE = ("ansible/_internal/ansible_collections/ansible/_protomatter' does not have a MANIFEST.json",)


def problems(output):
    """The ERROR and WARNING lines of an ansible command's output, less ansible-core's own noise."""
    return [line for line in output.splitlines()
            if ("ERROR" in line or "[WARNING]" in line) and not any(noise in line for noise in _CORE_NOISE)]
