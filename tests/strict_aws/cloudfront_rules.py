"""CloudFront distribution rules, ETags, deployment status and representation fixes.

moto keeps distributions; this layer keeps, per distribution, what moto does not: an ETag that
changes on every update, the reads left before ``Deployed``, and the policies it references.
"""

import copy
import functools
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field

import botocore.session

from . import s3_rules
from .operations import CLOUDFRONT_PREFIX, Req
from .rules import Rules
from .cloudfront_oac import SEGMENT as OAC_SEGMENT, OacStore
from .cloudfront_policies import CACHE, RESPONSE_HEADERS, PolicyKind, PolicyStore, check_if_match, new_etag
from .tag_rules import check_cloudfront_tags
from .xmlutil import CLOUDFRONT_NS, Response, cloudfront_error, parse, text, to_bytes

# Canonical user id of the awslogsdelivery account (aws partition), which CloudFront grants FULL_CONTROL
# on the log bucket: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/standard-logging-legacy-s3.html
AWSLOGSDELIVERY_CANONICAL_ID = "c4c1ede66af53448b93c283ce9448c4ba468c9432aa01d700d3878632f77d2d0"
LOG_BUCKET_SUFFIX = ".s3.amazonaws.com"
# Regions whose buckets cannot receive legacy standard logs. The first five are listed in
# https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/standard-logging-legacy-s3.html
# ("Choosing an Amazon S3 bucket"); the rest are the later opt-in regions, assumed excluded too.
NO_STANDARD_LOGGING_REGIONS = frozenset({
    "af-south-1", "ap-east-1", "ap-southeast-3", "eu-south-1", "me-south-1",
    "me-central-1", "ap-south-2", "ap-southeast-4", "eu-south-2", "eu-central-2", "il-central-1",
    "ca-west-1", "ap-southeast-5", "mx-central-1", "ap-southeast-7",
})
DISTRIBUTION_OPERATIONS = {
    "CreateDistribution", "CreateDistributionWithTags", "GetDistribution", "GetDistributionConfig",
    "UpdateDistribution", "DeleteDistribution", "ListDistributions",
}
POLICY_SEGMENTS = (CACHE.segment, RESPONSE_HEADERS.segment)

# AWS's representation of a stored distribution (aws-facts.md, "CloudFront distributions", from real
# get-distribution-config output; fields per https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_DistributionConfig.html).
# Methods come back in AWS's own order, whatever order was sent.
AWS_METHOD_ORDER = ("HEAD", "DELETE", "POST", "GET", "OPTIONS", "PUT", "PATCH")
# Fields AWS fills in when the caller did not send them (a value the caller sent is kept).
ORIGIN_FILLED = {
    "CustomHeaders": {"Quantity": "0"},
    "ConnectionAttempts": "3",
    "ConnectionTimeout": "10",
    "OriginShield": {"Enabled": "false"},
    "OriginAccessControlId": "",
}
BEHAVIOUR_FILLED = {
    "TrustedSigners": {"Enabled": "false", "Quantity": "0"},
    "TrustedKeyGroups": {"Enabled": "false", "Quantity": "0"},
    "SmoothStreaming": "false",
    "LambdaFunctionAssociations": {"Quantity": "0"},
    "FunctionAssociations": {"Quantity": "0"},
    "FieldLevelEncryptionId": "",
    "GrpcConfig": {"Enabled": "false"},
}
DISTRIBUTION_FILLED = {
    "OriginGroups": {"Quantity": "0"},
    "CacheBehaviors": {"Quantity": "0"},
    "CustomErrorResponses": {"Quantity": "0"},
    "Restrictions": {"GeoRestriction": {"RestrictionType": "none", "Quantity": "0"}},
    "WebACLId": "",
    "IsIPV6Enabled": "true",
    "ContinuousDeploymentPolicyId": "",
    "Staging": "false",
}
KEPT_AS_ANSWERED = frozenset({"OriginGroups", "CacheBehaviors", "CustomErrorResponses", "Restrictions"})
# A default-certificate ViewerCertificate as AWS returns it (SSLSupportMethod vip, TLSv1, source cloudfront);
# moto answers sni-only and empty IAMCertificateId/ACMCertificateArn/Certificate elements, which AWS omits.
DEFAULT_CERTIFICATE_FILLED = {"SSLSupportMethod": "vip", "MinimumProtocolVersion": "TLSv1"}
EMPTY_CERTIFICATE_FIELDS = ("IAMCertificateId", "ACMCertificateArn", "Certificate")
# Answer root element -> botocore shape, whose member order the answer's elements follow.
ANSWER_SHAPES = {"Distribution": "Distribution", "DistributionConfig": "DistributionConfig", "DistributionList": "DistributionList"}


@dataclass
class DistributionState:
    """What the layer tracks for one distribution."""

    etag: str
    reads_left: int
    enabled: bool
    caller_reference: str
    cache_policies: set[str] = field(default_factory=set)
    response_headers_policies: set[str] = field(default_factory=set)
    origin_access_controls: set[str] = field(default_factory=set)
    sent: ET.Element | None = None  # the DistributionConfig the caller last sent


def behaviours(config: ET.Element) -> list[ET.Element]:
    """The default cache behaviour and every cache behaviour of a DistributionConfig."""
    found = [b for b in [config.find("DefaultCacheBehavior")] if b is not None]
    return found + config.findall("CacheBehaviors/Items/CacheBehavior")


def referenced_policies(config: ET.Element, tag: str) -> set[str]:
    """Ids in ``tag`` (CachePolicyId or ResponseHeadersPolicyId) over all behaviours."""
    return {text(b, tag) for b in behaviours(config) if text(b, tag)}


class CloudFrontRules(Rules):
    """Rules and fix-ups for the CloudFront API, plus the policy APIs moto lacks (``cloudfront_policies``).

    ``settings`` are the server's current settings (``deploy_reads``: the reads a distribution stays InProgress).
    """

    SERVICE = "cloudfront"

    def __init__(self, settings):
        self.settings = settings
        self.policies = PolicyStore()
        self.oacs = OacStore()
        self.distributions: dict[str, DistributionState] = {}

    def reset(self) -> None:
        """Forget all layer state (moto is reset separately)."""
        self.policies.reset()
        self.oacs.reset()
        self.distributions.clear()

    def oac_in_use(self, oac_id: str) -> bool:
        """Whether any distribution's origin uses this origin access control."""
        return any(oac_id in state.origin_access_controls for state in self.distributions.values())

    def policy_in_use(self, kind: PolicyKind, policy_id: str) -> bool:
        """Whether any distribution references this policy."""
        attr = "cache_policies" if kind is CACHE else "response_headers_policies"
        return any(policy_id in getattr(state, attr) for state in self.distributions.values())

    def handle(self, req: Req, forward: Callable[[], Response]) -> Response:
        """Answer a CloudFront request, through moto or (policies) by the layer alone."""
        operation, deploy_reads = req.op.operation, self.settings.deploy_reads
        if operation == "TagResource":
            rejected = check_cloudfront_tags(parse(req.body))
            if rejected is not None:
                return rejected
        segment = req.path[len(CLOUDFRONT_PREFIX):].split("/", 1)[0]
        if segment in POLICY_SEGMENTS:
            return self.policies.handle(req, self.policy_in_use)
        if segment == OAC_SEGMENT:
            return self.oacs.handle(req, self.oac_in_use)
        if operation not in DISTRIBUTION_OPERATIONS:
            return forward()
        dist_id = _distribution_id(req.path)
        state = self.distributions.get(dist_id) if dist_id else None
        if operation in ("CreateDistribution", "CreateDistributionWithTags"):
            return self._create(req, forward, deploy_reads)
        if operation in ("UpdateDistribution", "DeleteDistribution") and state is not None:
            rejected = check_if_match(req, state.etag)
            if rejected is not None:
                return rejected
        if operation == "UpdateDistribution" and state is not None:
            return self._update(req, forward, state, deploy_reads)
        if operation == "DeleteDistribution" and state is not None:
            # https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_DeleteDistribution.html
            # "you must first disable the distribution ... wait until Status is Deployed" (409 DistributionNotDisabled)
            if state.enabled or state.reads_left > 0:
                return cloudfront_error(409, "DistributionNotDisabled",
                                        "The distribution you are trying to delete has not been disabled.", rule="DeleteOnlyDisabledDeployed")
            resp = forward()
            if resp.status == 204:
                del self.distributions[dist_id]
            return resp
        resp = forward()
        if resp.status == 200:
            self._fix_answer(resp, state, consume_read=operation in ("GetDistribution", "ListDistributions"))
        return resp

    # --- create / update -----------------------------------------------------------------------

    def _create(self, req: Req, forward: Callable[[], Response], deploy_reads: int) -> Response:
        root = parse(req.body)
        config = root.find("DistributionConfig") if root is not None and root.tag == "DistributionConfigWithTags" else root
        if config is None:
            return forward()
        if root.tag == "DistributionConfigWithTags":
            rejected = check_cloudfront_tags(root.find("Tags"))
            if rejected is not None:
                return rejected
        reference = text(config, "CallerReference")
        for dist_id, state in self.distributions.items():
            # https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_DistributionConfig.html (CallerReference)
            if state.caller_reference == reference:
                return cloudfront_error(409, "DistributionAlreadyExists",
                                        "The caller reference that you are using to create a distribution is associated with "
                                        f"another distribution. Already exists: {dist_id}", rule="CallerReferenceUnique")
        rejected = self.validate(config)
        if rejected is not None:
            return rejected
        resp = forward()
        if resp.status != 201:
            return resp
        dist_id = text(parse(resp.body), "Id")
        state = DistributionState(new_etag(), deploy_reads, text(config, "Enabled") == "true", reference)
        self._record(state, config)
        self.distributions[dist_id] = state
        self._fix_answer(resp, state, consume_read=False)
        return resp

    def _update(self, req: Req, forward: Callable[[], Response], state: DistributionState, deploy_reads: int) -> Response:
        config = parse(req.body)
        if config is None:
            return forward()
        rejected = self.validate(config)
        if rejected is not None:
            return rejected
        resp = forward()
        if resp.status == 200:
            state.etag = new_etag()
            state.reads_left = deploy_reads
            state.enabled = text(config, "Enabled") == "true"
            self._record(state, config)
            self._fix_answer(resp, state, consume_read=False)
        return resp

    def _record(self, state: DistributionState, config: ET.Element) -> None:
        state.sent = copy.deepcopy(config)
        state.cache_policies = referenced_policies(config, "CachePolicyId")
        state.response_headers_policies = referenced_policies(config, "ResponseHeadersPolicyId")
        state.origin_access_controls = {text(o, "OriginAccessControlId") for o in config.findall("Origins/Items/Origin")
                                        if text(o, "OriginAccessControlId")}
        if text(config, "Logging/Enabled") == "true":
            # CloudFront adds a FULL_CONTROL grant for awslogsdelivery to the log bucket ACL (existing grants kept);
            # disabling logging later leaves it: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/standard-logging-legacy-s3.html
            bucket = text(config, "Logging/Bucket")[: -len(LOG_BUCKET_SUFFIX)]
            s3_rules.add_grant(bucket, AWSLOGSDELIVERY_CANONICAL_ID, "FULL_CONTROL", "awslogsdelivery")

    # --- validation ----------------------------------------------------------------------------

    def validate(self, config: ET.Element) -> Response | None:
        """Origins' access controls, cache behaviours, referenced policies and standard logging of a DistributionConfig."""
        for origin in config.findall("Origins/Items/Origin"):
            rejected = self._validate_origin(origin)
            if rejected is not None:
                return rejected
        for behaviour in behaviours(config):
            rejected = self._validate_behaviour(behaviour)
            if rejected is not None:
                return rejected
        if text(config, "Logging/Enabled") == "true":
            return validate_logging_bucket(text(config, "Logging/Bucket"))
        return None

    def _validate_origin(self, origin: ET.Element) -> Response | None:
        """An origin's OriginAccessControlId names an existing OAC, and an origin has an OAC or an OAI, not both.

        https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CreateDistribution.html (errors
        NoSuchOriginAccessControl 404, IllegalOriginAccessConfiguration 400).
        """
        oac_id = text(origin, "OriginAccessControlId")
        if not oac_id:
            return None
        if self.oacs.get(oac_id) is None:
            return cloudfront_error(404, "NoSuchOriginAccessControl", "The origin access control does not exist.",
                                    rule="OriginAccessControlExists")
        if text(origin, "S3OriginConfig/OriginAccessIdentity"):
            return cloudfront_error(400, "IllegalOriginAccessConfiguration",
                                    "An origin cannot contain both an origin access control (OAC) and an origin access identity (OAI).",
                                    rule="OacXorOai")
        return None

    def _validate_behaviour(self, behaviour: ET.Element) -> Response | None:
        # https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CacheBehavior.html: "A CacheBehavior must
        # include either a CachePolicyId or ForwardedValues. We recommend that you use a CachePolicyId."
        policy_id = text(behaviour, "CachePolicyId")
        forwarded = behaviour.find("ForwardedValues") is not None
        if policy_id and forwarded:
            return cloudfront_error(400, "InvalidArgument",
                                    "The parameter ForwardedValues cannot be used when a cache policy is associated to the cache behavior.",
                                    rule="CachePolicyXorForwardedValues")
        if not policy_id and not forwarded:
            return cloudfront_error(400, "InvalidArgument", "The parameter ForwardedValues is required.", rule="CachePolicyXorForwardedValues")
        if policy_id and not self.policies.exists(CACHE, policy_id):
            return cloudfront_error(404, CACHE.no_such, CACHE.no_such_message, rule="PolicyExists")
        headers_policy = text(behaviour, "ResponseHeadersPolicyId")
        if headers_policy and not self.policies.exists(RESPONSE_HEADERS, headers_policy):
            return cloudfront_error(404, RESPONSE_HEADERS.no_such, RESPONSE_HEADERS.no_such_message, rule="PolicyExists")
        return None

    # --- answers -------------------------------------------------------------------------------

    def _fix_answer(self, resp: Response, state: DistributionState | None, consume_read: bool) -> None:
        root = parse(resp.body)
        if root is None:
            return
        if root.tag == "DistributionList":
            for summary in root.findall("Items/DistributionSummary"):
                summary_state = self.distributions.get(text(summary, "Id"))
                _set_status(summary, summary_state, consume_read)
                fix_representation(summary, summary_state.sent if summary_state else None)
        else:
            if root.tag == "Distribution":
                _set_status(root, state, consume_read)
            fix_representation(root, state.sent if state else None)
            if state is not None:
                resp.set_header("ETag", state.etag)
        order_like_model(root, _shape(ANSWER_SHAPES[root.tag]) if root.tag in ANSWER_SHAPES else None)
        resp.set_body(to_bytes(root, CLOUDFRONT_NS))


def validate_logging_bucket(bucket_domain: str) -> Response | None:
    """Standard logging (legacy, to S3) target checks, in CloudFront's words.

    https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/standard-logging-legacy-s3.html
    (bucket domain name, ACLs must be enabled, unsupported Regions).
    """
    if not bucket_domain.endswith(LOG_BUCKET_SUFFIX):
        return cloudfront_error(400, "InvalidArgument", "The parameter Logging Bucket does not refer to a valid S3 bucket.",
                                rule="LoggingBucketDomain")
    name = bucket_domain[: -len(LOG_BUCKET_SUFFIX)]
    bucket = s3_rules.get_bucket(name)
    if bucket is None:
        return cloudfront_error(400, "InvalidArgument", f"The S3 bucket that you specified for CloudFront logs doesn't exist: {name}",
                                rule="LoggingBucketExists")
    if bucket.region_name in NO_STANDARD_LOGGING_REGIONS:
        return cloudfront_error(400, "InvalidArgument",
                                "The S3 bucket that you specified for CloudFront logs is in a Region that does not support "
                                f"standard logging: {bucket_domain}", rule="LoggingBucketRegion")
    if s3_rules.ownership(bucket) == "BucketOwnerEnforced":
        return cloudfront_error(400, "InvalidArgument",
                                f"The S3 bucket that you specified for CloudFront logs does not enable ACL access: {bucket_domain}",
                                rule="LoggingBucketAcls")
    return None


def _set_status(elem: ET.Element, state: DistributionState | None, consume_read: bool) -> None:
    """InProgress for the configured number of reads after a create or update, then Deployed."""
    status = elem.find("Status")
    if status is None or state is None:
        return
    status.text = "InProgress" if state.reads_left > 0 else "Deployed"
    if consume_read and state.reads_left > 0:
        state.reads_left -= 1


def fix_representation(elem: ET.Element, sent: ET.Element | None = None) -> None:
    """Answer as AWS does where moto's representation differs (measured, aws-facts.md):

    - an origin sent with an empty OriginAccessIdentity keeps ``S3OriginConfig`` (moto drops it);
    - a behaviour with a CachePolicyId has no ForwardedValues or Min/Default/MaxTTL (moto adds them);
    - AllowedMethods/CachedMethods items in AWS's own order (moto echoes the order sent);
    - the fields AWS fills in on a stored distribution, where the caller did not send them: ``sent`` is the
      caller's last DistributionConfig, whose values win over moto's (moto drops some, such as an origin's
      OriginAccessControlId, and recomputes others); the default certificate's vip/TLSv1/cloudfront fields;
    - no empty ``Items`` beside a ``Quantity`` of 0 (AWS omits them).

    ``elem`` is a Distribution, a DistributionConfig or a DistributionSummary.
    """
    for origin in elem.iter("Origin"):
        if origin.find("S3OriginConfig") is None and origin.find("CustomOriginConfig") is None:
            s3_config = ET.Element("S3OriginConfig")
            ET.SubElement(s3_config, "OriginAccessIdentity")
            after = origin.find("CustomHeaders")
            index = list(origin).index(after) + 1 if after is not None else len(origin)
            origin.insert(index, s3_config)
    for tag in ("DefaultCacheBehavior", "CacheBehavior"):
        for behaviour in elem.iter(tag):
            if text(behaviour, "CachePolicyId"):
                for legacy in ("ForwardedValues", "MinTTL", "DefaultTTL", "MaxTTL"):
                    for child in behaviour.findall(legacy):
                        behaviour.remove(child)
    for items in list(elem.iter("Items")):
        if items.find("Method") is not None:
            methods = sorted(items, key=lambda m: AWS_METHOD_ORDER.index(m.text) if m.text in AWS_METHOD_ORDER else len(AWS_METHOD_ORDER))
            items[:] = methods
    config = elem.find("DistributionConfig") if elem.tag == "Distribution" else elem
    if config is not None:
        _fill_distribution(config, sent)
    _drop_empty_items(elem)


def _fill_distribution(config: ET.Element, sent: ET.Element | None) -> None:
    members = _member_tags(_shape("DistributionSummary" if config.tag == "DistributionSummary" else "DistributionConfig"))
    _fill(config, sent, DISTRIBUTION_FILLED, members)
    origin_members = _member_tags(_shape("Origin"))
    for origin in config.findall("Origins/Items/Origin"):
        _fill(origin, _sent_item(sent, "Origins/Items/Origin", "Id", text(origin, "Id")), ORIGIN_FILLED, origin_members)
    behaviour_members = _member_tags(_shape("DefaultCacheBehavior"))
    default = config.find("DefaultCacheBehavior")
    if default is not None:
        _fill(default, sent.find("DefaultCacheBehavior") if sent is not None else None, BEHAVIOUR_FILLED, behaviour_members)
    for behaviour in config.findall("CacheBehaviors/Items/CacheBehavior"):
        sent_behaviour = _sent_item(sent, "CacheBehaviors/Items/CacheBehavior", "PathPattern", text(behaviour, "PathPattern"))
        _fill(behaviour, sent_behaviour, BEHAVIOUR_FILLED, behaviour_members)
    _fix_certificate(config.find("ViewerCertificate"), sent.find("ViewerCertificate") if sent is not None else None)


def _fill(target: ET.Element, sent: ET.Element | None, defaults: dict, members: list[str]) -> None:
    """Each field of ``defaults`` (that the shape has): the caller's value if sent, else moto's, else AWS's default.

    Lists of items (cache behaviours, error responses, origin groups) and geo restrictions, which moto keeps as
    sent, are only added when missing.
    """
    for tag, default in defaults.items():
        if tag not in members:
            continue
        sent_child = sent.find(tag) if sent is not None else None
        current = target.find(tag)
        if sent_child is not None and (current is None or tag not in KEPT_AS_ANSWERED):
            if current is not None:
                target.remove(current)
            target.append(copy.deepcopy(sent_child))
        elif current is None:
            target.append(_element(tag, default))


def _fix_certificate(certificate: ET.Element | None, sent: ET.Element | None) -> None:
    """ViewerCertificate as AWS returns it: ``Certificate``/``CertificateSource`` derived from the certificate in use
    (https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_ViewerCertificate.html), no empty fields."""
    if certificate is None:
        return
    for tag in EMPTY_CERTIFICATE_FIELDS:
        child = certificate.find(tag)
        if child is not None and not (child.text or "").strip():
            certificate.remove(child)
    if text(certificate, "CloudFrontDefaultCertificate") == "true":
        for tag, default in DEFAULT_CERTIFICATE_FILLED.items():
            _set_text(certificate, tag, text(sent, tag) or default)
        _set_text(certificate, "CertificateSource", "cloudfront")
        return
    for tag, source in (("ACMCertificateArn", "acm"), ("IAMCertificateId", "iam")):
        if text(certificate, tag):
            _set_text(certificate, "Certificate", text(certificate, tag))
            _set_text(certificate, "CertificateSource", source)
            return


def _sent_item(sent: ET.Element | None, path: str, key: str, value: str) -> ET.Element | None:
    if sent is None:
        return None
    return next((item for item in sent.findall(path) if text(item, key) == value), None)


def _set_text(parent: ET.Element, tag: str, value: str) -> None:
    child = parent.find(tag)
    if child is None:
        child = ET.SubElement(parent, tag)
    child.text = value


def _element(tag: str, value: str | dict) -> ET.Element:
    elem = ET.Element(tag)
    if isinstance(value, dict):
        for child_tag, child_value in value.items():
            elem.append(_element(child_tag, child_value))
    else:
        elem.text = value
    return elem


def _drop_empty_items(elem: ET.Element) -> None:
    for parent in list(elem.iter()):
        items = parent.find("Items")
        if items is not None and len(items) == 0 and text(parent, "Quantity") == "0":
            parent.remove(items)


@functools.lru_cache(maxsize=1)
def _service_model():
    return botocore.session.get_session().get_service_model("cloudfront")


@functools.lru_cache(maxsize=None)
def _shape(name: str):
    return _service_model().shape_for(name)


def _member_tags(shape) -> list[str]:
    """XML element names of a structure shape's members, in the model's order."""
    return [member.serialization.get("name", name) for name, member in shape.members.items()]


def order_like_model(elem: ET.Element, shape) -> None:
    """Put ``elem``'s children in the member order of botocore's shape (recursively), as AWS serialises them."""
    if shape is None:
        return
    if shape.type_name == "list":
        for child in elem:
            order_like_model(child, shape.member)
        return
    if shape.type_name != "structure":
        return
    members = list(shape.members.values())
    tags = _member_tags(shape)
    position = {tag: index for index, tag in enumerate(tags)}
    elem[:] = sorted(elem, key=lambda child: position.get(child.tag, len(tags)))
    for child in elem:
        if child.tag in position:
            order_like_model(child, members[position[child.tag]])


def _distribution_id(path: str) -> str | None:
    parts = path[len(CLOUDFRONT_PREFIX):].strip("/").split("/")
    return parts[1] if len(parts) >= 2 and parts[0] == "distribution" else None
