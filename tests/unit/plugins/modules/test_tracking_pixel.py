# -*- coding: utf-8 -*-

# Copyright: clickstream.collectors contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""tracking_pixel: image checks, content/header comparison, error paths with the real AWS error codes."""

import base64
import datetime

import boto3
import pytest
from botocore.stub import ANY
from botocore.stub import Stubber

from ansible_collections.clickstream.collectors.plugins.modules import tracking_pixel
from ansible_collections.clickstream.collectors.tests.unit.plugins.modules.module_double import Failed
from ansible_collections.clickstream.collectors.tests.unit.plugins.modules.module_double import fake_module
from ansible_collections.clickstream.collectors.tests.unit.plugins.modules.module_double import retrying

PIXEL = bytes.fromhex("47494638396101000100f00000ffffff00000021f90401000000002c00000000010001000002024401003b")
PIXEL_MD5 = "fb02f374b8f73825415db1bccd4bd76d"
PIXEL_SHA256 = "caa849b179befa2645a8e2c474d2e82a76777a3305315ece911013e8ee9a916c"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 20


DEFAULTS = {"bucket": "b", "key": "i", "src": None, "content_base64": base64.b64encode(PIXEL).decode(), "content_type": "image/gif",
            "cache_control": None, "metadata": None, "acl": None, "state": "present"}


def make_module(check_mode=False, **params):
    return fake_module(DEFAULTS, params, check_mode)


def s3(endpoint=None):
    return retrying(boto3.client("s3", region_name="eu-west-1", aws_access_key_id="k", aws_secret_access_key="s", endpoint_url=endpoint))


def head(etag=PIXEL_MD5, content_type="image/gif", cache_control=None, metadata=None, length=43, **extra):
    response = {"ETag": f'"{etag}"', "ContentLength": length, "ContentType": content_type, "Metadata": metadata or {},
                "LastModified": datetime.datetime(2024, 1, 1)}
    if cache_control:
        response["CacheControl"] = cache_control
    response.update(extra)
    return response


@pytest.mark.parametrize("content", [PIXEL, b"GIF87a" + PIXEL[6:]])
def test_gif_accepted(content):
    assert tracking_pixel.image_problem(content, "image/gif") is None


@pytest.mark.parametrize(
    "content, reason",
    [
        (b"", "empty"),
        (b"<html></html>", "GIF87a/GIF89a header"),
        (PNG, "GIF87a/GIF89a header"),
        (PIXEL[:-1], "trailer"),
        (b"GIF89a;", "not a complete GIF"),
    ],
)
def test_non_gif_refused(content, reason):
    assert reason in tracking_pixel.image_problem(content, "image/gif")


def test_png_and_jpeg_signatures():
    assert tracking_pixel.image_problem(PNG, "image/png") is None
    assert "PNG signature" in tracking_pixel.image_problem(PIXEL, "image/png")
    assert tracking_pixel.image_problem(b"\xff\xd8\xff\xe0rest", "image/jpeg") is None
    assert "JPEG" in tracking_pixel.image_problem(PIXEL, "image/jpeg")


def test_invalid_base64_is_refused():
    with pytest.raises(Failed, match="not valid base64"):
        tracking_pixel.read_content(make_module(content_base64="not base64!!"))


def test_reserved_checksum_key_in_metadata_is_refused():
    with pytest.raises(Failed, match="reserved"):
        tracking_pixel.desired_state(make_module(metadata={"Pixel-SHA256": "x"}), PIXEL, {})


def test_unchanged_object_makes_no_write():
    client = s3()
    module = make_module(cache_control="no-cache")
    with Stubber(client) as stub:
        stub.add_response("head_object", head(cache_control="no-cache", metadata={"pixel-sha256": PIXEL_SHA256}), {"Bucket": "b", "Key": "i"})
        changed, result = tracking_pixel.handle_present(client, module, PIXEL)
        stub.assert_no_pending_responses()
    assert (changed, result["write"]) == (False, "none")
    assert result["sha256"] == PIXEL_SHA256


def test_kms_etag_is_no_md5_so_the_stored_checksum_decides():
    client = s3()
    kms_head = head(etag="0123456789abcdef0123456789abcdef", metadata={"pixel-sha256": PIXEL_SHA256}, ServerSideEncryption="aws:kms")
    with Stubber(client) as stub:
        stub.add_response("head_object", kms_head, {"Bucket": "b", "Key": "i"})
        changed, result = tracking_pixel.handle_present(client, make_module(), PIXEL)
    assert (changed, result["write"]) == (False, "none")

    multipart = head(etag="0123456789abcdef0123456789abcdef-2", metadata={"pixel-sha256": "0" * 64})
    with Stubber(client) as stub:
        stub.add_response("head_object", multipart, {"Bucket": "b", "Key": "i"})
        changed, result = tracking_pixel.handle_present(client, make_module(check_mode=True), PIXEL)
    assert (changed, result["write"]) == (True, "upload")


def test_wrong_content_type_on_same_bytes_is_a_copy_in_check_mode():
    client = s3()
    with Stubber(client) as stub:
        stub.add_response("head_object", head(content_type="application/octet-stream"), {"Bucket": "b", "Key": "i"})
        changed, result = tracking_pixel.handle_present(client, make_module(check_mode=True), PIXEL)
        stub.assert_no_pending_responses()  # no write in check mode
    assert (changed, result["write"]) == (True, "copy")
    assert result["diff"]["before"]["content_type"] == "application/octet-stream"
    assert result["content_type"] == "image/gif"
    assert result["metadata"] == {"pixel-sha256": PIXEL_SHA256}


def test_copy_replaces_metadata_and_keeps_unmanaged_cache_control():
    client = s3()
    current = head(content_type="application/octet-stream", cache_control="max-age=60", metadata={"team": "web"})
    expected_copy = {"Bucket": "b", "Key": "i", "CopySource": {"Bucket": "b", "Key": "i"}, "MetadataDirective": "REPLACE",
                     "ContentType": "image/gif", "CacheControl": "max-age=60", "Metadata": {"team": "web", "pixel-sha256": PIXEL_SHA256}}
    with Stubber(client) as stub:
        stub.add_response("head_object", current, {"Bucket": "b", "Key": "i"})
        stub.add_response("get_object_acl", {"Owner": {"ID": "o"}, "Grants": [{"Grantee": {"Type": "CanonicalUser", "ID": "o"}, "Permission": "FULL_CONTROL"}]},
                          {"Bucket": "b", "Key": "i"})
        stub.add_response("copy_object", {"CopyObjectResult": {"ETag": f'"{PIXEL_MD5}"'}}, expected_copy)
        stub.add_response("head_object", head(cache_control="max-age=60", metadata=expected_copy["Metadata"]), {"Bucket": "b", "Key": "i"})
        changed, result = tracking_pixel.handle_present(client, make_module(), PIXEL)
        stub.assert_no_pending_responses()
    assert (changed, result["write"]) == (True, "copy")
    assert result["content_type"] == "image/gif"
    assert result["etag"] == PIXEL_MD5


def test_missing_bucket_in_check_mode_is_a_change_not_an_error():
    client = s3()
    module = make_module(check_mode=True)
    with Stubber(client) as stub:
        stub.add_client_error("head_object", "404", "Not Found", http_status_code=404)
        changed, result = tracking_pixel.handle_present(client, module, PIXEL)
    assert (changed, result["write"], result["diff"]["before"], result["version_id"]) == (True, "upload", {}, None)
    assert result["etag"] == PIXEL_MD5
    assert result["url"] == "https://b.s3.eu-west-1.amazonaws.com/i"
    assert result["diff"]["after"]["sha256"] == PIXEL_SHA256


def test_upload_to_missing_bucket_names_the_bucket():
    client = s3()
    with Stubber(client) as stub:
        stub.add_client_error("head_object", "404", "Not Found", http_status_code=404)
        stub.add_client_error("put_object", "NoSuchBucket", "The specified bucket does not exist", http_status_code=404,
                              expected_params={"Bucket": "b", "Key": "i", "Body": ANY, "ContentMD5": ANY, "ContentType": "image/gif", "Metadata": ANY})
        with pytest.raises(Failed, match="bucket b does not exist. Create it first"):
            tracking_pixel.handle_present(client, make_module(), PIXEL)


def test_access_denied_on_read_names_the_permissions():
    client = s3()
    with Stubber(client) as stub:
        stub.add_client_error("head_object", "403", "Forbidden", http_status_code=403)
        with pytest.raises(Failed, match="s3:ListBucket"):
            tracking_pixel.handle_present(client, make_module(), PIXEL)


def test_absent_missing_object_is_not_a_change():
    client = s3()
    with Stubber(client) as stub:
        stub.add_client_error("head_object", "404", "Not Found", http_status_code=404)  # HEAD has no body: the code is the status
        changed, result = tracking_pixel.handle_absent(client, make_module(state="absent"))
    assert (changed, result["write"], result["etag"]) == (False, "none", None)


def test_object_url_on_aws_and_on_a_local_endpoint():
    module = make_module()
    assert tracking_pixel.object_url(s3(), module, "b", "i") == "https://b.s3.eu-west-1.amazonaws.com/i"
    assert tracking_pixel.object_url(s3("http://127.0.0.1:5000"), module, "b", "i") == "http://127.0.0.1:5000/b/i"
    module.region = "cn-north-1"
    assert tracking_pixel.object_url(s3(), module, "b", "i") == "https://b.s3.cn-north-1.amazonaws.com.cn/i"


def test_upload_sends_the_content_md5_s3_checks_and_reports_s3s_etag():
    """S3 refuses a body whose MD5 differs from Content-MD5; a single-part upload's ETag is that MD5 (aws-facts.md)."""
    client = s3()
    with Stubber(client) as stub:
        stub.add_client_error("head_object", "404", "Not Found", http_status_code=404)
        stub.add_response("put_object", {"ETag": f'"{PIXEL_MD5}"'}, {
            "Bucket": "b", "Key": "i", "Body": PIXEL, "ContentMD5": base64.b64encode(bytes.fromhex(PIXEL_MD5)).decode(),
            "ContentType": "image/gif", "Metadata": {"pixel-sha256": PIXEL_SHA256}})
        stub.add_response("head_object", head(metadata={"pixel-sha256": PIXEL_SHA256}), {"Bucket": "b", "Key": "i"})
        changed, result = tracking_pixel.handle_present(client, make_module(), PIXEL)
        stub.assert_no_pending_responses()
    assert (changed, result["write"], result["etag"], result["sha256"]) == (True, "upload", PIXEL_MD5, PIXEL_SHA256)


# ---------------------------------------------------------------------------------------------
# acl: the ACL rides on the upload (one PutObject), and an ACL-only drift is one PutObjectAcl
# ---------------------------------------------------------------------------------------------

OWNER = "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a"
OWNER_GRANT = {"Grantee": {"Type": "CanonicalUser", "ID": OWNER}, "Permission": "FULL_CONTROL"}
PUBLIC_GRANT = {"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"}, "Permission": "READ"}


def test_new_pixel_with_acl_is_one_put_object_carrying_the_acl():
    client = s3()
    with Stubber(client) as stub:
        stub.add_client_error("head_object", "404", "Not Found", http_status_code=404)
        stub.add_response("put_object", {"ETag": f'"{PIXEL_MD5}"'}, {
            "Bucket": "b", "Key": "i", "Body": PIXEL, "ContentMD5": base64.b64encode(bytes.fromhex(PIXEL_MD5)).decode(),
            "ContentType": "image/gif", "Metadata": {"pixel-sha256": PIXEL_SHA256}, "ACL": "public-read"})
        stub.add_response("head_object", head(metadata={"pixel-sha256": PIXEL_SHA256}), {"Bucket": "b", "Key": "i"})
        stub.add_response("get_object_acl", {"Owner": {"ID": OWNER}, "Grants": [OWNER_GRANT, PUBLIC_GRANT]}, {"Bucket": "b", "Key": "i"})
        changed, result = tracking_pixel.handle_present(client, make_module(acl="public-read"), PIXEL)
        stub.assert_no_pending_responses()
    assert (changed, result["write"]) == (True, "upload")
    assert {"grantee": {"type": "Group", "uri": PUBLIC_GRANT["Grantee"]["URI"]}, "permission": "READ"} in result["grants"]


def test_right_pixel_with_a_drifted_acl_gets_the_acl_alone():
    client = s3()
    with Stubber(client) as stub:
        stub.add_response("head_object", head(metadata={"pixel-sha256": PIXEL_SHA256}))
        stub.add_response("get_object_acl", {"Owner": {"ID": OWNER}, "Grants": [OWNER_GRANT]})
        stub.add_response("put_object_acl", {}, {"Bucket": "b", "Key": "i", "ACL": "public-read"})
        stub.add_response("head_object", head(metadata={"pixel-sha256": PIXEL_SHA256}))
        changed, result = tracking_pixel.handle_present(client, make_module(acl="public-read"), PIXEL)
        stub.assert_no_pending_responses()
    assert (changed, result["write"]) == (True, "acl")


def test_right_pixel_with_the_right_acl_makes_no_write():
    client = s3()
    with Stubber(client) as stub:
        stub.add_response("head_object", head(metadata={"pixel-sha256": PIXEL_SHA256}))
        stub.add_response("get_object_acl", {"Owner": {"ID": OWNER}, "Grants": [PUBLIC_GRANT, OWNER_GRANT]})
        changed, result = tracking_pixel.handle_present(client, make_module(acl="public-read"), PIXEL)
        stub.assert_no_pending_responses()
    assert (changed, result["write"]) == (False, "none")


def test_acl_on_a_bucket_with_acls_disabled_names_the_setting():
    client = s3()
    with Stubber(client) as stub:
        stub.add_client_error("head_object", "404", "Not Found", http_status_code=404)
        stub.add_client_error("put_object", "AccessControlListNotSupported", "The bucket does not allow ACLs", http_status_code=400)
        with pytest.raises(Failed, match=r"bucket b has ACLs disabled \(Object Ownership BucketOwnerEnforced\)"):
            tracking_pixel.handle_present(client, make_module(acl="public-read"), PIXEL)
