"""``make demo``: a collector built on the strict local AWS, end to end.

Starts the strict local AWS, runs ``ansible-playbook playbooks/collector.yml -e env=local``
against it, then reads back what a user gets: the collector endpoint (the distribution's
domain) and the pixel, fetched anonymously the way a browser would (from the S3 endpoint,
since no CloudFront edge exists locally). The local AWS is stopped whatever happens.
"""

import hashlib
import os
import pathlib
import subprocess
import sys
import urllib.error
import urllib.request

from tests.strict_aws.pytest_plugin import make_client
from tests.strict_aws.server import client_environ
from tests.strict_aws.server import spawn

REPO = pathlib.Path(__file__).resolve().parents[1]
PIXEL = (REPO / "files" / "i").read_bytes()


def _environment(endpoint):
    return dict(client_environ(endpoint, base=os.environ), ANSIBLE_CONFIG=str(REPO / "ansible.cfg"))


def _collector(endpoint):
    """The distribution the playbook built and the pixel's S3 bucket (its origin)."""
    client = make_client(endpoint, "cloudfront", region="us-east-1")
    items = client.list_distributions()["DistributionList"].get("Items", [])
    if len(items) != 1:
        raise SystemExit(f"demo: expected one distribution, found {len(items)}")
    origin = items[0]["Origins"]["Items"][0]["DomainName"]
    return items[0]["DomainName"], origin.split(".s3.", 1)[0]


def _fetch_anonymously(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # nosec - local endpoint only
            return response.status, response.headers.get("Content-Type"), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Content-Type"), exc.read()


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
        domain, bucket = _collector(server.endpoint)
        url = f"{server.endpoint}/{bucket}/i"
        status, content_type, body = _fetch_anonymously(url)
        print(f"\nCollector endpoint: {domain}")
        print(f"Pixel (anonymous GET {url}): HTTP {status}, {content_type}, {len(body)} bytes")
        print(f"  hex:    {body.hex()}")
        print(f"  sha256: {hashlib.sha256(body).hexdigest()}")
        if status != 200 or content_type != "image/gif" or body != PIXEL:
            print("demo: the pixel is not served as Snowplow's 1x1 GIF", file=sys.stderr)
            return 1
        return 0
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
