"""The collector the browser test runs against: built by the role on the strict local AWS and its edge.

``python -m tests.strict_aws`` serves the AWS API and the local CloudFront edge on one port; the role
builds the collector there (``tests/browser/collector.yml``, the repository's ``local`` inventory) and
its ``cloudfront_collector_result`` gives the tracker configuration. What reached the collector is read
as a user would: the edge's standard log files, flushed into the log bucket, listed and read with boto3
and parsed with the collection's ``plugins/module_utils/access_logs.py``.
"""

import importlib.util
import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.query_logs import query as query_logs
from tests.strict_aws.pytest_plugin import make_client
from tests.strict_aws.server import client_environ
from tests.strict_aws.server import spawn

from tests.browser.harness import REPO


def _load_access_logs():
    """The collection's access-log parser, loaded from its file (it imports nothing from Ansible)."""
    path = REPO / "plugins" / "module_utils" / "access_logs.py"
    spec = importlib.util.spec_from_file_location("clickstream_access_logs", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


access_logs = _load_access_logs()
# ansible-playbook beside the running Python (the project's venv), else from PATH.
_VENV_PLAYBOOK = Path(sys.executable).with_name("ansible-playbook")
ANSIBLE_PLAYBOOK = str(_VENV_PLAYBOOK) if _VENV_PLAYBOOK.exists() else "ansible-playbook"


class RoleCollector:
    """The strict local AWS (a child process, stopped by PID) and the collector the role builds on it."""

    def __init__(self, workdir):
        self.workdir = Path(workdir)
        # Log files are written only on demand (flush), so a visit's records are exactly those of the files
        # written after it; the role's own log check, which waits for timed delivery, is therefore off, and
        # so is its smoke test (one pixel fetch through the edge): each visit here is a stricter one.
        # Distributions report Deployed at once: deployment waits are not what this test is about.
        self.aws = spawn(deploy_reads=0, log_flush_interval=0)
        self.endpoint = self.aws.endpoint
        self.edge_port = int(self.endpoint.rsplit(":", 1)[1])
        self.result = {}
        self.role_vars = None
        self.build_seconds = []
        self._seen = set()

    def stop(self):
        """Stop the strict local AWS."""
        self.aws.stop()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def configure(self, **role_vars):
        """The collector as the role builds it with these variables: the role runs unless its last run had them."""
        if role_vars != self.role_vars:
            self.build(**role_vars)
        return self.result

    def build(self, **role_vars):
        """Run the role with these variables; return (and keep) ``cloudfront_collector_result``."""
        result_file = self.workdir / "collector-result.json"
        result_file.unlink(missing_ok=True)
        extra_vars = self.workdir / "collector-vars.json"
        settings = {"browser_test_result_file": str(result_file), "cloudfront_collector_verify_logs": False,
                    "cloudfront_collector_smoke_test": False, **role_vars}
        extra_vars.write_text(json.dumps(settings), encoding="utf-8")
        env = dict(client_environ(self.endpoint, base=os.environ), ANSIBLE_CONFIG=str(REPO / "ansible.cfg"))
        started = time.monotonic()
        play = subprocess.run(
            [ANSIBLE_PLAYBOOK, "-i", "playbooks/inventory", "tests/browser/collector.yml", "-e", f"@{extra_vars}"],
            cwd=REPO, env=env, capture_output=True, text=True, check=False)
        self.build_seconds.append(round(time.monotonic() - started, 1))
        if play.returncode != 0:
            raise AssertionError(f"the role failed (exit code {play.returncode}):\n{play.stdout[-6000:]}\n{play.stderr[-2000:]}")
        self.result = json.loads(result_file.read_text(encoding="utf-8"))
        self.role_vars = role_vars
        return self.result

    def flush(self):
        """Deliver the edge's buffered log records now (``POST /_strict/logs/flush``); return its answer."""
        request = urllib.request.Request(f"{self.endpoint}/_strict/logs/flush", data=b"", method="POST")
        with urllib.request.urlopen(request, timeout=30) as response:  # nosec - local endpoint only
            return json.load(response)

    def mark(self):
        """Flush, and remember the log files there are: ``new_records()`` then reads only later ones."""
        self.flush()
        self._seen.update(self._log_keys())

    def _log_keys(self):
        client = make_client(self.endpoint, "s3", region=self.result.get("region", "eu-west-1"))
        paginator = client.get_paginator("list_objects_v2")
        keys = []
        for page in paginator.paginate(Bucket=self.result["log_bucket"], Prefix=self.result.get("log_prefix", "")):
            keys += [item["Key"] for item in page.get("Contents", [])]
        return keys

    def query_events(self, event_ids):
        """The tracker events query (files/sql/tracker_events.sql, DuckDB, as README "Querying the logs" runs it) over
        the collector's log files: the rows of these event ids."""
        client = make_client(self.endpoint, "s3", region=self.result.get("region", "eu-west-1"))
        rows = query_logs(client, self.result["log_bucket"], self.result.get("log_prefix", ""))
        return [row for row in rows if row["event_id"] in event_ids]

    def new_records(self):
        """Flush, then every record of the log files written since ``mark()``, parsed; oldest file first."""
        dropped = self.flush().get("dropped")
        if dropped:
            raise AssertionError(f"the edge dropped log files: {dropped}")
        client = make_client(self.endpoint, "s3", region=self.result.get("region", "eu-west-1"))
        records = []
        for key in sorted(set(self._log_keys()) - self._seen):
            body = client.get_object(Bucket=self.result["log_bucket"], Key=key)["Body"].read()
            records += [access_logs.to_record(entry) for entry in access_logs.parse_log(body)]
            self._seen.add(key)
        records.sort(key=lambda record: record.get("timestamp") or "")
        return records
