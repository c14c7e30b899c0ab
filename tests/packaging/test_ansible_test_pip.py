"""ansible-test's pip bootstrap provided by the project (tests/ansible_test_pip.py).

``make sanity`` and ``make units`` must work where only the package registries are reachable and the
home directory is new: the stand-in has to be where ansible-test looks, for the pip version it pins,
and it has to put that pip into an empty virtual environment the way ansible-test runs it.
"""

import os
import pathlib
import subprocess
import sys
import venv

import ansible_test

from tests import ansible_test_pip

ANSIBLE_TEST = pathlib.Path(ansible_test.__file__).parent
PYTHON_VERSION = f"{sys.version_info.major}.{sys.version_info.minor}"


def test_the_stand_in_is_where_ansible_test_looks_for_it(tmp_path):
    version = ansible_test_pip.pip_version(PYTHON_VERSION)
    source = (ANSIBLE_TEST / "_util" / "target" / "setup" / "requirements.py").read_text(encoding="utf-8")
    assert "'~/.ansible/test/cache/get_pip_%s.py' % pip_version.replace(\".\", \"_\")" in source
    path, action = ansible_test_pip.provide(tmp_path, version)
    assert action == "written"
    assert path == tmp_path / ".ansible" / "test" / "cache" / f"get_pip_{version.replace('.', '_')}.py"


def test_the_pip_version_is_the_one_ansible_test_pins():
    source = (ANSIBLE_TEST / "_internal" / "python_requirements.py").read_text(encoding="utf-8")
    version = ansible_test_pip.pip_version(PYTHON_VERSION)
    assert f"pip='{version}'" in source


def test_the_stand_in_bootstraps_pip_into_an_empty_venv_as_ansible_test_runs_it(tmp_path):
    version = ansible_test_pip.pip_version(PYTHON_VERSION)
    script, _action = ansible_test_pip.provide(tmp_path / "home", version)
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    assert subprocess.run([python, "-m", "pip", "--version"], capture_output=True, check=False).returncode != 0
    # what ansible-test's bootstrap() runs: its quiet_pip.py with GET_PIP naming the cached script
    quiet_pip = ANSIBLE_TEST / "_util" / "target" / "setup" / "quiet_pip.py"
    env = dict(os.environ, GET_PIP=str(script))
    subprocess.run([python, quiet_pip, "--disable-pip-version-check", f"pip=={version}", "--no-setuptools", "--no-wheel"],
                   env=env, check=True, timeout=300)
    shown = subprocess.run([python, "-m", "pip", "--version"], capture_output=True, text=True, check=True).stdout
    assert shown.startswith(f"pip {version} ")


def test_idempotent_and_a_script_it_did_not_write_is_kept(tmp_path):
    version = "25.2"
    path, action = ansible_test_pip.provide(tmp_path, version)
    assert action == "written"
    assert ansible_test_pip.provide(tmp_path, version) == (path, "up to date")
    path.write_text(f"{ansible_test_pip.MARKER}\n# an older stand-in\n", encoding="utf-8")
    assert ansible_test_pip.provide(tmp_path, version) == (path, "written")
    assert path.read_text(encoding="utf-8") == ansible_test_pip.STAND_IN
    path.write_text("# the real get-pip script\n", encoding="utf-8")
    assert ansible_test_pip.provide(tmp_path, version) == (path, "kept (not written by this project)")
    assert path.read_text(encoding="utf-8") == "# the real get-pip script\n"


def test_the_command_line_writes_into_the_given_home(tmp_path):
    repo = pathlib.Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "-m", "tests.ansible_test_pip", "--home", str(tmp_path)],
                            cwd=repo, capture_output=True, text=True, check=True)
    version = ansible_test_pip.pip_version(PYTHON_VERSION)
    assert ansible_test_pip.cache_path(tmp_path, version).read_text(encoding="utf-8") == ansible_test_pip.STAND_IN
    assert "written" in result.stdout
