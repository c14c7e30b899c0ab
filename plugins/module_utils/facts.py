# -*- coding: utf-8 -*-

# Copyright: clickstream.collectors contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""AWS facts the modules check against and the role's preflight checks before any module runs.

No imports: the ``collector_input_problems`` filter reads them on the controller, in a task's worker process, where
importing ``module_utils.cloudfront`` (botocore, boto3 through amazon.aws) would cost about 0.2 s per task.
"""

# Source: AWS CloudFront Developer Guide, "Standard logging (legacy)", section "Choose an Amazon S3
# bucket for your standard logs": buckets in these regions cannot receive legacy standard logs
# (the first five are documented; the later opt-in regions are excluded as well). Standard logging v2
# (CloudWatch Logs vended delivery) can deliver there.
STANDARD_LOGGING_UNSUPPORTED_REGIONS = (
    "af-south-1",
    "ap-east-1",
    "ap-southeast-3",
    "eu-south-1",
    "me-south-1",
    "me-central-1",
    "ap-south-2",
    "ap-southeast-4",
    "eu-south-2",
    "eu-central-2",
    "il-central-1",
    "ca-west-1",
    "ap-southeast-5",
    "mx-central-1",
    "ap-southeast-7",
)
# CloudFront only uses ACM certificates from us-east-1 (any partition's ARN prefix).
ACM_CERTIFICATE_ARN_PATTERN = r"^arn:aws[a-z-]*:acm:us-east-1:"
