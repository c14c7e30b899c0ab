"""Fixtures for the strict AWS's own tests."""

from tests.strict_aws.pytest_plugin import strict_aws, strict_aws_server  # noqa: F401  pylint: disable=unused-import
