"""Running the collector playbooks under IAM evaluation, and reading back what a run left in the account.

Several callers use one strict server at once: each has its own access key (``AWS_ACCESS_KEY_ID``), hence its
own identity policy (``POST /_strict/iam`` with ``access_key_id``), and its own buckets, so their runs can go
side by side.
"""

import json
import os
import pathlib
import subprocess
import time
from dataclasses import dataclass, field
from typing import Any

from tests.strict_aws.pytest_plugin import make_client
from tests.strict_aws.server import client_environ

REPO = pathlib.Path(__file__).resolve().parents[2]
FILES_POLICY = json.loads((REPO / "files" / "iam-policy.json").read_text(encoding="utf-8"))
# The environments (inventory groups) of the repository's inventory.
ENVIRONMENTS = ["prod", "staging", "dev", "local"]


@dataclass
class Run:
    """One ansible-playbook run: exit code, totals from the recap, the first failed task, what the user was told
    (every failure message) and the warnings."""

    args: tuple[str, ...]
    returncode: int
    seconds: float
    stats: dict[str, int]
    failed_task: str | None = None
    failed_msg: str = ""
    warnings: list[str] = field(default_factory=list)
    output: str = ""

    def describe(self) -> str:
        """A short account of the run for assertion messages."""
        return (f"ansible-playbook {' '.join(self.args)}: exit {self.returncode}, {self.stats}, failed task {self.failed_task!r}: "
                f"{self.failed_msg[:1500]}\n{self.output[-3000:] if self.failed_task is None and self.returncode else ''}")


def _failures(report: dict[str, Any]) -> tuple[str | None, str, list[str]]:
    """The first failed task, every failure message (a rescue may add to the first), and the warnings."""
    warnings: list[str] = []
    failed_task = None
    messages = []
    for play in report.get("plays", []):
        for task in play.get("tasks", []):
            for result in task.get("hosts", {}).values():
                warnings += result.get("warnings", [])
                if result.get("failed"):
                    failed_task = failed_task or task["task"]["name"]
                    messages.append(str(result.get("msg", "")))
    return failed_task, "\n".join(messages), warnings


def run_playbook(endpoint: str, access_key: str, *args: str, playbook: str = "playbooks/collector.yml") -> Run:
    """``ansible-playbook PLAYBOOK ARGS`` against the strict server as the caller ``access_key``."""
    env = client_environ(endpoint, base=os.environ)
    env.update(AWS_ACCESS_KEY_ID=access_key, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_STDOUT_CALLBACK="ansible.posix.json",
               ANSIBLE_NOCOLOR="1", ANSIBLE_LOCALHOST_WARNING="0")
    started = time.monotonic()
    proc = subprocess.run(["ansible-playbook", playbook, *args], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=600, check=False)
    seconds = time.monotonic() - started
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        return Run(tuple(args), proc.returncode, seconds, {}, None, "", [], proc.stdout + proc.stderr)
    stats: dict[str, int] = {}
    for host_stats in report.get("stats", {}).values():
        for key, value in host_stats.items():
            stats[key] = stats.get(key, 0) + value
    failed_task, failed_msg, warnings = _failures(report)
    return Run(tuple(args), proc.returncode, seconds, stats, failed_task, failed_msg, warnings, proc.stderr)


def generate_policy(endpoint: str, env_name: str, dest: pathlib.Path, *extra: str) -> dict[str, Any]:
    """The least-privilege policy ``playbooks/iam-policy.yml`` writes for an inventory group."""
    run = run_playbook(endpoint, "AKIAPOLICYGENERATOR1", "-e", f"env={env_name}", "-e", f"iam_policy_file={dest}", *extra,
                       playbook="playbooks/iam-policy.yml")
    assert run.returncode == 0, run.describe()
    return json.loads(dest.read_text(encoding="utf-8"))


def without_statement(policy: dict[str, Any], sid: str) -> dict[str, Any]:
    """The policy less one statement."""
    return {**policy, "Statement": [s for s in policy["Statement"] if s["Sid"] != sid]}


# --- what a run left in the account ------------------------------------------------------------------------------

def _grants(acl: dict[str, Any], owner_id: str) -> list[list[str]]:
    grants = []
    for grant in acl.get("Grants", []):
        grantee = grant["Grantee"]
        # By canonical id: S3 returns a grantee's DisplayName only sometimes (not for a grant put by id alone, and no
        # longer in most regions), so the same grant added by CloudFront or by cloudfront_logging compares equal.
        who = grantee.get("URI") or ("owner" if grantee.get("ID") == owner_id else grantee.get("ID"))
        grants.append([who, grant["Permission"]])
    return sorted(grants)


def _read(call, *args, **kwargs):
    from botocore.exceptions import ClientError  # pylint: disable=import-outside-toplevel
    try:
        return call(*args, **kwargs)
    except ClientError as exc:
        return {"error": exc.response["Error"]["Code"]}


def _bucket(s3, name: str, list_objects: bool) -> dict[str, Any]:
    acl = s3.get_bucket_acl(Bucket=name)
    policy = _read(s3.get_bucket_policy, Bucket=name)
    return {
        "tags": {t["Key"]: t["Value"] for t in _read(s3.get_bucket_tagging, Bucket=name).get("TagSet", [])},
        "ownership": _read(s3.get_bucket_ownership_controls, Bucket=name).get("OwnershipControls"),
        "public_access_block": _read(s3.get_public_access_block, Bucket=name).get("PublicAccessBlockConfiguration"),
        "encryption": _read(s3.get_bucket_encryption, Bucket=name).get("ServerSideEncryptionConfiguration"),
        "policy": json.loads(policy["Policy"]) if "Policy" in policy else policy,
        "lifecycle": _read(s3.get_bucket_lifecycle_configuration, Bucket=name).get("Rules"),
        "grants": _grants(acl, acl["Owner"]["ID"]),
        # The access logs differ from one collector to the next: only the pixel bucket's objects are compared.
        "objects": sorted(o["Key"] for o in s3.list_objects_v2(Bucket=name).get("Contents", [])) if list_objects else None,
    }


def collector_state(endpoint: str, pixel_bucket: str, log_bucket: str | None, caller_reference: str) -> dict[str, Any]:
    """Everything the role manages for one collector, with its names replaced by placeholders, so that two
    collectors built the same way compare equal; counts expose duplicates (a second distribution or policy)."""
    s3 = make_client(endpoint, "s3")
    cloudfront = make_client(endpoint, "cloudfront", region="us-east-1")
    existing = {b["Name"] for b in s3.list_buckets()["Buckets"]}
    state: dict[str, Any] = {"pixel_bucket": _bucket(s3, pixel_bucket, True) if pixel_bucket in existing else None}
    if state["pixel_bucket"] is not None:
        head = _read(s3.head_object, Bucket=pixel_bucket, Key="i")
        acl = s3.get_object_acl(Bucket=pixel_bucket, Key="i") if "error" not in head else {"Grants": [], "Owner": {"ID": ""}}
        state["pixel"] = {"content_type": head.get("ContentType"), "cache_control": head.get("CacheControl"),
                          "length": head.get("ContentLength"), "grants": _grants(acl, acl["Owner"]["ID"])}
    if log_bucket:
        state["log_bucket"] = _bucket(s3, log_bucket, False) if log_bucket in existing else None
    ours = []
    for summary in cloudfront.list_distributions()["DistributionList"].get("Items", []):
        config = cloudfront.get_distribution_config(Id=summary["Id"])["DistributionConfig"]
        if config["CallerReference"] == caller_reference:
            tags = cloudfront.list_tags_for_resource(Resource=summary["ARN"])["Tags"].get("Items", [])
            ours.append({"config": config, "tags": {t["Key"]: t["Value"] for t in tags}})
    state["distributions"] = ours
    policies = cloudfront.list_response_headers_policies(Type="custom")["ResponseHeadersPolicyList"].get("Items", [])
    names = {p["ResponseHeadersPolicy"]["Id"]: p["ResponseHeadersPolicy"]["ResponseHeadersPolicyConfig"] for p in policies}
    state["response_headers_policies"] = [config for config in names.values() if config["Name"].startswith(caller_reference)]
    for distribution in ours:
        behaviour = distribution["config"]["DefaultCacheBehavior"]
        if behaviour.get("ResponseHeadersPolicyId") in names:
            behaviour["ResponseHeadersPolicyId"] = names[behaviour["ResponseHeadersPolicyId"]]["Name"]
    text = json.dumps(state, sort_keys=True, default=str)
    for name, placeholder in ((caller_reference, "<caller-reference>"), (pixel_bucket, "<pixel-bucket>"), (log_bucket, "<log-bucket>")):
        if name:
            text = text.replace(name, placeholder)
    return json.loads(text)


def distribution_ids(endpoint: str, caller_reference: str) -> list[str]:
    """Ids of the distributions with this caller reference."""
    cloudfront = make_client(endpoint, "cloudfront", region="us-east-1")
    found = []
    for summary in cloudfront.list_distributions()["DistributionList"].get("Items", []):
        if cloudfront.get_distribution_config(Id=summary["Id"])["DistributionConfig"]["CallerReference"] == caller_reference:
            found.append(summary["Id"])
    return found
