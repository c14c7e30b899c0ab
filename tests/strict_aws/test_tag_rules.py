"""Tags S3 and CloudFront refuse (tag_rules.py): plain moto accepts each of them, the strict AWS answers as AWS does."""

import pytest
from moto import mock_aws

from tests.strict_aws.testutil import LOCATION, distribution_config, expect_error, plain_client

LONG_KEY = "k" * 129
LONG_VALUE = "v" * 257
MANY = {f"tag-{index}": "x" for index in range(51)}

# case: (tags, refused by S3 too)
REFUSED = {
    "key over 128 characters": ({LONG_KEY: "x"}, True),
    "value over 256 characters": ({"team": LONG_VALUE}, True),
    "51 tags": (MANY, True),
    "key starting with aws:": ({"aws:createdBy": "me"}, False),  # moto already refuses it on S3 buckets
    "key with a character outside the pattern": ({"team#1": "web"}, False),
}
ACCEPTED = {"team": "web analytics", "cost-centre:id": "a/b=c+d@e_f.g", "empty value": "", "k" * 128: "v" * 256}


def _tag_set(tags):
    return [{"Key": key, "Value": value} for key, value in tags.items()]


def _cloudfront_tags(tags):
    return {"Items": _tag_set(tags)}


def test_plain_moto_accepts_every_refused_case():
    with mock_aws():
        s3 = plain_client("s3")
        s3.create_bucket(Bucket="tagged", CreateBucketConfiguration=LOCATION)
        cf = plain_client("cloudfront", "us-east-1")
        arn = cf.create_distribution(DistributionConfig=distribution_config())["Distribution"]["ARN"]
        for case, (tags, refused_by_s3) in REFUSED.items():
            if refused_by_s3:
                s3.put_bucket_tagging(Bucket="tagged", Tagging={"TagSet": _tag_set(tags)})
            cf.tag_resource(Resource=arn, Tags=_cloudfront_tags(tags))
            cf.create_distribution_with_tags(DistributionConfigWithTags={
                "DistributionConfig": distribution_config(reference=f"plain-{case}"), "Tags": _cloudfront_tags(tags)})


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_refused_tags(strict_aws, case):
    tags, refused_by_s3 = REFUSED[case]
    cf = strict_aws.boto3_client("cloudfront", region="us-east-1")
    arn = cf.create_distribution(DistributionConfig=distribution_config())["Distribution"]["ARN"]
    expect_error(cf.tag_resource, "InvalidTagging", 400, Resource=arn, Tags=_cloudfront_tags(tags))
    assert strict_aws.calls()[-1]["rule"] == "CloudFrontTagLimits"
    expect_error(cf.create_distribution_with_tags, "InvalidTagging", 400, DistributionConfigWithTags={
        "DistributionConfig": distribution_config(reference="with-tags"), "Tags": _cloudfront_tags(tags)})
    assert strict_aws.calls()[-1]["rule"] == "CloudFrontTagLimits"
    assert cf.list_distributions()["DistributionList"]["Quantity"] == 1
    if refused_by_s3:
        s3 = strict_aws.boto3_client("s3")
        s3.create_bucket(Bucket="tagged", CreateBucketConfiguration=LOCATION)
        expect_error(s3.put_bucket_tagging, "InvalidTag", 400, Bucket="tagged", Tagging={"TagSet": _tag_set(tags)})
        assert strict_aws.calls()[-1]["rule"] == "S3TagLimits"


def test_accepted_tags(strict_aws):
    cf = strict_aws.boto3_client("cloudfront", region="us-east-1")
    arn = cf.create_distribution_with_tags(DistributionConfigWithTags={
        "DistributionConfig": distribution_config(), "Tags": _cloudfront_tags(ACCEPTED)})["Distribution"]["ARN"]
    cf.tag_resource(Resource=arn, Tags=_cloudfront_tags({f"t{index}": "x" for index in range(50 - len(ACCEPTED))}))
    s3 = strict_aws.boto3_client("s3")
    s3.create_bucket(Bucket="tagged", CreateBucketConfiguration=LOCATION)
    s3.put_bucket_tagging(Bucket="tagged", Tagging={"TagSet": _tag_set(ACCEPTED)})
    assert {tag["Key"] for tag in s3.get_bucket_tagging(Bucket="tagged")["TagSet"]} == set(ACCEPTED)
