# -*- coding: utf-8 -*-

# Copyright: clickstream.collectors contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""collector_athena: the error paths with the real Glue and Athena error codes, check mode and the compare-first path.

The Glue and Athena clients are stubbed (botocore Stubber): a call with no response queued fails the test, so a test
that queues no write response proves the module made no write.
"""

import boto3
import pytest
from botocore.stub import Stubber

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.clickstream.collectors.plugins.module_utils import athena
from ansible_collections.clickstream.collectors.plugins.module_utils.errors import fail
from ansible_collections.clickstream.collectors.plugins.modules import collector_athena
from ansible_collections.clickstream.collectors.tests.unit.plugins.modules.module_double import clients_from_the_double
from ansible_collections.clickstream.collectors.tests.unit.plugins.modules.module_double import Failed
from ansible_collections.clickstream.collectors.tests.unit.plugins.modules.module_double import fake_module
from ansible_collections.clickstream.collectors.tests.unit.plugins.modules.module_double import retrying

DATABASE = "clickstream"
BUCKET = "acme-clickstream-logs"
SQL = "SELECT cs_uri_query FROM cloudfront_logs WHERE cs_uri_stem = '/i'\n"
QUERY_ID = "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111"
DEFAULTS = {
    "state": "present",
    "database": DATABASE,
    "table": athena.DEFAULT_TABLE,
    "bucket": BUCKET,
    "prefix": "cloudfront/",
    "log_delivery": "legacy",
    "output_format": "json",
    "record_fields": None,
    "distribution_id": None,
    "suffix_path": "{DistributionId}/{yyyy}/{MM}/{dd}/{HH}",
    "hive_compatible_path": True,
    "named_query": "tracker_events",
    "query": SQL,
    "workgroup": "primary",
}
WANTED_TABLE = athena.table_input(athena.DEFAULT_TABLE, "legacy", "json", BUCKET, "cloudfront/")
WANTED_QUERY = {"Name": "tracker_events", "Database": DATABASE, "WorkGroup": "primary",
                "Description": collector_athena.QUERY_DESCRIPTION, "QueryString": SQL}


@pytest.fixture(autouse=True)
def _clients(monkeypatch):
    clients_from_the_double(monkeypatch)


class Env:
    """Stubbed Glue and Athena clients, wrapped as module.client(..., retry_decorator=...) wraps them, and a module double."""

    def __init__(self, check_mode=False, **params):
        credentials = {"region_name": "eu-west-1", "aws_access_key_id": "k", "aws_secret_access_key": "s"}
        glue = boto3.client("glue", **credentials)
        athena_client = boto3.client("athena", **credentials)
        self.glue = Stubber(glue)
        self.athena = Stubber(athena_client)
        clients = {"glue": retrying(glue), "athena": retrying(athena_client)}
        self.module = fake_module(DEFAULTS, params, check_mode=check_mode)
        self.module.client.side_effect = lambda service, **kwargs: clients[service]

    # reads
    def database(self, description=collector_athena.DATABASE_DESCRIPTION):
        self.glue.add_response("get_database", {"Database": {"Name": DATABASE, "Description": description}}, {"Name": DATABASE})

    def no_database(self):
        self.glue.add_client_error("get_database", "EntityNotFoundException", f"Database {DATABASE} not found.", http_status_code=400,
                                   expected_params={"Name": DATABASE})

    def table(self, table_input=None):
        table = dict(table_input or WANTED_TABLE, DatabaseName=DATABASE)
        self.glue.add_response("get_table", {"Table": table}, {"DatabaseName": DATABASE, "Name": athena.DEFAULT_TABLE})

    def no_table(self):
        self.glue.add_client_error("get_table", "EntityNotFoundException", f"Table {athena.DEFAULT_TABLE} not found.", http_status_code=400,
                                   expected_params={"DatabaseName": DATABASE, "Name": athena.DEFAULT_TABLE})

    def named_queries(self, *queries):
        ids = [query.get("NamedQueryId", QUERY_ID) for query in queries]
        # an empty list is no NamedQueryIds key (the model's list has at least one id)
        self.athena.add_response("list_named_queries", {"NamedQueryIds": ids} if ids else {}, {"WorkGroup": "primary"})
        for query_id, query in zip(ids, queries):
            self.athena.add_response("get_named_query", {"NamedQuery": dict(query, NamedQueryId=query_id)}, {"NamedQueryId": query_id})

    def all_present(self):
        self.database()
        self.table()
        self.named_queries(WANTED_QUERY)

    def run(self):
        """Run the module as main() does: its AWS errors fail it with the collection's message."""
        with self.glue, self.athena:
            try:
                collector_athena.check_params(self.module)
                collector_athena.run(self.module)
            except AnsibleAWSError as e:
                fail(self.module, e)
            self.glue.assert_no_pending_responses()
            self.athena.assert_no_pending_responses()
        return self.module.exit_json.call_args.kwargs

    def failure(self):
        with pytest.raises(Failed) as failed:
            self.run()
        return str(failed.value)


def test_existing_equal_database_table_and_query_make_no_write():
    env = Env()
    env.all_present()  # no write response queued: any write fails the test
    result = env.run()
    assert result["changed"] is False
    assert result["named_query"]["id"] == QUERY_ID
    assert result["diff"]["before"] == result["diff"]["after"]
    assert result["table"]["location"] == f"s3://{BUCKET}/cloudfront/"


def test_check_mode_on_an_empty_account_reports_everything_and_writes_nothing():
    env = Env(check_mode=True)
    env.no_database()  # the table is not read in a database that does not exist
    env.named_queries()
    result = env.run()
    assert result["changed"] is True
    assert result["diff"]["before"] == {"database": None, "table": None, "named_query": None}
    assert result["database"]["name"] == DATABASE
    assert result["table"] == athena.table_view(WANTED_TABLE)
    assert result["named_query"]["id"] is None and result["named_query"]["query_string"] == SQL


def test_check_mode_with_a_different_table_and_query_writes_nothing():
    env = Env(check_mode=True)
    env.database()
    env.table(dict(WANTED_TABLE, Parameters={"EXTERNAL": "TRUE"}))
    env.named_queries(dict(WANTED_QUERY, QueryString="SELECT 1"), dict(WANTED_QUERY, NamedQueryId="duplicate"))
    result = env.run()
    assert result["changed"] is True
    assert result["table"]["parameters"]["skip.header.line.count"] == "2"
    assert result["named_query"]["query_string"] == SQL


def test_missing_table_in_an_existing_database_is_created():
    env = Env()
    env.database()
    env.no_table()
    env.named_queries(WANTED_QUERY)
    env.glue.add_response("create_table", {}, {"DatabaseName": DATABASE, "TableInput": WANTED_TABLE})
    result = env.run()
    assert result["changed"] is True
    assert result["diff"]["before"]["table"] is None
    assert result["table"] == athena.table_view(WANTED_TABLE)


def test_absent_when_nothing_exists_is_unchanged_without_writes():
    env = Env(state="absent")
    env.no_database()
    env.named_queries()
    result = env.run()
    assert result["changed"] is False
    assert result == dict(result, database=None, table=None, named_query=None)


def test_access_denied_on_get_database_names_the_database_and_permission():
    env = Env()
    env.glue.add_client_error("get_database", "AccessDeniedException",
                              "User: arn:aws:iam::123456789012:user/deploy is not authorized to perform: glue:GetDatabase", http_status_code=400)
    message = env.failure()
    assert f"Cannot read Glue database {DATABASE}: the caller needs glue:GetDatabase on the catalog, database {DATABASE}" in message


def test_access_denied_on_create_table_names_the_database_and_permission():
    env = Env()
    env.database()
    env.no_table()
    env.named_queries(WANTED_QUERY)
    env.glue.add_client_error("create_table", "AccessDeniedException",
                              "User: arn:aws:iam::123456789012:user/deploy is not authorized to perform: glue:CreateTable", http_status_code=400)
    message = env.failure()
    assert f"Cannot CreateTable in Glue database {DATABASE}: the caller needs glue:CreateTable on the catalog, database {DATABASE}" in message


def test_access_denied_on_list_named_queries_names_the_workgroup_and_permissions():
    env = Env()
    env.database()
    env.table()
    env.athena.add_client_error("list_named_queries", "AccessDeniedException",
                                "User: arn:aws:iam::123456789012:user/deploy is not authorized to perform: athena:ListNamedQueries",
                                http_status_code=400)
    message = env.failure()
    assert "Cannot read the named queries of Athena workgroup primary" in message
    assert "athena:ListNamedQueries and athena:GetNamedQuery on workgroup primary" in message


def test_unknown_workgroup_invalid_request_names_the_workgroup():
    env = Env(workgroup="analytics")
    env.database()
    env.table()
    env.athena.add_client_error("list_named_queries", "InvalidRequestException", "WorkGroup analytics is not found.", http_status_code=400,
                                expected_params={"WorkGroup": "analytics"})
    message = env.failure()
    assert "Cannot read the named queries of Athena workgroup analytics: check that workgroup analytics exists in this region" in message


def test_invalid_request_on_create_named_query_names_the_workgroup():
    env = Env()
    env.database()
    env.table()
    env.named_queries()
    env.athena.add_client_error("create_named_query", "InvalidRequestException", "WorkGroup primary is disabled.", http_status_code=400)
    message = env.failure()
    assert "Cannot CreateNamedQuery in Athena workgroup primary: check that workgroup primary exists in this region" in message


def test_database_and_table_created_concurrently_are_adopted():
    # Another run created both between this run's reads and its writes: Glue answers AlreadyExistsException.
    env = Env()
    env.no_database()
    env.named_queries(WANTED_QUERY)
    env.glue.add_client_error("create_database", "AlreadyExistsException", f"Database already exists: {DATABASE}", http_status_code=400)
    env.database()  # read again: as wanted
    env.glue.add_client_error("create_table", "AlreadyExistsException", f"Table already exists: {athena.DEFAULT_TABLE}", http_status_code=400)
    env.table()  # read again: as wanted, no update
    result = env.run()
    assert result["changed"] is True
    assert result["database"]["name"] == DATABASE
    assert result["table"] == athena.table_view(WANTED_TABLE)


def test_table_created_concurrently_with_other_settings_is_updated():
    env = Env()
    env.database()
    env.no_table()
    env.named_queries(WANTED_QUERY)
    env.glue.add_client_error("create_table", "AlreadyExistsException", f"Table already exists: {athena.DEFAULT_TABLE}", http_status_code=400)
    env.table(dict(WANTED_TABLE, Parameters={"EXTERNAL": "TRUE"}))
    env.glue.add_response("update_table", {}, {"DatabaseName": DATABASE, "TableInput": WANTED_TABLE})
    result = env.run()
    assert result["changed"] is True
    assert result["table"] == athena.table_view(WANTED_TABLE)
