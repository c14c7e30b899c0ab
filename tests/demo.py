"""``make demo``: a collector built on the strict local AWS, end to end, from tracker request to log line.

Starts the strict local AWS (with its local CloudFront edge), runs
``ansible-playbook playbooks/collector.yml -e env=local`` against it, then does what a user's
visitors do: fetches the pixel through the collector's domain, sends a tracker-shaped page view
through the edge, and reads that request back from the access logs, decoded. The local AWS is
stopped whatever happens.
"""

import hashlib
import json
import os
import pathlib
import subprocess
import sys
import time
import urllib.parse
import uuid

from tests.query_logs import query as query_logs
from tests.strict_aws.client import flush_logs
from tests.strict_aws.client import log_records
from tests.strict_aws.client import make_client
from tests.strict_aws.client import view
from tests.strict_aws.server import client_environ
from tests.strict_aws.server import spawn

# pylint: disable-next=wrong-import-order
from ansible_collections.clickstream.collectors.plugins.module_utils.access_logs import decode_tracker  # the client module linked it

REPO = pathlib.Path(__file__).resolve().parents[1]
PIXEL = (REPO / "files" / "i").read_bytes()


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


def _logged(endpoint, bucket, prefix, distribution_id, event_id):
    """(key, record) of the access-log line holding ``event_id``, after asking the edge to deliver its logs."""
    flush_logs(endpoint)
    found = log_records(make_client(endpoint, "s3"), bucket, f"{prefix}{distribution_id}.", event_id)
    return found[0] if found else (None, None)


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
        pixel = view(server.endpoint, domain, "/i", scheme="https")
        status, content_type, body = pixel.status_code, pixel.headers.get("Content-Type"), pixel.content
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
        status = view(server.endpoint, domain, f"/i?{query}", scheme="https",
                      headers={"Origin": "https://www.example.com", "User-Agent": "make-demo"}).status_code
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
