"""Athena named queries, as the collection's Athena table of tracker events uses them (collector_athena).

moto 5.2 serves CreateNamedQuery, GetNamedQuery and ListNamedQueries, but not UpdateNamedQuery or DeleteNamedQuery
(its server answers them with an error), and GetNamedQuery of an unknown id fails inside moto (500). This layer:

- answers UpdateNamedQuery: the query's name, description and text change in place, its
  id, database and workgroup stay; an unknown id is refused;
  https://docs.aws.amazon.com/athena/latest/APIReference/API_UpdateNamedQuery.html;
- answers DeleteNamedQuery: the query is gone from GetNamedQuery and ListNamedQueries;
  https://docs.aws.amazon.com/athena/latest/APIReference/API_DeleteNamedQuery.html;
- refuses GetNamedQuery, UpdateNamedQuery and DeleteNamedQuery of an unknown id with 400 InvalidRequestException
  (``NamedQueryExists``; the API's error for bad input, code assumed) instead of moto's 500;
- refuses CreateNamedQuery and UpdateNamedQuery outside the documented lengths (``NamedQueryLimits``): Name 1-128
  characters, Description at most 1024, QueryString 1-262144; InvalidRequestException (code assumed; the API reference
  lists the limits: https://docs.aws.amazon.com/athena/latest/APIReference/API_CreateNamedQuery.html). moto accepts any.

Glue's calls (databases and tables: Create/Get/Update/Delete, GetTables) are served by moto as they are.
"""

import json
from collections.abc import Callable

from moto.athena.models import athena_backends
from moto.core import DEFAULT_ACCOUNT_ID

from .logs_rules import signing_region
from .operations import Req
from .rules import Rules
from .xmlutil import Response, request_id

LIMITS = {"Name": (1, 128), "Description": (0, 1024), "QueryString": (1, 262144)}


def athena_answer(status: int, body: dict, rule: str | None = None) -> Response:
    """An answer in the JSON protocol's shape (errors: ``__type`` and ``Message``)."""
    data = json.dumps(body).encode("utf-8")
    return Response(status, [("Content-Type", "application/x-amz-json-1.1"), ("Content-Length", str(len(data))),
                             ("x-amzn-RequestId", request_id())], data, rule=rule)


def invalid(message: str, rule: str) -> Response:
    return athena_answer(400, {"__type": "InvalidRequestException", "Message": message, "AthenaErrorCode": "INVALID_INPUT"}, rule)


class AthenaRules(Rules):
    """Named queries as Athena keeps them: updated and deleted by id, refused when unknown or too long."""

    SERVICE = "athena"

    def handle(self, req: Req, forward: Callable[[], Response]) -> Response:
        """Answer one Athena request."""
        operation = req.op.operation
        if operation not in ("CreateNamedQuery", "GetNamedQuery", "UpdateNamedQuery", "DeleteNamedQuery"):
            return forward()
        try:
            params = json.loads(req.body or b"{}")
        except ValueError:
            return forward()
        if operation in ("CreateNamedQuery", "UpdateNamedQuery"):
            for key, (low, high) in LIMITS.items():
                value = params.get(key)
                if (value is None and low == 0) or (value is not None and low <= len(value) <= high):
                    continue
                return invalid(f"{key} must be {low} to {high} characters long", "NamedQueryLimits")
        if operation == "CreateNamedQuery":
            return forward()
        queries = athena_backends[DEFAULT_ACCOUNT_ID][signing_region(req)].named_queries
        query_id = params.get("NamedQueryId", "")
        if query_id not in queries:
            return invalid(f"NamedQuery {query_id} was not found", "NamedQueryExists")
        if operation == "GetNamedQuery":
            return forward()
        if operation == "DeleteNamedQuery":
            del queries[query_id]
            return athena_answer(200, {})
        query = queries[query_id]
        query.name, query.query_string = params["Name"], params["QueryString"]
        query.description = params.get("Description") or ""
        return athena_answer(200, {})
