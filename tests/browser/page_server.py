"""``python -m tests.browser.page_server``: the browser test's page, on one local origin.

Serves ``page.html``, ``page.js`` and the installed trackers (``node_modules/``) from this
directory, the tracker configuration file at ``GET /tracker.json``, and stores the page's report
(``POST /result``) in the result file. Prints ``http://127.0.0.1:PORT`` as its first line and
serves until SIGTERM or SIGINT.
"""

import argparse
import http.server
import os
import signal
import sys
import threading
from pathlib import Path

HERE = Path(__file__).resolve().parent
# What the page may load: the page itself and the trackers' browser bundles.
SERVED = ("/page.html", "/page.js", "/node_modules/")


class PageHandler(http.server.SimpleHTTPRequestHandler):
    """Static files from this directory (only ``SERVED``), the tracker configuration and the result."""

    tracker_config: Path
    result: Path

    def __init__(self, *args, **kwargs):
        super().__init__(*args, directory=str(HERE), **kwargs)

    def end_headers(self):
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def do_GET(self):  # noqa: N802  pylint: disable=invalid-name
        """The tracker configuration, or a served file."""
        path = self.path.split("?", 1)[0]
        if path == "/tracker.json":
            body = self.tracker_config.read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif path.startswith(SERVED) and ".." not in path:
            super().do_GET()
        else:
            self.send_error(404)

    def do_POST(self):  # noqa: N802  pylint: disable=invalid-name
        """Store the page's report in the result file (written whole, then renamed)."""
        if self.path != "/result":
            self.send_error(404)
            return
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        tmp = self.result.with_name(f"{self.result.name}.tmp{os.getpid()}")
        tmp.write_bytes(body)
        tmp.replace(self.result)
        self.send_response(204)
        self.end_headers()

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        """No access log on stderr."""


def main(argv=None):
    """Serve until SIGTERM or SIGINT; return 0."""
    parser = argparse.ArgumentParser(prog="python -m tests.browser.page_server", description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1; 0 picks a free one (default)")
    parser.add_argument("--tracker-config", required=True, help="JSON file served at /tracker.json")
    parser.add_argument("--result", required=True, help="file the page's POST /result is written to")
    args = parser.parse_args(argv)
    handler = type("Handler", (PageHandler,), {"tracker_config": Path(args.tracker_config), "result": Path(args.result)})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), handler)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    print(f"http://127.0.0.1:{server.server_port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
