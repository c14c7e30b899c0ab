# -*- coding: utf-8 -*-

# Copyright: clickstream.collectors contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A stand-in for AnsibleAWSModule in unit tests: params, check mode, and failures raised as exceptions."""

from unittest.mock import MagicMock

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper
from ansible_collections.clickstream.collectors.plugins.module_utils import session


class FailJson(Exception):
    """The module called fail_json or fail_json_aws; the exception text is its message."""


# How a module fails: fail_json, or an AnsibleAWSError (from the error handlers) that main() turns into fail_json_aws.
Failed = (FailJson, AnsibleAWSError)


def retrying(client):
    """``client`` as module.client(..., retry_decorator=AWSRetry.jittered_backoff()) returns it (calls take aws_retry)."""
    return RetryingBotoClientWrapper(client, AWSRetry.jittered_backoff(retries=2, delay=0))


def fake_module(defaults, params, check_mode=False):
    """A MagicMock module with ``defaults`` overridden by ``params``, failing by raising Failed."""
    module = MagicMock()
    module.params = dict(defaults, **params)
    module.check_mode = check_mode
    module.region = "eu-west-1"
    module._diff = True  # pylint: disable=protected-access

    def fail_json(**kwargs):
        raise FailJson(kwargs["msg"])

    def fail_json_aws(exc, msg=None, **kwargs):
        raise FailJson(f"{msg}: {exc}")

    module.fail_json.side_effect = fail_json
    module.fail_json_aws.side_effect = fail_json_aws
    return module


def clients_from_the_double(monkeypatch):
    """Route the modules' AWS clients (module_utils.session.aws_client) to the double's ``module.client``."""
    monkeypatch.setattr(session, "aws_client", lambda module, service, **kwargs: module.client(service, **kwargs))
