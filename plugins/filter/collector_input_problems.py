# -*- coding: utf-8 -*-

# Copyright: clickstream.collectors contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: collector_input_problems
author:
  - clickstream.collectors maintainers (@clickstream-collectors)
short_description: What is wrong with the cloudfront_collector role's settings, in words that name the fix
version_added: 1.1.0
description:
  - The input checks of the M(clickstream.collectors.cloudfront_collector) role's preflight, which refuses a run with the
    first message this returns, before any AWS call.
  - Checks region names and partitions, the privacy guard (O(_input.allowed_regions)), bucket names, the log bucket, where
    standard logging can deliver, Athena's database name, aliases and their certificate, CORS origins, the pixel key,
    whole numbers, header values and tags.
  - Types and choices are the role's argument specification's business; this takes its inputs as validated there.
positional: _input
options:
  _input:
    description: The role's settings, by name without the C(cloudfront_collector_) prefix.
    type: dict
    required: true
    suboptions:
      state:
        description: V(present) or V(absent).
        type: str
      logging:
        description: Whether access logs are wanted.
        type: bool
      v2:
        description: Whether standard logging v2 delivers them.
        type: bool
      region:
        description: The collector's region.
        type: str
      log_bucket_region:
        description: The log bucket's region.
        type: str
      allowed_regions:
        description: The privacy guard's allow-list; empty allows any region.
        type: list
        elements: str
      eu_regions:
        description: The EU member-state regions, as the messages name them.
        type: list
        elements: str
      pixel_bucket:
        description: The pixel bucket's name.
        type: str
      log_bucket:
        description: The log bucket's name.
        type: str
      log_format:
        description: The v2 log format.
        type: str
      log_fields:
        description: The v2 log fields.
        type: str
      athena:
        description: Whether an Athena table is wanted.
        type: bool
      athena_database:
        description: Its Glue database.
        type: str
      aliases:
        description: Alternate domain names.
        type: list
        elements: str
      acm_certificate_arn:
        description: The certificate for them.
        type: str
      cors_allowed_origins:
        description: The origins CORS allows.
        type: list
        elements: str
      pixel_key:
        description: The pixel's object key.
        type: str
      wait_timeout:
        description: Seconds to wait for a deployment.
        type: raw
      verify_logs_timeout:
        description: Seconds the log check waits.
        type: raw
      log_expiration_days:
        description: Days after which log files expire.
        type: raw
      pixel_cache_control:
        description: The pixel's Cache-Control.
        type: str
      viewer_cache_control:
        description: The viewers' Cache-Control.
        type: str
      tags:
        description: The user's tags.
        type: dict
      ownership_tags:
        description: The role's ownership tags.
        type: dict
      identity_tags:
        description: The role's identity tags.
        type: dict
"""

EXAMPLES = r"""
- name: Refuse the settings before any AWS call
  ansible.builtin.assert:
    that: problems | length == 0
    fail_msg: "{{ problems | first | default('') }}"
  vars:
    problems: "{{ settings | clickstream.collectors.collector_input_problems }}"
"""

RETURN = r"""
_value:
  description: One message per check that fails, in the order the role reports them; empty when the settings are good.
  type: list
  elements: str
"""

# The checks run in Python rather than in Jinja: Ansible compiles every template of a task in the task's worker process,
# and the same checks written as templates cost about 0.15 s on every run.

import json
import re
from collections.abc import Mapping

# facts and athena (Glue names), not cloudfront: this runs in a worker process on the controller, and cloudfront imports boto3
from ansible_collections.clickstream.collectors.plugins.module_utils import athena as athena_names
from ansible_collections.clickstream.collectors.plugins.module_utils import facts

NOTHING_CHANGED = "Nothing was changed."
# Region names as AWS spells them (eu-west-1, ap-southeast-4, us-gov-west-1): catches typos and names such as 'Ireland'.
REGION_PATTERN = re.compile(r"^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$")
# Regions of the partitions other than aws (China, GovCloud, the isolated ones): no CloudFront as the collector uses it.
OTHER_PARTITION_PATTERN = re.compile(r"^(cn|us-gov|us-iso[a-z]*|eu-isoe)-")
# S3 bucket names: 3-63 lower-case letters, digits, dots and hyphens, starting and ending alphanumeric; no '..', not an IP
# address, none of the reserved prefixes (xn--, sthree-, amzn-s3-demo-) and suffixes (-s3alias, --ol-s3, --x-s3).
BUCKET_NAME_PATTERN = re.compile(
    r"^(?!\d+\.\d+\.\d+\.\d+$)(?!xn--|sthree-|amzn-s3-demo-)(?!.*\.\.)(?!.*(-s3alias|--ol-s3|--x-s3)$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"
)
BUCKET_NAME_RULES = (
    "use 3 to 63 lower-case letters, digits, dots or hyphens, starting and ending with a letter or digit, no two dots in a row, "
    "not shaped like an IP address, without the prefixes AWS reserves (xn--, sthree-, amzn-s3-demo-) and suffixes (-s3alias, "
    "--ol-s3, --x-s3) (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html). " + NOTHING_CHANGED
)
# Web origins as browsers send them in the Origin header (a leading *. for the subdomains of a domain).
ORIGIN_PATTERN = re.compile(r"^https?://([*][.])?[A-Za-z0-9.-]+(:[0-9]{1,5})?$")
# Domain names (a leading *. for a wildcard alias), as CloudFront accepts them in Aliases.
ALIAS_PATTERN = re.compile(r"^([*][.])?([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?[.])+[A-Za-z]{2,63}$")
# Tags (S3 and CloudFront): at most 50 per resource; key 1-128 characters, value 0-256, no aws: prefix (reserved), letters,
# numbers, spaces and _ . : / = + - @ only (aws-facts.md, "Limits users hit with bad input").
TAG_LIMIT = 50
TAG_PATTERN = re.compile(r"^[\w .:/=+@-]*$")
TAG_RULES = "letters, numbers, spaces and _ . : / = + - @"
# The whole numbers of the role, with their least value and an example of a good one.
NUMBERS = (
    ("wait_timeout", 1, "seconds to wait for a CloudFront deployment, e.g. 1800"),
    ("verify_logs_timeout", 1, "seconds the log check waits, e.g. 3600"),
    ("log_expiration_days", 0, "days after which log files expire, or 0 to keep them"),
)
V = "cloudfront_collector_"


def _text(value):
    return "" if value is None else str(value)


def _json_list(values):
    """A list as JSON (to_json writes it so)."""
    return json.dumps([_text(value) for value in values])


def _eu(inputs):
    return ", ".join(inputs["eu_regions"])


def region_names(inputs):
    """Region settings that are not region names (the first of the allow-list's)."""
    allowed = [_text(region) for region in inputs["allowed_regions"]]
    named = [(V + "region", _text(inputs["region"])), (V + "log_bucket_region", _text(inputs["log_bucket_region"])),
             (V + "allowed_regions", next((r for r in allowed if not REGION_PATTERN.match(r)), _text(inputs["region"])))]
    bad = [(name, value) for name, value in named if not REGION_PATTERN.match(value)]
    if bad:
        name, value = bad[0]
        return (f"{name} '{value}' is not an AWS region name. Give the region's code as AWS spells it, e.g. eu-west-1 "
                f"(EU member states: {_eu(inputs)}). {NOTHING_CHANGED}")
    return None


def partition(inputs):
    for name, value in ((V + "region", inputs["region"]), (V + "log_bucket_region", inputs["log_bucket_region"])):
        if OTHER_PARTITION_PATTERN.match(value):
            where = (
                "the AWS China partition (aws-cn): CloudFront there is a separate service (an ICP filing, *.cloudfront.cn domains, "
                "no default HTTPS certificate) that this collection does not support" if value.startswith("cn-")
                else "AWS GovCloud (US), which has no CloudFront" if value.startswith("us-gov-")
                else "an isolated partition without CloudFront"
            )
            return (f"{name} '{value}' is in {where}. Choose a region of the standard aws partition "
                    f"(EU member states: {_eu(inputs)}). {NOTHING_CHANGED}")
    return None


def privacy_guard(inputs):
    allowed = inputs["allowed_regions"]
    if not allowed:
        return None
    listed = ", ".join(_text(region) for region in allowed)
    if inputs["present"] and inputs["region"] not in allowed:
        return (f"Privacy guard: {V}region '{inputs['region']}' is not in {V}allowed_regions [{listed}], so the collector would "
                f"store visitors' data outside the allowed regions. EU member-state regions: {_eu(inputs)}. Set {V}region to an "
                f"allowed region (or change the allow-list if the data may leave it). {NOTHING_CHANGED}")
    if inputs["logs_wanted"] and inputs["log_bucket_region"] not in allowed:
        return (f"Privacy guard: the access logs (every tracker request) would be stored in '{inputs['log_bucket_region']}', which "
                f"is not in {V}allowed_regions [{listed}]. EU member-state regions: {_eu(inputs)}. Set {V}log_bucket_region to an "
                f"allowed region. {NOTHING_CHANGED}")
    return None


def log_bucket(inputs):
    if inputs["logs_wanted"] and (not inputs["log_bucket"] or inputs["log_bucket"] == inputs["pixel_bucket"]):
        what = (f"{V}log_bucket is empty" if not inputs["log_bucket"]
                else f"{V}log_bucket is the pixel bucket ({inputs['pixel_bucket']})")
        return (f"{what}: with {V}logging on, the access logs need their own private bucket (the pixel bucket is public). Set "
                f"{V}log_bucket to another bucket name, or set {V}logging to false for a /dev/null collector.")
    return None


def bucket_names(inputs):
    for name in ("pixel_bucket", "log_bucket"):
        value = _text(inputs[name])
        if (value or name == "pixel_bucket") and not BUCKET_NAME_PATTERN.match(value):
            return f"{V}{name} '{value}' is not a valid S3 bucket name: {BUCKET_NAME_RULES}"
    return None


def log_delivery(inputs):
    region = inputs["log_bucket_region"]
    if inputs["logs_wanted"] and not inputs["v2"] and region in facts.STANDARD_LOGGING_UNSUPPORTED_REGIONS:
        return (f"CloudFront cannot deliver standard logs to a bucket in {region} with standard logging (legacy) (not supported "
                f"there: {', '.join(facts.STANDARD_LOGGING_UNSUPPORTED_REGIONS)}). Set {V}log_delivery to v2 (standard logging v2 "
                f"delivers there), or set {V}log_bucket_region to a supported region (e.g. eu-west-1 or eu-central-1), or turn "
                f"{V}logging off. {NOTHING_CHANGED}")
    if not inputs["v2"] and (inputs["log_format"] != "json" or inputs["log_fields"] != ""):
        return (f"{V}log_format ({inputs['log_format']}) and {V}log_fields ('{inputs['log_fields']}') choose what standard logging "
                "v2 writes; legacy logging always writes its 33 tab-separated fields, IP address included. Set "
                f"{V}log_delivery to v2, or leave both at their defaults. {NOTHING_CHANGED}")
    return None


def athena(inputs):
    if not inputs["athena"]:
        return None
    if not inputs["logging"]:
        return f"{V}athena needs access logs to query: turn {V}logging on, or {V}athena off. {NOTHING_CHANGED}"
    if not athena_names.NAME_PATTERN.match(_text(inputs["athena_database"])):
        return (f"{V}athena_database {inputs['athena_database']} is not a Glue database name for Athena: use lower-case letters, "
                f"digits and underscores. {NOTHING_CHANGED}")
    return None


def certificate(inputs):
    arn = _text(inputs["acm_certificate_arn"])
    if inputs["present"] and inputs["aliases"] and not re.match(facts.ACM_CERTIFICATE_ARN_PATTERN, arn):
        names = [_text(alias) for alias in inputs["aliases"]]
        return (f"{V}aliases {names} need {V}acm_certificate_arn, the ARN of an ACM certificate in us-east-1 covering them "
                f"(CloudFront only uses certificates from us-east-1); got '{arn}'.")
    return None


def cors_origins(inputs):
    origins = inputs["cors_allowed_origins"]
    if not inputs["present"] or origins == ["*"]:
        return None
    bad = [origin for origin in origins if not ORIGIN_PATTERN.match(_text(origin))]
    if bad:
        return (f"{V}cors_allowed_origins {_json_list(origins)} must be [\"*\"] alone, or a list of origins written "
                "scheme://host[:port] with no path or trailing slash (https://www.example.com, or https://*.example.com for its "
                f"subdomains); not origins: {_json_list(bad)}. {NOTHING_CHANGED}")
    return None


def pixel_key(inputs):
    key = _text(inputs["pixel_key"])
    if key and not key.startswith("/"):
        return None
    cause = "S3 keys cannot be empty" if not key else "it starts with /, which would make the pixel URL //" + key[1:]
    return (f"{V}pixel_key '{key}' is not a usable object key: {cause}. Set {V}pixel_key to i (the key Snowplow's log parser "
            f"accepts), or leave it unset. {NOTHING_CHANGED}")


def numbers(inputs):
    values = [(name, least, fix, _text(inputs[name])) for name, least, fix in NUMBERS]
    bad = ([item for item in values if not re.match(r"^[0-9]+$", item[3])]
           + [item for item in values if re.match(r"^0+$", item[3]) and item[1] == 1])
    if bad:
        name, least, fix, value = bad[0]
        return f"{V}{name} is {value}: it must be a whole number of at least {least} ({fix}). {NOTHING_CHANGED}"
    return None


def header_values(inputs):
    names = [V + name for name in ("pixel_cache_control", "viewer_cache_control") if re.search(r"[\r\n]", _text(inputs[name]))]
    if names:
        return (f"{' and '.join(names)} contains a line break: it is sent as an HTTP header value, which is one line (S3 and "
                f"CloudFront refuse it). Write it on one line, e.g. no-cache, no-store, must-revalidate. {NOTHING_CHANGED}")
    return None


def tags(inputs):
    if not isinstance(inputs["tags"], Mapping):
        return f"{V}tags must be a mapping of tag keys to values. {NOTHING_CHANGED}"
    own = dict(inputs["ownership_tags"], **inputs["identity_tags"])
    reserved = len(inputs["ownership_tags"]) + len(inputs["identity_tags"])
    room = TAG_LIMIT - reserved
    items = [(_text(key), _text(value)) for key, value in inputs["tags"].items()]
    if len(items) > room:
        return (f"{V}tags has {len(items)} tags: S3 and CloudFront allow {TAG_LIMIT} per resource, {reserved} of them the role's "
                f"own ({', '.join(own)}); give at most {room}. {NOTHING_CHANGED}")
    bad = ([f"key {key} starts with aws: (reserved for AWS)" for key, dummy in items if key.lower().startswith("aws:")]
           + [f"key {key[:40]}... is not 1 to 128 characters long" for key, dummy in items if not 0 < len(key) < 129]
           + [f"the value of {key} is longer than 256 characters" for key, value in items if len(value) > 256]
           + [f"key {key} has characters other than {TAG_RULES}" for key, dummy in items if not TAG_PATTERN.match(key)]
           + [f"the value of {key} has characters other than {TAG_RULES}" for key, value in items if not TAG_PATTERN.match(value)])
    if bad:
        return (f"{V}tags: {bad[0]}. S3 and CloudFront refuse such a tag: keys of 1 to 128 characters, values of up to 256, "
                f"{TAG_RULES}, no key starting with aws:. Fix or remove that tag in {V}tags. {NOTHING_CHANGED}")
    return None


def aliases(inputs):
    bad = [alias for alias in inputs["aliases"] if not ALIAS_PATTERN.match(_text(alias))]
    if inputs["present"] and bad:
        return (f"{V}aliases {_json_list(bad)}: not domain names. Give the host names visitors' pages send events to "
                f"(stats.example.com, or *.example.com), without scheme, port or path. {NOTHING_CHANGED}")
    return None


# In the order the role reports them: the first that finds a problem gives the message.
CHECKS = (region_names, partition, privacy_guard, log_bucket, bucket_names, log_delivery, athena, certificate, cors_origins,
          pixel_key, numbers, header_values, tags, aliases)


def collector_input_problems(inputs):
    """What is wrong with the role's settings, one message per check that fails, in the order of CHECKS."""
    inputs = dict(inputs)
    inputs["present"] = inputs["state"] == "present"
    inputs["logs_wanted"] = inputs["present"] and inputs["logging"]
    problems = [check(inputs) for check in CHECKS]
    return [problem for problem in problems if problem]


class FilterModule:
    def filters(self):
        return {"collector_input_problems": collector_input_problems}
