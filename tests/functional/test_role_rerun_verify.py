"""Long waits show progress and a timeout says what to do; the smoke test and the log check cost two module runs.

Split from test_role_rerun.py (its helpers), so that pytest-xdist (--dist loadfile) can run them beside it.
"""

import json

import pytest

from tests.functional.test_role_rerun import PROGRESS, collector, module_runs, seconds
from tests.strict_aws.pytest_plugin import strict_aws, strict_aws_server  # noqa: F401  pylint: disable=unused-import


def test_deployment_wait_shows_progress_and_a_timeout_says_what_to_do(strict_aws):  # noqa: F811  pylint: disable=redefined-outer-name
    no_log_check = ["-e", "cloudfront_collector_verify_logs=false"]
    built = collector(strict_aws, *no_log_check)
    assert built.returncode == 0, built.stdout[-3000:]

    strict_aws.set_config(deploy_reads=3)
    changed = collector(strict_aws, *no_log_check, "-e", "cloudfront_collector_price_class=PriceClass_200")
    assert changed.returncode == 0, changed.stdout[-3000:]
    lines = PROGRESS.findall(changed.stdout)
    statuses = [line[2] for line in lines]
    assert statuses[-1] == "Deployed" and statuses.count("InProgress") >= 2, changed.stdout[-3000:]
    elapsed = [seconds(line[3]) for line in lines]
    assert elapsed == sorted(elapsed) and elapsed[-1] > elapsed[0]
    assert all(abs(seconds(line[3]) + seconds(line[4]) - 1800) <= 1 for line in lines)  # time left of cloudfront_collector_wait_timeout

    strict_aws.set_config(deploy_reads=1000)
    timed_out = collector(strict_aws, *no_log_check, "-e", "cloudfront_collector_price_class=PriceClass_All",
                          "-e", "cloudfront_collector_wait_timeout=3")
    output = " ".join(timed_out.stdout.split())
    assert timed_out.returncode == 2, timed_out.stdout[-3000:]
    lines = PROGRESS.findall(timed_out.stdout)
    assert len(lines) >= 3 and {line[2] for line in lines} == {"InProgress"}
    distribution_id, domain = lines[0][0], lines[0][1]
    assert f"Distribution {distribution_id} ({domain}) was still InProgress after" in output
    assert "Rerun the role later" in output and "cloudfront_collector_wait_timeout" in output
    assert "Smoke test" not in output.split(f"Distribution {distribution_id} ({domain}) was still")[1]


@pytest.mark.parametrize("smoke", [True, False])
def test_smoke_test_and_log_check_are_two_module_runs_and_one_log_read(strict_aws, smoke):  # noqa: F811  pylint: disable=redefined-outer-name
    """The smoke test is one module run (both schemes) and the log check finds each marked request once."""
    built = collector(strict_aws, "-e", f"cloudfront_collector_smoke_test={str(smoke).lower()}")
    assert built.returncode == 0, built.stdout[-3000:]
    rerun = collector(strict_aws, "-e", f"cloudfront_collector_smoke_test={str(smoke).lower()}", report=True)
    assert rerun.returncode == 0, rerun.stdout[-3000:]
    runs = module_runs(rerun)
    assert runs[0].startswith("Preflight | Read the collector")
    assert runs[1:] == ["Verify | Fetch the pixel through CloudFront, over HTTP and HTTPS",
                        "Verify logs | Read the logs until the marked requests are there, timeout (s) 3600"]
    plays = json.loads(rerun.stdout)["plays"]
    probe = next(t["hosts"]["collector-local"] for t in plays[-1]["tasks"]
                 if t["task"]["name"].endswith("Verify | Fetch the pixel through CloudFront, over HTTP and HTTPS"))
    assert [r["scheme"] for r in probe["responses"]] == (["http", "https"] if smoke else ["https"])
    assert all(r["status"] == 200 and r["matches"] for r in probe["responses"])
