# -*- coding: utf-8 -*-

# Copyright: clickstream.collectors contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""CloudFront answers shaped as AWS returns them, for the unit tests.

Written out by hand from AWS's representation (aws-facts.md, "CloudFront distributions", real
get-distribution-config output), not built with the modules' own code: AllowedMethods and
CachedMethods in AWS's order (HEAD, GET) and every field AWS fills in on a stored distribution.
"""

import copy

CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
LOGGING_ON = {"Enabled": True, "IncludeCookies": False, "Bucket": "logs.s3.amazonaws.com", "Prefix": "cf/"}
ACM_ARN = "arn:aws:acm:us-east-1:123456789012:certificate/0f7e5e56-1111-2222-3333-444455556666"

_COLLECTOR_CONFIG = {
    "CallerReference": "clickstream-test-pixel",
    "Aliases": {"Quantity": 0},
    "DefaultRootObject": "",
    "Origins": {
        "Quantity": 1,
        "Items": [
            {
                "Id": "s3-pixel",
                "DomainName": "pixel.s3.eu-west-1.amazonaws.com",
                "OriginPath": "",
                "CustomHeaders": {"Quantity": 0},
                "S3OriginConfig": {"OriginAccessIdentity": ""},
                "ConnectionAttempts": 3,
                "ConnectionTimeout": 10,
                "OriginShield": {"Enabled": False},
                "OriginAccessControlId": "",
            }
        ],
    },
    "OriginGroups": {"Quantity": 0},
    "DefaultCacheBehavior": {
        "TargetOriginId": "s3-pixel",
        "TrustedSigners": {"Enabled": False, "Quantity": 0},
        "TrustedKeyGroups": {"Enabled": False, "Quantity": 0},
        "ViewerProtocolPolicy": "allow-all",
        "AllowedMethods": {"Quantity": 2, "Items": ["HEAD", "GET"], "CachedMethods": {"Quantity": 2, "Items": ["HEAD", "GET"]}},
        "SmoothStreaming": False,
        "Compress": False,
        "LambdaFunctionAssociations": {"Quantity": 0},
        "FunctionAssociations": {"Quantity": 0},
        "FieldLevelEncryptionId": "",
        "CachePolicyId": CACHING_OPTIMIZED,
        "GrpcConfig": {"Enabled": False},
    },
    "CacheBehaviors": {"Quantity": 0},
    "CustomErrorResponses": {"Quantity": 0},
    "Comment": "collector",
    "Logging": LOGGING_ON,
    "PriceClass": "PriceClass_100",
    "Enabled": True,
    "ViewerCertificate": {
        "CloudFrontDefaultCertificate": True,
        "SSLSupportMethod": "vip",
        "MinimumProtocolVersion": "TLSv1",
        "CertificateSource": "cloudfront",
    },
    "Restrictions": {"GeoRestriction": {"RestrictionType": "none", "Quantity": 0}},
    "WebACLId": "",
    "HttpVersion": "http2and3",
    "IsIPV6Enabled": True,
    "ContinuousDeploymentPolicyId": "",
    "Staging": False,
}


def collector_config():
    """GetDistributionConfig's DistributionConfig for a collector (origin bucket ``pixel``, comment ``collector``,
    PriceClass_100, http2and3, CachingOptimized, default certificate) with logging on, as AWS returns it."""
    return copy.deepcopy(_COLLECTOR_CONFIG)


def collector_config_with_acm_certificate(alias="c.example.com"):
    """The same with an alias and an ACM certificate, as AWS returns the ViewerCertificate then."""
    config = collector_config()
    config["Aliases"] = {"Quantity": 1, "Items": [alias]}
    config["ViewerCertificate"] = {
        "CloudFrontDefaultCertificate": False,
        "ACMCertificateArn": ACM_ARN,
        "SSLSupportMethod": "sni-only",
        "MinimumProtocolVersion": "TLSv1.2_2021",
        "Certificate": ACM_ARN,
        "CertificateSource": "acm",
    }
    return config


def distribution(config, dist_id="E2QWRUHAPOMQZL", status="Deployed"):
    """GetDistribution's Distribution around ``config``."""
    return {
        "Id": dist_id,
        "ARN": f"arn:aws:cloudfront::123456789012:distribution/{dist_id}",
        "Status": status,
        "LastModifiedTime": "2024-01-01T00:00:00Z",
        "InProgressInvalidationBatches": 0,
        "DomainName": "d111111abcdef8.cloudfront.net",
        "ActiveTrustedSigners": {"Enabled": False, "Quantity": 0},
        "ActiveTrustedKeyGroups": {"Enabled": False, "Quantity": 0},
        "DistributionConfig": config,
    }
