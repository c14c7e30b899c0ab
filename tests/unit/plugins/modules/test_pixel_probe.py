# -*- coding: utf-8 -*-

# Copyright: clickstream.collectors contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""pixel_probe against local HTTP and HTTPS servers standing in for a CloudFront edge."""

import datetime
import hashlib
import http.server
import ssl
import threading

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ansible_collections.clickstream.collectors.plugins.modules import pixel_probe

PIXEL = bytes.fromhex("47494638396101000100f00000ffffff00000021f90401000000002c00000000010001000002024401003b")
PIXEL_SHA256 = "caa849b179befa2645a8e2c474d2e82a76777a3305315ece911013e8ee9a916c"
DOMAIN = "d111111abcdef8.cloudfront.net"


class Edge:
    """An edge answering GET /i with the pixel (after ``failures`` 403s), recording Host, path and TLS server name."""

    def __init__(self, tls_dir=None, failures=0):
        self.seen = []
        self.server_names = []
        self.failures = failures
        edge = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802  pylint: disable=invalid-name
                edge.seen.append((self.headers.get("Host"), self.path))
                if edge.failures > 0:
                    edge.failures -= 1
                    self.send_response(403)
                    self.send_header("Content-Type", "text/html")
                    self.end_headers()
                    self.wfile.write(b"<html>The request could not be satisfied.</html>")
                    return
                self.send_response(200)
                self.send_header("Content-Type", "image/gif")
                self.send_header("Cache-Control", "no-cache, no-store, must-revalidate")
                self.send_header("Content-Length", str(len(PIXEL)))
                self.end_headers()
                self.wfile.write(PIXEL)

            def log_message(self, *args):  # pylint: disable=arguments-differ
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if tls_dir is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*self_signed(tls_dir))
            context.sni_callback = lambda sock, name, ctx: self.server_names.append(name)
            self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.address = f"127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def self_signed(directory):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "*.cloudfront.net")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("*.cloudfront.net")]), critical=False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return str(cert_path), str(key_path)


def params(**changes):
    values = {"domain_name": DOMAIN, "path": "/i", "address": None, "query_string": None, "expected_sha256": PIXEL_SHA256,
              "validate_certs": False, "attempts": 1, "delay": 0, "timeout": 5}
    values.update(changes)
    return values


@pytest.fixture
def http_edge():
    edge = Edge()
    yield edge
    edge.stop()


@pytest.fixture
def https_edge(tmp_path):
    edge = Edge(tls_dir=tmp_path)
    yield edge
    edge.stop()


def test_http_through_an_address_sends_the_domain_as_host(http_edge):
    response = pixel_probe.probe("http", params(address=http_edge.address, query_string="aid=x&m=1"))
    assert http_edge.seen == [(DOMAIN, "/i?aid=x&m=1")]
    assert (response["status"], response["content_type"], response["size"], response["matches"]) == (200, "image/gif", 43, True)
    assert response["cache_control"] == "no-cache, no-store, must-revalidate"
    assert response["url"] == f"http://{DOMAIN}/i?aid=x&m=1"
    assert response["sha256"] == hashlib.sha256(PIXEL).hexdigest()


def test_https_sends_the_domain_as_tls_server_name(https_edge):
    response = pixel_probe.probe("https", params(address=https_edge.address))
    assert response["status"] == 200 and response["matches"] is True
    assert https_edge.server_names == [DOMAIN]
    assert https_edge.seen == [(DOMAIN, "/i")]


def test_https_with_certificate_checks_refuses_a_self_signed_edge(https_edge):
    response = pixel_probe.probe("https", params(address=https_edge.address, validate_certs=True))
    assert response["status"] == 0 and "CERTIFICATE_VERIFY_FAILED" in response["error"]
    assert response["matches"] is False


def test_errors_are_retried_until_200(http_edge):
    http_edge.failures = 2
    slept = []
    response = pixel_probe.probe("http", params(address=http_edge.address, attempts=5, delay=7), sleep=slept.append)
    assert response["status"] == 200 and response["attempts"] == 3
    assert slept == [7, 7]


def test_the_last_error_is_reported_when_attempts_run_out(http_edge):
    http_edge.failures = 5
    response = pixel_probe.probe("http", params(address=http_edge.address, attempts=2), sleep=lambda seconds: None)
    assert (response["status"], response["content_type"], response["attempts"], response["matches"]) == (403, "text/html", 2, False)


def test_no_answer_is_status_zero_with_the_reason():
    response = pixel_probe.probe("http", params(address="127.0.0.1:1"), sleep=lambda seconds: None)
    assert response["status"] == 0 and "ConnectionRefusedError" in response["error"]


@pytest.mark.parametrize("address, scheme, expected", [
    ("127.0.0.1:8443", "https", ("127.0.0.1", 8443)),
    ("edge.example.net", "https", ("edge.example.net", 443)),
    ("edge.example.net", "http", ("edge.example.net", 80)),
    ("[::1]:8080", "http", ("::1", 8080)),
    ("[::1]", "https", ("::1", 443)),
])
def test_split_address(address, scheme, expected):
    assert pixel_probe.split_address(address, scheme) == expected
