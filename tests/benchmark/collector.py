"""Measure a collector's converge, rerun and check-mode runs on the strict local AWS.

    python -m tests.benchmark.collector [--env local] [--fault-rate 0.1 --fault-seed 7]

For each run of ``playbooks/collector.yml`` it reports the wall time, the tasks changed and
failed (from the play recap), and the AWS calls made, split into reads and writes, with the
injected faults, from the local AWS's call log. A second run that writes nothing is the
figure users rely on: on real AWS each CloudFront update is a redeployment.
"""

import argparse
import collections
import json
import os
import pathlib
import subprocess
import sys
import time

from tests.strict_aws.server import client_environ
from tests.strict_aws.server import spawn

REPO = pathlib.Path(__file__).resolve().parents[2]


def _run_playbook(endpoint, env_name, extra_args):
    env = dict(client_environ(endpoint, base=os.environ), ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_STDOUT_CALLBACK="json")
    started = time.monotonic()
    proc = subprocess.run(
        ["ansible-playbook", "playbooks/collector.yml", "-e", f"env={env_name}", *extra_args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.monotonic() - started
    try:
        stats = json.loads(proc.stdout)["stats"]
    except (json.JSONDecodeError, KeyError):
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-4000:])
        raise SystemExit(f"benchmark: ansible-playbook gave no JSON report (exit {proc.returncode})") from None
    totals = collections.Counter()
    for host_stats in stats.values():
        totals.update(host_stats)
    return elapsed, proc.returncode, totals


# Viewer requests to the local CloudFront edge and its log deliveries are not calls the playbook made.
EDGE_SERVICES = {"cloudfront-edge", "cloudfront-logs"}


def _calls_since(server, seen):
    calls = [c for c in server.calls()[seen:] if c["service"] not in EDGE_SERVICES]
    writes = [c for c in calls if c["mutating"] and c["status"] < 400]
    return {
        "calls": len(calls),
        "reads": len([c for c in calls if not c["mutating"]]),
        "writes": len(writes),
        "faults": len([c for c in calls if c.get("fault")]),
        "write_ops": dict(collections.Counter(c["operation"] for c in writes)),
    }, len(server.calls())


def main(argv=None):
    """Run converge, rerun and --check; print one line per run and return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", default="local")
    parser.add_argument("--fault-rate", type=float, default=0.0)
    parser.add_argument("--fault-seed", type=int, default=0)
    parser.add_argument("--deploy-reads", type=int, default=2)
    args = parser.parse_args(argv)

    server = spawn(fault_rate=args.fault_rate, fault_seed=args.fault_seed, deploy_reads=args.deploy_reads)
    failed = False
    try:
        seen = 0
        print(f"strict local AWS {server.endpoint}, fault rate {args.fault_rate}, seed {args.fault_seed}")
        for label, extra in (("converge", []), ("rerun", []), ("check", ["--check", "--diff"])):
            elapsed, returncode, totals = _run_playbook(server.endpoint, args.env, extra)
            calls, seen = _calls_since(server, seen)
            failed = failed or returncode != 0
            print(
                f"{label:9} {elapsed:6.1f} s  exit {returncode}  changed {totals['changed']:2}  failed {totals['failures']}"
                f"  AWS calls {calls['calls']:3} (reads {calls['reads']}, writes {calls['writes']}, faults injected {calls['faults']})"
                f"  writes: {calls['write_ops'] or '-'}"
            )
    finally:
        server.stop()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
