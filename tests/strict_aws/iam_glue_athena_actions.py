"""IAM actions of the Glue and Athena calls of the collection's Athena table (collector_athena).

Glue (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsglue.html, and "Specifying AWS Glue
resource ARNs", https://docs.aws.amazon.com/glue/latest/dg/glue-specifying-resource-arns.html): a database call is
authorized on the catalog and the database, a table call also on the table; GetTables on the database's tables
(``table/DB/*``); DeleteDatabase, which deletes what the database holds, also on its tables and functions.
Athena (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonathena.html): the named query
calls are authorized on the workgroup (for an id, the workgroup the query belongs to).
"""

import json

from moto.athena.models import athena_backends

from .iam_policy import Check, Context
from .operations import Req

# operation -> the resources it is authorized on, besides the catalog ("database", "table", "tables", "functions").
GLUE_RESOURCES = {
    "GetDatabase": ("database",),
    "CreateDatabase": ("database",),
    "UpdateDatabase": ("database",),
    "DeleteDatabase": ("database", "tables", "functions"),
    "GetTable": ("database", "table"),
    "GetTables": ("database", "tables"),
    "CreateTable": ("database", "table"),
    "UpdateTable": ("database", "table"),
    "DeleteTable": ("database", "table"),
}
ATHENA_NAMED_QUERY_ACTIONS = ("CreateNamedQuery", "GetNamedQuery", "ListNamedQueries", "UpdateNamedQuery", "DeleteNamedQuery")


def _params(req: Req) -> dict:
    try:
        params = json.loads(req.body or b"{}")
    except ValueError:
        return {}
    return params if isinstance(params, dict) else {}


def glue_checks(req: Req, region: str, account: str, context: Context) -> list[Check] | None:
    """The authorizations of a Glue database or table call, or None when unmapped."""
    operation = req.op.operation
    if operation not in GLUE_RESOURCES:
        return None
    params = _params(req)
    base = f"arn:aws:glue:{region}:{account}"
    table_input = params.get("TableInput") or {}
    if operation.endswith(("Database",)):
        database = params.get("Name") if operation != "CreateDatabase" else (params.get("DatabaseInput") or {}).get("Name")
    else:
        database = params.get("DatabaseName")
    table = params.get("Name") if operation in ("GetTable", "DeleteTable") else table_input.get("Name")
    arns = {"database": f"{base}:database/{database or ''}", "table": f"{base}:table/{database or ''}/{table or ''}",
            "tables": f"{base}:table/{database or ''}/*", "functions": f"{base}:userDefinedFunction/{database or ''}/*"}
    action = "glue:" + operation
    return [Check(action, f"{base}:catalog", context)] + [Check(action, arns[kind], context) for kind in GLUE_RESOURCES[operation]]


def athena_checks(req: Req, region: str, account: str, context: Context) -> list[Check] | None:
    """The authorizations of an Athena named query call, or None when unmapped."""
    operation = req.op.operation
    if operation not in ATHENA_NAMED_QUERY_ACTIONS:
        return None
    params = _params(req)
    workgroup = params.get("WorkGroup") or "primary"
    if "NamedQueryId" in params:
        query = athena_backends[account][region].named_queries.get(params["NamedQueryId"])
        workgroup = query.workgroup.name if query is not None else workgroup
    return [Check("athena:" + operation, f"arn:aws:athena:{region}:{account}:workgroup/{workgroup}", context)]
