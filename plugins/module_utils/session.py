# -*- coding: utf-8 -*-

# Copyright: clickstream.collectors contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""AWS clients of a module run, all from one boto3 session.

``AnsibleAWSModule.client()`` builds a new boto3 session for every client, and each new session loads botocore's data
files again (endpoint rules, partitions, the list of services, the service model): about 0.2 s per client, 1.2 s of the
five clients ``collector_info`` reads with. Clients made here share one session, so each file is loaded once per run.
The connection options (region, endpoint, credentials, profile, ``aws_config``) are the module's, read as
``AnsibleAWSModule.client()`` reads them.
"""

import threading

try:
    import boto3
    import botocore
    import botocore.config
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import get_aws_connection_info
from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper

USER_AGENT_EXTRA = "clickstream.collectors"

# A boto3 session is not thread-safe; its clients are. collector_info makes clients from its reader threads.
_LOCK = threading.Lock()
_SESSIONS = {}


def _config(connect):
    config = botocore.config.Config(user_agent_extra=USER_AGENT_EXTRA)
    for key in ("config", "aws_config"):
        extra = connect.pop(key, None)
        if extra:
            config = config.merge(extra if isinstance(extra, botocore.config.Config) else botocore.config.Config(**extra))
    return config


def aws_client(module, service, region=None, retry_decorator=None):
    """A boto3 client for ``service`` (in ``region``, else the module's), wrapped like ``module.client()`` wraps it
    when ``retry_decorator`` is given (its calls retried with ``aws_retry=True``)."""
    module_region, endpoint_url, connect = get_aws_connection_info(module)
    connect = dict(connect)
    profile = connect.pop("profile_name", None)
    config = _config(connect)
    try:
        with _LOCK:
            session = _SESSIONS.get(profile)
            if session is None:
                session = _SESSIONS[profile] = boto3.session.Session(profile_name=profile)
            client = session.client(service, config=config, region_name=region or module_region, endpoint_url=endpoint_url, **connect)
    except botocore.exceptions.NoRegionError:
        name = module._name  # pylint: disable=protected-access
        module.fail_json(msg=f"The {name} module requires a region and none was found in configuration, environment variables "
                         "or module parameters: set region (or AWS_REGION)")
    except (ValueError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg=f"Couldn't connect to AWS ({service})")
    return client if retry_decorator is None else RetryingBotoClientWrapper(client, retry_decorator)
