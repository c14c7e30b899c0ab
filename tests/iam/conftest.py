"""Fixtures for the IAM tests: the session's strict server."""

from tests.strict_aws.pytest_plugin import strict_aws, strict_aws_server  # noqa: F401  pylint: disable=unused-import
