"""CloudWatch Logs "vended" log delivery, as CloudFront standard logging (v2) uses it.

moto 5.2 implements PutDeliverySource, PutDeliveryDestination, CreateDelivery and their Get/Describe/Delete
counterparts on the happy path only. This layer refuses what AWS refuses before moto sees the request:

- a delivery source for a CloudFront distribution outside us-east-1 (``DeliverySourceRegion``): "You must use
  the US East (N. Virginia) Region (us-east-1) when calling the CloudWatch API for CloudFront"
  (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/standard-logging.html; aws-facts.md,
  "Standard logging v2"). The error code is assumed (ValidationException, the API's code for bad input);
- a second delivery source for a resource and log type that already has one (``DeliverySourcePerResource``):
  one delivery source per distribution (aws-facts.md; PutDeliverySource,
  https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutDeliverySource.html). moto accepts
  it under another name. ConflictException, HTTP 400 as the API reference lists it (code assumed);
- a new output format for an existing delivery destination (``DeliveryDestinationFormat``): "a destination's
  format cannot change (delete and recreate)" (aws-facts.md; PutDeliveryDestination,
  https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutDeliveryDestination.html). moto
  refuses a different format but, when the format is left out, replaces the destination with one that has no
  format; the layer keeps the stored format then;
- deleting a delivery source or destination that a delivery still uses (``DeliveryInUse``): "You can't delete a
  delivery source/destination if any current deliveries are associated with it"
  (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_DeleteDeliverySource.html,
  API_DeleteDeliveryDestination.html). ConflictException, HTTP 400. moto deletes it and leaves the delivery dangling.

Log delivery into S3 needs the bucket policy for ``delivery.logs.amazonaws.com``; that rule is applied when
the local edge writes files (``log_delivery_v2.policy_allows``), as on AWS, where a delivery without it
delivers nothing.
"""

import json
from collections.abc import Callable
from typing import Any

from moto.core import DEFAULT_ACCOUNT_ID
from moto.logs.models import logs_backends

from .operations import Req
from .rules import Rules
from .xmlutil import Response, json_error

CLOUDFRONT_DELIVERY_REGION = "us-east-1"
# Operations this layer looks at before moto; everything else of the logs service goes straight to moto.
CHECKED = ("PutDeliverySource", "PutDeliveryDestination", "DeleteDeliverySource", "DeleteDeliveryDestination")


def signing_region(req: Req) -> str:
    """The region of the request's SigV4 credential scope (us-east-1 when it has none)."""
    authorization = req.headers.get("authorization", "")
    if "Credential=" in authorization:
        scope = authorization.split("Credential=", 1)[1].split(",", 1)[0].split("/")
        if len(scope) > 3:
            return scope[2]
    return "us-east-1"


def logs_error(status: int, code: str, message: str, rule: str) -> Response:
    """An error in the JSON protocol's shape (``__type`` and ``message``)."""
    return json_error(status, code, message, rule)


def backend(region: str = CLOUDFRONT_DELIVERY_REGION):
    """moto's CloudWatch Logs backend of a region."""
    return logs_backends[DEFAULT_ACCOUNT_ID][region]


class LogsRules(Rules):
    """Checks the vended-log-delivery calls as CloudWatch Logs does, then forwards them to moto."""

    SERVICE = "logs"

    def handle(self, req: Req, forward: Callable[[], Response]) -> Response:
        """Answer one logs request."""
        if req.op.operation not in CHECKED:
            return forward()
        try:
            params = json.loads(req.body or b"{}")
        except ValueError:
            return forward()
        region = signing_region(req)
        rejected = getattr(self, "_check_" + req.op.operation)(params, region)
        if rejected is not None:
            return rejected
        if req.op.operation == "PutDeliveryDestination" and not params.get("outputFormat"):
            stored = backend(region).delivery_destinations.get(params.get("name"))
            resp = forward()
            if stored is not None and stored.output_format and resp.status == 200:
                # moto replaced the destination with one without a format; AWS keeps the format.
                backend(region).delivery_destinations[stored.name].output_format = stored.output_format
                body = json.loads(resp.body)
                body["deliveryDestination"]["outputFormat"] = stored.output_format
                resp.set_body(json.dumps(body).encode("utf-8"))
            return resp
        return forward()

    @staticmethod
    def _check_PutDeliverySource(params: dict[str, Any], region: str) -> Response | None:  # pylint: disable=invalid-name
        arn = params.get("resourceArn", "")
        name = params.get("name")
        if arn.startswith("arn:aws:cloudfront:") and region != CLOUDFRONT_DELIVERY_REGION:
            return logs_error(400, "ValidationException",
                              "CloudFront delivery sources can only be created in us-east-1; call the CloudWatch Logs API "
                              f"in us-east-1, not {region}.", "DeliverySourceRegion")
        for source in backend(region).delivery_sources.values():
            if source.name != name and arn in source.resource_arns and source.log_type == params.get("logType"):
                return logs_error(400, "ConflictException",
                                  f"A delivery source for {arn} and log type {source.log_type} already exists: {source.name}",
                                  "DeliverySourcePerResource")
        return None

    @staticmethod
    def _check_PutDeliveryDestination(params: dict[str, Any], region: str) -> Response | None:  # pylint: disable=invalid-name
        stored = backend(region).delivery_destinations.get(params.get("name"))
        wanted = params.get("outputFormat")
        if stored is not None and wanted and stored.output_format and wanted != stored.output_format:
            return logs_error(400, "ValidationException",
                              "Update to existing Delivery Destination with new Output Format is not allowed. "
                              "Please create a new Delivery Destination instead.", "DeliveryDestinationFormat")
        return None

    @staticmethod
    def _check_DeleteDeliverySource(params: dict[str, Any], region: str) -> Response | None:  # pylint: disable=invalid-name
        name = params.get("name")
        if any(delivery.delivery_source_name == name for delivery in backend(region).deliveries.values()):
            return logs_error(400, "ConflictException",
                              f"Delivery source {name} is used by a delivery; delete the delivery first.", "DeliveryInUse")
        return None

    @staticmethod
    def _check_DeleteDeliveryDestination(params: dict[str, Any], region: str) -> Response | None:  # pylint: disable=invalid-name
        stored = backend(region).delivery_destinations.get(params.get("name"))
        if stored is not None and any(d.delivery_destination_arn == stored.arn for d in backend(region).deliveries.values()):
            return logs_error(400, "ConflictException",
                              f"Delivery destination {stored.name} is used by a delivery; delete the delivery first.",
                              "DeliveryInUse")
        return None
