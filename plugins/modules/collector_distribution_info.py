#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: clickstream.collectors contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: collector_distribution_info
short_description: Find a collector's CloudFront distribution and read it, without writing
version_added: 1.1.0
description:
  - Finds the CloudFront distribution of a collector by its id or by its caller reference, and returns it with its config,
    ETag, status, tags and logging settings, and whether it carries the ownership tags. Read-only, in check mode or not.
  - By id it costs one C(GetDistribution) (and one C(ListTagsForResource)). Polling it by id with O(distribution_id) is
    how the M(clickstream.collectors.cloudfront_collector) role follows a deployment.
  - By caller reference, which ListDistributions summaries lack, it reads only the distributions whose origin is
    O(origin_bucket) or whose comment is O(comment) (one C(GetDistribution) each) besides the ListDistributions pages
    (100 distributions a page), so the cost does not grow with the account. With O(scan_all) (the default) it reads
    every other distribution's config before it says that none has the caller reference.
author:
  - clickstream.collectors maintainers (@clickstream-collectors)
options:
  distribution_id:
    description:
      - The distribution's id. When given, O(caller_reference) (if also given) must be its caller reference.
      - One of O(distribution_id) and O(caller_reference) is required.
    type: str
  caller_reference:
    description:
      - The caller reference the distribution was created with (the collector role's is
        C(clickstream-collector-<environment>-<pixel bucket>)).
    type: str
  origin_bucket:
    description:
      - The S3 bucket the distribution serves (the pixel bucket); distributions with an origin in it are read first.
    type: str
  comment:
    description:
      - The distribution's comment; distributions with this comment are read next.
    type: str
  scan_all:
    description:
      - Whether to read every distribution's config when no candidate (by O(origin_bucket) or O(comment)) has
        O(caller_reference), before answering that there is none. One read per distribution in the account.
    type: bool
    default: true
  ownership_tags:
    description:
      - Tags that mark the distribution as managed by the caller; RV(owned) says whether it carries them.
    type: dict
    default: {}
notes:
  - Permissions used - C(cloudfront:GetDistribution), C(cloudfront:ListTagsForResource), and by caller reference
    C(cloudfront:ListDistributions) (and C(cloudfront:GetDistributionConfig) with O(scan_all)).
  - Supports check mode; it returns the same results as a normal run.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Find the prod collector's distribution
  clickstream.collectors.collector_distribution_info:
    caller_reference: clickstream-collector-prod-acme-clickstream-pixel
    origin_bucket: acme-clickstream-pixel
    ownership_tags:
      managed-by: clickstream.collectors
      clickstream-environment: prod
  register: found

- name: Wait until it is deployed, one line per status read
  clickstream.collectors.collector_distribution_info:
    distribution_id: "{{ found.distribution.id }}"
  register: deployment
  loop: "{{ range(60) | list }}"
  loop_control:
    label: "{{ found.distribution.id }} {{ deployment.distribution.status | default('?') }}"
    pause: 20
    break_when: deployment.distribution.status == 'Deployed'
"""

RETURN = r"""
exists:
  description: Whether the distribution was found.
  returned: always
  type: bool
  sample: true
owned:
  description: Whether it carries every one of O(ownership_tags) (true when none are given); null when it was not found.
  returned: always
  type: bool
  sample: true
missing_ownership_tags:
  description: The ownership tags it lacks or has with another value.
  returned: always
  type: dict
  sample: {}
distribution:
  description: The distribution, or an empty dict when it was not found.
  returned: always
  type: dict
  contains:
    id:
      description: The distribution id.
      type: str
      sample: E2QWRUHAPOMQZL
    arn:
      description: The distribution ARN.
      type: str
      sample: arn:aws:cloudfront::123456789012:distribution/E2QWRUHAPOMQZL
    domain_name:
      description: The distribution's domain name.
      type: str
      sample: d111111abcdef8.cloudfront.net
    status:
      description: C(InProgress) while a change deploys, then C(Deployed).
      type: str
      sample: Deployed
    etag:
      description: The current ETag (config version).
      type: str
      sample: E2QWRUHEXAMPLE
    caller_reference:
      description: The caller reference.
      type: str
      sample: clickstream-collector-prod-acme-clickstream-pixel
    enabled:
      description: Whether the distribution serves requests.
      type: bool
      sample: true
    aliases:
      description: Alternate domain names.
      type: list
      elements: str
      sample: []
    price_class:
      description: The price class.
      type: str
      sample: PriceClass_100
    cache_policy_id:
      description: The default cache behaviour's cache policy.
      type: str
      sample: 658327ea-f89d-4fab-a63d-7e88639e58f6
    response_headers_policy_id:
      description: The default cache behaviour's response headers policy, or null.
      type: str
      sample: 5cc3b908-e619-4b99-88e5-2cf7f45965bd
    tags:
      description: The distribution's tags.
      type: dict
      sample: {"managed-by": "clickstream.collectors", "clickstream-environment": "prod"}
    logging:
      description: Its standard logging settings.
      type: dict
      contains:
        enabled:
          description: Whether standard logging is on.
          type: bool
        bucket:
          description: The log bucket's name.
          type: str
        bucket_domain:
          description: The log bucket as CloudFront stores it (C(<bucket>.s3.amazonaws.com)).
          type: str
        prefix:
          description: The prefix of the log files.
          type: str
        include_cookies:
          description: Whether cookies are logged.
          type: bool
      sample: {"enabled": true, "bucket": "acme-clickstream-logs", "bucket_domain": "acme-clickstream-logs.s3.amazonaws.com",
               "prefix": "cloudfront/", "include_cookies": false}
    config:
      description: The whole DistributionConfig, in snake_case.
      type: dict
      sample: {"caller_reference": "clickstream-collector-prod-acme-clickstream-pixel", "enabled": true}
"""

try:
    import botocore  # noqa: F401  pylint: disable=unused-import
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import cloudfront_client
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import find_distribution
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import get_distribution
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import get_tags
from ansible_collections.clickstream.collectors.plugins.module_utils.cloudfront import ownership_problem
from ansible_collections.clickstream.collectors.plugins.module_utils.distribution_config import distribution_facts


def read_distribution(client, module):
    """(distribution, etag, tags) of the distribution the options name, or (None, None, {})."""
    params = module.params
    if params["distribution_id"]:
        distribution, etag = get_distribution(client, params["distribution_id"])
        found = (distribution or {}).get("DistributionConfig", {}).get("CallerReference")
        if distribution is not None and params["caller_reference"] and found != params["caller_reference"]:
            module.fail_json(
                msg=(
                    f"distribution {params['distribution_id']} has caller reference {found}, not {params['caller_reference']}: "
                    "give the id of the distribution with that caller reference, or only its caller reference"
                )
            )
    else:
        distribution, etag = find_distribution(
            client, params["caller_reference"], origin_bucket=params["origin_bucket"], comment=params["comment"], scan_all=params["scan_all"]
        )
    if distribution is None:
        return None, None, {}
    return distribution, etag, get_tags(client, distribution["ARN"])


def main():
    argument_spec = dict(
        distribution_id=dict(type="str"),
        caller_reference=dict(type="str"),
        origin_bucket=dict(type="str"),
        comment=dict(type="str"),
        scan_all=dict(type="bool", default=True),
        ownership_tags=dict(type="dict", default={}),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        required_one_of=[("distribution_id", "caller_reference")],
        supports_check_mode=True,
    )
    params = module.params
    label = f"distribution {params['distribution_id']}" if params["distribution_id"] else (
        f"the distribution with caller reference {params['caller_reference']}")
    client = cloudfront_client(module)
    try:
        distribution, etag, tags = read_distribution(client, module)
    except is_boto3_error_code("AccessDenied") as e:
        module.fail_json_aws(
            e, msg=f"cannot read {label}: the caller needs cloudfront:GetDistribution, cloudfront:ListTagsForResource and cloudfront:ListDistributions"
        )
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg=f"cannot read {label}")
    if distribution is None:
        module.exit_json(changed=False, exists=False, owned=None, missing_ownership_tags={}, distribution={})
    missing = ownership_problem(tags, params["ownership_tags"])
    module.exit_json(
        changed=False, exists=True, owned=not missing, missing_ownership_tags=missing,
        distribution=distribution_facts(distribution, etag, tags, with_config=True),
    )


if __name__ == "__main__":
    main()
