"""Fixtures for the strict AWS's own tests."""

import pytest

from tests.strict_aws.pytest_plugin import aws, plain_moto_server, strict_aws, strict_aws_server  # noqa: F401  pylint: disable=unused-import


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):  # pylint: disable=unused-argument
    """On a rule test's plain-moto run, say what moto did instead (``make strict-aws`` lists them with -rx)."""
    outcome = yield
    report = outcome.get_result()
    if getattr(report, "wasxfail", None) and call.excinfo is not None:
        report.wasxfail = "plain moto: " + " ".join(call.excinfo.exconly().split())[:240]
