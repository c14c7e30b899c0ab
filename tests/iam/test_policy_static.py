"""The policies, read without running anything: parliament's checks (unknown actions, resources of the wrong type,
malformed conditions), the scoping of the generated policies, and the strict layer's request-to-action mapping
checked against the Service Authorization Reference as parliament ships it (its iam_definition.json)."""

import json
import pathlib
import re
import warnings

import pytest

from tests.iam.harness import ENVIRONMENTS, FILES_POLICY, REPO
from tests.strict_aws import iam_actions
from tests.iam.harness import generate_policy
from tests.strict_aws.iam_glue_athena_actions import ATHENA_NAMED_QUERY_ACTIONS, GLUE_RESOURCES
from tests.strict_aws.iam_logs_actions import LOGS_RESOURCES
from tests.strict_aws.iam_policy import Check, Policy

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # parliament 1.6.4 imports the deprecated pkg_resources
    import parliament

# Statements that cannot be scoped to a collector's resources (README, "Least privilege").
UNSCOPED = {"ReadAccountWide", "CreateDistributions", "ResponseHeadersPolicies", "StandardLoggingV2", "StandardLoggingV2Sources",
            "OriginAccessControls"}
# The one statement on "*" with actions that have a resource type (README, "Least privilege"): CreateOriginAccessControl has
# none, and GetOriginAccessControl and DeleteOriginAccessControl (teardown only) share its statement, since a statement of
# their own would be one no build needs, which the statement-removal test could not cover.
OAC_ACTIONS_ON_STAR = ("RESOURCE_STAR", ["cloudfront:DeleteOriginAccessControl", "cloudfront:GetOriginAccessControl"])
# Managed policies hold at most 6,144 characters, whitespace not counted (IAM quotas).
MANAGED_POLICY_LIMIT = 6144


def findings(document, community=False):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        policy = parliament.analyze_policy_string(json.dumps(document), include_community_auditors=community)
    return [(finding.issue, finding.detail or finding.location) for finding in policy.findings]


def inventory_buckets(env):
    text = (REPO / "playbooks" / "inventory" / "group_vars" / f"{env}.yml").read_text(encoding="utf-8")
    return set(re.findall(r"^cloudfront_collector_(?:pixel|log)_bucket: (\S+)$", text, re.MULTILINE))


def test_files_policy_passes_parliament():
    assert [(issue, sorted(detail)) for issue, detail in findings(FILES_POLICY)] == [OAC_ACTIONS_ON_STAR]
    # Its community auditors flag permissions management; the role needs each of these (public pixel ACL, TLS-only
    # log bucket policy, the log delivery grant, Block Public Access settings, the oac statement's removal).
    flagged = [(issue, sorted(detail["actions"])) for issue, detail in findings(FILES_POLICY, community=True) if issue != "RESOURCE_STAR"]
    assert flagged == [("PERMISSIONS_MANAGEMENT_ACTIONS",
                        ["s3:deletebucketpolicy", "s3:putbucketacl", "s3:putbucketpolicy", "s3:putbucketpublicaccessblock",
                         "s3:putobjectacl"])]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_generated_policy_passes_parliament(generated, env):  # pylint: disable=redefined-outer-name
    # Only: PutBucketPolicy and PutBucketAcl on a log bucket could grant what the policy withholds on its objects.
    # The role needs both there (TLS-only policy, log delivery grant); IAM has no condition key to narrow them.
    log_buckets = {f"arn:aws:s3:::{name}" for name in inventory_buckets(env) if "-logs-" in name}
    for issue, detail in findings(generated[env]):
        assert issue == "RESOURCE_POLICY_PRIVILEGE_ESCALATION", (issue, detail)
        assert re.search(r"on (\S+) due to s3:(Get|Put)Object not being allowed, but does allow s3:PutBucket(Policy|Acl)$", detail), detail
        assert detail.split(" on ", 1)[1].split(" ", 1)[0] in log_buckets, detail


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_generated_policy_is_scoped_to_the_inventory(generated, env):  # pylint: disable=redefined-outer-name
    policy = generated[env]
    buckets = inventory_buckets(env)
    assert len(json.dumps(policy, separators=(",", ":"))) <= MANAGED_POLICY_LIMIT
    unscoped = set()
    for statement in policy["Statement"]:
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        for resource in resources:
            if resource.startswith("arn:aws:s3:::"):
                bucket = resource[len("arn:aws:s3:::"):].split("/", 1)[0]
                assert bucket in buckets, f"{statement['Sid']}: {resource} is not a bucket of the {env} inventory"
        distribution_scoped = all(r.startswith("arn:aws:cloudfront::*:distribution/") for r in resources) and (
            statement["Effect"] == "Deny" or any(key.startswith(("aws:ResourceTag/", "aws:RequestTag/"))
                                                 for keys in statement.get("Condition", {}).values() for key in keys))
        if not any(r.startswith("arn:aws:s3:::") for r in resources) and not distribution_scoped:
            unscoped.add(statement["Sid"])
        for keys in statement.get("Condition", {}).values():
            for key, value in keys.items():
                if key.endswith("/clickstream-environment"):
                    assert value == env
    group_vars = (REPO / "playbooks" / "inventory" / "group_vars" / f"{env}.yml").read_text(encoding="utf-8")
    oac = re.search(r"^cloudfront_collector_origin_access: oac$", group_vars, re.MULTILINE) is not None
    assert unscoped == (UNSCOPED if oac else UNSCOPED - {"OriginAccessControls"})


# --- the strict layer's mapping against the Service Authorization Reference ------------------------------------

@pytest.fixture(scope="module")
def reference():
    definition = json.loads((pathlib.Path(parliament.__file__).parent / "iam_definition.json").read_text(encoding="utf-8"))
    return {service["prefix"]: service for service in definition}


def privilege(reference, action):  # pylint: disable=redefined-outer-name
    prefix, name = action.split(":")
    found = [p for p in reference[prefix]["privileges"] if p["privilege"] == name]
    assert found, f"{action} is not an action of the Service Authorization Reference"
    return found[0]


def resource_types(reference, action):  # pylint: disable=redefined-outer-name
    return {r["resource_type"] for r in privilege(reference, action)["resource_types"]}


def mapped_actions():
    """(action, resource type the mapping authorizes it on) for every entry of the mapping tables."""
    pairs = {("s3:" + a, "bucket*") for a in iam_actions.S3_BUCKET_ACTIONS.values()}
    pairs |= {("s3:" + a, "object*") for both in iam_actions.S3_OBJECT_ACTIONS.values() for a in both}
    pairs |= {("s3:" + a, "") for a in iam_actions.S3CONTROL_ACTIONS.values()} | {("s3:ListAllMyBuckets", "")}
    for operation, resource in iam_actions.CLOUDFRONT_RESOURCES.items():
        for action in iam_actions.CLOUDFRONT_EXTRA_ACTIONS.get(operation, (operation,)):
            pairs.add(("cloudfront:" + action, "" if resource is None else resource + "*"))
    pairs |= {("iam:" + a, "") for a in iam_actions.IAM_ACTIONS.values()}
    pairs |= {("logs:" + op, "" if kind is None else kind + "*") for op, kind in LOGS_RESOURCES.items()}
    pairs |= {("logs:CreateDelivery", "delivery-source*"), ("logs:CreateDelivery", "delivery-destination*"),
              ("cloudfront:AllowVendedLogDeliveryForResource", "distribution")}
    glue_types = {"database": "database*", "table": "table*", "tables": "table*", "functions": "userdefinedfunction*"}
    for operation, kinds in GLUE_RESOURCES.items():
        pairs |= {("glue:" + operation, "rootcatalog*")} | {("glue:" + operation, glue_types[kind]) for kind in kinds}
    pairs |= {("athena:" + operation, "workgroup*") for operation in ATHENA_NAMED_QUERY_ACTIONS}
    return sorted(pairs)


@pytest.mark.parametrize("action, resource_type", mapped_actions())
def test_mapping_uses_the_reference_actions_and_resource_types(reference, action, resource_type):  # pylint: disable=redefined-outer-name
    if action == "cloudfront:TagResource":  # authorized on the distribution being created (optional resource type)
        resource_type = "distribution"
    if action == "logs:DeleteDeliverySource":  # parliament's copy lists delivery-destination; it deletes a source
        resource_type = "delivery-destination*"
    assert resource_type in resource_types(reference, action), (action, resource_types(reference, action))


def test_tag_condition_keys_are_those_cloudfront_supports(reference):  # pylint: disable=redefined-outer-name
    distribution = next(r for r in reference["cloudfront"]["resources"] if r["resource"] == "distribution")
    assert "aws:ResourceTag/${TagKey}" in distribution["condition_keys"]
    keys = {name: {k for r in privilege(reference, f"cloudfront:{name}")["resource_types"] for k in r["condition_keys"]}
            for name in ("TagResource", "UntagResource", "CreateDistribution")}
    assert {"aws:RequestTag/${TagKey}", "aws:TagKeys"} <= keys["TagResource"]
    assert "aws:TagKeys" in keys["UntagResource"]
    # CreateDistribution takes no request-tag condition: creation is scoped through its TagResource authorization.
    assert not any(k.startswith("aws:RequestTag") for k in keys["CreateDistribution"])


def test_generated_policy_scopes_athena_to_the_collectors_database_and_workgroup(strict_aws_server, tmp_path):  # noqa: F811
    # pylint: disable=redefined-outer-name
    policy = generate_policy(strict_aws_server.endpoint, "local", tmp_path / "local.json", "-e", "cloudfront_collector_athena=true")
    assert findings(policy) == [] or all(issue == "RESOURCE_POLICY_PRIVILEGE_ESCALATION" for issue, dummy in findings(policy))
    [statement] = [s for s in policy["Statement"] if s["Sid"] == "AthenaLogTable"]
    glue = "arn:aws:glue:eu-west-1:*:"
    assert sorted(statement["Resource"]) == sorted([
        glue + "catalog", glue + "database/clickstream_collector_local", glue + "table/clickstream_collector_local/*",
        glue + "userDefinedFunction/clickstream_collector_local/*", "arn:aws:athena:eu-west-1:*:workgroup/primary"])
    decide = Policy(policy).decide
    account = "arn:aws:glue:eu-west-1:123456789012:"
    assert decide(Check("glue:CreateTable", account + "table/clickstream_collector_local/cloudfront_logs")).allowed
    assert not decide(Check("glue:CreateTable", account + "table/another_teams_db/cloudfront_logs")).allowed
    assert not decide(Check("glue:DeleteDatabase", account + "database/another_teams_db")).allowed
    assert not decide(Check("athena:DeleteNamedQuery", "arn:aws:athena:eu-west-1:123456789012:workgroup/analysts")).allowed
    without = generate_policy(strict_aws_server.endpoint, "local", tmp_path / "plain.json")
    assert "AthenaLogTable" not in {s["Sid"] for s in without["Statement"]}
