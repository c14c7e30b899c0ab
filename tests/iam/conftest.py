"""Fixtures for the IAM tests: the session's strict server and the generated policies."""

import concurrent.futures

import pytest

from tests.iam.harness import ENVIRONMENTS, generate_policy
from tests.strict_aws.pytest_plugin import strict_aws, strict_aws_server  # noqa: F401  pylint: disable=unused-import


@pytest.fixture(scope="session")
def generated(strict_aws_server, tmp_path_factory):  # noqa: F811  pylint: disable=redefined-outer-name
    """The policy playbooks/iam-policy.yml writes for each environment of the repository's inventory."""
    directory = tmp_path_factory.mktemp("generated")
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        futures = {env: pool.submit(generate_policy, strict_aws_server.endpoint, env, directory / f"{env}.json") for env in ENVIRONMENTS}
        return {env: future.result() for env, future in futures.items()}
