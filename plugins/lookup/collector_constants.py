# -*- coding: utf-8 -*-

# Copyright: clickstream.collectors contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: collector_constants
author:
  - clickstream.collectors maintainers (@clickstream-collectors)
short_description: The facts the collection's modules check against, for checks made before any module runs
version_added: 1.1.0
description:
  - Returns constants the collection's modules keep in C(module_utils), so that a playbook (the
    M(clickstream.collectors.cloudfront_collector) role's preflight among them) refuses input with the modules' own values.
options:
  _terms:
    description:
      - C(standard_logging_unsupported_regions) (the regions whose buckets CloudFront standard logging cannot write to),
        C(acm_certificate_arn_pattern) (a regular expression an ACM certificate ARN that CloudFront can use matches).
    required: true
    type: list
    elements: str
"""

EXAMPLES = r"""
- name: Refuse a log bucket region CloudFront cannot deliver standard logs to
  ansible.builtin.assert:
    that: log_bucket_region not in query('clickstream.collectors.collector_constants', 'standard_logging_unsupported_regions')
"""

RETURN = r"""
_raw:
  description: The constants named, in order; a list constant is returned as its items.
  type: list
  elements: raw
"""

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

# facts, not cloudfront: this runs in every worker that templates the role's preflight, and cloudfront imports boto3
from ansible_collections.clickstream.collectors.plugins.module_utils import facts

CONSTANTS = {
    "standard_logging_unsupported_regions": list(facts.STANDARD_LOGGING_UNSUPPORTED_REGIONS),
    "acm_certificate_arn_pattern": facts.ACM_CERTIFICATE_ARN_PATTERN,
}


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        values = []
        for term in terms:
            if term not in CONSTANTS:
                raise AnsibleLookupError(f"unknown constant {term!r}; known: {', '.join(sorted(CONSTANTS))}")
            value = CONSTANTS[term]
            values.extend(value if isinstance(value, list) else [value])
        return values
