"""Fixtures of the browser test, and its figures printed at the end of the run."""

import pytest

from tests.browser.collector import RoleCollector
from tests.browser.harness import PageServer
from tests.browser.harness import missing_setup

_FIGURES = []


@pytest.fixture(scope="session", autouse=True)
def browser_setup():
    """Fail (not skip) with the command to run when Chromium or the trackers are not installed."""
    message = missing_setup()
    if message:
        pytest.fail(message, pytrace=False)


@pytest.fixture(scope="module")
def page_server(tmp_path_factory):
    """The test page on its own local origin; stopped by PID after the module."""
    with PageServer(tmp_path_factory.mktemp("page")) as server:
        yield server


@pytest.fixture(scope="module")
def collector(tmp_path_factory):
    """The strict local AWS with its edge, where the role builds the collector; stopped by PID after the module."""
    with RoleCollector(tmp_path_factory.mktemp("collector")) as built:
        yield built
    _FIGURES.append(f"role runs: {', '.join(f'{seconds} s' for seconds in built.build_seconds)}")


@pytest.fixture
def figures():
    """A list the test appends one line of figures to; printed at the end of the run."""
    return _FIGURES


def pytest_terminal_summary(terminalreporter):
    """The figures of every scenario that ran."""
    if _FIGURES:
        terminalreporter.section("browser test figures")
        for line in _FIGURES:
            terminalreporter.write_line(line)
