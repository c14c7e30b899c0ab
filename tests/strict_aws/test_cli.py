"""The ``python -m tests.strict_aws`` entry point, run as a child process."""

import os
import socket
import time

import requests

from tests.strict_aws.client import make_client
from tests.strict_aws.server import spawn


def test_cli_start_log_and_sigterm(tmp_path):
    pid_file = tmp_path / "strict.pid"
    endpoint_file = tmp_path / "endpoint"
    call_log = tmp_path / "calls.jsonl"
    handle = spawn(pid_file=str(pid_file), endpoint_file=str(endpoint_file), call_log=str(call_log), deploy_reads=0,
                   log_flush_interval=0)
    try:
        assert handle.endpoint.startswith("http://127.0.0.1:")
        assert endpoint_file.read_text().strip() == handle.endpoint
        assert int(pid_file.read_text()) == handle.pid
        make_client(handle.endpoint, "sts").get_caller_identity()
        calls = requests.get(f"{handle.endpoint}/_strict/calls", timeout=10).json()
        assert [c["operation"] for c in calls] == ["GetCallerIdentity"]
        assert handle.calls() == calls
        assert '"operation": "GetCallerIdentity"' in call_log.read_text()
        edge = requests.get(f"{handle.endpoint}/_strict/edge", timeout=10).json()
        assert edge["http"] == handle.endpoint
        viewer = requests.get(f"{edge['https']}/i", headers={"Host": "d000000example.cloudfront.net"}, verify=edge["certificate"], timeout=10)
        assert viewer.status_code == 403 and viewer.headers["X-Cache"] == "Error from cloudfront"
    finally:
        started = time.monotonic()
        code = handle.stop()
    assert code == 0
    assert time.monotonic() - started < 5
    assert not pid_file.exists()
    port = int(handle.endpoint.rsplit(":", 1)[1])
    with socket.socket() as sock:
        # SO_REUSEADDR as servers bind: connections the child closed first may linger in TIME_WAIT, a listener may not.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))  # the port is free again
    assert not os.path.exists(f"/proc/{handle.pid}")
