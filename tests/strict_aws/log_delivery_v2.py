"""Standard logging (v2) of the local CloudFront edge: CloudWatch Logs vended delivery into S3.

A distribution whose ARN is the resource of a delivery source (logType ACCESS_LOGS, in moto's us-east-1
CloudWatch Logs backend) that a delivery links to an S3 delivery destination gets, for each viewer request,
one record of the delivery's ``recordFields`` (in that order), buffered per delivery and hour and written
into the destination bucket:

- key: ``<destination prefix>/<suffix path>/<distribution id>.YYYY-MM-DD-HH.<8 hex>.<ext>``; the suffix path's
  variables ``{DistributionId}``/``{distributionid}``, ``{yyyy}``, ``{MM}``, ``{dd}``, ``{HH}``, ``{accountid}``
  are replaced by their values, and with ``enableHiveCompatiblePath`` by ``DistributionId=<id>``, ``year=``,
  ``month=``, ``day=``, ``hour=``, ``accountid=`` (the key=value form Athena's partition projection reads);
  moto's default suffix ``AWSLogs/{account-id}/CloudFront/`` when none was given.
  https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/standard-logging.html ("Send logs to Amazon S3");
- formats: ``json`` (gzip, one JSON object per line, field name -> value), ``w3c`` and ``plain`` (gzip,
  ``fieldDelimiter``-separated, w3c with ``#Version``/``#Fields`` headers), ``parquet`` (all columns strings,
  named as the Athena guide's parquet table of CloudFront logs reads them, the field in snake case: ``cs(User-Agent)``
  -> ``cs_user_agent``, ``x-edge-location`` -> ``x_edge_location``; written only when pyarrow is importable, otherwise
  dropped with rule ``ParquetUnavailable``;
  https://docs.aws.amazon.com/athena/latest/ug/create-cloudfront-table-partition-parquet.html). Values are
  those of the legacy log (``-`` for empty, URL-encoded as CloudFront encodes them), so one ``unquote`` gives
  a tracker's query string back in every format;
- the bucket policy must let ``delivery.logs.amazonaws.com`` put the object (``s3:PutObject`` on the key; the
  conditions ``s3:x-amz-acl = bucket-owner-full-control``, ``aws:SourceAccount`` and ``aws:SourceArn`` of the
  delivery source are evaluated): otherwise nothing is delivered (rule ``LogBucketPolicy``), as on AWS
  (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-and-resource-policy.html, "Logs sent to
  Amazon S3"; aws-facts.md). ACLs are not needed: the bucket may be BucketOwnerEnforced.
"""

import datetime
import fnmatch
import gzip
import io
import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from moto.core import DEFAULT_ACCOUNT_ID

from . import s3_rules
from .log_delivery import LogDelivery, log_value
from .logs_rules import backend

DELIVERY_SERVICE = "delivery.logs.amazonaws.com"
# Fields standard logging v2 offers besides the 33 legacy ones (aws-facts.md, "Standard logging v2").
EXTRA_FIELDS = ("c-country", "cache-behavior-path-pattern", "timestamp(ms)", "origin-fbl", "origin-lbl", "asn")
DEFAULT_SUFFIX = "AWSLogs/{account-id}/CloudFront/"
HIVE_NAMES = {"DistributionId": "DistributionId", "distributionid": "distributionid", "yyyy": "year", "MM": "month",
              "dd": "day", "HH": "hour", "accountid": "accountid", "account-id": "accountid"}


def parquet_column(field_name: str) -> str:
    """A field's parquet column name, as Athena's parquet table names it: ``cs(User-Agent)`` -> ``cs_user_agent``."""
    return re.sub(r"[^a-z0-9]+", "_", field_name.lower()).strip("_")


def parquet_available() -> bool:
    """Whether pyarrow can be imported (parquet files are written only then)."""
    try:
        import pyarrow  # noqa: F401  # pylint: disable=import-outside-toplevel,unused-import
    except ImportError:
        return False
    return True


@dataclass
class V2Target:
    """One delivery of one distribution's access logs into S3."""

    delivery_id: str
    source_arn: str
    distribution_id: str
    bucket: str
    prefix: str
    output_format: str
    fields: list[str]
    delimiter: str
    suffix_path: str
    hive: bool


@dataclass
class V2Buffer:
    """Records waiting for one v2 log file."""

    target: V2Target
    hour: datetime.datetime
    records: list[dict[str, str]] = field(default_factory=list)


def targets_for(distribution_arn: str, distribution_id: str) -> list[V2Target]:
    """The S3 deliveries of a distribution's ACCESS_LOGS delivery source."""
    logs = backend()
    found = []
    for source in logs.delivery_sources.values():
        if distribution_arn not in source.resource_arns or source.log_type != "ACCESS_LOGS":
            continue
        for delivery in logs.deliveries.values():
            if delivery.delivery_source_name != source.name:
                continue
            destination = next((d for d in logs.delivery_destinations.values() if d.arn == delivery.delivery_destination_arn), None)
            if destination is None or destination.delivery_destination_type != "S3":
                continue
            resource = destination.delivery_destination_configuration["destinationResourceArn"]
            bucket, _slash, prefix = resource.split(":::", 1)[1].partition("/")
            s3_config = delivery.s3_delivery_configuration or {}
            found.append(V2Target(
                delivery_id=delivery.id, source_arn=source.arn, distribution_id=distribution_id, bucket=bucket,
                prefix=prefix, output_format=destination.output_format or "json", fields=list(delivery.record_fields),
                delimiter=delivery.field_delimiter or "\t", suffix_path=s3_config.get("suffixPath") or DEFAULT_SUFFIX,
                hive=bool(s3_config.get("enableHiveCompatiblePath")),
            ))
    return found


def expand_suffix(target: V2Target, hour: datetime.datetime) -> str:
    """The suffix path with its variables replaced (key=value segments when Hive-compatible)."""
    values = {"DistributionId": target.distribution_id, "distributionid": target.distribution_id, "yyyy": f"{hour:%Y}",
              "MM": f"{hour:%m}", "dd": f"{hour:%d}", "HH": f"{hour:%H}", "accountid": DEFAULT_ACCOUNT_ID,
              "account-id": DEFAULT_ACCOUNT_ID}
    path = target.suffix_path
    for name, value in values.items():
        path = path.replace("{" + name + "}", f"{HIVE_NAMES[name]}={value}" if target.hive else value)
    return path


def object_key(target: V2Target, hour: datetime.datetime) -> str:
    """Where one file of ``target`` for ``hour`` goes."""
    extension = "parquet" if target.output_format == "parquet" else "gz"
    parts = [target.prefix.strip("/"), expand_suffix(target, hour).strip("/")]
    folder = "/".join(part for part in parts if part)
    name = f"{target.distribution_id}.{hour:%Y-%m-%d-%H}.{uuid.uuid4().hex[:8]}.{extension}"
    return f"{folder}/{name}" if folder else name


def encode(target: V2Target, records: list[dict[str, str]]) -> bytes:
    """The file body in the destination's output format."""
    if target.output_format == "parquet":
        import pyarrow  # pylint: disable=import-outside-toplevel
        import pyarrow.parquet  # pylint: disable=import-outside-toplevel
        table = pyarrow.table({parquet_column(name): [record[name] for record in records] for name in target.fields})
        sink = io.BytesIO()
        pyarrow.parquet.write_table(table, sink)
        return sink.getvalue()
    if target.output_format == "json":
        text = "".join(json.dumps({name: record[name] for name in target.fields}) + "\n" for record in records)
    else:
        header = "#Version: 1.0\n#Fields: " + " ".join(target.fields) + "\n" if target.output_format == "w3c" else ""
        text = header + "".join(target.delimiter.join(record[name] for name in target.fields) + "\n" for record in records)
    return gzip.compress(text.encode("utf-8"), mtime=0)


def _listed(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value or [])


def _condition_holds(conditions: dict[str, dict[str, Any]], context: dict[str, str]) -> bool:
    for operator, pairs in conditions.items():
        base = operator.removesuffix("IfExists")
        for key, wanted in pairs.items():
            actual = next((v for k, v in context.items() if k.lower() == key.lower()), None)
            if actual is None:
                if operator.endswith("IfExists"):
                    continue
                return False
            if base in ("StringEquals", "ArnEquals"):
                ok = actual in _listed(wanted)
            elif base in ("StringLike", "ArnLike"):
                ok = any(fnmatch.fnmatchcase(actual, pattern) for pattern in _listed(wanted))
            else:
                return False  # an operator this check does not evaluate never grants
            if not ok:
                return False
    return True


def policy_allows(bucket_name: str, key: str, source_arn: str) -> bool:
    """Whether the bucket policy lets the log delivery service put ``key`` for this delivery source."""
    bucket = s3_rules.get_bucket(bucket_name)
    raw = getattr(bucket, "policy", None)
    if not raw:
        return False
    try:
        policy = json.loads(raw)
    except ValueError:
        return False
    resource = f"arn:aws:s3:::{bucket_name}/{key}"
    context = {"s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceAccount": DEFAULT_ACCOUNT_ID, "aws:SourceArn": source_arn}
    for statement in _listed(policy.get("Statement")) if isinstance(policy.get("Statement"), list) else [policy.get("Statement")]:
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        principal = statement.get("Principal")
        services = _listed(principal.get("Service")) if isinstance(principal, dict) else []
        if DELIVERY_SERVICE not in services:
            continue
        if not any(fnmatch.fnmatch("s3:putobject", action.lower()) for action in _listed(statement.get("Action"))):
            continue
        if not any(fnmatch.fnmatchcase(resource, pattern) for pattern in _listed(statement.get("Resource"))):
            continue
        if _condition_holds(statement.get("Condition") or {}, context):
            return True
    return False


class LogDeliveries(LogDelivery):
    """Legacy standard logging (``LogDelivery``) and v2 deliveries, flushed together."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._v2_buffers: dict[tuple[str, str], V2Buffer] = {}

    def add_v2(self, target: V2Target, record: dict[str, Any]) -> None:
        """Buffer one record for a v2 delivery (values as the legacy log writes them)."""
        stamp = datetime.datetime.strptime(f"{record['date']} {record['time']}", "%Y-%m-%d %H:%M:%S")
        hour = stamp.replace(minute=0, second=0)
        values = {name: log_value(record.get(name)) for name in target.fields}
        with self._lock:
            self._v2_buffers.setdefault((target.delivery_id, f"{hour:%Y%m%d%H}"), V2Buffer(target, hour)).records.append(values)

    def pending(self) -> int:
        with self._lock:
            v2 = sum(len(buffer.records) for buffer in self._v2_buffers.values())
        return super().pending() + v2

    def reset(self) -> None:
        with self._lock:
            self._v2_buffers.clear()
        super().reset()

    def flush(self) -> dict[str, list[dict[str, Any]]]:
        with self._lock:
            v2_buffers, self._v2_buffers = list(self._v2_buffers.values()), {}
            generation = self._generation
        result = super().flush()
        if not v2_buffers:
            return result
        with self._state_lock:
            if generation != self._generation:
                return result
            for buffer in v2_buffers:
                self._deliver_v2(buffer, result)
        return result

    def _deliver_v2(self, buffer: V2Buffer, result: dict[str, list[dict[str, Any]]]) -> None:
        target = buffer.target
        key = object_key(target, buffer.hour)
        entry = {"bucket": target.bucket, "key": key, "records": len(buffer.records), "delivery": target.delivery_id,
                 "format": target.output_format}
        refused = None
        if s3_rules.get_bucket(target.bucket) is None:
            refused = "LogBucketMissing"
        elif not policy_allows(target.bucket, key, target.source_arn):
            refused = "LogBucketPolicy"
        elif target.output_format == "parquet" and not parquet_available():
            refused = "ParquetUnavailable"
        if refused is not None:
            result["dropped"].append({**entry, "rule": refused})
            self._record("DropLogFile", target.bucket, key, 403, refused)
            return
        s3_rules.s3_backend().put_object(target.bucket, key, encode(target, buffer.records))
        result["written"].append(entry)
        self._record("DeliverLogFile", target.bucket, key, 200, None)


# The local edge's country for c-country: loopback clients have none; the country of its edge location (FRA56-P1).
EDGE_COUNTRY = "DE"


def v2_record(record: dict[str, Any]) -> dict[str, Any]:
    """A legacy record with the fields only v2 offers (the origin timings and the ASN are not modelled: empty)."""
    stamp = datetime.datetime.strptime(f"{record['date']} {record['time']}", "%Y-%m-%d %H:%M:%S")
    millis = int(stamp.replace(tzinfo=datetime.timezone.utc).timestamp() * 1000)
    return {**record, "c-country": EDGE_COUNTRY, "timestamp(ms)": millis, "cache-behavior-path-pattern": "*",
            "origin-fbl": None, "origin-lbl": None, "asn": None}
