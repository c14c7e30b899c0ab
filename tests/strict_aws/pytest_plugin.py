"""pytest fixtures for the strict local AWS.

Use from another test directory's conftest.py::

    from tests.strict_aws.pytest_plugin import strict_aws, strict_aws_server  # noqa: F401

A test of a strict rule takes the ``aws`` fixture instead of ``strict_aws``: it runs twice, against the strict AWS
(it must pass) and against plain moto (it must fail: ``xfail(strict=True)``, so a rule test that also passes on
moto fails the suite, as it shows nothing moto does not do already).
"""

import os
from typing import Any

import pytest
import requests
from botocore.exceptions import ClientError
from moto.server import ThreadedMotoServer

from .client import edge_info, make_client
from .server import StrictAWS
from .server import client_environ


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

    def edge_info(self) -> dict[str, str]:
        """Where the local CloudFront edge answers (``GET /_strict/edge``)."""
        return edge_info(self.endpoint)


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


class PlainMotoFixture(StrictAWSFixture):
    """The ``aws`` fixture's plain-moto side: moto's own server, no layer (no rules, no call log, no settings, no edge).

    It shares the process's moto state with the strict server, which resets it.
    """

    def __init__(self, endpoint: str, strict_server: StrictAWS):
        super().__init__(strict_server)
        self._endpoint = endpoint

    @property
    def endpoint(self) -> str:
        return self._endpoint

    def calls(self) -> list[dict[str, Any]]:
        return []

    def set_config(self, **settings: Any) -> None:
        """Plain moto has none of the layer's settings."""

    def set_iam_policy(self, document: dict[str, Any] | None, access_key_id: str | None = None,
                       audit: dict[str, Any] | None = None) -> None:
        """Plain moto does not evaluate the caller's identity policy (as the strict layer does when given one)."""

    def iam_state(self) -> dict[str, Any]:
        raise AssertionError("plain moto does not evaluate IAM: no refusals to read")

    def edge_info(self) -> dict[str, str]:
        """Plain moto has no edge: viewer requests go to its S3/CloudFront API on the same address (no TLS)."""
        address = self._endpoint.split("://", 1)[1]
        return {"address": address, "http": self._endpoint, "https": f"https://{address}", "certificate": ""}


PLAIN_MOTO = pytest.param("plain moto", marks=pytest.mark.xfail(
    # An assertion, an error answer, a field missing from moto's answer (KeyError), or no answer at all (moto has no
    # edge, no TLS and no control endpoints: RequestException).
    strict=True, raises=(AssertionError, pytest.fail.Exception, ClientError, KeyError, requests.RequestException),
    reason="plain moto does not do this as AWS does; the strict layer's rule does"))


@pytest.fixture(scope="session")
def plain_moto_server():
    """moto's own server (``ThreadedMotoServer``), without the layer, for the whole session."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(params=["strict", PLAIN_MOTO])
def aws(request, strict_aws_server, plain_moto_server):  # pylint: disable=redefined-outer-name
    """The strict server (reset), then plain moto: a rule test must pass on the first and fail on the second."""
    strict_aws_server.reset()
    if request.param == "strict":
        return StrictAWSFixture(strict_aws_server)
    return PlainMotoFixture(plain_moto_server, strict_aws_server)
