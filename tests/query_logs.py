"""Query a collector's access logs locally with DuckDB, with the SQL Athena runs (files/sql/tracker_events.sql).

    python -m tests.query_logs --bucket LOG_BUCKET --prefix cloudfront/prod/ [--endpoint http://127.0.0.1:PORT] [--sql FILE]

Downloads the log files under the prefix (legacy tab-separated ``.gz`` files, standard logging v2 JSON ``.gz`` and
``.parquet`` files, also at Hive-compatible keys), exposes them to DuckDB as one relation ``cloudfront_logs`` with the
log fields in snake case (``cs_uri_query``, ``cs_user_agent``, ``c_country``...; fields a file lacks are NULL), runs
the query and prints one JSON object per row. ``--endpoint`` points at a local AWS (``make demo``); without it the
usual AWS credentials and region apply.

Dialect differences from Athena (Trino) that the query is written around: DuckDB's ``regexp_extract`` returns ``''``
where Trino returns NULL (no match), so absent parameters are ``''`` here and NULL in Athena, and the query filters
with ``COALESCE(..., '') <> ''``; DuckDB reads the files directly instead of through a Glue table, so there is no
partition projection (every downloaded file is read).
"""

import argparse
import gzip
import json
import pathlib
import re
import sys
import tempfile

import boto3
import duckdb

REPO = pathlib.Path(__file__).resolve().parents[1]
EVENTS_SQL = REPO / "files" / "sql" / "tracker_events.sql"
LEGACY_FIELDS = (
    "date", "time", "x-edge-location", "sc-bytes", "c-ip", "cs-method", "cs(Host)", "cs-uri-stem", "sc-status",
    "cs(Referer)", "cs(User-Agent)", "cs-uri-query", "cs(Cookie)", "x-edge-result-type", "x-edge-request-id",
    "x-host-header", "cs-protocol", "cs-bytes", "time-taken", "x-forwarded-for", "ssl-protocol", "ssl-cipher",
    "x-edge-response-result-type", "cs-protocol-version", "fle-status", "fle-encrypted-fields", "c-port",
    "time-to-first-byte", "x-edge-detailed-result-type", "sc-content-type", "sc-content-len", "sc-range-start",
    "sc-range-end",
)


def column_name(field):
    """A log field's column name: ``cs(User-Agent)`` -> ``cs_user_agent``, ``timestamp(ms)`` -> ``timestamp_ms``."""
    return re.sub(r"[^a-z0-9]+", "_", field.lower()).strip("_")


def download(s3, bucket, prefix, into):
    """Every log file under the prefix, sorted into legacy, json and parquet files."""
    files = {"legacy": [], "json": [], "parquet": []}
    paginator = s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
        for index, item in enumerate(page.get("Contents", [])):
            key = item["Key"]
            if not key.endswith((".gz", ".parquet")):
                continue
            body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
            path = into / f"{len(sum(files.values(), []))}-{index}{pathlib.Path(key).suffix}"
            path.write_bytes(body)
            if key.endswith(".parquet"):
                files["parquet"].append(path)
            elif gzip.decompress(body)[:1] == b"{":
                files["json"].append(path)
            else:
                files["legacy"].append(path)
    return files


def _renamed(relation_sql, fields):
    return "SELECT " + ", ".join(f'"{field}" AS {column_name(field)}' for field in fields) + f" FROM {relation_sql}"


def logs_relation(connection, files):
    """Create the view cloudfront_logs over the downloaded files; False when there are none."""
    parts = []
    if files["legacy"]:
        columns = "{" + ", ".join(f"'{field}': 'VARCHAR'" for field in LEGACY_FIELDS) + "}"
        source = (f"read_csv({[str(p) for p in files['legacy']]}, delim='\\t', skip=2, header=false, columns={columns}, "
                  "compression='gzip', quote='', escape='')")
        parts.append(_renamed(source, LEGACY_FIELDS))
    for kind, reader in (("json", "read_json({paths}, format='newline_delimited', union_by_name=true)"),
                         ("parquet", "read_parquet({paths}, union_by_name=true)")):
        if files[kind]:
            source = reader.format(paths=[str(p) for p in files[kind]])
            fields = [row[0] for row in connection.sql(f"DESCRIBE SELECT * FROM {source}").fetchall()]
            parts.append(_renamed(source, fields))
    if not parts:
        return False
    connection.sql("CREATE VIEW cloudfront_logs AS " + " UNION ALL BY NAME ".join(f"({part})" for part in parts))
    return True


def query(s3, bucket, prefix, sql=None):
    """The rows of ``sql`` (default: the tracker events query) over the log files, as dicts."""
    sql = sql or EVENTS_SQL.read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory() as folder:
        files = download(s3, bucket, prefix, pathlib.Path(folder))
        connection = duckdb.connect()
        try:
            if not logs_relation(connection, files):
                return []
            result = connection.sql(sql)
            names = result.columns
            return [dict(zip(names, row)) for row in result.fetchall()]
        finally:
            connection.close()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bucket", required=True)
    parser.add_argument("--prefix", default="")
    parser.add_argument("--endpoint")
    parser.add_argument("--region", default="eu-west-1")
    parser.add_argument("--sql", type=pathlib.Path, help="another query over cloudfront_logs")
    args = parser.parse_args(argv)
    s3 = boto3.client("s3", endpoint_url=args.endpoint, region_name=args.region)
    sql = args.sql.read_text(encoding="utf-8") if args.sql else None
    for row in query(s3, args.bucket, args.prefix, sql):
        print(json.dumps(row, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
