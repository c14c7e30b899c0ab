#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: clickstream.collectors contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: pixel_probe
short_description: Fetch a collector's tracking pixel through its CloudFront domain, as a browser does
version_added: 1.1.0
description:
  - Sends C(GET <scheme>://<domain_name><path>) over each of O(schemes), in one module run, and returns for each answer
    the status, C(Content-Type), C(Cache-Control), size and SHA-256 of the body, and whether the body is the expected
    pixel (O(expected_sha256)). It fails only on bad options; judging the answers is left to the caller (an
    C(ansible.builtin.assert) can then say what a 403 or a wrong body means).
  - A fresh CloudFront deployment can answer errors for a while - an answer other than 200 (or no answer) is retried up to
    O(attempts) times, O(delay) seconds apart. RV(requests) counts every request sent.
  - With O(address) the connection goes to that C(host:port) instead of the address O(domain_name) resolves to, with
    O(domain_name) as the C(Host) header and as the TLS server name (SNI) - a local CloudFront edge, or one edge location.
  - With O(query_string) every request carries it, so that the requests can be found in the distribution's access logs
    (M(clickstream.collectors.collector_log_info) O(clickstream.collectors.collector_log_info#module:marker)).
  - Redirects are not followed (a C(301) is reported as it is).
  - It makes no AWS API call and needs no credentials.
author:
  - clickstream.collectors maintainers (@clickstream-collectors)
options:
  domain_name:
    description:
      - The distribution's domain name (C(d111111abcdef8.cloudfront.net)) or an alternate domain name.
    type: str
    required: true
  path:
    description:
      - The pixel's path.
    type: str
    default: /i
  schemes:
    description:
      - The schemes to fetch the pixel with, one request (and its retries) each, in this order.
    type: list
    elements: str
    choices: [http, https]
    default: [http, https]
  address:
    description:
      - C(host:port) to connect to instead of resolving O(domain_name). The port is used for both schemes.
    type: str
  query_string:
    description:
      - A query string (without C(?)) sent with every request.
    type: str
  expected_sha256:
    description:
      - The SHA-256 (hex) of the pixel the answers must carry; RV(responses[].matches) compares with it.
    type: str
  validate_certs:
    description:
      - Whether to verify the HTTPS certificate (and its name, O(domain_name)).
    type: bool
    default: true
  attempts:
    description:
      - How many times to send a request whose answer is not C(200).
    type: int
    default: 1
  delay:
    description:
      - Seconds between two attempts.
    type: int
    default: 15
  timeout:
    description:
      - Seconds to wait for a connection and for an answer.
    type: int
    default: 10
notes:
  - Supports check mode; it sends the same requests (they only read).
"""

EXAMPLES = r"""
- name: Fetch the pixel over HTTP and HTTPS through the collector's domain
  clickstream.collectors.pixel_probe:
    domain_name: d111111abcdef8.cloudfront.net
    expected_sha256: caa849b179befa2645a8e2c474d2e82a76777a3305315ece911013e8ee9a916c
    attempts: 20
  register: probe

- name: Served as the pixel, everywhere
  ansible.builtin.assert:
    that:
      - item.status == 200
      - item.content_type is match('image/gif')
      - item.matches
  loop: "{{ probe.responses }}"
  loop_control:
    label: "{{ item.url }}"
"""

RETURN = r"""
responses:
  description: The last answer for each scheme, in the order of O(schemes).
  returned: always
  type: list
  elements: dict
  contains:
    scheme:
      description: C(http) or C(https).
      type: str
    url:
      description: The URL fetched (with O(domain_name), whatever O(address)).
      type: str
    status:
      description: The HTTP status of the last attempt, or 0 when there was no answer (see RV(responses[].error)).
      type: int
    error:
      description: Why there was no answer (connection refused, timeout, TLS), else null.
      type: str
    content_type:
      description: The C(Content-Type) header, or null.
      type: str
    cache_control:
      description: The C(Cache-Control) header, or null.
      type: str
    size:
      description: The body's size in bytes.
      type: int
    sha256:
      description: The body's SHA-256 (hex).
      type: str
    matches:
      description: Whether the body's SHA-256 is O(expected_sha256) (null without it).
      type: bool
    attempts:
      description: How many requests were sent for this scheme.
      type: int
    headers:
      description: The answer's headers, names in lower case.
      type: dict
  sample:
    - {"scheme": "https", "url": "https://d111111abcdef8.cloudfront.net/i", "status": 200, "error": null, "content_type": "image/gif",
       "cache_control": "no-cache, no-store, must-revalidate", "size": 43, "sha256": "caa849b1...", "matches": true, "attempts": 1,
       "headers": {"x-cache": "Miss from cloudfront"}}
requests:
  description: How many requests were sent in all (each attempt of each scheme).
  returned: always
  type: int
  sample: 2
query_string:
  description: The query string sent (empty without O(query_string)).
  returned: always
  type: str
  sample: aid=clickstream-collector-verify&clickstream_verify=2f1c9e
started:
  description: The UTC time just before the first request (ISO 8601), for example to read the access logs from then on.
  returned: always
  type: str
  sample: "2024-05-01T10:00:00Z"
"""

import datetime
import hashlib
import http.client
import socket
import ssl
import time

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native

DEFAULT_PORTS = {"http": 80, "https": 443}


class _HTTPSConnectionTo(http.client.HTTPSConnection):
    """An HTTPS connection to ``address`` whose TLS server name (SNI and certificate check) is ``server_name``."""

    def __init__(self, host, port, server_name, context, timeout):
        super().__init__(host, port, context=context, timeout=timeout)
        self._server_name = server_name
        self._tls_context = context

    def connect(self):
        sock = socket.create_connection((self.host, self.port), self.timeout)
        self.sock = self._tls_context.wrap_socket(sock, server_hostname=self._server_name)


def split_address(address, scheme):
    """(host, port) of ``host:port`` (IPv6 in brackets); without a port, the scheme's."""
    host, port = address, None
    if address.startswith("["):
        host, dummy, rest = address[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else None
    elif address.count(":") == 1:
        host, port = address.split(":")
    return host, int(port) if port else DEFAULT_PORTS[scheme]


def tls_context(validate_certs):
    context = ssl.create_default_context()
    if not validate_certs:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def fetch_once(scheme, domain_name, path, address, validate_certs, timeout):
    """One GET; returns (status, headers, body, error)."""
    host, port = split_address(address or domain_name, scheme)
    if scheme == "https":
        connection = _HTTPSConnectionTo(host, port, domain_name, tls_context(validate_certs), timeout)
    else:
        connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"Host": domain_name, "User-Agent": "clickstream.collectors pixel_probe", "Accept": "image/*"})
        response = connection.getresponse()
        body = response.read()
        headers = dict((name.lower(), value) for name, value in response.getheaders())
        return response.status, headers, body, None
    except (OSError, http.client.HTTPException) as e:
        return 0, {}, b"", f"{type(e).__name__}: {to_native(e)}"
    finally:
        connection.close()


def probe(scheme, params, sleep=time.sleep):
    """The last answer for ``scheme`` after at most ``attempts`` requests (retrying anything but 200)."""
    path = params["path"] if params["path"].startswith("/") else "/" + params["path"]
    if params["query_string"]:
        path = f"{path}?{params['query_string']}"
    attempts = max(1, params["attempts"])
    for attempt in range(1, attempts + 1):
        status, headers, body, error = fetch_once(scheme, params["domain_name"], path, params["address"], params["validate_certs"], params["timeout"])
        if status == 200 or attempt == attempts:
            break
        sleep(params["delay"])
    digest = hashlib.sha256(body).hexdigest()
    return {
        "scheme": scheme,
        "url": f"{scheme}://{params['domain_name']}{path}",
        "status": status,
        "error": error,
        "content_type": headers.get("content-type"),
        "cache_control": headers.get("cache-control"),
        "size": len(body),
        "sha256": digest,
        "matches": (digest == params["expected_sha256"].lower()) if params["expected_sha256"] else None,
        "attempts": attempt,
        "headers": headers,
    }


def main():
    module = AnsibleModule(
        argument_spec=dict(
            domain_name=dict(type="str", required=True),
            path=dict(type="str", default="/i"),
            schemes=dict(type="list", elements="str", choices=["http", "https"], default=["http", "https"]),
            address=dict(type="str"),
            query_string=dict(type="str"),
            expected_sha256=dict(type="str"),
            validate_certs=dict(type="bool", default=True),
            attempts=dict(type="int", default=1),
            delay=dict(type="int", default=15),
            timeout=dict(type="int", default=10),
        ),
        supports_check_mode=True,
    )
    params = module.params
    if not params["domain_name"].strip() or "/" in params["domain_name"]:
        module.fail_json(msg=f"domain_name {params['domain_name']!r} is not a domain name: give the distribution's, such as d111111abcdef8.cloudfront.net")
    started = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    responses = [probe(scheme, params) for scheme in params["schemes"]]
    module.exit_json(
        changed=False,
        responses=responses,
        requests=sum(response["attempts"] for response in responses),
        query_string=params["query_string"] or "",
        started=started,
    )


if __name__ == "__main__":
    main()
