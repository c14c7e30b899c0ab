"""Athena named queries (the collection's Athena table of tracker events): plain moto lacks the update and delete and
fails on an unknown id; the strict layer answers as Athena does."""

import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from tests.strict_aws.testutil import expect_error, plain_client

REGION = "eu-west-1"


def create(client, name="tracker_events", query="SELECT 1", **extra):
    return client.create_named_query(Name=name, Database="clickstream_local", QueryString=query, WorkGroup="primary",
                                     **extra)["NamedQueryId"]


def test_update_and_delete_named_query(strict_aws):
    with mock_aws():
        plain = plain_client("athena", REGION)
        query_id = create(plain)
        with pytest.raises((ClientError, NotImplementedError)):
            plain.update_named_query(NamedQueryId=query_id, Name="tracker_events", QueryString="SELECT 2")
    athena = strict_aws.boto3_client("athena", REGION)
    query_id = create(athena, Description="first")
    athena.update_named_query(NamedQueryId=query_id, Name="tracker_events", QueryString="SELECT 2", Description="second")
    stored = athena.get_named_query(NamedQueryId=query_id)["NamedQuery"]
    assert (stored["QueryString"], stored["Description"], stored["Database"], stored["WorkGroup"]) == (
        "SELECT 2", "second", "clickstream_local", "primary")
    athena.delete_named_query(NamedQueryId=query_id)
    assert athena.list_named_queries(WorkGroup="primary")["NamedQueryIds"] == []
    for call in (athena.get_named_query, athena.delete_named_query):
        expect_error(call, "InvalidRequestException", 400, NamedQueryId=query_id)
        assert strict_aws.calls()[-1]["rule"] == "NamedQueryExists"


def test_named_query_limits(strict_aws):
    with mock_aws():
        assert create(plain_client("athena", REGION), name="n" * 129)  # plain moto accepts any length
    athena = strict_aws.boto3_client("athena", REGION)
    expect_error(create, "InvalidRequestException", 400, athena, name="n" * 129)
    assert strict_aws.calls()[-1]["rule"] == "NamedQueryLimits"
    query_id = create(athena)
    expect_error(athena.update_named_query, "InvalidRequestException", 400, NamedQueryId=query_id, Name="t",
                 QueryString="S" * 262145)
