"""CloudFront origin access controls (OAC), answered by the layer alone.

moto 5.2 implements OAC loosely (aws-facts.md): it ignores IfMatch, its GetOriginAccessControlConfig fails, and it drops
an origin's OriginAccessControlId from distributions (the layer restores it from the config sent). Here: Create, Get,
GetConfig, List, Update and Delete with ETags and IfMatch, unique names, and the real errors, faithful to the 2020-05-31
API: https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CreateOriginAccessControl.html and its siblings.
A distribution may reference only an existing OAC (NoSuchOriginAccessControl), and an OAC in use cannot be deleted
(OriginAccessControlInUse); ``CloudFrontRules`` asks this store.
"""

import copy
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass

from .cloudfront_policies import check_if_match, new_etag, with_ns, xml_answer
from .operations import CLOUDFRONT_PREFIX, Req
from .xmlutil import Response, cloudfront_error, parse, text

SEGMENT = "origin-access-control"
ORIGIN_TYPES = ("s3", "mediastore", "mediapackagev2", "lambda")
SIGNING_BEHAVIORS = ("never", "always", "no-override")
NO_SUCH = "NoSuchOriginAccessControl"
NO_SUCH_MESSAGE = "The origin access control does not exist."
IN_USE_MESSAGE = "Cannot delete the origin access control because it's in use by one or more distributions."
ALREADY_EXISTS_MESSAGE = "An origin access control with the same name already exists."


@dataclass
class OriginAccessControl:
    """One stored OAC."""

    oac_id: str
    etag: str
    config: ET.Element

    @property
    def name(self) -> str:
        """Its name, unique in the account."""
        return text(self.config, "Name")


def new_oac_id() -> str:
    """An id shaped like CloudFront's (``E`` + 13 upper-case letters and digits, as a distribution's)."""
    return new_etag()


class OacStore:
    """The account's origin access controls, by id."""

    def __init__(self):
        self.items: dict[str, OriginAccessControl] = {}

    def reset(self) -> None:
        """Forget every OAC."""
        self.items.clear()

    def get(self, oac_id: str) -> OriginAccessControl | None:
        """The OAC with this id, or None."""
        return self.items.get(oac_id)

    def handle(self, req: Req, in_use: Callable[[str], bool]) -> Response:
        """Answer one origin-access-control API request."""
        rest = req.path[len(CLOUDFRONT_PREFIX):].strip("/").split("/")
        if len(rest) == 1:
            return self._create(req) if req.method == "POST" else self._list(req)
        oac = self.items.get(rest[1])
        if oac is None:
            return cloudfront_error(404, NO_SUCH, NO_SUCH_MESSAGE, rule="OriginAccessControlExists")
        if len(rest) == 3 and rest[2] == "config" and req.method == "GET":
            return xml_answer(200, with_ns(copy.deepcopy(oac.config)), oac.etag)
        if req.method == "GET":
            return xml_answer(200, _document(oac), oac.etag)
        if req.method in ("PUT", "DELETE"):
            rejected = check_if_match(req, oac.etag)
            if rejected is not None:
                return rejected
            if req.method == "PUT":
                return self._update(req, oac)
            # https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_DeleteOriginAccessControl.html
            # "You cannot delete an origin access control (OAC) if it's in use." (409 OriginAccessControlInUse)
            if in_use(oac.oac_id):
                return cloudfront_error(409, "OriginAccessControlInUse", IN_USE_MESSAGE, rule="OriginAccessControlInUse")
            del self.items[oac.oac_id]
            return Response(204, [("x-amzn-RequestId", str(uuid.uuid4()))])
        return cloudfront_error(405, "MethodNotAllowed", f"{req.method} is not supported here.")

    def _config_from(self, req: Req) -> ET.Element | Response:
        config = parse(req.body)
        if config is None or config.tag != "OriginAccessControlConfig" or not text(config, "Name"):
            return cloudfront_error(400, "MalformedInput", "An OriginAccessControlConfig with a Name is required.")
        if text(config, "SigningProtocol") != "sigv4":
            return cloudfront_error(400, "InvalidArgument", "The parameter SigningProtocol must be sigv4.", rule="OriginAccessControlConfig")
        if text(config, "SigningBehavior") not in SIGNING_BEHAVIORS:
            return cloudfront_error(400, "InvalidArgument", f"The parameter SigningBehavior must be one of {', '.join(SIGNING_BEHAVIORS)}.",
                                    rule="OriginAccessControlConfig")
        if text(config, "OriginAccessControlOriginType") not in ORIGIN_TYPES:
            return cloudfront_error(400, "InvalidArgument", f"The parameter OriginAccessControlOriginType must be one of {', '.join(ORIGIN_TYPES)}.",
                                    rule="OriginAccessControlConfig")
        if config.find("Description") is None:
            ET.SubElement(config, "Description").text = ""
        return config

    def _name_taken(self, name: str, other_than: str | None = None) -> bool:
        return any(oac.name == name and oac.oac_id != other_than for oac in self.items.values())

    def _create(self, req: Req) -> Response:
        config = self._config_from(req)
        if isinstance(config, Response):
            return config
        if self._name_taken(text(config, "Name")):
            return cloudfront_error(409, "OriginAccessControlAlreadyExists", ALREADY_EXISTS_MESSAGE, rule="OriginAccessControlNameUnique")
        oac = OriginAccessControl(new_oac_id(), new_etag(), config)
        self.items[oac.oac_id] = oac
        resp = xml_answer(201, _document(oac), oac.etag)
        resp.headers.append(("Location", f"https://cloudfront.amazonaws.com{CLOUDFRONT_PREFIX}{SEGMENT}/{oac.oac_id}"))
        return resp

    def _update(self, req: Req, oac: OriginAccessControl) -> Response:
        config = self._config_from(req)
        if isinstance(config, Response):
            return config
        if self._name_taken(text(config, "Name"), other_than=oac.oac_id):
            return cloudfront_error(409, "OriginAccessControlAlreadyExists", ALREADY_EXISTS_MESSAGE, rule="OriginAccessControlNameUnique")
        oac.config, oac.etag = config, new_etag()
        return xml_answer(200, _document(oac), oac.etag)

    def _list(self, req: Req) -> Response:
        """ListOriginAccessControls: MaxItems per page, NextMarker (the next page's first id), IsTruncated."""
        raw_max = req.param("MaxItems") or ""
        max_items = int(raw_max) if raw_max.isdigit() and int(raw_max) > 0 else 100
        items = list(self.items.values())
        ids = [oac.oac_id for oac in items]
        marker = req.param("Marker") or ""
        start = ids.index(marker) if marker in ids else 0
        page, rest = items[start:start + max_items], items[start + max_items:]
        root = ET.Element("OriginAccessControlList")
        ET.SubElement(root, "Marker").text = marker
        if rest:
            ET.SubElement(root, "NextMarker").text = rest[0].oac_id
        ET.SubElement(root, "MaxItems").text = str(max_items)
        ET.SubElement(root, "IsTruncated").text = "true" if rest else "false"
        ET.SubElement(root, "Quantity").text = str(len(page))
        if page:
            elements = ET.SubElement(root, "Items")
            for oac in page:
                summary = ET.SubElement(elements, "OriginAccessControlSummary")
                ET.SubElement(summary, "Id").text = oac.oac_id
                for tag in ("Description", "Name", "SigningProtocol", "SigningBehavior", "OriginAccessControlOriginType"):
                    ET.SubElement(summary, tag).text = text(oac.config, tag)
        return xml_answer(200, with_ns(root), None)


def _document(oac: OriginAccessControl) -> ET.Element:
    root = ET.Element("OriginAccessControl")
    ET.SubElement(root, "Id").text = oac.oac_id
    root.append(copy.deepcopy(oac.config))
    return with_ns(root)
