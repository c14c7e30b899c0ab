#!/usr/bin/env python
"""Check a collector's standard logging (v2, or legacy after the switch back) against the strict local AWS.

Used by the v2_logs scenario's verify step. ``--mode=v2``: the delivery source, destination and delivery, the log
bucket without ACLs and with the delivery policy statement, and viewer requests through the local edge landing as v2
JSON files at Hive-compatible keys, with c-country and without any IP address. ``--mode=legacy``: no v2 leftovers,
legacy logging on, and no AWS write since ``--writes-before``. Both check the Glue table of ``--athena-database``
(the mode's schema; under v2 its columns and partitions match the files the edge wrote) and the one Athena named
query of tracker events. ``--mode=writes``: prints how many AWS writes the
call log holds. Prints one line per check; exits 1 on the first failure.
"""

import argparse
import gzip
import ipaddress
import json
import re
import ssl
import sys
import urllib.request
import uuid
from urllib.parse import unquote

import boto3

AWSLOGSDELIVERY = "c4c1ede66af53448b93c283ce9448c4ba468c9432aa01d700d3878632f77d2d0"
EDGE_SERVICES = {"cloudfront-edge", "cloudfront-logs"}
ADDRESS = re.compile(r"[0-9A-Fa-f:.]{3,}")


class CheckFailed(Exception):
    """A setting differs from what the role promises."""


def check(what, ok, detail=""):
    print(f"{'ok  ' if ok else 'FAIL'} {what}{': ' + str(detail) if detail and not ok else ''}")
    if not ok:
        raise CheckFailed(f"{what}: {detail}")


def client(args, service, region="eu-west-1"):
    return boto3.client(service, endpoint_url=args.endpoint, region_name=region, aws_access_key_id="testing",
                        aws_secret_access_key="testing")


def control(args, path, method="GET"):
    request = urllib.request.Request(f"{args.endpoint}/_strict/{path}", method=method)
    with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 (the local endpoint)
        return json.load(answer)


def writes(args):
    return len([c for c in control(args, "calls") if c["mutating"] and c["status"] < 400 and c["service"] not in EDGE_SERVICES])


def distribution(args):
    cloudfront = client(args, "cloudfront", "us-east-1")
    for summary in cloudfront.list_distributions()["DistributionList"].get("Items", []):
        if summary["Origins"]["Items"][0]["DomainName"].startswith(f"{args.pixel_bucket}.s3."):
            return summary, cloudfront.get_distribution_config(Id=summary["Id"])["DistributionConfig"]
    raise CheckFailed(f"no distribution for {args.pixel_bucket}")


def ip_addresses(text):
    found = set()
    for candidate in ADDRESS.findall(text):
        try:
            found.add(str(ipaddress.ip_address(candidate.strip("."))))
        except ValueError:
            continue
    return found


def check_v2(args):
    summary, config = distribution(args)
    arn = summary["ARN"]
    logs = client(args, "logs", "us-east-1")
    sources = [s for s in logs.describe_delivery_sources()["deliverySources"] if arn in s["resourceArns"]]
    check("one delivery source (ACCESS_LOGS) for the distribution", [s["logType"] for s in sources] == ["ACCESS_LOGS"], sources)
    [delivery] = [d for d in logs.describe_deliveries()["deliveries"] if d["deliverySourceName"] == sources[0]["name"]]
    destination = logs.get_delivery_destination(name=delivery["deliveryDestinationArn"].split(":")[-1])["deliveryDestination"]
    folder = args.log_prefix.strip("/")
    check("S3 destination in the log bucket under the prefix, JSON",
          (destination["outputFormat"], destination["deliveryDestinationConfiguration"]["destinationResourceArn"])
          == ("json", f"arn:aws:s3:::{args.log_bucket}/{folder}"), destination)
    fields = delivery["recordFields"]
    check("minimal record fields (privacy guard on): c-country, no c-ip, x-forwarded-for, cs(Cookie)",
          "c-country" in fields and not {"c-ip", "x-forwarded-for", "cs(Cookie)"} & set(fields), fields)
    check("Hive-compatible suffix path", delivery["s3DeliveryConfiguration"]["enableHiveCompatiblePath"] is True, delivery)
    check("legacy Logging block off", config["Logging"]["Enabled"] is False, config["Logging"])
    s3 = client(args, "s3")
    ownership = s3.get_bucket_ownership_controls(Bucket=args.log_bucket)["OwnershipControls"]["Rules"][0]["ObjectOwnership"]
    check("log bucket without ACLs (BucketOwnerEnforced)", ownership == "BucketOwnerEnforced", ownership)
    grants = {g["Grantee"].get("ID") for g in s3.get_bucket_acl(Bucket=args.log_bucket)["Grants"]}
    check("no awslogsdelivery grant left", AWSLOGSDELIVERY not in grants, grants)
    policy = json.loads(s3.get_bucket_policy(Bucket=args.log_bucket)["Policy"])
    statement = [s for s in policy["Statement"] if s.get("Principal", {}) == {"Service": "delivery.logs.amazonaws.com"}]
    check("bucket policy lets delivery.logs.amazonaws.com write under the prefix, for this account's delivery sources",
          len(statement) == 1 and statement[0]["Resource"] == f"arn:aws:s3:::{args.log_bucket}/{folder}/*"
          and statement[0]["Condition"]["StringEquals"]["aws:SourceAccount"] == "123456789012", statement)

    marker = uuid.uuid4().hex
    edge = control(args, "edge")
    for scheme in ("http", "https"):
        url = f"{edge[scheme]}/i?e=pv&aid=v2logs&eid={marker}&url=https%3A%2F%2Fsite.example%2F"
        request = urllib.request.Request(url, headers={"Host": summary["DomainName"], "X-Forwarded-For": "203.0.113.9",
                                                       "Cookie": "session=198.51.100.4"})
        context = None
        if scheme == "https":
            context = ssl.create_default_context(cafile=edge["certificate"])
            context.check_hostname = False
        with urllib.request.urlopen(request, timeout=30, context=context) as answer:  # noqa: S310
            check(f"pixel over {scheme} through the local edge", answer.status == 200, answer.status)
    flushed = control(args, "logs/flush", "POST")
    delivered = [e for e in flushed["written"] if e["bucket"] == args.log_bucket and "/DistributionId=" in e["key"]]
    check("the edge delivered v2 files", delivered, flushed)
    hive = f"{folder}/DistributionId={summary['Id']}/"
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=args.log_bucket, Prefix=hive).get("Contents", [])]
    check("v2 files at Hive-compatible keys", keys and all(re.search(r"/year=\d{4}/month=\d\d/day=\d\d/hour=\d\d/[^/]+\.gz$", k)
                                                           for k in keys), keys)
    records, texts = [], []
    for key in keys:
        text = gzip.decompress(s3.get_object(Bucket=args.log_bucket, Key=key)["Body"].read()).decode("utf-8")
        texts.append(text)
        records.extend(json.loads(line) for line in text.splitlines())
    marked = [r for r in records if marker in r["cs-uri-query"]]
    check("both marked requests, once each, as JSON records with the delivery's fields",
          len(marked) == 2 and all(list(r) == fields for r in marked), marked)
    check("c-country in the records", all(r["c-country"] not in ("", "-") for r in marked), marked)
    found = set().union(*(ip_addresses(unquote(text)) for text in texts))
    check("no IP address anywhere in the v2 files", not found, found)
    check_athena(args, "v2", summary["Id"], fields, records, keys)


def column(field):
    return re.sub(r"[^a-z0-9]+", "_", field.lower()).strip("_")


def check_athena(args, mode, distribution_id, fields=None, records=None, keys=None):
    """The Glue table over the logs in the mode's schema, and one tracker events named query on its database."""
    glue = client(args, "glue")
    table = glue.get_table(DatabaseName=args.athena_database, Name="cloudfront_logs")["Table"]
    storage, parameters = table["StorageDescriptor"], table["Parameters"]
    names = [c["Name"] for c in storage["Columns"]]
    if mode == "legacy":
        check("Glue table: legacy tab-separated, two header lines, no partitions",
              (parameters.get("skip.header.line.count"), storage["SerdeInfo"]["Parameters"].get("field.delim"), table["PartitionKeys"])
              == ("2", "\t", []), table)
        check("Glue table: the 33 legacy fields as columns", len(names) == 33 and names[11] == "cs_uri_query", names)
    else:
        check("Glue table: v2 JSON SerDe with partition projection on the distribution",
              storage["SerdeInfo"]["SerializationLibrary"] == "org.openx.data.jsonserde.JsonSerDe"
              and parameters.get("projection.enabled") == "true"
              and parameters.get("projection.distributionid.values") == distribution_id, table)
        check("Glue table: the delivery's fields as columns, no IP address column", names == [column(f) for f in fields]
              and "c_ip" not in names, names)
        mapping = {name: storage["SerdeInfo"]["Parameters"].get(f"mapping.{name}", name) for name in names}
        check("Glue table: every JSON key the edge wrote is a column", all({k.lower() for k in r} == set(mapping.values())
                                                                           for r in records), (mapping, records[:1]))
        template = parameters["storage.location.template"]
        for key in keys:
            values = dict(re.findall(r"(DistributionId|year|month|day|hour)=([^/]+)", key))
            folder = template.replace("${distributionid}", values["DistributionId"])
            for name in ("year", "month", "day", "hour"):
                folder = folder.replace("${" + name + "}", values[name])
            check(f"partition projection finds {key}", f"s3://{args.log_bucket}/{key}".startswith(folder), template)
    athena = client(args, "athena")
    queries = [athena.get_named_query(NamedQueryId=i)["NamedQuery"] for i in athena.list_named_queries(WorkGroup="primary")["NamedQueryIds"]]
    ours = [q for q in queries if q["Database"] == args.athena_database]
    check("one Athena named query tracker_events on the database, reading cloudfront_logs",
          [q["Name"] for q in ours] == ["tracker_events"] and "FROM cloudfront_logs" in ours[0]["QueryString"], ours)


def check_legacy(args):
    summary, config = distribution(args)
    logs = client(args, "logs", "us-east-1")
    sources = [s for s in logs.describe_delivery_sources()["deliverySources"] if summary["ARN"] in s["resourceArns"]]
    check("no delivery source left", sources == [], sources)
    destinations = [d["name"] for d in logs.describe_delivery_destinations()["deliveryDestinations"]]
    check("no delivery destination left", f"clickstream-{summary['Id']}" not in destinations, destinations)
    check("legacy Logging on, into the log bucket", config["Logging"]["Enabled"] and
          config["Logging"]["Bucket"] == f"{args.log_bucket}.s3.amazonaws.com", config["Logging"])
    s3 = client(args, "s3")
    ownership = s3.get_bucket_ownership_controls(Bucket=args.log_bucket)["OwnershipControls"]["Rules"][0]["ObjectOwnership"]
    check("log bucket with ACLs (BucketOwnerPreferred)", ownership == "BucketOwnerPreferred", ownership)
    grants = {g["Grantee"].get("ID") for g in s3.get_bucket_acl(Bucket=args.log_bucket)["Grants"]}
    check("awslogsdelivery grant back", AWSLOGSDELIVERY in grants, grants)
    policy = s3.get_bucket_policy(Bucket=args.log_bucket)["Policy"]
    check("no delivery.logs.amazonaws.com statement left", "delivery.logs.amazonaws.com" not in policy, policy)
    check_athena(args, "legacy", summary["Id"])
    check("the legacy rerun made zero AWS writes", writes(args) == args.writes_before, (args.writes_before, writes(args)))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--pixel-bucket", required=True)
    parser.add_argument("--log-bucket", required=True)
    parser.add_argument("--log-prefix", required=True)
    parser.add_argument("--athena-database", required=True)
    parser.add_argument("--mode", choices=["v2", "legacy", "writes"], required=True)
    parser.add_argument("--writes-before", type=int, default=0)
    args = parser.parse_args(argv)
    if args.mode == "writes":
        print(writes(args))
        return 0
    try:
        check_v2(args) if args.mode == "v2" else check_legacy(args)  # pylint: disable=expression-not-assigned
    except CheckFailed:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
