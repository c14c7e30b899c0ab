"""``python -m tests.browser.standin_collector``: a stand-in for the collector's CloudFront edge.

One HTTPS server (a self-signed certificate for ``*.cloudfront.net``, made at start) that answers
``GET``/``HEAD /i`` with Snowplow's pixel and appends one JSON line per request to the log file:
``{"method", "path", "query", "host", "origin"}``, the query string as received. ``--cors``
chooses the CORS answer: ``none`` (no CORS header, the pixel as S3 serves it), ``star``
(``Access-Control-Allow-Origin: *``) or ``echo`` (the request's Origin echoed, with
``Access-Control-Allow-Credentials: true``). Prints ``https://127.0.0.1:PORT`` as its first line
and serves until SIGTERM or SIGINT.
"""

import argparse
import datetime
import http.server
import json
import signal
import ssl
import sys
import tempfile
import threading
import urllib.parse
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

PIXEL = (Path(__file__).resolve().parents[2] / "files" / "i").read_bytes()
CORS_MODES = ("none", "star", "echo")


def self_signed(directory):
    """Write a key and a self-signed certificate for ``*.cloudfront.net``; return their paths."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "*.cloudfront.net")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("*.cloudfront.net")]), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_path, cert_path = Path(directory, "key.pem"), Path(directory, "cert.pem")
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


class PixelHandler(http.server.BaseHTTPRequestHandler):
    """The pixel at ``/i`` with the chosen CORS answer; every request logged."""

    protocol_version = "HTTP/1.1"
    cors: str
    log_path: Path
    lock = threading.Lock()

    def _log(self):
        path, _sep, query = self.path.partition("?")
        entry = {"method": self.command, "path": path, "query": query,
                 "host": self.headers.get("Host"), "origin": self.headers.get("Origin")}
        with self.lock, self.log_path.open("a", encoding="utf-8") as log:
            log.write(json.dumps(entry) + "\n")
        return path

    def _answer(self, send_body):
        path = self._log()
        if path != "/i":
            self.send_response(403)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "image/gif")
        self.send_header("Content-Length", str(len(PIXEL)))
        self.send_header("Cache-Control", "no-cache, no-store, must-revalidate")
        origin = self.headers.get("Origin")
        if self.cors == "star":
            self.send_header("Access-Control-Allow-Origin", "*")
        elif self.cors == "echo" and origin:
            self.send_header("Access-Control-Allow-Origin", origin)
            self.send_header("Access-Control-Allow-Credentials", "true")
            self.send_header("Vary", "Origin")
        self.end_headers()
        if send_body:
            self.wfile.write(PIXEL)

    def do_GET(self):  # noqa: N802  pylint: disable=invalid-name
        """The pixel."""
        self._answer(send_body=True)

    def do_HEAD(self):  # noqa: N802  pylint: disable=invalid-name
        """The pixel's headers."""
        self._answer(send_body=False)

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        """No access log on stderr (the log file has every request)."""


def decode(entry):
    """One logged request as the tracker's parameters (``e``, ``eid``, ``aid``, ``url``, ...) plus ``host`` and ``path``."""
    record = dict(urllib.parse.parse_qsl(entry["query"], keep_blank_values=True))
    record.update(host=entry["host"], path=entry["path"])
    return record


def read_log(path):
    """The decoded records of a stand-in's log file, in request order."""
    if not Path(path).is_file():
        return []
    with Path(path).open(encoding="utf-8") as log:
        return [decode(json.loads(line)) for line in log if line.strip()]


def main(argv=None):
    """Serve until SIGTERM or SIGINT; return 0."""
    parser = argparse.ArgumentParser(prog="python -m tests.browser.standin_collector", description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1; 0 picks a free one (default)")
    parser.add_argument("--cors", choices=CORS_MODES, default="none", help="CORS answer (default none)")
    parser.add_argument("--log", required=True, help="file to append one JSON line per request to")
    args = parser.parse_args(argv)
    handler = type("Handler", (PixelHandler,), {"cors": args.cors, "log_path": Path(args.log)})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), handler)
    with tempfile.TemporaryDirectory(prefix="standin-collector-") as directory:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        key_path, cert_path = self_signed(directory)
        context.load_cert_chain(cert_path, key_path)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
        print(f"https://127.0.0.1:{server.server_port}", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
