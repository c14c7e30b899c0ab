"""``make demo``: a collector built on the strict local AWS, end to end, from tracker request to log line.

Starts the strict local AWS (with its local CloudFront edge), runs
``ansible-playbook playbooks/collector.yml -e env=local`` against it, then does what a user's
visitors do: fetches the pixel through the collector's domain, sends a tracker-shaped page view
through the edge, and reads that request back from the access logs, decoded. The local AWS is
stopped whatever happens.
"""

import hashlib
import http.client
import json
import os
import pathlib
import ssl
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid

from tests.query_logs import query as query_logs
from tests.strict_aws.pytest_plugin import make_client
from tests.strict_aws.server import client_environ
from tests.strict_aws.server import spawn

REPO = pathlib.Path(__file__).resolve().parents[1]
PIXEL = (REPO / "files" / "i").read_bytes()
sys.path.insert(0, str(REPO / ".collections"))
# pylint: disable-next=wrong-import-position
from ansible_collections.clickstream.collectors.plugins.module_utils.access_logs import decode_tracker, parse_log  # noqa: E402


def _environment(endpoint):
    return dict(client_environ(endpoint, base=os.environ), ANSIBLE_CONFIG=str(REPO / "ansible.cfg"))


def _collector(endpoint):
    """The distribution the playbook built: its id, domain and log bucket and prefix."""
    client = make_client(endpoint, "cloudfront", region="us-east-1")
    items = client.list_distributions()["DistributionList"].get("Items", [])
    if len(items) != 1:
        raise SystemExit(f"demo: expected one distribution, found {len(items)}")
    logging = client.get_distribution_config(Id=items[0]["Id"])["DistributionConfig"]["Logging"]
    return items[0]["Id"], items[0]["DomainName"], logging["Bucket"].split(".s3.", 1)[0], logging["Prefix"]


def _through_edge(endpoint, domain, path, headers=None):
    """GET over HTTPS through the local CloudFront edge, as a browser resolving the domain to it would."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the local edge's certificate is self-signed
    connection = http.client.HTTPSConnection(urllib.parse.urlsplit(endpoint).netloc, timeout=10, context=context)
    try:
        connection.request("GET", path, headers={"Host": domain, **(headers or {})})
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type"), response.read()
    finally:
        connection.close()


def _logged(endpoint, bucket, prefix, distribution_id, event_id):
    """(key, record) of the access-log line holding ``event_id``, after asking the edge to deliver its logs."""
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/_strict/logs/flush", method="POST"), timeout=10).close()  # nosec
    s3 = make_client(endpoint, "s3")
    for item in s3.list_objects_v2(Bucket=bucket, Prefix=f"{prefix}{distribution_id}.").get("Contents", []):
        for record in parse_log(s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()):
            if event_id in (record.get("cs-uri-query") or ""):
                return item["Key"], record
    return None, None


def main():
    """Run the demo; return the process exit code."""
    server = spawn(call_log=str(REPO / ".tmp" / "demo-calls.jsonl"))
    try:
        print(f"demo: strict local AWS at {server.endpoint}", flush=True)
        play = subprocess.run(
            ["ansible-playbook", "playbooks/collector.yml", "-e", "env=local"],
            cwd=REPO,
            env=_environment(server.endpoint),
            check=False,
        )
        if play.returncode != 0:
            print("demo: the playbook failed (see above)", file=sys.stderr)
            return play.returncode
        distribution_id, domain, log_bucket, log_prefix = _collector(server.endpoint)
        status, content_type, body = _through_edge(server.endpoint, domain, "/i")
        print(f"\nCollector endpoint: https://{domain}")
        print(f"Pixel (GET https://{domain}/i through the local edge): HTTP {status}, {content_type}, {len(body)} bytes")
        print(f"  sha256: {hashlib.sha256(body).hexdigest()}")
        if status != 200 or content_type != "image/gif" or body != PIXEL:
            print("demo: the pixel is not served as Snowplow's 1x1 GIF", file=sys.stderr)
            return 1
        event_id = str(uuid.uuid4())
        query = urllib.parse.urlencode({
            "e": "pv", "url": "https://www.example.com/pricing?plan=team", "page": "Pricing | Example", "aid": "demo",
            "p": "web", "tv": "js-4.10.1", "eid": event_id, "dtm": str(int(time.time() * 1000)), "stm": str(int(time.time() * 1000)),
        }, quote_via=urllib.parse.quote)
        status, _type, _body = _through_edge(server.endpoint, domain, f"/i?{query}",
                                             {"Origin": "https://www.example.com", "User-Agent": "make-demo"})
        key, record = _logged(server.endpoint, log_bucket, log_prefix, distribution_id, event_id)
        if status != 200 or record is None:
            print(f"demo: the page view (HTTP {status}) is not in s3://{log_bucket}/{log_prefix}", file=sys.stderr)
            return 1
        tracker = decode_tracker(record["cs-uri-query"])
        print("\nA tracker-shaped page view went through the edge and is in the access logs:")
        print(f"  log file: s3://{log_bucket}/{key}")
        print(f"  logged:   {record['date']} {record['time']} {record['cs-method']} {record['cs-uri-stem']} {record['sc-status']}")
        print("  decoded:  " + json.dumps({k: tracker[k] for k in ("event", "event_id", "app_id", "page_url", "page_title",
                                                                   "v_tracker", "dvce_created_tstamp")}, indent=2).replace("\n", "\n  "))
        # The event query Athena runs (files/sql/tracker_events.sql), here with DuckDB over the same files.
        events = [row for row in query_logs(make_client(server.endpoint, "s3"), log_bucket, log_prefix) if row["event_id"] == event_id]
        print(f"\nThe tracker events query (files/sql/tracker_events.sql) with DuckDB over s3://{log_bucket}/{log_prefix}:")
        print("  python -m tests.query_logs --endpoint ENDPOINT --bucket " + log_bucket + " --prefix " + log_prefix)
        for row in events:
            print("  " + json.dumps(row, default=str))
        if [(row["event_type"], row["app_id"], row["page_title"]) for row in events] != [("pv", "demo", "Pricing | Example")]:
            print("demo: the event query does not return the page view exactly once", file=sys.stderr)
            return 1
        return 0
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
