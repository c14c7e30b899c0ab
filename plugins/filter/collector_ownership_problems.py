# -*- coding: utf-8 -*-

# Copyright: clickstream.collectors contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: collector_ownership_problems
author:
  - clickstream.collectors maintainers (@clickstream-collectors)
short_description: Why the cloudfront_collector role must not touch what collector_info found, in words that name the fix
version_added: 1.1.0
description:
  - The ownership checks of the M(clickstream.collectors.cloudfront_collector) role's preflight, on what
    M(clickstream.collectors.collector_info) read. The role refuses a run with the first message this returns, before
    any write.
  - In order, what would stop the collector or harm what is not its own - account-level Block Public Access that stops the
    public pixel; a bucket that exists and is not this collector's (other tags, or another account's); a distribution with
    this collector's caller reference and without its ownership tags; a bucket of this collector in another region than
    the settings name; this collector built before with another pixel bucket; its distribution logging to another log
    bucket.
positional: _input
options:
  _input:
    description: What M(clickstream.collectors.collector_info) returned.
    type: dict
    required: true
  settings:
    description: The role's settings the messages name.
    type: dict
    required: true
    suboptions:
      state:
        description: V(present) or V(absent).
        type: str
      logging:
        description: Whether access logs are wanted.
        type: bool
      environment:
        description: The collector's environment (its inventory group).
        type: str
      name:
        description: The collector's name.
        type: str
      host:
        description: Its inventory host, for the teardown command the messages give.
        type: str
      region:
        description: The collector's region.
        type: str
      log_bucket_region:
        description: The log bucket's region.
        type: str
      log_bucket_region_setting:
        description: C(cloudfront_collector_log_bucket_region) as set; empty when the log bucket is in O(settings.region).
        type: str
      pixel_bucket:
        description: The pixel bucket's name.
        type: str
      log_bucket:
        description: The log bucket's name.
        type: str
      caller_reference:
        description: The distribution's caller reference.
        type: str
"""

EXAMPLES = r"""
- name: Refuse to touch what is not this collector's
  ansible.builtin.assert:
    that: problems | length == 0
    fail_msg: "{{ problems | first | default('') }}"
  vars:
    problems: "{{ found | clickstream.collectors.collector_ownership_problems(settings) }}"
"""

RETURN = r"""
_value:
  description: One message per check that fails, in the order above; empty when the run may go on.
  type: list
  elements: str
"""

# In Python rather than as Jinja templates, which Ansible compiles in the task's worker process on every run.

import json

NOTHING_CHANGED = "Nothing was changed."
V = "cloudfront_collector_"


def _teardown_command(settings):
    return (f"ansible-playbook playbooks/collector.yml -e env={settings['environment']} --limit {settings['host']} "
            f"-e {V}state=absent")


def account(found, settings):
    blocks = (found.get("differences") or {}).get("account") or [] if settings["state"] == "present" else []
    if blocks:
        return (f"The pixel cannot be public in account {(found.get('account') or {}).get('id', '')}: {'; '.join(blocks)} "
                "(account-level Block Public Access overrides every bucket setting). Set cloudfront_collector_origin_access: oac "
                "(the pixel bucket stays private, every Block Public Access flag on, and CloudFront reads the pixel through an "
                "origin access control), or ask the account's administrators to turn BlockPublicAcls and IgnorePublicAcls off "
                f"at account level. {NOTHING_CHANGED}")
    return None


def foreign_bucket(found, settings):
    buckets = [found.get("pixel_bucket") or {}, found.get("log_bucket") or {}]
    foreign = [bucket for bucket in buckets if bucket.get("exists") and not bucket.get("owned")]
    if not foreign:
        return None
    bucket = foreign[0]
    tags = bucket.get("tags") or {}
    why = (f"its tags: managed-by={tags.get('managed-by', '(none)')}, clickstream-environment={tags.get('clickstream-environment', '(none)')}"
           if bucket.get("accessible", True)
           else "S3 answers 403 to HeadBucket: another account owns it, or the caller lacks s3:ListBucket on it")
    return (f"Bucket {bucket.get('name', '')} already exists but is not owned by this collector ({why}; expected "
            f"managed-by=clickstream.collectors, clickstream-environment={settings['environment']}). This role never changes or "
            "deletes a bucket it does not own. Choose another bucket name, or tag the bucket with those two tags to adopt it. "
            f"{NOTHING_CHANGED}")


def foreign_distribution(found, settings):
    distribution = found.get("distribution") or {}
    if "id" not in distribution or distribution.get("owned"):
        return None
    return (f"Distribution {distribution.get('id') or ''} has caller reference {settings['caller_reference']} but lacks the "
            f"ownership tags {json.dumps(distribution.get('missing_ownership_tags') or {})}: it is not managed by this collection "
            "and environment, and this role never changes or deletes it. Choose another pixel bucket (the caller reference is "
            "clickstream-collector-ENVIRONMENT-PIXELBUCKET), or tag the distribution with those tags to adopt it. "
            f"{NOTHING_CHANGED}")


def moved_bucket(found, settings):
    """A bucket of this collector in another region than the settings name (S3 buckets cannot move)."""
    pixel, logs = found.get("pixel_bucket") or {}, found.get("log_bucket") or {}
    moved = ([pixel] if (pixel.get("region") or settings["region"]) != settings["region"] else []) + (
        [logs] if logs and (logs.get("region") or settings["log_bucket_region"]) != settings["log_bucket_region"] else [])
    moved = [bucket for bucket in moved if bucket.get("owned")]
    if not moved:
        return None
    bucket = moved[0]
    variable = (V + "region" if bucket.get("name") != settings["log_bucket"] or not settings.get("log_bucket_region_setting")
                else V + "log_bucket_region")
    value = settings["region"] if variable == V + "region" else settings["log_bucket_region"]
    return (f"{variable} is {value}, but bucket {bucket['name']} of this collector is in {bucket['region']}: S3 buckets cannot "
            f"move between regions. Set {variable} back to {bucket['region']}; to move the collector, tear it down first "
            f"({_teardown_command(settings)} -e {variable}={bucket['region']}) and build it with new bucket names in the new "
            f"region. {NOTHING_CHANGED}")


def renamed_pixel_bucket(found, settings):
    """This collector (its identity tags) built before with another pixel bucket."""
    previous = found.get("previous_distributions") or []
    if not previous:
        return None
    first = previous[0]
    buckets = first.get("origin_buckets") or []
    old = buckets[0] if buckets else ""
    logs = f" and logs to {first['log_bucket']}" if first.get("log_bucket") else ""
    return (f"Collector {settings['name']} ({settings['environment']}) is already built with another pixel bucket: distribution "
            f"{first.get('id', '')} ({first.get('domain_name', '')}) serves {', '.join(buckets)}{logs}. Building it again with "
            f"{V}pixel_bucket {settings['pixel_bucket']} would leave that distribution and bucket serving, unmanaged. Set "
            f"{V}pixel_bucket back to {old}, or tear the old collector down first: {_teardown_command(settings)} "
            f"-e {V}pixel_bucket={old} (its log bucket and logs are kept), then rerun with the new name. {NOTHING_CHANGED}")


def renamed_log_bucket(found, settings):
    """This collector's distribution logging to another log bucket than the settings name."""
    distribution = found.get("distribution") or {}
    logging = distribution.get("logging") or {}
    if not (settings["state"] == "present" and settings["logging"] and logging.get("enabled") and logging.get("bucket")
            and logging.get("bucket") != settings["log_bucket"]):
        return None
    old = logging.get("bucket")
    return (f"Collector {settings['name']} ({settings['environment']}): distribution {distribution.get('id', '')} logs to {old}, "
            f"not to {V}log_bucket {settings['log_bucket']}. Switching would leave {old} and its logs unmanaged (a teardown with "
            f"purge would no longer find them). Set {V}log_bucket back to {old}, or tear the collector down first: "
            f"{_teardown_command(settings)} -e {V}log_bucket={old} (add -e {V}purge_logs=true to delete the old logs too), "
            f"then rerun with the new name. {NOTHING_CHANGED}")


# In the order the role reports them: the first that finds a problem gives the message.
CHECKS = (account, foreign_bucket, foreign_distribution, moved_bucket, renamed_pixel_bucket, renamed_log_bucket)


def collector_ownership_problems(found, settings):
    """What stops this run, one message per check that fails, in the order of CHECKS."""
    problems = [check(found, settings) for check in CHECKS]
    return [problem for problem in problems if problem]


class FilterModule:
    def filters(self):
        return {"collector_ownership_problems": collector_ownership_problems}
