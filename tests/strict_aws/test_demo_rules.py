"""``demo_rules``: the rows for the anonymous-read, logging and IfMatch rules, run against the session server."""

from tests.strict_aws import demo_rules

NEW_ROWS = {
    "anonymous GET of a private object": ("403 403", "403 AccessDenied"),
    "anon GET of public-read, IgnorePublicAcls": ("accepted", "403 AccessDenied"),
    "logging bucket in eu-south-1": ("accepted", "400 InvalidArgument"),
    "logging on: awslogsdelivery FULL_CONTROL": ("grant absent", "grant present"),
    "UpdateDistribution without IfMatch": ("400 InvalidIfMatchVersion", "400 InvalidIfMatchVersion"),
}


def test_demo_rows(strict_aws, monkeypatch, capsys):
    rows = [row for row in demo_rules.RULES if row[0] in NEW_ROWS]
    assert [name for name, _action in rows] == list(NEW_ROWS)
    monkeypatch.setattr(demo_rules, "RULES", rows)
    assert demo_rules.main([strict_aws.endpoint]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["rule", "plain", "moto", "strict"]
    assert lines[1:] == [f"{name:42} {plain:34} {strict}" for name, (plain, strict) in NEW_ROWS.items()]
    # the server is reset before each row: the log holds the last row, answered by the layer's rule
    assert strict_aws.calls()[-1]["rule"] == "IfMatchRequired"


def test_demo_row_for_method_order(strict_aws, monkeypatch, capsys):
    rows = [row for row in demo_rules.RULES if row[0] == "AllowedMethods sent GET,HEAD, read back"]
    monkeypatch.setattr(demo_rules, "RULES", rows)
    assert demo_rules.main([strict_aws.endpoint]) == 0
    assert capsys.readouterr().out.splitlines()[1].split()[-2:] == ["GET,HEAD", "HEAD,GET"]


def test_demo_rows_for_tag_limits(strict_aws, monkeypatch, capsys):
    wanted = {"S3 bucket tag value over 256 characters": ("accepted", "400 InvalidTag"),
              "CloudFront tag key starting with aws:": ("accepted", "400 InvalidTagging")}
    monkeypatch.setattr(demo_rules, "RULES", [row for row in demo_rules.RULES if row[0] in wanted])
    assert demo_rules.main([strict_aws.endpoint]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1:] == [f"{name:42} {plain:34} {strict}" for name, (plain, strict) in wanted.items()]
