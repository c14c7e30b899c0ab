# -*- coding: utf-8 -*-

# Copyright: clickstream.collectors contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""session.aws_client: every client of a run from one boto3 session, with the module's connection options."""

import pytest
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper

from ansible_collections.clickstream.collectors.plugins.module_utils import session
from ansible_collections.clickstream.collectors.tests.unit.plugins.modules.module_double import Failed
from ansible_collections.clickstream.collectors.tests.unit.plugins.modules.module_double import fake_module

CONNECTION = {"region": "eu-west-1", "endpoint_url": "http://127.0.0.1:1", "access_key": "AKIDEXAMPLE", "secret_key": "secret",
              "session_token": None, "profile": None, "validate_certs": True, "aws_ca_bundle": None, "aws_config": None}


@pytest.fixture(autouse=True)
def _fresh_sessions(monkeypatch):
    monkeypatch.setattr(session, "_SESSIONS", {})


def module(**params):
    return fake_module(CONNECTION, params)


def test_clients_of_a_run_share_one_session_and_its_loaded_data():
    aws = module()
    s3, cloudfront = session.aws_client(aws, "s3"), session.aws_client(aws, "cloudfront", region="us-east-1")
    # One botocore loader: the data files (endpoints, partitions, service list) are read once per run.
    assert s3._loader is cloudfront._loader  # pylint: disable=protected-access
    assert len(session._SESSIONS) == 1  # pylint: disable=protected-access


def test_region_endpoint_credentials_and_aws_config_are_the_modules():
    aws = module(aws_config={"retries": {"mode": "standard", "max_attempts": 7}})
    s3 = session.aws_client(aws, "s3")
    assert s3.meta.region_name == "eu-west-1"
    assert s3.meta.endpoint_url == "http://127.0.0.1:1"
    assert s3._request_signer._credentials.access_key == "AKIDEXAMPLE"  # pylint: disable=protected-access
    assert s3.meta.config.retries["mode"] == "standard"
    assert "clickstream.collectors" in s3.meta.config.user_agent_extra
    assert session.aws_client(aws, "logs", region="us-east-1").meta.region_name == "us-east-1"


def test_a_retry_decorator_wraps_the_client_as_module_client_does():
    aws = module()
    wrapped = session.aws_client(aws, "sts", retry_decorator=AWSRetry.jittered_backoff())
    assert isinstance(wrapped, RetryingBotoClientWrapper)
    assert not isinstance(session.aws_client(aws, "sts"), RetryingBotoClientWrapper)


def test_no_region_fails_saying_how_to_set_one(monkeypatch):
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    aws = module(region=None)
    with pytest.raises(Failed, match="requires a region.*set region"):
        session.aws_client(aws, "logs")
