"""Release hygiene: the next release's changelog builds and renders, and the declared versions are the tested ones.

The release itself is made in the repository by a maintainer (README, "Releasing"); here it is made on a copy
of the checkout with the fragments present now, so a broken fragment or changelog shows before release day.
The version ranges the collection declares (meta/runtime.yml, galaxy.yml, requirements.yml) must admit the
ansible-core, amazon.aws and community.aws that `make test` runs, and their lower bounds must be the tested
release lines: a range that claims untested versions is a promise nobody checked.
"""

import ast
import re
import shutil
import subprocess

import docutils.core
import pytest
import yaml
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from tests.packaging.util import ANSIBLE_CORE_VERSION, REPO, environ, galaxy, installed_collection_version, run

DEPENDENCIES = ("amazon.aws", "community.aws")
RELEASE_DATE = "2030-01-01"


def _yaml(path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _spec(galaxy_range):
    """A Galaxy version range (">=1.0.0", ">=1.0.0,<2.0.0", "*") as a packaging SpecifierSet."""
    return SpecifierSet("" if galaxy_range.strip() == "*" else galaxy_range.replace(" ", ""))


def _lower_bound(spec):
    bounds = [Version(item.version) for item in spec if item.operator in (">=", "==", "~=")]
    assert len(bounds) == 1, f"{spec} has no single lower bound"
    return bounds[0]


def _line(version):
    version = Version(str(version))
    return version.major, version.minor


def _released():
    return {str(version) for version in (_yaml(REPO / "changelogs" / "changelog.yaml").get("releases") or {})}


def _fragments(directory):
    return sorted(path for path in directory.iterdir() if path.suffix in (".yml", ".yaml"))


def _copy_checkout(copy):
    """The tracked files of the checkout, copied to ``copy``."""
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    for name in filter(None, tracked.decode().split("\0")):
        if (REPO / name).is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, copy / name)
    return copy


def _version_added(node, where):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "version_added":
                yield where, str(value)
            else:
                yield from _version_added(value, f"{where}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _version_added(value, f"{where}[{index}]")


def _documented_versions():
    """Every version_added in the modules' DOCUMENTATION and RETURN and in the roles' argument specs."""
    for path in sorted((REPO / "plugins" / "modules").glob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) in ("DOCUMENTATION", "RETURN"):
                yield from _version_added(yaml.safe_load(node.value.value), f"{path.stem}.{node.targets[0].id}")
    for path in sorted((REPO / "roles").glob("*/meta/argument_specs.yml")):
        yield from _version_added(_yaml(path), path.parts[-3])


def test_the_changelog_fragments_lint_clean():
    proc = run(["antsibull-changelog", "lint"], cwd=REPO, env=environ())
    assert proc.stdout.strip() == "" and proc.stderr.strip() == ""


def test_the_version_is_the_next_release_and_every_version_added_is_released_or_it():
    version = galaxy()["version"]
    released = _released()
    assert version not in released, f"galaxy.yml's {version} is released already: raise it for the next release"
    assert all(Version(version) > Version(other) for other in released)
    wrong = [(where, added) for where, added in _documented_versions() if added not in released | {version}]
    assert not wrong, f"version_added names no release and not the next one ({version}): {wrong}"


@pytest.fixture(name="released_copy", scope="module")
def fixture_released_copy(tmp_path_factory):
    """A copy of the checkout after ``antsibull-changelog release`` of galaxy.yml's version, and its fragments."""
    copy = _copy_checkout(tmp_path_factory.mktemp("release") / "collection")
    version = galaxy()["version"]
    # a release's summary fragment is written on release day (README, "Releasing")
    summary = copy / "changelogs" / "fragments" / f"{version}.yml"
    summary.write_text(f"---\nrelease_summary: Release {version} of the collection (release test).\n", encoding="utf-8")
    fragments = [path.name for path in _fragments(copy / "changelogs" / "fragments")]
    run(["antsibull-changelog", "release", "--version", version, "--date", RELEASE_DATE, "--reload-plugins"],
        cwd=copy, env=environ(), timeout=300)
    return copy, version, fragments


def test_the_release_takes_in_every_fragment(released_copy):
    copy, version, fragments = released_copy
    release = _yaml(copy / "changelogs" / "changelog.yaml")["releases"][version]
    assert release["release_date"] == RELEASE_DATE
    assert sorted(release["fragments"]) == sorted(fragments)
    assert release["changes"]["release_summary"] == f"Release {version} of the collection (release test)."
    assert not _fragments(copy / "changelogs" / "fragments"), "fragments left behind after the release"
    lint = run(["antsibull-changelog", "lint-changelog-yaml", "changelogs/changelog.yaml"], cwd=copy, env=environ())
    assert lint.stdout.strip() == ""
    # the released files pass the repository's yamllint rules (make lint) as written
    run(["yamllint", "--strict", "-c", REPO / ".yamllint", "changelogs/changelog.yaml"], cwd=copy, env=environ())


def test_the_released_changelog_renders(released_copy):
    copy, version, _fragments_released = released_copy
    text = (copy / "CHANGELOG.rst").read_text(encoding="utf-8")
    headings = re.findall(r"^v(\d+\.\d+\.\d+)\n=+$", text, flags=re.MULTILINE)
    assert headings[0] == version, f"the newest section is v{headings[0]}, not v{version}"
    assert sorted(headings[1:], key=Version, reverse=True) == headings[1:]
    assert set(headings[1:]) == _released()
    section = text.split(f"v{version}\n", 1)[1].split("\nv", 1)[0]
    assert "Release Summary" in section and f"Release {version} of the collection" in section
    # docutils raises on any warning: the file renders on Galaxy and in the docs as written
    doctree = docutils.core.publish_doctree(text, settings_overrides={"report_level": 2, "halt_level": 2})
    assert f"v{version}" in doctree.astext()


def test_the_repository_changelog_is_the_one_the_recorded_releases_generate(tmp_path):
    """CHANGELOG.rst is generated from changelogs/changelog.yaml, never edited by hand."""
    copy = _copy_checkout(tmp_path / "collection")
    run(["antsibull-changelog", "generate", "--reload-plugins"], cwd=copy, env=environ(), timeout=300)
    assert (copy / "CHANGELOG.rst").read_text(encoding="utf-8") == (REPO / "CHANGELOG.rst").read_text(encoding="utf-8")
    assert "v1.0.0" in (REPO / "CHANGELOG.rst").read_text(encoding="utf-8")


def test_requires_ansible_admits_the_tested_ansible_core_and_starts_at_its_line():
    requires = _yaml(REPO / "meta" / "runtime.yml")["requires_ansible"]
    spec = SpecifierSet(requires)
    assert spec.contains(ANSIBLE_CORE_VERSION), f"requires_ansible {requires} excludes the tested {ANSIBLE_CORE_VERSION}"
    assert _line(_lower_bound(spec)) == _line(ANSIBLE_CORE_VERSION), (
        f"requires_ansible {requires} starts at an ansible-core line the tests do not run ({ANSIBLE_CORE_VERSION})")


@pytest.mark.parametrize("fqcn", DEPENDENCIES)
def test_dependency_ranges_agree_admit_the_tested_version_and_start_at_its_line(fqcn):
    declared = galaxy()["dependencies"][fqcn]
    for_users = {item["name"]: item["version"] for item in _yaml(REPO / "requirements.yml")["collections"]}
    assert for_users[fqcn] == declared, f"requirements.yml asks {for_users[fqcn]} of {fqcn}, galaxy.yml {declared}"
    tested = installed_collection_version(fqcn)
    spec = _spec(declared)
    assert spec.contains(tested), f"{fqcn} {declared} excludes the tested {tested}"
    assert _line(_lower_bound(spec)) == _line(tested), f"{fqcn} {declared} admits untested releases before {tested}"


def test_the_readme_names_the_tested_versions():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for name, version in (("ansible-core", ANSIBLE_CORE_VERSION),
                          *((fqcn, installed_collection_version(fqcn)) for fqcn in DEPENDENCIES)):
        assert f"{name} {version}" in readme, f"README.md does not say the tests run {name} {version}"


def test_the_installed_dependencies_are_the_ones_the_pinned_ansible_package_brings():
    """The tested collection versions come from requirements.txt's `ansible` pin, as its comment says."""
    comment = (REPO / "requirements.txt").read_text(encoding="utf-8")
    for fqcn in DEPENDENCIES:
        assert f"{fqcn} {installed_collection_version(fqcn)}" in comment
