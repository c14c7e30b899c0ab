"""Fixtures of the browser test, and its figures printed at the end of the run."""

import pytest

from tests.browser.harness import PageServer
from tests.browser.harness import missing_setup

_FIGURES = []


@pytest.fixture(scope="session", autouse=True)
def browser_setup():
    """Fail (not skip) with the command to run when Chromium or the trackers are not installed."""
    message = missing_setup()
    if message:
        pytest.fail(message, pytrace=False)


@pytest.fixture
def page_server(tmp_path):
    """The test page on its own local origin; stopped by PID after the test."""
    with PageServer(tmp_path) as server:
        yield server


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
