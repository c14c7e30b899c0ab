"""Start and stop the strict local AWS: in-process (:class:`StrictAWS`) or as a child process (:func:`spawn`)."""

import json
import os
import select
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

from werkzeug.serving import make_server

from .app import StrictApp
from .calllog import CallLog
from .edge_tls import EdgeCertificate, TlsPeekingRequestHandler
from .settings import Settings, cli_args

REPO_ROOT = Path(__file__).resolve().parents[2]


class QuietRequestHandler(TlsPeekingRequestHandler):
    """moto's request handler (speaking TLS to clients that start with a TLS handshake) without werkzeug's
    access log (the call log records every request)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Do not print one line per request."""


class StrictAWS:
    """The strict local AWS served by werkzeug's threaded server in a background thread.

    Keyword arguments: the settings of ``settings.SETTINGS`` (host, port, call_log, deploy_reads, ...).
    """

    def __init__(self, **settings: Any):
        self.settings = Settings(**settings)
        self.host = self.settings.host
        self.port = self.settings.port
        self.log = CallLog(self.settings.call_log)
        self.app = StrictApp(self.log, self.settings)
        self._server = None
        self._certificate: EdgeCertificate | None = None
        self._thread: threading.Thread | None = None

    @property
    def endpoint(self) -> str:
        """``http://HOST:PORT`` of the running server."""
        if self._server is None:
            raise RuntimeError("StrictAWS is not started")
        return f"http://{self.host}:{self._server.server_port}"

    def start(self) -> "StrictAWS":
        """Bind, listen and serve in a daemon thread; returns once connections are accepted."""
        if self._server is not None:
            return self
        self._server = make_server(self.host, self.port, self.app, threaded=True, request_handler=QuietRequestHandler)
        self._certificate = EdgeCertificate()
        self._server.edge_tls_context = self._certificate.context
        self.app.edge.bind(self.host, self._server.server_port, str(self._certificate.cert_path))
        self.app.edge.logs.start()
        self._thread = threading.Thread(target=self._server.serve_forever, name="strict-aws", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port."""
        if self._server is None:
            return
        self.app.edge.logs.stop()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = None
        self._thread = None
        if self._certificate is not None:
            self._certificate.cleanup()
            self._certificate = None

    def __enter__(self) -> "StrictAWS":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def calls(self) -> list[dict[str, Any]]:
        """The call log entries recorded since start or the last reset."""
        return self.log.entries()

    def reset(self) -> None:
        """Wipe moto and layer state and the in-memory call log; restore the start-up configuration."""
        self.app.reset()

    def configure(self, **settings: Any) -> None:
        """Change runtime settings (``deploy_reads``, ``fault_rate``, ``fault_seed``...) while running."""
        self.app.configure(**settings)

    def set_iam_policy(self, document: dict[str, Any] | None, access_key_id: str | None = None,
                       audit: dict[str, Any] | None = None) -> None:
        """Authorize the signed requests of ``access_key_id`` (None: of every caller without its own policy)
        against this identity-based policy (None: IAM not evaluated); see ``iam.IamEnforcer.set_policy``."""
        self.app.iam.set_policy(document, access_key_id, audit)

    def iam_state(self) -> dict[str, Any]:
        """The policies in force and the requests IAM refused since the last reset (``GET /_strict/iam``)."""
        return self.app.iam.state()


# Variables that would point a client at a real account instead of the local endpoint.
_REAL_ACCOUNT_VARIABLES = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE")


def client_environ(endpoint: str, region: str = "eu-west-1", base: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for a process (ansible-playbook, boto3) that must talk to the local AWS at ``endpoint``.

    With ``base`` (e.g. ``os.environ``) the result is a copy of it without the profile variables, plus the
    endpoint, dummy credentials and the region; without it, only the variables to set.
    """
    environ = {key: value for key, value in (base or {}).items() if key not in _REAL_ACCOUNT_VARIABLES}
    environ.update(
        AWS_ENDPOINT_URL=endpoint,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_SESSION_TOKEN="",
        AWS_SECURITY_TOKEN="",
        AWS_DEFAULT_REGION=region,
        AWS_REGION=region,
    )
    return environ


class SpawnedStrictAWS:
    """Handle on a ``python -m tests.strict_aws`` child process."""

    def __init__(self, process: subprocess.Popen, endpoint: str):
        self.process = process
        self.endpoint = endpoint
        self.pid = process.pid

    def calls(self) -> list[dict]:
        """The child's call log, read through its ``GET /_strict/calls`` control endpoint."""
        with urllib.request.urlopen(f"{self.endpoint}/_strict/calls", timeout=10) as response:  # nosec - local endpoint
            return json.load(response)

    def stop(self, timeout: float = 10.0) -> int:
        """SIGTERM the child (SIGKILL after ``timeout``) and return its exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()
        return self.process.returncode

    def __enter__(self) -> "SpawnedStrictAWS":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def spawn(timeout: float = 20.0, **settings: Any) -> SpawnedStrictAWS:
    """Start ``python -m tests.strict_aws`` as a child process and wait for its endpoint line.

    Accepts the settings of ``settings.SETTINGS``, ``pid_file`` and ``endpoint_file`` included.
    """
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    process = subprocess.Popen(  # pylint: disable=consider-using-with
        [sys.executable, "-m", "tests.strict_aws", *cli_args(**settings)],
        cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _writable, _errored = select.select([process.stdout], [], [], 0.1)
        if ready:
            line = process.stdout.readline().strip()
            if line.startswith("http://"):
                return SpawnedStrictAWS(process, line)
        if process.poll() is not None:
            break
    process.kill()
    process.wait()
    raise RuntimeError(f"strict AWS did not start (exit code {process.returncode})")
