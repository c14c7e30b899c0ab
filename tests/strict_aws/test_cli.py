"""The ``python -m tests.strict_aws`` entry point, run as a child process."""

import os
import socket
import time

import requests

from tests.strict_aws.pytest_plugin import make_client
from tests.strict_aws.server import spawn


def test_cli_start_log_and_sigterm(tmp_path):
    pid_file = tmp_path / "strict.pid"
    endpoint_file = tmp_path / "endpoint"
    call_log = tmp_path / "calls.jsonl"
    handle = spawn(pid_file=str(pid_file), endpoint_file=str(endpoint_file), call_log=str(call_log), deploy_reads=0)
    try:
        assert handle.endpoint.startswith("http://127.0.0.1:")
        assert endpoint_file.read_text().strip() == handle.endpoint
        assert int(pid_file.read_text()) == handle.pid
        make_client(handle.endpoint, "sts").get_caller_identity()
        calls = requests.get(f"{handle.endpoint}/_strict/calls", timeout=10).json()
        assert [c["operation"] for c in calls] == ["GetCallerIdentity"]
        assert handle.calls() == calls
        assert '"operation": "GetCallerIdentity"' in call_log.read_text()
    finally:
        started = time.monotonic()
        code = handle.stop()
    assert code == 0
    assert time.monotonic() - started < 5
    assert not pid_file.exists()
    port = int(handle.endpoint.rsplit(":", 1)[1])
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))  # the port is free again
    assert not os.path.exists(f"/proc/{handle.pid}")
