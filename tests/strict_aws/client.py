"""Clients of the strict local AWS, shared by its tests, the functional tests, ``make demo`` and molecule's verify.

The caller's side (boto3 clients bound to the endpoint) and the viewer's side: anonymous S3 GETs, requests through
the local CloudFront edge, access-log delivery on demand and the records delivered.
"""

import sys
from pathlib import Path
from typing import Any

import boto3
import botocore.config
import requests

REPO = Path(__file__).resolve().parents[2]
if str(REPO / ".collections") not in sys.path:
    sys.path.insert(0, str(REPO / ".collections"))  # the collection, as `make install` links it
# pylint: disable-next=wrong-import-position
from ansible_collections.clickstream.collectors.plugins.module_utils.access_logs import parse_log  # noqa: E402
# pylint: disable-next=wrong-import-position
from ansible_collections.clickstream.collectors.plugins.module_utils.s3_access import register_s3control_host_hook  # noqa: E402

TEST_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
TIMEOUT = 10


def make_client(endpoint: str, service: str, region: str = "eu-west-1", **kwargs: Any):
    """A boto3 client for the strict server: test credentials, path-style S3, and for s3control the collection's
    own fix of botocore's ``<account-id>.`` host label (which does not resolve for an IP endpoint)."""
    config = botocore.config.Config(s3={"addressing_style": "path"})
    if kwargs.get("config") is not None:
        config = config.merge(kwargs.pop("config"))
    else:
        kwargs.pop("config", None)
    params = {**TEST_CREDENTIALS, "aws_session_token": None, "region_name": region, "endpoint_url": endpoint, "config": config}
    params.update(kwargs)
    client = boto3.session.Session().client(service, **params)
    if service == "s3control":
        register_s3control_host_hook(client)
    return client


def anonymous_get(endpoint: str, bucket: str, key: str) -> requests.Response:
    """An unsigned GET of s3://bucket/key, as anyone on the internet would send it."""
    return requests.get(f"{endpoint}/{bucket}/{key}", timeout=TIMEOUT)


def edge_info(endpoint: str) -> dict[str, str]:
    """``GET /_strict/edge``: the edge's http and https URLs and its certificate."""
    return requests.get(f"{endpoint}/_strict/edge", timeout=TIMEOUT).json()


def view(endpoint: str, domain: str, path: str = "/i", scheme: str = "http", method: str = "GET",
         headers: dict[str, str] | None = None, edge: dict[str, str] | None = None) -> requests.Response:
    """A viewer request for ``domain`` through the local CloudFront edge, as a browser resolving the domain to it
    would send it (redirects are not followed). ``edge`` is ``edge_info(endpoint)``, read when not given."""
    edge = edge or edge_info(endpoint)
    verify = edge["certificate"] if scheme == "https" else True
    return requests.request(method, f"{edge[scheme]}{path}", headers={"Host": domain, **(headers or {})}, verify=verify,
                            allow_redirects=False, timeout=TIMEOUT)


def flush_logs(endpoint: str) -> dict[str, list]:
    """Deliver the access-log records the edge holds now; ``{"written": [...], "dropped": [...]}``."""
    return requests.post(f"{endpoint}/_strict/logs/flush", timeout=TIMEOUT).json()


def log_records(s3, bucket: str, prefix: str, marker: str | None = None) -> list[tuple[str, dict[str, str]]]:
    """(key, record) of the access-log records under ``prefix``, only those whose query string holds ``marker``."""
    found = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            for record in parse_log(s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()):
                if marker is None or marker in (record.get("cs-uri-query") or ""):
                    found.append((item["Key"], record))
    return found
