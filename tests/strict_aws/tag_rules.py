"""Tags S3 and CloudFront refuse (PutBucketTagging; TagResource and CreateDistributionWithTags).

Sources:
- S3 bucket tags: https://docs.aws.amazon.com/AmazonS3/latest/userguide/CostAllocTagging.html ("A tag key can be up to 128
  Unicode characters in length, and tag values can be up to 256", at most 50 tags) and
  https://docs.aws.amazon.com/AmazonS3/latest/API/API_Tag.html (Key 1-128, Value 0-256); S3 answers 400 InvalidTag.
  The ``aws:`` prefix is already refused by moto (``InvalidTag`` "System tags cannot be added/updated by requester").
- CloudFront tags: https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_Tag.html (Key 1-128, Value 0-256, both
  ``^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$``), https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/tagging.html
  (at most 50 tags per distribution; keys starting with ``aws:`` are reserved for AWS), errors of TagResource and
  CreateDistributionWithTags: 400 InvalidTagging.
- aws-facts.md, "Limits users hit with bad input".

moto 5.2 checks none of these for CloudFront, and only the ``aws:`` prefix for S3 buckets.
"""

import unicodedata
import xml.etree.ElementTree as ET

from .xmlutil import Response, cloudfront_error, s3_error

MAX_TAGS = 50
MAX_KEY = 128
MAX_VALUE = 256
_PUNCTUATION = set("_.:/=+-@")


def _allowed_character(char: str) -> bool:
    """Letters (L), separators (Z), numbers (N) and ``_ . : / = + - @``: CloudFront's Tag pattern."""
    return char in _PUNCTUATION or unicodedata.category(char)[0] in "LZN"


def problem(tags: list[tuple[str, str]], reserved_prefix: bool = True, characters: bool = True) -> str | None:
    """What is wrong with these (key, value) pairs, or None."""
    if len(tags) > MAX_TAGS:
        return f"A resource can have at most {MAX_TAGS} tags; got {len(tags)}."
    for key, value in tags:
        if not 1 <= len(key) <= MAX_KEY:
            return f"The TagKey you have provided is invalid: a key has 1 to {MAX_KEY} characters ({len(key)}: {key[:40]})."
        if len(value) > MAX_VALUE:
            return f"The TagValue you have provided is too long: at most {MAX_VALUE} characters (tag {key}: {len(value)})."
        if reserved_prefix and key.lower().startswith("aws:"):
            return f"Tag keys starting with aws: are reserved for AWS use: {key}."
        if characters and not all(_allowed_character(char) for char in key + value):
            return f"Tag {key} has characters other than letters, numbers, spaces and _ . : / = + - @."
    return None


def _pairs(parent: ET.Element | None, tag_path: str) -> list[tuple[str, str]]:
    if parent is None:
        return []
    return [(tag.findtext("Key") or "", tag.findtext("Value") or "") for tag in parent.findall(tag_path)]


def check_s3_bucket_tagging(root: ET.Element | None) -> Response | None:
    """PutBucketTagging body (``Tagging/TagSet/Tag``). The aws: prefix is left to moto, which refuses it already."""
    found = problem(_pairs(root, "TagSet/Tag"), reserved_prefix=False, characters=False)
    if found:
        return s3_error(400, "InvalidTag", found, rule="S3TagLimits")
    return None


def check_cloudfront_tags(tags: ET.Element | None) -> Response | None:
    """A CloudFront ``Tags`` element (TagResource body, or DistributionConfigWithTags/Tags)."""
    found = problem(_pairs(tags, "Items/Tag"))
    if found:
        return cloudfront_error(400, "InvalidTagging", found, rule="CloudFrontTagLimits")
    return None
