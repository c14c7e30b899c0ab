#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: clickstream.collectors contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: collector_athena
short_description: Manage the Glue table and Athena named query that make a collector's access logs queryable
version_added: 1.1.0
description:
  - Keeps, in one region (the log bucket's), a Glue database, a Glue table over the collector's CloudFront access logs and
    an Athena named query that turns the tracker requests in them into events (event type and id, app id, timestamp, page
    URL and title, user and session ids).
  - The table follows the Athena guide ("Querying Amazon CloudFront logs") for the log mode and format - legacy standard
    logs as tab-separated text with their two header lines, standard logging v2 as JSON or parquet with partition projection
    over the Hive-compatible path the delivery writes (C(DistributionId=<id>/year=YYYY/month=MM/day=DD/hour=HH)), so no
    partition is ever added by hand. Its columns are the log fields in snake case (C(cs_uri_query)) whatever the format,
    so one query (O(query)) runs over all of them.
  - Compare-first - a rerun with nothing to change only reads. A table whose partition keys must change (a switch between
    legacy and v2) is deleted and created again; other differences are an C(UpdateTable). A named query whose text or
    description differs is updated in place.
  - O(state=absent) deletes the named query, the table, and the database when no other table is left in it. The logs stay.
author:
  - clickstream.collectors maintainers (@clickstream-collectors)
options:
  state:
    description:
      - V(present) creates or updates the database, table and named query; V(absent) removes them.
    type: str
    choices: [present, absent]
    default: present
  database:
    description:
      - The Glue database (lower-case letters, digits and underscores).
    type: str
    required: true
  table:
    description:
      - The Glue table over the log files. The default is the relation the collection's query reads.
    type: str
    default: cloudfront_logs
  bucket:
    description:
      - The log bucket. Required when O(state=present).
    type: str
  prefix:
    description:
      - Where in the bucket the logs are (the legacy prefix, or the v2 delivery destination's folder).
    type: str
    default: ""
  log_delivery:
    description:
      - V(legacy) standard logging (tab-separated files) or V(v2) (CloudWatch Logs delivery in O(output_format)).
    type: str
    choices: [legacy, v2]
    default: legacy
  output_format:
    description:
      - The format of the v2 files; only V(json) and V(parquet) have an Athena table. Ignored for V(legacy).
    type: str
    choices: [json, parquet]
    default: json
  record_fields:
    description:
      - The fields of the v2 delivery, in order (the columns of a v2 table). Required for V(v2). Legacy files always have
        the 33 legacy fields.
    type: list
    elements: str
  distribution_id:
    description:
      - The collector's distribution, the one value of the C(distributionid) partition of a v2 table. Required for V(v2).
    type: str
  suffix_path:
    description:
      - The v2 delivery's suffix path (its variables become the table's partitions).
    type: str
    default: "{DistributionId}/{yyyy}/{MM}/{dd}/{HH}"
  hive_compatible_path:
    description:
      - Whether the v2 delivery writes Hive-compatible (C(key=value)) folders.
    type: bool
    default: true
  named_query:
    description:
      - The name of the Athena named query.
    type: str
    default: tracker_events
  query:
    description:
      - The SQL of the named query, reading the relation C(cloudfront_logs) (replaced by O(table) when that differs).
        Required when O(state=present); the role passes C(files/sql/tracker_events.sql).
    type: str
  workgroup:
    description:
      - The Athena workgroup that holds the named query. It must exist.
    type: str
    default: primary
notes:
  - Glue and Athena are regional; use the log bucket's region, where the data is.
  - The named query is found by name and database among the workgroup's named queries, one C(GetNamedQuery) each.
  - A database or table another run creates between this run's read and its create (Glue's C(AlreadyExistsException))
    is adopted, and updated when it differs, as a rerun would; it does not fail the run.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Query the v2 parquet logs of the prod collector with Athena
  clickstream.collectors.collector_athena:
    region: eu-west-1
    database: clickstream_prod
    bucket: acme-clickstream-logs
    prefix: cloudfront/prod/
    log_delivery: v2
    output_format: parquet
    distribution_id: E2QWRUHAPOMQZL
    record_fields: [date, time, x-edge-location, cs-uri-stem, cs-uri-query, c-country]
    query: "{{ lookup('ansible.builtin.file', 'files/sql/tracker_events.sql') }}"

- name: Remove them
  clickstream.collectors.collector_athena:
    region: eu-west-1
    database: clickstream_prod
    state: absent
"""

RETURN = r"""
database:
  description:
    - The Glue database after the run (null once removed).
    - With O(state=absent), a database that still holds other tables stays; they are listed in C(other_tables).
  returned: always
  type: dict
  sample: {"name": "clickstream_prod", "description": "CloudFront access logs of clickstream.collectors collectors"}
table:
  description: What the module manages of the Glue table after the run (null once removed).
  returned: always
  type: dict
  sample: {"name": "cloudfront_logs", "location": "s3://acme-clickstream-logs/cloudfront/prod/",
           "columns": [{"name": "date", "type": "string"}], "partition_keys": [{"name": "distributionid", "type": "string"}],
           "parameters": {"projection.enabled": "true"}, "serde": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"}
named_query:
  description: The Athena named query after the run (null once removed).
  returned: always
  type: dict
  sample: {"id": "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111", "name": "tracker_events", "database": "clickstream_prod",
           "workgroup": "primary", "query_string": "SELECT ..."}
"""

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.clickstream.collectors.plugins.module_utils import athena
from ansible_collections.clickstream.collectors.plugins.module_utils import session
from ansible_collections.clickstream.collectors.plugins.module_utils.errors import ACCESS_DENIED
from ansible_collections.clickstream.collectors.plugins.module_utils.errors import CollectorError
from ansible_collections.clickstream.collectors.plugins.module_utils.errors import ErrorHandler
from ansible_collections.clickstream.collectors.plugins.module_utils.errors import error_code
from ansible_collections.clickstream.collectors.plugins.module_utils.errors import fail

DATABASE_DESCRIPTION = "CloudFront access logs of clickstream.collectors collectors"
QUERY_DESCRIPTION = "Snowplow tracker events from the collector's CloudFront access logs (clickstream.collectors)"
GLUE_FIX = "the caller needs glue:{action} on the catalog, database {database} and its tables in this region"
ATHENA_FIX = "the caller needs athena:{action} on workgroup {workgroup} in this region"


@ErrorHandler.common_error_handler("read Glue database {database}", {ACCESS_DENIED: GLUE_FIX.replace("{action}", "GetDatabase")})
def read_database(glue, database):
    try:
        return glue.get_database(aws_retry=True, Name=database)["Database"]
    except is_boto3_error_code("EntityNotFoundException"):
        return None


@ErrorHandler.common_error_handler("read Glue table {database}.{table}", {ACCESS_DENIED: GLUE_FIX.replace("{action}", "GetTable")})
def read_table(glue, database, table):
    try:
        return glue.get_table(aws_retry=True, DatabaseName=database, Name=table)["Table"]
    except is_boto3_error_code("EntityNotFoundException"):
        return None


@ErrorHandler.common_error_handler("list the tables of Glue database {database}", {ACCESS_DENIED: GLUE_FIX.replace("{action}", "GetTables")})
def read_table_names(glue, database):
    names, token = [], None
    while True:
        response = glue.get_tables(aws_retry=True, DatabaseName=database, **({"NextToken": token} if token else {}))
        names.extend(table["Name"] for table in response.get("TableList") or [])
        token = response.get("NextToken")
        if not token:
            return names


@ErrorHandler.common_error_handler(
    "read the named queries of Athena workgroup {workgroup}",
    {ACCESS_DENIED: "the caller needs athena:ListNamedQueries and athena:GetNamedQuery on workgroup {workgroup} in this region",
     "InvalidRequestException": "check that workgroup {workgroup} exists in this region"},
)
def read_named_queries(athena_client, workgroup, name, database):
    """The workgroup's named queries called ``name`` on ``database`` (normally one)."""
    found, token = [], None
    while True:
        response = athena_client.list_named_queries(aws_retry=True, WorkGroup=workgroup, **({"NextToken": token} if token else {}))
        for query_id in response.get("NamedQueryIds") or []:
            query = athena_client.get_named_query(aws_retry=True, NamedQueryId=query_id)["NamedQuery"]
            if query.get("Name") == name and query.get("Database") == database:
                found.append(query)
        token = response.get("NextToken")
        if not token:
            return found


@ErrorHandler.common_error_handler("{action} in Glue database {database}", {ACCESS_DENIED: GLUE_FIX})
def glue_call(glue, action, database, **kwargs):
    """One Glue write (``action`` as IAM and the API name it)."""
    method = {"CreateDatabase": glue.create_database, "UpdateDatabase": glue.update_database, "DeleteDatabase": glue.delete_database,
              "CreateTable": glue.create_table, "UpdateTable": glue.update_table, "DeleteTable": glue.delete_table}[action]
    return method(aws_retry=True, **kwargs)


@ErrorHandler.common_error_handler("{action} in Athena workgroup {workgroup}",
                                   {ACCESS_DENIED: ATHENA_FIX, "InvalidRequestException": "check that workgroup {workgroup} exists in this region"})
def athena_call(athena_client, action, workgroup, **kwargs):  # pylint: disable=unused-argument
    """One Athena named query write."""
    method = {"CreateNamedQuery": athena_client.create_named_query, "UpdateNamedQuery": athena_client.update_named_query,
              "DeleteNamedQuery": athena_client.delete_named_query}[action]
    return method(aws_retry=True, **kwargs)


def database_view(database):
    return None if database is None else {"name": database["Name"], "description": database.get("Description") or ""}


def query_view(query):
    if query is None:
        return None
    return {"id": query.get("NamedQueryId"), "name": query["Name"], "database": query["Database"], "workgroup": query.get("WorkGroup"),
            "description": query.get("Description") or "", "query_string": query["QueryString"]}


def glue_create(glue, action, database, **kwargs):
    """A Glue create; False when Glue answers AlreadyExistsException (created since it was read)."""
    try:
        glue_call(glue, action, database, **kwargs)
    except CollectorError as e:
        if error_code(e) != "AlreadyExistsException":
            raise
        return False
    return True


def handle_database(module, glue, current, adopt=True):
    """The database exists with the collection's description. Returns (changed, view after).

    A database created between the read and the create (a concurrent run of the role) is adopted once, as a rerun
    would: read again and updated when it differs."""
    database = module.params["database"]
    wanted = {"Name": database, "Description": DATABASE_DESCRIPTION}
    if current is not None and (current.get("Description") or "") == DATABASE_DESCRIPTION:
        return False, database_view(current)
    if not module.check_mode:
        if current is not None:
            glue_call(glue, "UpdateDatabase", database, Name=database, DatabaseInput=wanted)
        elif not adopt:
            glue_call(glue, "CreateDatabase", database, DatabaseInput=wanted)
        elif not glue_create(glue, "CreateDatabase", database, DatabaseInput=wanted):
            return True, handle_database(module, glue, read_database(glue, database), adopt=False)[1]
    return True, database_view(wanted)


def handle_table(module, glue, current, wanted, adopt=True):
    """The table is as ``wanted`` (a TableInput). Returns (changed, view after).

    A table created between the read and the create (a concurrent run of the role) is adopted once, as a rerun would:
    read again and updated (or replaced) when it differs."""
    database = module.params["database"]
    if athena.table_view(current) == athena.table_view(wanted):
        return False, athena.table_view(current)
    if not module.check_mode:
        if current is not None and athena.table_view(current)["partition_keys"] != athena.table_view(wanted)["partition_keys"]:
            # Partition keys do not change in place: a switch between legacy and v2 replaces the table (the data stays).
            glue_call(glue, "DeleteTable", database, DatabaseName=database, Name=wanted["Name"])
            current = None
        if current is None and not adopt:
            glue_call(glue, "CreateTable", database, DatabaseName=database, TableInput=wanted)
        elif current is None:
            if not glue_create(glue, "CreateTable", database, DatabaseName=database, TableInput=wanted):
                return True, handle_table(module, glue, read_table(glue, database, wanted["Name"]), wanted, adopt=False)[1]
        else:
            glue_call(glue, "UpdateTable", database, DatabaseName=database, TableInput=wanted)
    return True, athena.table_view(wanted)


def handle_named_query(module, athena_client, found, query_string):
    """One named query called ``named_query`` on the database, with ``query_string``. Returns (changed, view after)."""
    params = module.params
    workgroup = params["workgroup"]
    wanted = {"Name": params["named_query"], "Database": params["database"], "WorkGroup": workgroup, "Description": QUERY_DESCRIPTION,
              "QueryString": query_string}
    changed = False
    keep, extra = (found[0], found[1:]) if found else (None, [])
    for query in extra:  # duplicates (created by hand, or by an interrupted run): one is kept
        changed = True
        if not module.check_mode:
            athena_call(athena_client, "DeleteNamedQuery", workgroup, NamedQueryId=query["NamedQueryId"])
    if keep is None:
        changed = True
        after = dict(wanted, NamedQueryId=None)
        if not module.check_mode:
            after["NamedQueryId"] = athena_call(athena_client, "CreateNamedQuery", workgroup, **wanted)["NamedQueryId"]
        return changed, query_view(after)
    if keep["QueryString"] == query_string and (keep.get("Description") or "") == QUERY_DESCRIPTION:
        return changed, query_view(keep)
    if not module.check_mode:
        athena_call(athena_client, "UpdateNamedQuery", workgroup, NamedQueryId=keep["NamedQueryId"], Name=wanted["Name"],
                    Description=QUERY_DESCRIPTION, QueryString=query_string)
    return True, query_view(dict(keep, QueryString=query_string, Description=QUERY_DESCRIPTION))


def handle_absent(module, glue, athena_client, database, table, found):
    """Remove the named queries, the table and (when empty then) the database. Returns (changed, result)."""
    params = module.params
    changed = False
    for query in found:
        changed = True
        if not module.check_mode:
            athena_call(athena_client, "DeleteNamedQuery", params["workgroup"], NamedQueryId=query["NamedQueryId"])
    if table is not None:
        changed = True
        if not module.check_mode:
            glue_call(glue, "DeleteTable", params["database"], DatabaseName=params["database"], Name=params["table"])
    remaining = None
    if database is not None:
        # DeleteDatabase also deletes the tables in it: only a database left empty goes.
        others = [name for name in read_table_names(glue, params["database"]) if name != params["table"]]
        if others:
            remaining = dict(database_view(database), other_tables=others)
        else:
            changed = True
            if not module.check_mode:
                glue_call(glue, "DeleteDatabase", params["database"], Name=params["database"])
    return changed, {"database": remaining, "table": None, "named_query": None}


def check_params(module):
    params = module.params
    for key in ("database", "table"):
        if not athena.NAME_PATTERN.match(params[key]):
            raise CollectorError(message=f"{key} {params[key]!r} is not a valid Glue name for Athena: use lower-case letters, digits and "
                                         "underscores (at most 255)")
    if params["state"] == "present" and params["log_delivery"] == "v2":
        missing = [key for key in ("record_fields", "distribution_id") if not params[key]]
        if missing:
            raise CollectorError(message=f"log_delivery=v2 needs {' and '.join(missing)}: the table's columns are the delivery's record "
                                         "fields and its distributionid partition is the distribution")


def main():
    argument_spec = dict(
        state=dict(type="str", choices=["present", "absent"], default="present"),
        database=dict(type="str", required=True),
        table=dict(type="str", default=athena.DEFAULT_TABLE),
        bucket=dict(type="str"),
        prefix=dict(type="str", default=""),
        log_delivery=dict(type="str", choices=["legacy", "v2"], default="legacy"),
        output_format=dict(type="str", choices=["json", "parquet"], default="json"),
        record_fields=dict(type="list", elements="str"),
        distribution_id=dict(type="str"),
        suffix_path=dict(type="str", default="{DistributionId}/{yyyy}/{MM}/{dd}/{HH}"),
        hive_compatible_path=dict(type="bool", default=True),
        named_query=dict(type="str", default="tracker_events"),
        query=dict(type="str"),
        workgroup=dict(type="str", default="primary"),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, required_if=[("state", "present", ("bucket", "query"))], supports_check_mode=True)
    try:
        check_params(module)
        run(module)
    except AnsibleAWSError as e:
        fail(module, e)


def run(module):
    params = module.params
    glue = session.aws_client(module, "glue", retry_decorator=AWSRetry.jittered_backoff(catch_extra_error_codes=athena.GLUE_RETRY_CODES))
    athena_client = session.aws_client(module, "athena", retry_decorator=AWSRetry.jittered_backoff(catch_extra_error_codes=athena.ATHENA_RETRY_CODES))
    database = read_database(glue, params["database"])
    table = read_table(glue, params["database"], params["table"]) if database is not None else None
    found = read_named_queries(athena_client, params["workgroup"], params["named_query"], params["database"])
    before = {"database": database_view(database), "table": athena.table_view(table), "named_query": query_view(found[0] if found else None)}

    if params["state"] == "present":
        try:
            wanted_table = athena.table_input(params["table"], params["log_delivery"], params["output_format"], params["bucket"],
                                              params["prefix"], params["record_fields"], params["distribution_id"],
                                              params["suffix_path"], params["hive_compatible_path"])
        except ValueError as e:
            raise CollectorError(message=f"Cannot describe the log table of s3://{params['bucket']}/{params['prefix']}: {e}") from e
        database_changed, database_after = handle_database(module, glue, database)
        table_changed, table_after = handle_table(module, glue, table, wanted_table)
        query_changed, query_after = handle_named_query(module, athena_client, found,
                                                        athena.named_query_string(params["query"], params["table"]))
        after = {"database": database_after, "table": table_after, "named_query": query_after}
        changed = database_changed or table_changed or query_changed
    else:
        changed, after = handle_absent(module, glue, athena_client, database, table, found)

    result = dict(after, changed=changed)
    if module._diff:  # pylint: disable=protected-access
        result["diff"] = {"before": before, "after": after}
    module.exit_json(**result)


if __name__ == "__main__":
    main()
