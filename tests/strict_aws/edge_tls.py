"""TLS on the strict AWS's own port, for the local CloudFront edge.

At start a key and a self-signed certificate for ``*.cloudfront.net`` (also ``localhost`` and
``127.0.0.1``, so a client can verify ``https://127.0.0.1:PORT`` against it) are generated with
``cryptography``. Each connection is looked at in its own thread (werkzeug's threaded server runs
``setup()``/``handle()`` of the request handler there, never in the accept loop): when its first
byte is 0x16, a TLS handshake record, the socket is wrapped in TLS before the HTTP request is read;
otherwise it is served as plain HTTP. The WSGI environ tells the two apart (``wsgi.url_scheme``)
and carries the negotiated protocol and cipher for the access log.
"""

import datetime
import ipaddress
import shutil
import socket
import ssl
import tempfile
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from moto.moto_server.werkzeug_app import MotoRequestHandler

TLS_HANDSHAKE = b"\x16"
ENVIRON_TLS_PROTOCOL = "strict_aws.tls_protocol"
ENVIRON_TLS_CIPHER = "strict_aws.tls_cipher"
HANDSHAKE_TIMEOUT = 10.0


class EdgeCertificate:
    """A fresh key and self-signed certificate in a temporary directory, and a server SSLContext using them."""

    def __init__(self):
        self.directory = Path(tempfile.mkdtemp(prefix="strict-aws-edge-"))
        self.cert_path = self.directory / "cert.pem"
        self.key_path = self.directory / "key.pem"
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "*.cloudfront.net"),
                          x509.NameAttribute(NameOID.ORGANIZATION_NAME, "strict local AWS (test only)")])
        now = datetime.datetime.now(datetime.timezone.utc)
        public_key = key.public_key()
        cert = (
            x509.CertificateBuilder()
            .subject_name(name).issuer_name(name).public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([
                x509.DNSName("*.cloudfront.net"), x509.DNSName("cloudfront.net"), x509.DNSName("localhost"),
                x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
            ]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=False, content_commitment=False,
                                         key_encipherment=False, data_encipherment=False, key_agreement=False,
                                         encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public_key), critical=False)
            .sign(key, hashes.SHA256())
        )
        self.cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        self.key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                    serialization.NoEncryption()))
        self.key_path.chmod(0o600)
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.minimum_version = ssl.TLSVersion.TLSv1_2
        self.context.load_cert_chain(self.cert_path, self.key_path)

    def cleanup(self) -> None:
        """Remove the key and certificate files."""
        shutil.rmtree(self.directory, ignore_errors=True)


class TlsPeekingRequestHandler(MotoRequestHandler):
    """moto's request handler, speaking TLS on connections that start with a TLS handshake.

    The server opts in by carrying an ``edge_tls_context`` attribute (an ``ssl.SSLContext``).
    """

    tls_failed = False

    def setup(self) -> None:
        """Peek at the first byte (in this connection's thread) and wrap the socket when it is TLS."""
        context = getattr(self.server, "edge_tls_context", None)
        if context is not None:
            try:
                first = self.request.recv(1, socket.MSG_PEEK)
            except OSError:
                first = b""
            if first == TLS_HANDSHAKE:
                try:
                    self.request.settimeout(HANDSHAKE_TIMEOUT)
                    self.request = context.wrap_socket(self.request, server_side=True)
                    self.request.settimeout(None)
                except (ssl.SSLError, OSError):
                    # A client that refuses the self-signed certificate, or hangs up: nothing to serve.
                    self.tls_failed = True
        super().setup()

    def handle(self) -> None:
        """Serve the connection; a TLS connection the client drops mid-way ends quietly."""
        if self.tls_failed:
            return
        try:
            super().handle()
        except ssl.SSLError:
            pass

    # BaseHTTPRequestHandler.send_response writes Server and Date before the application's headers; they are
    # written at the end instead, and only when the application did not send its own (the edge does).
    def send_response(self, code: int, message: str | None = None) -> None:
        """Status line only; Server and Date follow the application's headers (see ``end_headers``)."""
        self.log_request(code)
        self.send_response_only(code, message)
        self._header_names: set[str] | None = set()

    def send_header(self, keyword: str, value: str) -> None:
        """Send a header and remember its name."""
        names = getattr(self, "_header_names", None)
        if names is not None:
            names.add(keyword.lower())
        super().send_header(keyword, value)

    def end_headers(self) -> None:
        """Add Server and Date unless the application set them, then end the header block."""
        names = getattr(self, "_header_names", None)
        if names is not None:
            self._header_names = None
            if "server" not in names:
                super().send_header("Server", self.version_string())
            if "date" not in names:
                super().send_header("Date", self.date_time_string())
        super().end_headers()

    def make_environ(self) -> dict:
        """werkzeug's environ, with the scheme, TLS protocol and cipher of this connection."""
        environ = super().make_environ()
        if isinstance(self.connection, ssl.SSLSocket):
            environ["wsgi.url_scheme"] = "https"
            environ[ENVIRON_TLS_PROTOCOL] = self.connection.version() or ""
            cipher = self.connection.cipher()
            environ[ENVIRON_TLS_CIPHER] = cipher[0] if cipher else ""
        return environ
