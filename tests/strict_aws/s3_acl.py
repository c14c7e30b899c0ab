"""S3 ACLs as requests carry them: a canned ACL (``x-amz-acl``), grant headers (``x-amz-grant-*``) or an
AccessControlPolicy body, parsed for the rules in ``s3_rules`` and stored as moto's ACL model.

https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectAcl.html
"""

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from moto.s3 import models as s3_models

from .operations import Req
from .xmlutil import Response, parse, s3_error

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
PUBLIC_GROUPS = {ALL_USERS, AUTHENTICATED_USERS}
PUBLIC_CANNED_ACLS = {"public-read", "public-read-write", "authenticated-read"}
OWNER_ID = s3_models.OWNER
GRANT_HEADERS = {
    "x-amz-grant-read": "READ",
    "x-amz-grant-write": "WRITE",
    "x-amz-grant-read-acp": "READ_ACP",
    "x-amz-grant-write-acp": "WRITE_ACP",
    "x-amz-grant-full-control": "FULL_CONTROL",
}
ACL_OPERATIONS = {"PutObject", "PutObjectAcl", "PutBucketAcl", "CopyObject", "CreateMultipartUpload"}
BODY_ACL_OPERATIONS = {"PutObjectAcl", "PutBucketAcl"}
ACL_PERMISSIONS = {"READ", "WRITE", "READ_ACP", "WRITE_ACP", "FULL_CONTROL"}
# Grantee xsi:type -> the element that names the grantee
# (https://docs.aws.amazon.com/AmazonS3/latest/API/API_Grantee.html).
GRANTEE_TYPES = {"CanonicalUser": "ID", "Group": "URI", "AmazonCustomerByEmail": "EmailAddress"}
MALFORMED_ACL = "The XML you provided was not well-formed or did not validate against our published schema"


@dataclass
class RequestAcl:
    """The ACL a request carries: a canned ACL and/or explicit grants (kind, value, permission)."""

    canned: str | None = None
    grants: list[tuple[str, str, str]] = field(default_factory=list)

    def owner_full_control_only(self) -> bool:
        """True for bucket-owner-full-control or its XML/grant-header equivalent (the only ACL allowed
        when ACLs are disabled, https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html)."""
        if self.canned is not None:
            return self.canned == "bucket-owner-full-control" and not self.grants
        return bool(self.grants) and all(g == ("id", OWNER_ID, "FULL_CONTROL") for g in self.grants)

    def is_public(self) -> bool:
        """True for a public canned ACL or a grant to AllUsers/AuthenticatedUsers."""
        return self.canned in PUBLIC_CANNED_ACLS or any(kind == "uri" and value in PUBLIC_GROUPS for kind, value, _permission in self.grants)


def _grants_from_header(value: str, permission: str) -> list[tuple[str, str, str]]:
    grants = []
    for part in value.split(","):
        kind, _equals, raw = part.strip().partition("=")
        if raw:
            grants.append((kind.strip().lower().replace("emailaddress", "email"), raw.strip().strip('"'), permission))
    return grants


def _grants_from_body(root: ET.Element) -> list[tuple[str, str, str]]:
    grants = []
    for grant in root.iter("Grant"):
        grantee = grant.find("Grantee")
        permission = (grant.findtext("Permission") or "").strip()
        if grantee is None:
            continue
        for tag, kind in (("ID", "id"), ("URI", "uri"), ("EmailAddress", "email")):
            value = grantee.findtext(tag)
            if value:
                grants.append((kind, value.strip(), permission))
                break
    return grants


def _headers_carry_acl(req: Req) -> bool:
    return "x-amz-acl" in req.headers or any(header in req.headers for header in GRANT_HEADERS)


def body_acl_root(req: Req) -> ET.Element | None:
    """The parsed AccessControlPolicy body of a PutObjectAcl/PutBucketAcl without ACL headers (S3 reads
    the body only then: https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectAcl.html)."""
    if req.op.operation not in BODY_ACL_OPERATIONS or _headers_carry_acl(req):
        return None
    return parse(req.body)


def request_acl(req: Req) -> RequestAcl | None:
    """The ACL carried by ``req`` (x-amz-acl, x-amz-grant-* headers, or an AccessControlPolicy body)."""
    acl = RequestAcl(canned=req.headers.get("x-amz-acl"))
    for header, permission in GRANT_HEADERS.items():
        if header in req.headers:
            acl.grants += _grants_from_header(req.headers[header], permission)
    root = body_acl_root(req)
    if root is not None:
        acl.grants = _grants_from_body(root)
        return acl
    if acl.canned is None and not acl.grants:
        return None
    return acl


def _grantee_type(grantee: ET.Element) -> str:
    """The grantee's ``xsi:type`` attribute (namespace-qualified or not)."""
    for name, value in grantee.attrib.items():
        if name == "type" or name.endswith("}type"):
            return value
    return ""


def malformed_acl_body(req: Req) -> Response | None:
    """400 MalformedACLError for an ACL body that does not follow the AccessControlPolicy schema
    (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html: MalformedACLError), as moto does
    for PutBucketAcl: root AccessControlPolicy with an Owner, valid permissions and grantee types."""
    if req.op.operation not in BODY_ACL_OPERATIONS or _headers_carry_acl(req):
        return None
    root = parse(req.body)
    if root is not None and root.tag == "AccessControlPolicy" and root.find("Owner") is not None \
            and all(_valid_grant(grant) for grant in root.iter("Grant")):
        return None
    return s3_error(400, "MalformedACLError", MALFORMED_ACL, rule="MalformedAclBody")


def _valid_grant(grant: ET.Element) -> bool:
    grantee = grant.find("Grantee")
    if grantee is None or (grant.findtext("Permission") or "").strip() not in ACL_PERMISSIONS:
        return False
    tag = GRANTEE_TYPES.get(_grantee_type(grantee))
    return tag is not None and bool((grantee.findtext(tag) or "").strip())


def acl_from_body(root: ET.Element) -> s3_models.FakeAcl:
    """moto's ACL model of a (validated) AccessControlPolicy body, grants in document order."""
    grants = []
    for grant in root.iter("Grant"):
        grantee = grant.find("Grantee")
        display_name = (grantee.findtext("DisplayName") or "").strip()
        if _grantee_type(grantee) == "Group":
            fake = s3_models.FakeGrantee(uri=(grantee.findtext("URI") or "").strip())
        else:
            fake = s3_models.FakeGrantee(grantee_id=(grantee.findtext("ID") or "").strip(), display_name=display_name)
        grants.append(s3_models.FakeGrant([fake], [(grant.findtext("Permission") or "").strip()]))
    return s3_models.FakeAcl(grants)
