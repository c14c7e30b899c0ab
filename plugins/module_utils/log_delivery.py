# -*- coding: utf-8 -*-

# Copyright: clickstream.collectors contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""CloudFront standard logging (v2): the CloudWatch Logs delivery source, S3 delivery destination and delivery of a
distribution, read and compared (clickstream.collectors.cloudfront_log_delivery writes them; collector_info compares).

All calls go to CloudWatch Logs in us-east-1, the only region CloudFront delivery sources can be created in
(https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/standard-logging.html).
"""

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.clickstream.collectors.plugins.module_utils import access_logs
from ansible_collections.clickstream.collectors.plugins.module_utils import session

LOGS_REGION = "us-east-1"
# CloudWatch Logs' own throttling and unavailable codes, which AWSRetry does not know (it knows Throttling, InternalError):
# https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/CommonErrors.html
LOGS_RETRY_CODES = ["ThrottlingException", "ServiceUnavailableException"]
LOG_TYPE = "ACCESS_LOGS"
DEFAULT_SUFFIX_PATH = "{DistributionId}/{yyyy}/{MM}/{dd}/{HH}"
OUTPUT_FORMATS = ("json", "parquet", "w3c", "plain")
# The 33 fields of the legacy log (the log reader's own list) and the ones only v2 offers (standard logging v2).
LEGACY_FIELDS = access_logs.FIELDS
V2_ONLY_FIELDS = access_logs.V2_ONLY_FIELDS
# Personal data a minimal field set leaves out: the visitor's IP address (two fields) and cookies.
PERSONAL_FIELDS = ("c-ip", "x-forwarded-for", "cs(Cookie)")


def record_fields(field_set, include_cookies=False):
    """``full`` (every field; cs(Cookie) only with include_cookies) or ``minimal`` (no IP address, no cookies)."""
    fields = list(LEGACY_FIELDS) + list(V2_ONLY_FIELDS)
    if field_set == "minimal":
        return [name for name in fields if name not in PERSONAL_FIELDS]
    return [name for name in fields if include_cookies or name != "cs(Cookie)"]


def default_name(distribution_id):
    """The name of the delivery source and destination this collection creates for a distribution."""
    return f"clickstream-{distribution_id}"


def destination_resource_arn(bucket, prefix, partition="aws"):
    """``arn:aws:s3:::bucket`` or ``arn:aws:s3:::bucket/prefix`` (no trailing slash) for an S3 delivery destination."""
    folder = (prefix or "").strip("/")
    return f"arn:{partition}:s3:::{bucket}" + (f"/{folder}" if folder else "")


def logs_client(module):
    """A CloudWatch Logs client in us-east-1 with retries on throttling and 5xx."""
    return session.aws_client(module, "logs", region=LOGS_REGION, retry_decorator=AWSRetry.jittered_backoff(catch_extra_error_codes=LOGS_RETRY_CODES))


@AWSRetry.jittered_backoff(catch_extra_error_codes=LOGS_RETRY_CODES)
def _call(method, **kwargs):
    return method(**kwargs)


def _all_pages(method, key):
    items, token = [], None
    while True:
        response = _call(method, **({"nextToken": token} if token else {}))
        items.extend(response.get(key) or [])
        token = response.get("nextToken")
        if not token:
            return items


def get_destination(logs, name):
    """The delivery destination called ``name``, or None."""
    try:
        return _call(logs.get_delivery_destination, name=name)["deliveryDestination"]
    except is_boto3_error_code("ResourceNotFoundException"):
        return None


def read_state(logs, distribution_arn, destination_name=None, sources_only=False):
    """The distribution's ACCESS_LOGS delivery source, its deliveries and their destinations.

    Returns {"source": dict or None, "deliveries": [...], "destinations": {arn: dict}}; ``destination_name`` adds that
    destination even when no delivery uses it. ``sources_only`` stops after DescribeDeliverySources when there is none.
    """
    sources = [source for source in _all_pages(logs.describe_delivery_sources, "deliverySources")
               if distribution_arn in (source.get("resourceArns") or []) and source.get("logType") == LOG_TYPE]
    state = {"source": sources[0] if sources else None, "deliveries": [], "destinations": {}}
    if state["source"] is None and sources_only:
        return state
    if state["source"] is not None:
        state["deliveries"] = [delivery for delivery in _all_pages(logs.describe_deliveries, "deliveries")
                               if delivery.get("deliverySourceName") == state["source"]["name"]]
    names = set(delivery["deliveryDestinationArn"].split(":delivery-destination:", 1)[-1] for delivery in state["deliveries"])
    if destination_name:
        names.add(destination_name)
    for name in sorted(names):
        destination = get_destination(logs, name)
        if destination is not None:
            state["destinations"][destination["arn"]] = destination
    return state


def wanted_state(distribution_arn, name, bucket, prefix, output_format, fields, suffix_path, hive, partition="aws"):
    """What the source, destination and delivery should be."""
    return {
        "source": {"name": name, "resourceArns": [distribution_arn], "logType": LOG_TYPE},
        "destination": {"name": name, "outputFormat": output_format,
                        "destinationResourceArn": destination_resource_arn(bucket, prefix, partition)},
        "delivery": {"recordFields": list(fields), "s3DeliveryConfiguration": {"suffixPath": suffix_path,
                                                                               "enableHiveCompatiblePath": bool(hive)}},
    }


def destination_by_name(state, name):
    return next((d for d in state["destinations"].values() if d.get("name") == name), None)


def destination_matches(destination, wanted):
    return (destination is not None and destination.get("deliveryDestinationType", "S3") == "S3"
            and destination.get("outputFormat") == wanted["outputFormat"]
            and (destination.get("deliveryDestinationConfiguration") or {}).get("destinationResourceArn") == wanted["destinationResourceArn"])


def delivery_matches(delivery, destination_arn, wanted):
    s3_config = delivery.get("s3DeliveryConfiguration") or {}
    return (delivery.get("deliveryDestinationArn") == destination_arn
            and list(delivery.get("recordFields") or []) == wanted["recordFields"]
            and s3_config.get("suffixPath") == wanted["s3DeliveryConfiguration"]["suffixPath"]
            and bool(s3_config.get("enableHiveCompatiblePath")) == wanted["s3DeliveryConfiguration"]["enableHiveCompatiblePath"])


def s3_deliveries(state):
    """The deliveries of the source that go to S3 (a source has at most one delivery per destination type)."""
    def kind(delivery):
        destination = state["destinations"].get(delivery["deliveryDestinationArn"]) or {}
        return delivery.get("deliveryDestinationType") or destination.get("deliveryDestinationType")
    return [delivery for delivery in state["deliveries"] if kind(delivery) == "S3"]


def differences(state, wanted):
    """What differs between the read ``state`` and ``wanted`` (None: no v2 logging wanted); empty when in sync."""
    if wanted is None:
        if state["source"] is None:
            return []
        return [f"delivery source {state['source']['name']} (standard logging v2) exists, and legacy logging is wanted"]
    found = []
    if state["source"] is None:
        found.append("the distribution has no delivery source (standard logging v2)")
    destination = destination_by_name(state, wanted["destination"]["name"])
    if destination is None:
        found.append(f"delivery destination {wanted['destination']['name']} does not exist")
    elif not destination_matches(destination, wanted["destination"]):
        found.append(f"delivery destination {destination['name']} differs (output format {destination.get('outputFormat')}, "
                     f"{(destination.get('deliveryDestinationConfiguration') or {}).get('destinationResourceArn')})")
    matching = [d for d in s3_deliveries(state)
                if destination is not None and delivery_matches(d, destination["arn"], wanted["delivery"])]
    if not matching or len(s3_deliveries(state)) != 1:
        found.append("the S3 delivery (record fields, suffix path) differs")
    return found


def describe(state):
    """The state as this collection returns it (snake_case, one S3 delivery)."""
    source = state["source"]
    deliveries = s3_deliveries(state)
    delivery = deliveries[0] if deliveries else None
    destination = state["destinations"].get(delivery["deliveryDestinationArn"]) if delivery else None
    if destination is None and len(state["destinations"]) == 1:
        destination = list(state["destinations"].values())[0]
    return {
        "source": {"name": source["name"], "arn": source.get("arn"), "resource_arns": source.get("resourceArns") or []} if source else None,
        "destination": {
            "name": destination["name"], "arn": destination.get("arn"), "output_format": destination.get("outputFormat"),
            "resource_arn": (destination.get("deliveryDestinationConfiguration") or {}).get("destinationResourceArn"),
        } if destination else None,
        "delivery": {
            "id": delivery.get("id"), "record_fields": list(delivery.get("recordFields") or []),
            "suffix_path": (delivery.get("s3DeliveryConfiguration") or {}).get("suffixPath"),
            "hive_compatible_path": bool((delivery.get("s3DeliveryConfiguration") or {}).get("enableHiveCompatiblePath")),
        } if delivery else None,
    }
