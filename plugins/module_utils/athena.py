# -*- coding: utf-8 -*-

# Copyright: clickstream.collectors contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The Glue table of a collector's CloudFront access logs and the Athena named query of its tracker events, as the
module clickstream.collectors.collector_athena writes them (pure Python: no boto3 here, tests import it).

The tables follow the Athena guide, "Querying Amazon CloudFront logs"
(https://docs.aws.amazon.com/athena/latest/ug/cloudfront-logs.html):

- legacy standard logs: tab-separated text with two header lines (``skip.header.line.count`` 2), the guide's column
  types (``date`` DATE, byte counts BIGINT, ``sc-status`` INT, timings FLOAT...), over the log prefix;
- standard logging v2, parquet: ``ParquetHiveSerDe``, every column a string, read by name; the files' columns are the
  fields in snake case (``cs_user_agent``), as the guide's parquet table names them;
- standard logging v2, JSON: the OpenX JSON SerDe, every column a string;
- v2 tables are partitioned by ``distributionid``, ``year``, ``month``, ``day``, ``hour`` with partition projection
  over the Hive-compatible path the delivery writes (``DistributionId=<id>/year=YYYY/month=MM/day=DD/hour=HH``), so no
  partition is ever added by hand.

One deliberate difference from the guide: the columns are named after the log fields in snake case in every table
(``cs_uri_query``, ``cs_uri_stem``, ``x_edge_location``), the names of the guide's parquet table, also for the legacy
table (whose guide names are ``query_string``, ``uri``...: column names of a tab-separated table are free) and the JSON
table (whose SerDe maps each column to its JSON key with ``mapping.<column>``). So files/sql/tracker_events.sql runs
unchanged over all three, in Athena and in DuckDB (tests/query_logs.py).
"""

import re

# The 33 fields of the legacy log, in order, with the types of the Athena guide's table of legacy standard logs.
LEGACY_TYPES = {
    "date": "date", "time": "string", "x-edge-location": "string", "sc-bytes": "bigint", "c-ip": "string",
    "cs-method": "string", "cs(Host)": "string", "cs-uri-stem": "string", "sc-status": "int", "cs(Referer)": "string",
    "cs(User-Agent)": "string", "cs-uri-query": "string", "cs(Cookie)": "string", "x-edge-result-type": "string",
    "x-edge-request-id": "string", "x-host-header": "string", "cs-protocol": "string", "cs-bytes": "bigint",
    "time-taken": "float", "x-forwarded-for": "string", "ssl-protocol": "string", "ssl-cipher": "string",
    "x-edge-response-result-type": "string", "cs-protocol-version": "string", "fle-status": "string",
    "fle-encrypted-fields": "int", "c-port": "int", "time-to-first-byte": "float", "x-edge-detailed-result-type": "string",
    "sc-content-type": "string", "sc-content-len": "bigint", "sc-range-start": "bigint", "sc-range-end": "bigint",
}
TEXT_INPUT = "org.apache.hadoop.mapred.TextInputFormat"
TEXT_OUTPUT = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"
FORMATS = {
    "legacy": {"InputFormat": TEXT_INPUT, "OutputFormat": TEXT_OUTPUT,
               "SerializationLibrary": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"},
    "json": {"InputFormat": TEXT_INPUT, "OutputFormat": TEXT_OUTPUT, "SerializationLibrary": "org.openx.data.jsonserde.JsonSerDe"},
    "parquet": {"InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
                "OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
                "SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"},
}
# The suffix path variables of a v2 delivery and the partition each one is (Hive-compatible names as the delivery writes).
SUFFIX_PARTITIONS = {
    "DistributionId": ("DistributionId", "distributionid"), "distributionid": ("distributionid", "distributionid"),
    "yyyy": ("year", "year"), "MM": ("month", "month"), "dd": ("day", "day"), "HH": ("hour", "hour"),
}
# Partition projection of each partition (https://docs.aws.amazon.com/athena/latest/ug/partition-projection.html).
# Standard logging v2 exists since November 2024: the years start there.
PROJECTION = {
    "year": {"type": "integer", "range": "2024,2099"},
    "month": {"type": "integer", "range": "01,12", "digits": "2"},
    "day": {"type": "integer", "range": "01,31", "digits": "2"},
    "hour": {"type": "integer", "range": "00,23", "digits": "2"},
}
DEFAULT_TABLE = "cloudfront_logs"
NAME_PATTERN = re.compile(r"^[a-z0-9_]{1,255}$")

# Glue's and Athena's throttling and internal-error codes that AWSRetry does not know (it knows TooManyRequestsException):
# https://docs.aws.amazon.com/glue/latest/dg/aws-glue-api-exceptions.html,
# https://docs.aws.amazon.com/athena/latest/APIReference/CommonErrors.html
GLUE_RETRY_CODES = ["ThrottlingException", "InternalServiceException"]
ATHENA_RETRY_CODES = ["InternalServerException"]


def column_name(field):
    """A log field's column name: ``cs(User-Agent)`` -> ``cs_user_agent``, ``timestamp(ms)`` -> ``timestamp_ms``."""
    return re.sub(r"[^a-z0-9]+", "_", field.lower()).strip("_")


def table_format(log_delivery, output_format):
    """``legacy``, ``json`` or ``parquet``: what the table reads."""
    if log_delivery == "legacy":
        return "legacy"
    if output_format not in ("json", "parquet"):
        raise ValueError(f"an Athena table reads v2 logs in json or parquet, not {output_format}")
    return output_format


def columns(kind, fields):
    """The table's columns for the files' fields: [{"Name", "Type"}] in the files' order."""
    if kind == "legacy":
        return [{"Name": column_name(name), "Type": LEGACY_TYPES[name]} for name in LEGACY_TYPES]
    return [{"Name": column_name(name), "Type": "string"} for name in fields]


def folder(prefix):
    """A prefix as a folder: no leading slash, one trailing slash ('' for the bucket's root)."""
    stripped = (prefix or "").strip("/")
    return stripped + "/" if stripped else ""


def location_template(bucket, prefix, suffix_path, hive):
    """The v2 files' location with ``${partition}`` placeholders, and the partitions in path order."""
    partitions = []

    def placeholder(match):
        variable = match.group(1)
        if variable not in SUFFIX_PARTITIONS:
            raise ValueError(f"the suffix path variable {{{variable}}} has no partition for Athena")
        segment, partition = SUFFIX_PARTITIONS[variable]
        partitions.append(partition)
        return f"{segment}=${{{partition}}}" if hive else f"${{{partition}}}"

    path = re.sub(r"\{([^}]+)\}", placeholder, suffix_path.strip("/"))
    return f"s3://{bucket}/{folder(prefix)}{path}/", partitions


def table_input(name, log_delivery, output_format, bucket, prefix, fields=None, distribution_id=None, suffix_path=None,
                hive=True):
    """The Glue TableInput of the collector's log table."""
    kind = table_format(log_delivery, output_format)
    parameters = {"EXTERNAL": "TRUE", "classification": {"legacy": "csv"}.get(kind, kind)}
    serde_parameters = {}
    partition_keys = []
    if kind == "legacy":
        parameters["skip.header.line.count"] = "2"
        serde_parameters = {"field.delim": "\t", "serialization.format": "\t"}
    else:
        if not fields:
            raise ValueError("a v2 table needs the delivery's record fields")
        template, partitions = location_template(bucket, prefix, suffix_path, hive)
        parameters.update({"projection.enabled": "true", "storage.location.template": template})
        for partition in partitions:
            if partition == "distributionid":
                parameters.update({"projection.distributionid.type": "enum", "projection.distributionid.values": distribution_id})
                partition_keys.append({"Name": partition, "Type": "string"})
            else:
                parameters.update({f"projection.{partition}.{key}": value for key, value in PROJECTION[partition].items()})
                partition_keys.append({"Name": partition, "Type": "int"})
        if kind == "json":
            # The JSON keys are the field names; the OpenX SerDe (case-insensitive) maps each column to its key.
            serde_parameters = {f"mapping.{column_name(field)}": field.lower() for field in fields if column_name(field) != field.lower()}
            serde_parameters["paths"] = ",".join(fields)
    return {
        "Name": name,
        "Description": "CloudFront access logs of the collector (clickstream.collectors)",
        "TableType": "EXTERNAL_TABLE",
        "Parameters": parameters,
        "PartitionKeys": partition_keys,
        "StorageDescriptor": {
            "Columns": columns(kind, fields),
            "Location": f"s3://{bucket}/{folder(prefix)}",
            "InputFormat": FORMATS[kind]["InputFormat"],
            "OutputFormat": FORMATS[kind]["OutputFormat"],
            "SerdeInfo": {"SerializationLibrary": FORMATS[kind]["SerializationLibrary"], "Parameters": serde_parameters},
        },
    }


def table_view(table):
    """What the module manages of a Glue table (from GetTable or a TableInput), comparable and shown in diffs."""
    if table is None:
        return None
    storage = table.get("StorageDescriptor") or {}
    serde = storage.get("SerdeInfo") or {}
    return {
        "name": table.get("Name"),
        "description": table.get("Description") or "",
        "table_type": table.get("TableType"),
        "parameters": dict(table.get("Parameters") or {}),
        "partition_keys": [{"name": key["Name"], "type": key["Type"]} for key in table.get("PartitionKeys") or []],
        "columns": [{"name": column["Name"], "type": column["Type"]} for column in storage.get("Columns") or []],
        "location": storage.get("Location"),
        "input_format": storage.get("InputFormat"),
        "output_format": storage.get("OutputFormat"),
        "serde": serde.get("SerializationLibrary"),
        "serde_parameters": dict(serde.get("Parameters") or {}),
    }


def named_query_string(sql, table):
    """The tracker events query as the named query stores it: files/sql/tracker_events.sql reads ``cloudfront_logs``,
    which is the table's default name in the named query's database (stored unchanged then); another table name
    replaces it. Surrounding blank space is dropped."""
    if table != DEFAULT_TABLE:
        sql = re.sub(rf"\b{DEFAULT_TABLE}\b", table, sql)
    return sql.strip() + "\n"
