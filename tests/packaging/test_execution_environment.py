"""The execution environment: ``ansible-builder create`` makes a complete build context from this checkout.

No container engine runs here, so the image is not built. What the image build would do with the context is
checked instead: the Containerfile copies what the context holds, the galaxy stage's requirements name the
collection tarball that is in the context, and ansible-builder's own introspection script, run on the
collections the galaxy stage installs, yields Python and system requirements that the tested versions satisfy.
The commands are the README's: ``ansible-galaxy collection build --force --output-path .build/ee`` and
``ansible-builder create`` (``build`` is ``create`` plus the engine).
"""

import importlib.metadata
import json
import pathlib
import re
import shlex
import sys
import tarfile

import pytest
import yaml
from packaging.requirements import Requirement

from tests.packaging.util import (ANSIBLE_CORE_VERSION, REPO, SITE_COLLECTIONS, environ, galaxy,
                                  installed_collection_version, pinned, run, tarball_name)

DEFINITION = REPO / "execution-environment.yml"


def _definition():
    return yaml.safe_load(DEFINITION.read_text(encoding="utf-8"))


@pytest.fixture(name="context", scope="module")
def fixture_context(tmp_path_factory):
    """The build context ``ansible-builder create`` writes for execution-environment.yml."""
    env = environ()
    run(["ansible-galaxy", "collection", "build", "--force", "--output-path", ".build/ee", "."], cwd=REPO, env=env)
    context = tmp_path_factory.mktemp("ee") / "context"
    run(["ansible-builder", "create", "-f", DEFINITION, "-c", context, "--output-filename", "Containerfile"],
        cwd=REPO, env=env)
    return context


def test_the_definition_is_ansible_builder_3_with_the_collection_and_its_requirements():
    definition = _definition()
    assert definition["version"] == 3
    dependencies = definition["dependencies"]
    assert dependencies["system"] == "bindep.txt"
    assert dependencies["python"], "no Python requirements"
    names = [item["name"] for item in dependencies["galaxy"]["collections"]]
    assert f"/build/collections/{tarball_name()}" in names, f"the collection's tarball ({tarball_name()}) is not installed"
    assert {"src": f".build/ee/{tarball_name()}", "dest": "collections"} in definition["additional_build_files"]


def test_the_build_context_is_complete(context):
    containerfile = (context / "Containerfile").read_text(encoding="utf-8")
    build = context / "_build"
    for name in ("requirements.yml", "requirements.txt", "bindep.txt", f"collections/{tarball_name()}"):
        assert (build / name).is_file(), f"the build context lacks _build/{name}"
    assert (build / "bindep.txt").read_text(encoding="utf-8") == (REPO / "bindep.txt").read_text(encoding="utf-8")
    assert "COPY _build /build" in containerfile
    for name in ("requirements.txt", "bindep.txt"):
        assert f"COPY _build/{name} {name}" in containerfile
    assert "ansible-galaxy collection install $ANSIBLE_GALAXY_CLI_COLLECTION_OPTS -r requirements.yml" in containerfile
    assert f'ARG EE_BASE_IMAGE="{_definition()["images"]["base_image"]["name"]}"' in containerfile
    # every file the Containerfile copies from the context is in it
    for source in re.findall(r"^COPY (_build\S*) ", containerfile, flags=re.MULTILINE):
        assert (context / source).exists(), f"the Containerfile copies {source}, which the context lacks"


def test_the_context_holds_the_collection_as_built_from_this_checkout(context):
    with tarfile.open(context / "_build" / "collections" / tarball_name()) as archive:
        info = json.load(archive.extractfile("MANIFEST.json"))["collection_info"]
        shipped = set(archive.getnames())
    assert (info["namespace"], info["name"], info["version"]) == ("clickstream", "collectors", galaxy()["version"])
    assert {"requirements.txt", "bindep.txt", "meta/runtime.yml"} <= shipped
    # the galaxy stage runs in /build, where the context's _build is copied: the tarball it names is there
    requirements = yaml.safe_load((context / "_build" / "requirements.yml").read_text(encoding="utf-8"))
    for item in requirements["collections"]:
        if item.get("type") == "file":
            assert item["name"].startswith("/build/")
            assert (context / "_build" / item["name"].removeprefix("/build/")).is_file()


def test_the_image_gets_the_tested_versions(context):
    definition = _definition()
    dependencies = definition["dependencies"]
    assert dependencies["ansible_core"]["package_pip"] == f"ansible-core=={pinned('requirements.txt', 'ansible-core')}"
    assert pinned("requirements.txt", "ansible-core") == ANSIBLE_CORE_VERSION
    python = dependencies["python_interpreter"]["python_path"]
    assert python.endswith((REPO / ".python-version").read_text(encoding="utf-8").strip()), python
    pins = {item["name"]: item.get("version") for item in dependencies["galaxy"]["collections"]}
    for fqcn in ("amazon.aws", "community.aws"):
        assert pins[fqcn] == f"=={installed_collection_version(fqcn)}", f"the image's {fqcn} is not the tested one"
    for line in dependencies["python"]:
        requirement = Requirement(line)
        assert str(requirement.specifier) == f"=={pinned('requirements.txt', requirement.name)}", line
    containerfile = (context / "Containerfile").read_text(encoding="utf-8")
    assert f"ansible-core=={ANSIBLE_CORE_VERSION}" in containerfile


def test_the_image_build_would_install_tested_python_packages_and_the_system_ones(context, tmp_path):
    """Run the builder stage's introspection as the Containerfile does, on the collections the galaxy stage installs."""
    collections = tmp_path / "collections"
    run(["ansible-galaxy", "collection", "install", "--no-deps", "--offline", "-p", collections,
         context / "_build" / "collections" / tarball_name()], cwd=tmp_path, env=environ())
    for fqcn in ("amazon.aws", "community.aws"):  # the pinned versions, which the installed ones are (test above)
        path = pathlib.Path("ansible_collections", *fqcn.split("."))
        (collections / path).parent.mkdir(parents=True, exist_ok=True)
        (collections / path).symlink_to(SITE_COLLECTIONS / path)
    containerfile = (context / "Containerfile").read_text(encoding="utf-8")
    command = shlex.split(re.search(r"^RUN (\$PYCMD /output/scripts/introspect\.py introspect .*)$", containerfile,
                                    flags=re.MULTILINE).group(1))
    written = {"/tmp/src/requirements.txt": tmp_path / "pip.txt", "/tmp/src/bindep.txt": tmp_path / "bindep.txt"}
    args = [sys.executable, context / "_build" / "scripts" / "introspect.py", command[2], collections]
    for arg in command[3:]:
        option, _sep, value = arg.partition("=")
        args.append(f"{option}={written.get(value, value)}")
    run(args, cwd=context / "_build", env=environ())  # the builder stage's WORKDIR holds the context's _build files
    python = [line.split("#", 1)[0].strip() for line in (tmp_path / "pip.txt").read_text(encoding="utf-8").splitlines()]
    requirements = [Requirement(line) for line in python if line]
    names = {requirement.name.lower() for requirement in requirements}
    assert {"boto3", "botocore"} <= names
    assert not names & {"ansible", "ansible-core"}, "the image would install a second ansible"
    assert "aiobotocore" not in names, "amazon.aws's event-source requirement is excluded from the image"
    untested = [str(requirement) for requirement in requirements
                if not requirement.specifier.contains(importlib.metadata.version(requirement.name), prereleases=True)]
    assert not untested, f"the image would install versions the tests do not run: {untested}"
    system = (tmp_path / "bindep.txt").read_text(encoding="utf-8")
    assert re.search(r"^ca-certificates\b", system, flags=re.MULTILINE), system
