"""IAM actions of the CloudWatch Logs vended-delivery calls (CloudFront standard logging v2).

Actions and resource types: https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatchlogs.html
(``delivery-source``, ``delivery-destination``, ``delivery``). PutDeliverySource for a distribution also needs
``cloudfront:AllowVendedLogDeliveryForResource`` on it
(https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudfront.html;
https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-and-resource-policy.html, "Logging that requires
additional permissions [V2]").
"""

import json

from .iam_policy import Check, Context
from .operations import Req

# operation -> resource type of its name parameter (None: resource "*").
LOGS_RESOURCES = {
    "PutDeliverySource": "delivery-source",
    "GetDeliverySource": "delivery-source",
    "DeleteDeliverySource": "delivery-source",
    "DescribeDeliverySources": None,
    "PutDeliveryDestination": "delivery-destination",
    "GetDeliveryDestination": "delivery-destination",
    "DeleteDeliveryDestination": "delivery-destination",
    "DescribeDeliveryDestinations": None,
    "CreateDelivery": "delivery",
    "GetDelivery": "delivery",
    "DeleteDelivery": "delivery",
    "DescribeDeliveries": None,
}


def logs_checks(req: Req, region: str, account: str, context: Context) -> list[Check] | None:
    """The authorizations of a vended-delivery call, or None when unmapped."""
    operation = req.op.operation
    if operation not in LOGS_RESOURCES:
        return None
    resource_type = LOGS_RESOURCES[operation]
    if resource_type is None:
        return [Check("logs:" + operation, "*", context)]
    try:
        params = json.loads(req.body or b"{}")
    except ValueError:
        params = {}

    def arn(kind: str, name: str) -> str:
        return f"arn:aws:logs:{region}:{account}:{kind}:{name}"

    if operation == "CreateDelivery":
        destination = params.get("deliveryDestinationArn") or arn("delivery-destination", "*")
        return [Check("logs:CreateDelivery", arn("delivery-source", params.get("deliverySourceName", "")), context),
                Check("logs:CreateDelivery", destination, context),
                Check("logs:CreateDelivery", arn("delivery", "*"), context)]
    name = params.get("id") if resource_type == "delivery" else params.get("name")
    found = [Check("logs:" + operation, arn(resource_type, name or ""), context)]
    if operation == "PutDeliverySource" and str(params.get("resourceArn", "")).startswith("arn:aws:cloudfront:"):
        found.append(Check("cloudfront:AllowVendedLogDeliveryForResource", params["resourceArn"], context))
    return found
