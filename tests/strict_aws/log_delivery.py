"""Standard log delivery (legacy, to S3) of the local CloudFront edge.

Records are buffered per distribution, log bucket, prefix and hour, and written as gzip files
``<prefix><distribution-id>.YYYY-MM-DD-HH.<unique-id>.gz`` into the log bucket as the awslogsdelivery
account would write them: after ``flush_interval`` seconds, or on demand (``POST /_strict/logs/flush``).
A bucket that does not let awslogsdelivery write (no FULL_CONTROL grant to its canonical user, or ACLs
disabled by BucketOwnerEnforced) receives nothing, silently, as on AWS; the call log records the drop.

Format: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/standard-logs-reference.html
(two header lines, 33 tab-separated fields, ``-`` for empty, URL-encoded field values).
Delivery: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/standard-logging-legacy-s3.html
(file name, the awslogsdelivery grant, ACLs required on the bucket).
"""

import gzip
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

from moto.s3 import models as s3_models

from . import s3_rules
from .calllog import CallLog
from .cloudfront_rules import AWSLOGSDELIVERY_CANONICAL_ID

FIELDS = (
    "date", "time", "x-edge-location", "sc-bytes", "c-ip", "cs-method", "cs(Host)", "cs-uri-stem", "sc-status",
    "cs(Referer)", "cs(User-Agent)", "cs-uri-query", "cs(Cookie)", "x-edge-result-type", "x-edge-request-id",
    "x-host-header", "cs-protocol", "cs-bytes", "time-taken", "x-forwarded-for", "ssl-protocol", "ssl-cipher",
    "x-edge-response-result-type", "cs-protocol-version", "fle-status", "fle-encrypted-fields", "c-port",
    "time-to-first-byte", "x-edge-detailed-result-type", "sc-content-type", "sc-content-len", "sc-range-start",
    "sc-range-end",
)
HEADER = "#Version: 1.0\n#Fields: " + " ".join(FIELDS) + "\n"
# Characters CloudFront URL-encodes in field values besides 0-32 and 127 and above (the table in
# "Standard log file fields"): < > " # % { } | \ ^ ~ [ ] ` ' and space.
_ENCODED = set('<>"#%{}|\\^~[]`\' ')


def log_value(value: Any) -> str:
    """A field value as CloudFront writes it: ``-`` when empty, the listed characters percent-encoded."""
    text = "" if value is None else str(value)
    if text == "":
        return "-"
    out = []
    for char in text:
        if ord(char) <= 32 or ord(char) >= 127 or char in _ENCODED:
            out.extend(f"%{byte:02X}" for byte in char.encode("utf-8"))
        else:
            out.append(char)
    return "".join(out)


def format_record(record: dict[str, Any]) -> str:
    """One tab-separated line (without newline) with the 33 fields in order."""
    return "\t".join(log_value(record.get(name)) for name in FIELDS)


@dataclass
class Target:
    """Where one distribution's records go."""

    distribution_id: str
    bucket: str
    prefix: str


@dataclass
class Buffer:
    """Records waiting for one log file."""

    target: Target
    hour: str
    lines: list[str] = field(default_factory=list)


def delivery_refused(bucket_name: str) -> str | None:
    """Why awslogsdelivery cannot write into this bucket (a rule name), or None when it can."""
    bucket = s3_rules.get_bucket(bucket_name)
    if bucket is None:
        return "LogBucketMissing"
    if s3_rules.ownership(bucket) == "BucketOwnerEnforced":
        return "LogBucketAclsDisabled"
    grants = bucket.acl.grants if bucket.acl is not None else []
    for grant in grants:
        if "FULL_CONTROL" in grant.permissions and any(g.id == AWSLOGSDELIVERY_CANONICAL_ID for g in grant.grantees):
            return None
    return "LogBucketGrant"


def _log_file_acl() -> s3_models.FakeAcl:
    """The bucket owner and awslogsdelivery both have FULL_CONTROL of a delivered log file."""
    owner = s3_models.FakeGrantee(grantee_id=s3_rules.OWNER_ID)
    delivery = s3_models.FakeGrantee(grantee_id=AWSLOGSDELIVERY_CANONICAL_ID, display_name="awslogsdelivery")
    return s3_models.FakeAcl([s3_models.FakeGrant([owner], ["FULL_CONTROL"]), s3_models.FakeGrant([delivery], ["FULL_CONTROL"])])


class LogDelivery:
    """Buffers access-log records and delivers them as gzip files, on a timer and on demand."""

    def __init__(self, call_log: CallLog, lock: threading.RLock, flush_interval: float = 1.0):
        self.call_log = call_log
        self.flush_interval = flush_interval
        # The strict AWS's own lock: files are written into moto's S3 while no request is being served.
        self._state_lock = lock
        self._lock = threading.Lock()
        self._buffers: dict[tuple[str, str, str, str], Buffer] = {}
        self._generation = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def add(self, target: Target, record: dict[str, Any]) -> None:
        """Buffer one record (its ``date`` and ``time`` fields give the file's hour)."""
        hour = f"{record['date']}-{record['time'][:2]}"
        key = (target.distribution_id, target.bucket, target.prefix, hour)
        with self._lock:
            self._buffers.setdefault(key, Buffer(target, hour)).lines.append(format_record(record))

    def pending(self) -> int:
        """Records waiting to be written."""
        with self._lock:
            return sum(len(buffer.lines) for buffer in self._buffers.values())

    def reset(self) -> None:
        """Forget every buffered record (a flush already under way writes nothing)."""
        with self._lock:
            self._buffers.clear()
            self._generation += 1

    def flush(self) -> dict[str, list[dict[str, Any]]]:
        """Write every buffer now; return the files written and the ones dropped."""
        with self._lock:
            buffers, self._buffers = list(self._buffers.values()), {}
            generation = self._generation
        result: dict[str, list[dict[str, Any]]] = {"written": [], "dropped": []}
        if not buffers:
            return result
        with self._state_lock:
            if generation != self._generation:
                return result  # reset in between: these records belong to wiped state
            for buffer in buffers:
                self._deliver(buffer, result)
        return result

    def _deliver(self, buffer: Buffer, result: dict[str, list[dict[str, Any]]]) -> None:
        target = buffer.target
        key = f"{target.prefix}{target.distribution_id}.{buffer.hour}.{uuid.uuid4().hex[:8]}.gz"
        entry = {"bucket": target.bucket, "key": key, "records": len(buffer.lines)}
        refused = delivery_refused(target.bucket)
        if refused is not None:
            result["dropped"].append({**entry, "rule": refused})
            self._record("DropLogFile", target.bucket, key, 403, refused)
            return
        body = gzip.compress((HEADER + "".join(line + "\n" for line in buffer.lines)).encode("utf-8"), mtime=0)
        obj = s3_rules.s3_backend().put_object(target.bucket, key, body)
        obj.acl = _log_file_acl()
        result["written"].append(entry)
        self._record("DeliverLogFile", target.bucket, key, 200, None)

    def _record(self, operation: str, bucket: str, key: str, status: int, rule: str | None) -> None:
        self.call_log.record(service="cloudfront-logs", operation=operation, method="PUT", path=f"/{bucket}/{key}",
                             status=status, mutating=False, fault=None, rule=rule, anonymous=False)

    # --- the timer ---------------------------------------------------------------------------

    def start(self) -> None:
        """Flush every ``flush_interval`` seconds in a daemon thread (none when the interval is 0)."""
        if self._thread is not None or self.flush_interval <= 0:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="strict-aws-log-delivery", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the timer (buffered records are kept until the next flush or reset)."""
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join(timeout=10)
        self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self.flush_interval):
            self.flush()
