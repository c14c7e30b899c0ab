"""pytest fixtures for the strict local AWS.

Use from another test directory's conftest.py::

    from tests.strict_aws.pytest_plugin import strict_aws, strict_aws_server  # noqa: F401
"""

import os
from typing import Any

import boto3
import botocore.config
import pytest

from .server import StrictAWS
from .server import client_environ

TEST_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def strip_account_host_prefix(request: Any, **_: Any) -> None:
    """botocore ``before-send.s3-control.*`` hook: drop the ``<account-id>.`` label botocore puts in
    front of the endpoint host, which does not resolve for an IP endpoint."""
    scheme, _, rest = request.url.partition("://")
    host, _, path = rest.partition("/")
    label, _, remainder = host.partition(".")
    if label.isdigit() and len(label) == 12 and remainder:
        request.url = f"{scheme}://{remainder}/{path}"


def make_client(endpoint: str, service: str, region: str = "eu-west-1", **kwargs: Any):
    """A boto3 client for the strict server: test credentials, path-style S3, s3control host fix."""
    config = botocore.config.Config(s3={"addressing_style": "path"})
    if kwargs.get("config") is not None:
        config = config.merge(kwargs.pop("config"))
    else:
        kwargs.pop("config", None)
    params = {**TEST_CREDENTIALS, "aws_session_token": None, "region_name": region, "endpoint_url": endpoint, "config": config}
    params.update(kwargs)
    client = boto3.session.Session().client(service, **params)
    if service == "s3control":
        client.meta.events.register("before-send.s3-control.*", strip_account_host_prefix)
    return client


class StrictAWSFixture:
    """What the ``strict_aws`` fixture returns: a freshly reset server and helpers."""

    def __init__(self, server: StrictAWS):
        self.server = server

    @property
    def endpoint(self) -> str:
        """The server's ``http://127.0.0.1:PORT``."""
        return self.server.endpoint

    @property
    def env(self) -> dict[str, str]:
        """Environment for subprocesses (merge onto os.environ)."""
        return client_environ(self.endpoint)

    def calls(self) -> list[dict[str, Any]]:
        """All call log entries since the fixture reset the server."""
        return self.server.calls()

    def writes(self) -> list[dict[str, Any]]:
        """Only the mutating calls."""
        return [call for call in self.calls() if call["mutating"]]

    def reset(self) -> None:
        """Wipe all state and the call log."""
        self.server.reset()

    def set_config(self, **settings: Any) -> None:
        """Change deploy_reads / fault_rate / fault_seed / latency / cloudfront_rate_limit / cloudfront_burst
        (restored by the next reset)."""
        self.server.configure(**settings)

    def set_iam_policy(self, document: dict[str, Any] | None, access_key_id: str | None = None,
                       audit: dict[str, Any] | None = None) -> None:
        """The caller has exactly this identity-based policy (None: IAM not evaluated; the next reset too)."""
        self.server.set_iam_policy(document, access_key_id, audit)

    def iam_state(self) -> dict[str, Any]:
        """The policies in force and the requests IAM refused since the last reset."""
        return self.server.iam_state()

    def boto3_client(self, service: str, region: str = "eu-west-1", **kwargs: Any):
        """A boto3 client bound to the server."""
        return make_client(self.endpoint, service, region, **kwargs)


@pytest.fixture(scope="session")
def strict_aws_server():
    """One strict server for the whole session (call log file from $STRICT_AWS_CALL_LOG, if set)."""
    server = StrictAWS(call_log=os.environ.get("STRICT_AWS_CALL_LOG") or None)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def strict_aws(strict_aws_server):  # pylint: disable=redefined-outer-name
    """The session server, reset for this test."""
    strict_aws_server.reset()
    return StrictAWSFixture(strict_aws_server)
