"""ansible-test's pip bootstrap, provided by the project (``python -m tests.ansible_test_pip``).

``ansible-test sanity --venv`` and ``ansible-test units --venv`` (``make sanity``, ``make units``) start
each virtual environment they create with a "get-pip" script, which they download from a host outside
the package registries into ``~/.ansible/test/cache/get_pip_<version>.py`` unless it is already there.
On a machine that reaches only the package registries that download fails ("Download failed").

This writes a stand-in for that script where ansible-test looks for it: the stand-in bootstraps pip
with the standard library's ``ensurepip`` and then installs the packages ansible-test asks for (the
pip version it pins) from the package index, with pip's usual configuration. The pip version is read
from the installed ansible-test, so a new ansible-core release needs no change here.

Idempotent: an up-to-date stand-in is left as it is, and so is a script this did not write (the real
bootstrap script, downloaded where its host is reachable).
"""

import argparse
import pathlib
import sys
import types

MARKER = "# written by tests/ansible_test_pip.py"

STAND_IN = f'''{MARKER}
"""Stand-in for ansible-test's get-pip bootstrap: ensurepip, then the requested packages from the index."""
import subprocess
import sys

ARGS = [arg for arg in sys.argv[1:] if arg not in ("--no-setuptools", "--no-wheel")]
subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"], stdout=subprocess.DEVNULL)
subprocess.check_call([sys.executable, "-m", "pip", "install", "--disable-pip-version-check", "--quiet", *ARGS])
'''


def pip_version(python_version: str) -> str:
    """The pip version ansible-test installs into the virtual environments it creates for ``python_version``."""
    try:
        from ansible_test._internal.python_requirements import get_venv_packages  # pylint: disable=import-outside-toplevel
    except ImportError as exc:
        raise SystemExit(f"ansible_test_pip: cannot read the pip version from the installed ansible-test ({exc}); "
                         "run it with the project's virtualenv (.venv/bin/python -m tests.ansible_test_pip)") from exc
    return get_venv_packages(types.SimpleNamespace(version=python_version))["pip"]


def cache_path(home: pathlib.Path, version: str) -> pathlib.Path:
    """Where ansible-test looks for the bootstrap script of pip ``version``."""
    return home / ".ansible" / "test" / "cache" / f"get_pip_{version.replace('.', '_')}.py"


def provide(home: pathlib.Path, version: str) -> tuple[pathlib.Path, str]:
    """Write the stand-in unless it is there already; return its path and what was done."""
    path = cache_path(home, version)
    if path.exists() and path.stat().st_size:
        current = path.read_text(encoding="utf-8", errors="replace")
        if not current.startswith(MARKER):
            return path, "kept (not written by this project)"
        if current == STAND_IN:
            return path, "up to date"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.tmp")
    tmp.write_text(STAND_IN, encoding="utf-8")
    tmp.replace(path)
    return path, "written"


def main(argv: list[str] | None = None) -> int:
    """Provide the bootstrap script for this interpreter's Python version (or --python)."""
    parser = argparse.ArgumentParser(prog="python -m tests.ansible_test_pip", description=__doc__.split("\n", 1)[0])
    parser.add_argument("--python", default=f"{sys.version_info.major}.{sys.version_info.minor}",
                        help="the Python version ansible-test runs with (default: this interpreter's)")
    parser.add_argument("--home", type=pathlib.Path, default=pathlib.Path.home(),
                        help="the home directory ansible-test uses (default: this user's)")
    args = parser.parse_args(argv)
    version = pip_version(args.python)
    path, action = provide(args.home, version)
    print(f"ansible-test pip {version} bootstrap: {path} {action}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
