# -*- coding: utf-8 -*-

# Copyright: clickstream.collectors contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""CloudFront standard (legacy) access logs and the Snowplow tracker parameters in them.

Pure Python (no AWS client): the collector_log_info module, the role's log check and the tests use it.

A log file is gzip (as CloudFront delivers it) or text: a ``#Version: 1.0`` line, a ``#Fields:`` line
naming the columns, then one tab-separated record per viewer request, ``-`` for an empty value.
Files written before CloudFront added its newer columns have fewer fields (24 or 26 instead of
today's 33), so records are read by the ``#Fields:`` line, not by position.

CloudFront writes field values URL-encoded: spaces, control and non-ASCII bytes and the characters
``< > " # % { } | \\ ^ ~ [ ] ` '`` become ``%XX`` (AWS CloudFront Developer Guide, standard log file
format). The ``%`` of a tracker's own encoding is therefore logged as ``%25``: a page title
``Pricing%20Plans`` in the request is ``Pricing%2520Plans`` in ``cs-uri-query``. Decoding a tracker
parameter takes two steps, as Snowplow's CloudFront loader does: turn every ``%25XX`` back into
``%XX`` (the query string as the tracker sent it), then split and percent-decode the parameters.
"""

import base64
import binascii
import datetime
import gzip
import io
import json
import re

from urllib.parse import parse_qsl
from urllib.parse import unquote

# The 33 fields of a current standard log file, in order (used only when a file has no #Fields line).
FIELDS = (
    "date",
    "time",
    "x-edge-location",
    "sc-bytes",
    "c-ip",
    "cs-method",
    "cs(Host)",
    "cs-uri-stem",
    "sc-status",
    "cs(Referer)",
    "cs(User-Agent)",
    "cs-uri-query",
    "cs(Cookie)",
    "x-edge-result-type",
    "x-edge-request-id",
    "x-host-header",
    "cs-protocol",
    "cs-bytes",
    "time-taken",
    "x-forwarded-for",
    "ssl-protocol",
    "ssl-cipher",
    "x-edge-response-result-type",
    "cs-protocol-version",
    "fle-status",
    "fle-encrypted-fields",
    "c-port",
    "time-to-first-byte",
    "x-edge-detailed-result-type",
    "sc-content-type",
    "sc-content-len",
    "sc-range-start",
    "sc-range-end",
)

INT_FIELDS = ("sc-bytes", "sc-status", "cs-bytes", "c-port", "fle-encrypted-fields", "sc-content-len", "sc-range-start", "sc-range-end")
FLOAT_FIELDS = ("time-taken", "time-to-first-byte")
# Header fields CloudFront URL-encodes once; decoding them once gives the header as the viewer sent it.
HEADER_FIELDS = ("cs(User-Agent)", "cs(Referer)")

# Snowplow tracker protocol: event codes and the canonical (atomic table) names of the common parameters.
EVENT_NAMES = {
    "pv": "page_view",
    "pp": "page_ping",
    "se": "struct",
    "ue": "unstruct",
    "tr": "transaction",
    "ti": "transaction_item",
}
TRACKER_FIELDS = (
    ("eid", "event_id"),
    ("aid", "app_id"),
    ("p", "platform"),
    ("tv", "v_tracker"),
    ("tna", "name_tracker"),
    ("url", "page_url"),
    ("page", "page_title"),
    ("refr", "page_referrer"),
    ("se_ca", "se_category"),
    ("se_ac", "se_action"),
    ("se_la", "se_label"),
    ("se_pr", "se_property"),
    ("uid", "user_id"),
    ("duid", "domain_userid"),
    ("sid", "domain_sessionid"),
    ("tz", "os_timezone"),
    ("lang", "br_lang"),
)

GZIP_MAGIC = b"\x1f\x8b"
DOUBLE_ENCODED_PERCENT = re.compile(r"%25([0-9A-Fa-f]{2})")
# <prefix><distribution-id>.YYYY-MM-DD-HH.<unique-id>.gz (the part after the prefix)
LOG_FILE_NAME = re.compile(r"^(?P<distribution_id>[^/]+?)\.(?P<hour>\d{4}-\d{2}-\d{2}-\d{2})\.(?P<unique_id>[^/.]+)\.gz$")
# Standard logging v2 into S3 with the Hive-compatible suffix path {DistributionId}/{yyyy}/{MM}/{dd}/{HH} (the role's):
# <folder>DistributionId=<id>/year=YYYY/month=MM/day=DD/hour=HH/<id>.YYYY-MM-DD-HH.<unique-id>.gz or .parquet
V2_LOG_KEY = re.compile(r"^DistributionId=(?P<folder_id>[^/]+)/year=\d{4}/month=\d{2}/day=\d{2}/hour=\d{2}/"
                        r"(?P<distribution_id>[^/]+?)\.(?P<hour>\d{4}-\d{2}-\d{2}-\d{2})\.(?P<unique_id>[^/.]+)\.(?P<ext>gz|parquet)$")
# The fields only standard logging v2 offers, besides the 33 of FIELDS.
V2_ONLY_FIELDS = ("c-country", "cache-behavior-path-pattern", "timestamp(ms)", "origin-fbl", "origin-lbl", "asn")

UTC = datetime.timezone.utc


# ---------------------------------------------------------------------------------------------
# Files and records
# ---------------------------------------------------------------------------------------------


def log_text(data):
    """The text of a log file given as gzip bytes, plain bytes or str (invalid UTF-8 replaced)."""
    if isinstance(data, str):
        return data
    data = bytes(data)
    if data[:2] == GZIP_MAGIC:
        data = gzip.decompress(data)
    return data.decode("utf-8", errors="replace")


def parse_log(data):
    """Parse a standard log file (gzip bytes, bytes or text) into one dict per record.

    Keys are the ``#Fields:`` names (``date``, ``cs-uri-query``, ``cs(User-Agent)``...) and values the
    strings as logged; ``-`` (empty) becomes None, and so does a field a record lacks. A file without a
    ``#Fields:`` line is read with the current 33 fields. Values beyond the named fields (a trailing tab)
    are ignored, and so are lines without a tab.
    """
    fields = list(FIELDS)
    entries = []
    for line in log_text(data).splitlines():
        if not line.strip():
            continue
        if line.startswith("#"):
            if line.startswith("#Fields:"):
                fields = line[len("#Fields:"):].split()
            continue
        if "\t" not in line:
            continue  # not a record: records are tab-separated
        values = line.split("\t")
        entry = {}
        for index, name in enumerate(fields):
            value = values[index] if index < len(values) else None
            entry[name] = None if value in (None, "-", "") else value
        entries.append(entry)
    return entries


def _logged(value):
    return None if value in (None, "-", "") else str(value)


def parse_json_log(data):
    """Parse a standard logging v2 JSON file (gzip bytes, bytes or text, one object per line) like ``parse_log``:
    keys are the field names, ``-`` and empty values None."""
    entries = []
    for line in log_text(data).splitlines():
        if line.strip():
            entries.append({name: _logged(value) for name, value in json.loads(line).items()})
    return entries


def parse_parquet_log(data):
    """Parse a standard logging v2 parquet file like ``parse_log``; its columns are the fields in snake case
    (``cs_uri_query``), read back under the field names. Needs pyarrow (ImportError otherwise)."""
    import pyarrow.parquet  # pylint: disable=import-outside-toplevel,import-error

    names = {snake_name(name): name for name in tuple(FIELDS) + V2_ONLY_FIELDS}
    table = pyarrow.parquet.read_table(io.BytesIO(bytes(data)))
    return [{names.get(column, column): _logged(value) for column, value in row.items()} for row in table.to_pylist()]


def parse_any_log(data, key=""):
    """A legacy or v2 (JSON or parquet, by ``key``'s extension and the content) log file, parsed."""
    if key.endswith(".parquet"):
        return parse_parquet_log(data)
    if log_text(data).lstrip()[:1] == "{":
        return parse_json_log(data)
    return parse_log(data)


def request_time(entry):
    """The request's time (``date`` and ``time``, UTC) as an aware datetime, or None if unreadable."""
    try:
        return datetime.datetime.strptime(f"{entry.get('date')} {entry.get('time')}", "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    except (TypeError, ValueError):
        return None


def iso8601(moment):
    """``2024-05-01T10:00:00Z`` (milliseconds shown when there are any), or None."""
    if moment is None:
        return None
    moment = moment.astimezone(UTC)
    if moment.microsecond:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_log_key(key, prefix=""):
    """Read ``<prefix><distribution-id>.YYYY-MM-DD-HH.<unique-id>.gz`` (legacy), or the same name in the Hive-compatible
    folders of standard logging v2, ``<prefix>DistributionId=<id>/year=YYYY/month=MM/day=DD/hour=HH/`` (``.gz`` or
    ``.parquet``).

    Returns {"distribution_id", "hour" (aware datetime, the start of the hour the requests occurred in),
    "unique_id"}, or None for a key that is not a standard log file under ``prefix``.
    """
    if not key.startswith(prefix):
        return None
    match = LOG_FILE_NAME.match(key[len(prefix):])
    if not match:
        v2 = V2_LOG_KEY.match(key[len(prefix):])
        if not v2 or v2.group("folder_id") != v2.group("distribution_id"):
            return None
        match = v2
    try:
        hour = datetime.datetime.strptime(match.group("hour"), "%Y-%m-%d-%H").replace(tzinfo=UTC)
    except ValueError:
        return None
    return {"distribution_id": match.group("distribution_id"), "hour": hour, "unique_id": match.group("unique_id")}


# ---------------------------------------------------------------------------------------------
# Decoding
# ---------------------------------------------------------------------------------------------


def single_encode_pcts(value):
    """Undo CloudFront's extra encoding of ``%``: every ``%25XX`` becomes ``%XX``.

    ``page=Pricing%2520Plans`` -> ``page=Pricing%20Plans``; ``30%2525`` -> ``30%25``. Other ``%XX``
    (CloudFront's encoding of a raw ``'`` or ``~``, or of non-ASCII bytes) stay, which leaves an equivalent
    query string. As in Snowplow's loader, ``%25XX`` is always read as an encoded ``%XX``.
    """
    if not value:
        return value
    return DOUBLE_ENCODED_PERCENT.sub(r"%\1", value)


def header_value(value):
    """A logged header (``cs(User-Agent)``, ``cs(Referer)``) as the viewer sent it: decoded once."""
    if value is None:
        return None
    return unquote(value, errors="replace")


def query_string(logged):
    """The query string as the tracker sent it, from ``cs-uri-query`` as logged (None stays None)."""
    if logged is None:
        return None
    return single_encode_pcts(logged)


def query_params(logged):
    """The decoded parameters of a logged ``cs-uri-query``: {name: value}; the last of repeated names wins."""
    if not logged:
        return {}
    pairs = parse_qsl(single_encode_pcts(logged), keep_blank_values=True, encoding="utf-8", errors="replace")
    return dict(pairs)


def _ms_timestamp(value):
    """Milliseconds since the epoch (``dtm``, ``stm``) as ISO 8601, or None."""
    try:
        millis = int(value)
    except (TypeError, ValueError):
        return None
    try:
        return iso8601(datetime.datetime.fromtimestamp(millis / 1000.0, tz=UTC))
    except (OverflowError, OSError, ValueError):
        return None


def _json_param(params, plain, encoded):
    """A JSON parameter sent plain (``ue_pr``, ``co``) or as URL-safe base64 (``ue_px``, ``cx``); None if absent or invalid."""
    text = params.get(plain)
    if text is None and params.get(encoded):
        raw = params[encoded]
        try:
            text = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode("utf-8")
        except (binascii.Error, ValueError):
            return None
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def _number(value, kind):
    try:
        return kind(value)
    except (TypeError, ValueError):
        return None


def decode_tracker(logged_query):
    """The Snowplow tracker event in a logged ``cs-uri-query``, with Snowplow's canonical field names.

    Always returns every key (None when the parameter is absent): ``e`` (the code: pv, pp, se, ue, tr, ti),
    ``event`` (page_view, page_ping, struct, unstruct, transaction, transaction_item), ``event_id``,
    ``app_id``, ``platform``, ``v_tracker``, ``name_tracker``, ``page_url``, ``page_title``,
    ``page_referrer``, ``dvce_created_tstamp`` (``dtm``) and ``dvce_sent_tstamp`` (``stm``) as ISO 8601,
    ``se_category``, ``se_action``, ``se_label``, ``se_property``, ``se_value`` (number),
    ``user_id``, ``domain_userid``, ``domain_sessionid``, ``domain_sessionidx`` (``vid``, number),
    ``os_timezone``, ``br_lang``, ``unstruct_event`` and ``contexts`` (parsed JSON), and ``params``
    (every parameter, decoded).
    """
    params = query_params(logged_query)
    code = params.get("e")
    event = {"e": code, "event": EVENT_NAMES.get(code, code) if code else None}
    for param, name in TRACKER_FIELDS:
        event[name] = params.get(param)
    event["dvce_created_tstamp"] = _ms_timestamp(params.get("dtm"))
    event["dvce_sent_tstamp"] = _ms_timestamp(params.get("stm"))
    event["se_value"] = _number(params.get("se_va"), float)
    event["domain_sessionidx"] = _number(params.get("vid"), int)
    event["unstruct_event"] = _json_param(params, "ue_pr", "ue_px")
    event["contexts"] = _json_param(params, "co", "cx")
    event["params"] = params
    return event


# ---------------------------------------------------------------------------------------------
# Records for users
# ---------------------------------------------------------------------------------------------


def snake_name(field):
    """``cs(User-Agent)`` -> ``cs_user_agent``, ``x-edge-location`` -> ``x_edge_location``."""
    return re.sub(r"[^a-z0-9]+", "_", field.lower()).strip("_")


def to_record(entry):
    """A parsed entry as a record for users.

    Every field under its snake_case name, numbers as numbers, other values as logged; plus
    ``timestamp`` (ISO 8601 UTC, from date and time), ``query_string`` (as the tracker sent it),
    ``user_agent`` and ``referer`` (decoded), and ``tracker`` (decode_tracker of the query).
    """
    record = {}
    for field, value in entry.items():
        if field in INT_FIELDS:
            converted = _number(value, int)
            value = value if converted is None and value is not None else converted
        elif field in FLOAT_FIELDS:
            converted = _number(value, float)
            value = value if converted is None and value is not None else converted
        record[snake_name(field)] = value
    record["timestamp"] = iso8601(request_time(entry))
    record["query_string"] = query_string(entry.get("cs-uri-query"))
    record["user_agent"] = header_value(entry.get("cs(User-Agent)"))
    record["referer"] = header_value(entry.get("cs(Referer)"))
    record["tracker"] = decode_tracker(entry.get("cs-uri-query"))
    return record


def query_contains(entry, marker):
    """Whether the request's query string carries ``marker``.

    Looked for in the query as logged, as the tracker sent it, and in each decoded parameter name and value,
    so a marker matches however it was encoded.
    """
    logged = entry.get("cs-uri-query")
    if not logged or not marker:
        return False
    if marker in logged or marker in single_encode_pcts(logged):
        return True
    return any(marker in name or marker in value for name, value in query_params(logged).items())


# ---------------------------------------------------------------------------------------------
# Time windows
# ---------------------------------------------------------------------------------------------

RELATIVE_TIME = re.compile(r"^-?\s*(?P<amount>\d+)\s*(?P<unit>s|m|h|d|w)$")
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_time(value, now=None):
    """A time bound given as ISO 8601 or relative to ``now``, as an aware UTC datetime.

    Accepted: ``2024-05-01T10:00:00Z``, ``2024-05-01T12:00:00+02:00``, ``2024-05-01 10:00``,
    ``2024-05-01`` (midnight), a time without zone is UTC; ``now``; ``-15m``, ``-2h``, ``-7d``, ``-30s``,
    ``-1w`` (before now; the minus sign may be left out). Raises ValueError for anything else.
    """
    now = now or datetime.datetime.now(UTC)
    text = (value or "").strip()
    if text.lower() == "now":
        return now
    relative = RELATIVE_TIME.match(text.lower())
    if relative:
        return now - datetime.timedelta(seconds=int(relative.group("amount")) * UNIT_SECONDS[relative.group("unit")])
    iso = text[:-1] + "+00:00" if text[-1:] in ("Z", "z") else text
    try:
        moment = datetime.datetime.fromisoformat(iso)
    except ValueError:
        raise ValueError(
            f"{value!r} is not a time: use ISO 8601 (2024-05-01T10:00:00Z, 2024-05-01) or a time before now (-15m, -2h, -7d)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def hour_in_window(hour, since=None, until=None):
    """Whether a log file for ``hour`` (the start of the UTC hour in its name) can hold requests in [since, until].

    CloudFront names a file after the hour its requests occurred in, also when it delivers them late.
    """
    if since is not None and hour + datetime.timedelta(hours=1) <= since:
        return False
    if until is not None and hour > until:
        return False
    return True


def time_in_window(moment, since=None, until=None):
    """Whether ``moment`` lies in [since, until] (None bounds are open; an unknown moment is outside a bounded window)."""
    if moment is None:
        return since is None and until is None
    if since is not None and moment < since:
        return False
    if until is not None and moment > until:
        return False
    return True
