"""clickstream.collectors.collector_athena against the strict local AWS: check mode, compare-first reruns, the switch
between legacy and v2, teardown; and the Glue table's schema reads the files the local edge wrote, in every mode, with
the same tracker events query as tests/query_logs.py (files/sql/tracker_events.sql)."""

import gzip
import json
import pathlib
import re
import tempfile

import duckdb
import pytest

from tests.functional.test_query_logs import events, send_events
from tests.strict_aws.log_delivery_v2 import parquet_available
from tests.strict_aws.test_edge import LOG_BUCKET, create_distribution, with_buckets
from tests.strict_aws.test_edge_v2_logs import MINIMAL, V2_BUCKET, v2_delivery

MODULE = "clickstream.collectors.collector_athena"
REPO = pathlib.Path(__file__).resolve().parents[2]
SQL = (REPO / "files" / "sql" / "tracker_events.sql").read_text(encoding="utf-8")
REGION = "eu-west-1"
DATABASE = "clickstream_test"
# Hive types of the Glue columns as DuckDB spells them.
DUCKDB_TYPES = {"string": "VARCHAR", "bigint": "BIGINT", "int": "INTEGER", "float": "FLOAT", "date": "DATE"}


def writes(strict_aws, before):
    return [(c["service"], c["operation"]) for c in strict_aws.writes()[before:] if c["status"] < 400]


def ok(result):
    assert not result.get("failed"), json.dumps(result)[:3000]
    return result


@pytest.fixture(name="aws")
def fixture_aws(strict_aws):  # pylint: disable=redefined-outer-name
    """The strict AWS with the edge tests' pixel and log buckets."""
    return with_buckets(strict_aws)


def test_check_apply_rerun_switch_and_remove(strict_aws, run_module):
    glue = strict_aws.boto3_client("glue", REGION)
    athena = strict_aws.boto3_client("athena", REGION)
    args = {"database": DATABASE, "bucket": "collector-logs", "prefix": "cloudfront/local/", "query": SQL}
    before = len(strict_aws.writes())
    checked = ok(run_module(MODULE, args, check=True, diff=True))
    assert checked["changed"] is True and writes(strict_aws, before) == []
    assert checked["diff"]["before"] == {"database": None, "table": None, "named_query": None}
    assert checked["diff"]["after"]["table"]["parameters"]["skip.header.line.count"] == "2"

    applied = ok(run_module(MODULE, args))
    assert writes(strict_aws, before) == [("glue", "CreateDatabase"), ("glue", "CreateTable"), ("athena", "CreateNamedQuery")]
    table = glue.get_table(DatabaseName=DATABASE, Name="cloudfront_logs")["Table"]
    assert table["StorageDescriptor"]["Location"] == "s3://collector-logs/cloudfront/local/"
    assert table["StorageDescriptor"]["SerdeInfo"]["Parameters"] == {"field.delim": "\t", "serialization.format": "\t"}
    assert checked["diff"]["after"]["table"] == applied["table"]
    [query_id] = athena.list_named_queries(WorkGroup="primary")["NamedQueryIds"]
    stored = athena.get_named_query(NamedQueryId=query_id)["NamedQuery"]
    assert (stored["Name"], stored["Database"], stored["QueryString"]) == ("tracker_events", DATABASE, SQL.strip() + "\n")

    before = len(strict_aws.writes())
    assert ok(run_module(MODULE, args))["changed"] is False and writes(strict_aws, before) == []

    # A changed query is updated in place (same id); a switch to v2 parquet replaces the table (new partition keys).
    v2 = dict(args, log_delivery="v2", output_format="parquet", distribution_id="E2EXAMPLE", record_fields=MINIMAL,
              query=SQL + "\n-- v2\n")
    switched_check = ok(run_module(MODULE, v2, check=True, diff=True))
    assert switched_check["changed"] is True and writes(strict_aws, before) == []
    ok(run_module(MODULE, v2))
    assert writes(strict_aws, before) == [("glue", "DeleteTable"), ("glue", "CreateTable"), ("athena", "UpdateNamedQuery")]
    assert athena.list_named_queries(WorkGroup="primary")["NamedQueryIds"] == [query_id]
    assert athena.get_named_query(NamedQueryId=query_id)["NamedQuery"]["QueryString"].endswith("-- v2\n")
    before = len(strict_aws.writes())
    assert ok(run_module(MODULE, v2))["changed"] is False and writes(strict_aws, before) == []

    # Teardown: another table in the database keeps the database.
    glue.create_table(DatabaseName=DATABASE, TableInput={"Name": "someone_elses"})
    before = len(strict_aws.writes())
    removed = ok(run_module(MODULE, {"database": DATABASE, "state": "absent"}, diff=True))
    assert removed["changed"] is True and removed["database"]["other_tables"] == ["someone_elses"]
    assert writes(strict_aws, before) == [("athena", "DeleteNamedQuery"), ("glue", "DeleteTable")]
    glue.delete_table(DatabaseName=DATABASE, Name="someone_elses")
    before = len(strict_aws.writes())
    ok(run_module(MODULE, {"database": DATABASE, "state": "absent"}))
    assert writes(strict_aws, before) == [("glue", "DeleteDatabase")]
    assert ok(run_module(MODULE, {"database": DATABASE, "state": "absent"}))["changed"] is False


def test_bad_names_and_missing_v2_settings_are_refused(run_module):
    bad = run_module(MODULE, {"database": "Clickstream-Prod", "bucket": "b", "query": SQL})
    assert bad.get("failed") and "lower-case letters, digits and underscores" in bad["msg"]
    missing = run_module(MODULE, {"database": DATABASE, "bucket": "b", "query": SQL, "log_delivery": "v2"})
    assert missing.get("failed") and "record_fields and distribution_id" in missing["msg"]


# --- the table's schema against the files the edge wrote ----------------------------------------------------------

def download(s3, bucket, folder):
    files = {}
    for item in s3.list_objects_v2(Bucket=bucket, Prefix=folder).get("Contents", []):
        files[item["Key"]] = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
    assert files, f"no log files under s3://{bucket}/{folder}"
    return files


def hive_relation(connection, table, paths, kind):
    """A DuckDB relation reading the files as the Glue table's SerDe does: its columns, names and types."""
    storage = table["StorageDescriptor"]
    columns = [(c["Name"], DUCKDB_TYPES[c["Type"]]) for c in storage["Columns"]]
    serde = storage["SerdeInfo"]
    files = [str(p) for p in paths]
    if kind == "legacy":
        skip = int(table["Parameters"]["skip.header.line.count"])
        spec = "{" + ", ".join(f"'{name}': '{kind_}'" for name, kind_ in columns) + "}"
        # LazySimpleSerDe: the field delimiter, and a value that does not parse as the column's type is NULL ('-').
        return (f"SELECT * FROM read_csv({files}, delim='{serde['Parameters']['field.delim']}', skip={skip}, header=false, "
                f"columns={spec}, compression='gzip', quote='', escape='', nullstr='-', strict_mode=true)")
    if kind == "json":
        # OpenX JSON SerDe: keys case-insensitive; mapping.<column> names a column's key.
        keys = {}
        for path in paths:
            for line in gzip.decompress(path.read_bytes()).decode("utf-8").splitlines():
                keys.update({key.lower(): key for key in json.loads(line)})
        wanted = {name: serde["Parameters"].get(f"mapping.{name}", name) for name, dummy in columns}
        assert set(wanted.values()) == set(keys), "every JSON key is a column, every column a key"
        spec = "{" + ", ".join(f"'{keys[key]}': 'VARCHAR'" for key in wanted.values()) + "}"
        select = ", ".join(f'"{keys[wanted[name]]}" AS {name}' for name, dummy in columns)
        return f"SELECT {select} FROM read_json({files}, format='newline_delimited', columns={spec})"
    file_columns = {row[0] for row in connection.sql(f"DESCRIBE SELECT * FROM read_parquet({files})").fetchall()}
    assert file_columns == {name for name, dummy in columns}, "ParquetHiveSerDe reads columns by name"
    select = ", ".join(f'CAST("{name}" AS {kind_}) AS "{name}"' for name, kind_ in columns)
    return f"SELECT {select} FROM read_parquet({files})"


def projected_folder(table, key):
    """The partition projection's location for the partition a file's key is in (where Athena would look)."""
    template = table["Parameters"]["storage.location.template"]
    values = dict(re.findall(r"(DistributionId|year|month|day|hour)=([^/]+)", key))
    folder = template
    for partition, value in (("distributionid", values["DistributionId"]), ("year", values["year"]), ("month", values["month"]),
                             ("day", values["day"]), ("hour", values["hour"])):
        digits = int(table["Parameters"].get(f"projection.{partition}.digits", "0"))
        folder = folder.replace("${" + partition + "}", value.zfill(digits) if digits else value)
    return folder


MODES = [("legacy", None), ("v2", "json"), ("v2", "parquet")]


@pytest.mark.parametrize("mode, output_format", MODES, ids=["legacy-tsv", "v2-json", "v2-parquet"])
def test_table_schema_reads_the_edge_files(aws, run_module, mode, output_format):  # pylint: disable=redefined-outer-name
    if output_format == "parquet" and not parquet_available():
        pytest.fail("pyarrow is missing: make install installs it")
    distribution_id, domain = create_distribution(aws, protocol="allow-all", logging=mode == "legacy")
    if mode == "legacy":
        bucket, prefix = LOG_BUCKET, "cf/"
        args = {}
    else:
        bucket, prefix = V2_BUCKET, "cloudfront"
        v2_delivery(aws, distribution_id, MINIMAL, output_format=output_format)
        args = {"log_delivery": "v2", "output_format": output_format, "distribution_id": distribution_id, "record_fields": MINIMAL}
    sent = send_events(aws, domain)
    ok(run_module(MODULE, dict(args, database=DATABASE, bucket=bucket, prefix=prefix, query=SQL)))
    table = aws.boto3_client("glue", REGION).get_table(DatabaseName=DATABASE, Name="cloudfront_logs")["Table"]
    files = download(aws.s3, bucket, prefix)
    assert table["StorageDescriptor"]["Location"] == f"s3://{bucket}/{prefix.strip('/')}/"
    if mode == "legacy":
        header = gzip.decompress(next(iter(files.values()))).decode("utf-8").splitlines()[1]
        fields = header.removeprefix("#Fields: ").split(" ")
        assert [c["Name"] for c in table["StorageDescriptor"]["Columns"]] == [re.sub(r"[^a-z0-9]+", "_", f.lower()).strip("_") for f in fields]
        assert table["PartitionKeys"] == []
    else:
        assert [k["Name"] for k in table["PartitionKeys"]] == ["distributionid", "year", "month", "day", "hour"]
        assert table["Parameters"]["projection.distributionid.values"] == distribution_id
        for key in files:
            assert f"s3://{bucket}/{key}".startswith(projected_folder(table, key)), (key, table["Parameters"])
        assert "c_ip" not in {c["Name"] for c in table["StorageDescriptor"]["Columns"]}
    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for index, (key, body) in enumerate(sorted(files.items())):
            paths.append(pathlib.Path(folder) / f"{index}{pathlib.Path(key).suffix}")
            paths[-1].write_bytes(body)
        connection = duckdb.connect()
        try:
            kind = "legacy" if mode == "legacy" else output_format
            connection.sql(f"CREATE VIEW cloudfront_logs AS {hive_relation(connection, table, paths, kind)}")
            typed = {row[0]: row[1] for row in connection.sql("DESCRIBE cloudfront_logs").fetchall()}
            assert typed == {c["Name"]: DUCKDB_TYPES[c["Type"]] for c in table["StorageDescriptor"]["Columns"]}
            result = connection.sql(SQL)
            rows = [dict(zip(result.columns, row)) for row in result.fetchall()]
        finally:
            connection.close()
    assert events(rows) == sent
