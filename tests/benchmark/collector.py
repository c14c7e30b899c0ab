"""Measure the collector role beside a plain playbook on the strict local AWS, and print the table.

    python -m tests.benchmark.collector [--quick] [--repeat 5] [--foreign 500] [--collectors 20]
        [--latency 0.1] [--rate-limit 10] [--fault-rate 0 --fault-seed 0]

Both run ``ansible-playbook`` against the same strict local AWS, in the same run, alternating: the role through
``playbooks/collector.yml`` (smoke test and log check off, as the plain playbook has neither, and also on), and
``tests/benchmark/plain/collector.yml`` (stock amazon.aws and community.aws modules). For each run: wall time, CPU
time of ansible-playbook and its modules, AWS reads and writes from the call log (the local CloudFront edge's viewer
requests and log deliveries are not AWS calls of the playbook), throttled calls, and the tasks changed and failed.

Each part starts its strict local AWS fresh, and a server answers an API's first call slowly (moto loads that
service then): so part 1 first converges one collector of each playbook on it, shown as the "first converge" row, and
its "converge" row is the median of --repeat further collectors of each, built from nothing, the two playbooks taking
turns to go first: the pair (ours and plain, back to back) whose wall-time ratio is the median, since the speed of a
shared machine drifts more between pairs than within one.

Parts: 1. converge, rerun (median of --repeat), --check, and the role with its smoke test and log check on;
2. a fresh account holding --foreign other distributions first (created directly through boto3, so that
ListDistributions lists them before the collector's): converge and rerun; 3. a fresh account with --latency per call
and a CloudFront rate limit: --collectors collectors (one inventory host each) with as many forks, and one of them
alone. The CPU bound of part 3 is collectors x (one collector's rerun wall time without latency, part 1) / CPU cores;
the run's own CPU time / cores is shown too. Parts 2 and 3 converge one collector of each playbook first, unmeasured.
--quick runs part 1 only.
"""

import argparse
import collections
import concurrent.futures
import json
import os
import pathlib
import platform
import resource
import subprocess
import sys
import tempfile
import time

from tests.strict_aws.pytest_plugin import make_client
from tests.strict_aws.server import client_environ
from tests.strict_aws.server import spawn

REPO = pathlib.Path(__file__).resolve().parents[2]
OURS = "playbooks/collector.yml"
PLAIN = "tests/benchmark/plain/collector.yml"
REGION = "eu-west-1"
# Viewer requests to the local CloudFront edge and its log deliveries are not calls the playbook made.
EDGE_SERVICES = {"cloudfront-edge", "cloudfront-logs"}
OFF = {"cloudfront_collector_smoke_test": False, "cloudfront_collector_verify_logs": False}
ON = {"cloudfront_collector_smoke_test": True, "cloudfront_collector_verify_logs": True}


# ---------------------------------------------------------------------------------------------
# Inventory
# ---------------------------------------------------------------------------------------------


def _ours(name, settings):
    return {
        "cloudfront_collector_pixel_bucket": f"{name}-pixel",
        "cloudfront_collector_log_bucket": f"{name}-logs",
        "cloudfront_collector_log_prefix": f"cloudfront/{name}/",
        **settings,
    }


def _plain(name):
    return {"plain_pixel_bucket": f"{name}-pixel", "plain_log_bucket": f"{name}-logs"}


def write_inventory(directory, collectors, repeat=5):
    """One group per measured set: ours (smoke test off and on) and plain, one collector or a fleet."""
    fleet = [f"{index:02d}" for index in range(1, collectors + 1)]
    groups = {
        "ours": {"b-ours": _ours("b-ours", OFF)},
        # one new collector per measured converge (part 1, --repeat of them: see main())
        "ours_new": {f"n{index}-ours": _ours(f"n{index}-ours", OFF) for index in range(1, repeat + 1)},
        "plain_new": {f"n{index}-plain": _plain(f"n{index}-plain") for index in range(1, repeat + 1)},
        "ours_smoke": {"b-ours-smoke": _ours("b-ours-smoke", ON)},
        "plain": {"b-plain": _plain("b-plain")},
        "fleet": {f"f-ours-{n}": _ours(f"f-ours-{n}", OFF) for n in fleet},
        "plain_fleet": {f"f-plain-{n}": _plain(f"f-plain-{n}") for n in fleet},
    }
    inventory = {
        "all": {
            "vars": {
                "ansible_connection": "local",
                "ansible_python_interpreter": "{{ ansible_playbook_python }}",
                "cloudfront_collector_aws_endpoint_url": "{{ lookup('ansible.builtin.env', 'AWS_ENDPOINT_URL') }}",
                "cloudfront_collector_region": REGION,
                "cloudfront_collector_allowed_regions": [REGION],
            },
            "children": {name: {"hosts": hosts} for name, hosts in groups.items()},
        }
    }
    path = pathlib.Path(directory) / "inventory.json"
    path.write_text(json.dumps(inventory, indent=1))
    return path


# ---------------------------------------------------------------------------------------------
# Runs
# ---------------------------------------------------------------------------------------------


class Run(collections.namedtuple("Run", "wall cpu reads writes throttled changed failed hosts_failed rc write_ops")):
    """One ansible-playbook run: wall and CPU seconds, AWS calls, play recap."""


def playbook(server, inventory, play, group, *extra, forks=5):
    env = dict(
        client_environ(server.endpoint, region=REGION, base=os.environ),
        ANSIBLE_CONFIG=str(REPO / "ansible.cfg"),
        ANSIBLE_STDOUT_CALLBACK="ansible.posix.json",
        ANSIBLE_FORKS=str(forks),
        ANSIBLE_LOCALHOST_WARNING="0",
    )
    seen = len(server.calls())
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    proc = subprocess.run(
        ["ansible-playbook", "-i", str(inventory), play, "-e", f"env={group}", *extra],
        cwd=REPO, env=env, capture_output=True, text=True, check=False,
    )
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    try:
        stats = json.loads(proc.stdout)["stats"]
    except (json.JSONDecodeError, KeyError):
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-4000:])
        raise SystemExit(f"benchmark: ansible-playbook {play} gave no JSON report (exit {proc.returncode})") from None
    calls = [c for c in server.calls()[seen:] if c["service"] not in EDGE_SERVICES]
    writes = [c for c in calls if c["mutating"] and c["status"] < 400]
    totals = collections.Counter()
    for host_stats in stats.values():
        totals.update(host_stats)
    return Run(
        wall=wall, cpu=cpu,
        reads=len([c for c in calls if not c["mutating"] and not c.get("fault")]),
        writes=len(writes),
        throttled=len([c for c in calls if c.get("fault")]),
        changed=totals["changed"], failed=totals["failures"] + totals["unreachable"],
        hosts_failed=len([h for h, s in stats.items() if s.get("failures") or s.get("unreachable")]),
        rc=proc.returncode,
        write_ops=dict(collections.Counter(c["operation"] for c in writes)),
    )


def warm_up(server, inventory):
    """One collector of each playbook, not measured: a fresh server answers each API's first call slowly."""
    playbook(server, inventory, OURS, "ours_new", "--limit", "n1-ours")
    playbook(server, inventory, PLAIN, "plain_new", "--limit", "n1-plain")


def median_run(runs):
    """The run of median wall time (its other figures with it)."""
    return sorted(runs, key=lambda r: r.wall)[len(runs) // 2]


def create_foreign_distributions(endpoint, count):
    """``count`` distributions of someone else in the account (other origins and comments), through boto3."""
    cloudfront = make_client(endpoint, "cloudfront", region="us-east-1")

    def create(index):
        cloudfront.create_distribution(DistributionConfig={
            "CallerReference": f"foreign-{index}",
            "Comment": f"another team's site {index}",
            "Enabled": True,
            "Origins": {"Quantity": 1, "Items": [{
                "Id": "site", "DomainName": f"foreign-site-{index}.s3.{REGION}.amazonaws.com",
                "S3OriginConfig": {"OriginAccessIdentity": ""}}]},
            "DefaultCacheBehavior": {"TargetOriginId": "site", "ViewerProtocolPolicy": "redirect-to-https",
                                     "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6"},
        })

    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(create, range(count)))


# ---------------------------------------------------------------------------------------------
# Table
# ---------------------------------------------------------------------------------------------


def _ratio(ours, plain):
    return f"{ours / plain:.2f}" if plain else "-"


def _cell(run):
    if run is None:
        return ["-"] * 4
    failed = f", {run.hosts_failed} failed" if run.hosts_failed else ""
    throttled = f" ({run.throttled} throttled)" if run.throttled else ""
    return [f"{run.wall:.1f} s{failed}", f"{run.cpu:.1f} s", f"{run.reads}{throttled}", str(run.writes)]


def print_table(rows):
    header = ["run", "ours wall", "ours CPU", "ours reads", "ours writes", "plain wall", "plain CPU", "plain reads",
              "plain writes", "wall ours/plain", "CPU ours/plain", "reads ours/plain"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for label, ours, plain in rows:
        ratios = ["-"] * 3
        if ours is not None and plain is not None:
            ratios = [_ratio(ours.wall, plain.wall), _ratio(ours.cpu, plain.cpu), _ratio(ours.reads, plain.reads)]
        print("| " + " | ".join([label, *_cell(ours), *_cell(plain), *ratios]) + " |")


def machine():
    model = ""
    try:
        for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = " ".join(f"{value:.1f}" for value in os.getloadavg())
    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs ({model or 'unknown model'}), load average {load}"


# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------


def _check(label, run, expect_writes=None):
    """Note what a row must show (exit code, failures, writes) without stopping the benchmark."""
    problems = []
    if run.rc != 0 or run.failed:
        problems.append(f"exit {run.rc}, {run.failed} failed")
    if expect_writes is not None and run.writes != expect_writes:
        problems.append(f"{run.writes} writes {run.write_ops}")
    if problems:
        print(f"  ! {label}: {'; '.join(problems)}", flush=True)
    return not problems


def main(argv=None):
    """Run the benchmark, print the table; non-zero when one of our runs failed or a rerun of ours wrote."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="converge, rerun and check only")
    parser.add_argument("--repeat", type=int, default=5, help="converges and reruns per playbook; the median is shown (default 5)")
    parser.add_argument("--foreign", type=int, default=500, help="other distributions in the account (default 500)")
    parser.add_argument("--collectors", type=int, default=20, help="collectors run at once, with as many forks (default 20)")
    parser.add_argument("--latency", type=float, default=0.1, help="seconds per AWS call in part 3 (default 0.1)")
    parser.add_argument("--rate-limit", type=float, default=10.0, help="CloudFront calls per second in part 3 (default 10)")
    parser.add_argument("--fault-rate", type=float, default=0.0)
    parser.add_argument("--fault-seed", type=int, default=0)
    parser.add_argument("--deploy-reads", type=int, default=2)
    args = parser.parse_args(argv)

    ok = True
    rows = []
    notes = []
    print(f"make benchmark on {machine()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="benchmark.") as tmp:
        inventory = write_inventory(tmp, args.collectors, args.repeat)
        server = spawn(fault_rate=args.fault_rate, fault_seed=args.fault_seed, deploy_reads=args.deploy_reads, log_flush_interval=0.2)
        try:
            print(f"part 1: strict local AWS {server.endpoint}, fault rate {args.fault_rate}", flush=True)
            # The first converge on the fresh server (it pays for the server's first calls), then --repeat new collectors.
            ours = playbook(server, inventory, OURS, "ours")
            plain = playbook(server, inventory, PLAIN, "plain")
            ok &= _check("ours first converge", ours)
            rows.append(("first converge on a fresh local AWS", ours, plain))
            ours_new, plain_new = [], []
            for index in range(1, args.repeat + 1):
                pair = [(ours_new, OURS, "ours_new", f"n{index}-ours"), (plain_new, PLAIN, "plain_new", f"n{index}-plain")]
                for runs, play, group, host in pair if index % 2 else reversed(pair):
                    runs.append(playbook(server, inventory, play, group, "--limit", host))
            for run in ours_new:
                ok &= _check("ours converge", run)
            # The pair of the median wall-time ratio: both runs of a pair ran back to back, on the machine as fast or slow.
            pairs = sorted(zip(ours_new, plain_new), key=lambda pair: pair[0].wall / pair[1].wall)
            rows.append((f"converge (median pair of {args.repeat})", *pairs[len(pairs) // 2]))
            ours_reruns, plain_reruns = [], []
            for dummy in range(args.repeat):
                ours_reruns.append(playbook(server, inventory, OURS, "ours"))
                plain_reruns.append(playbook(server, inventory, PLAIN, "plain"))
            for run in ours_reruns:
                ok &= _check("ours rerun", run, expect_writes=0)
            rerun_ours, rerun_plain = median_run(ours_reruns), median_run(plain_reruns)
            rows.append((f"rerun (median of {args.repeat})", rerun_ours, rerun_plain))
            ours = playbook(server, inventory, OURS, "ours", "--check", "--diff")
            plain = playbook(server, inventory, PLAIN, "plain", "--check", "--diff")
            ok &= _check("ours check", ours, expect_writes=0)
            rows.append(("check (--check --diff, built)", ours, plain))
            ours = playbook(server, inventory, OURS, "ours_smoke")
            ok &= _check("ours converge, smoke test and log check", ours)
            rows.append(("converge, smoke test + log check on", ours, None))
            ours = median_run([playbook(server, inventory, OURS, "ours_smoke") for dummy in range(args.repeat)])
            ok &= _check("ours rerun, smoke test and log check", ours, expect_writes=0)
            rows.append(("rerun, smoke test + log check on", ours, rerun_plain))
        finally:
            server.stop()

        if not args.quick:
            # A fresh account whose other distributions were there first (ListDistributions lists them before ours).
            server = spawn(deploy_reads=args.deploy_reads, log_flush_interval=0.2)
            try:
                started = time.monotonic()
                create_foreign_distributions(server.endpoint, args.foreign)
                print(f"part 2: {args.foreign} other distributions created in {time.monotonic() - started:.0f} s", flush=True)
                warm_up(server, inventory)
                ours = playbook(server, inventory, OURS, "ours")
                plain = playbook(server, inventory, PLAIN, "plain")
                ok &= _check(f"ours converge, {args.foreign} other distributions", ours)
                rows.append((f"converge, {args.foreign} other distributions", ours, plain))
                ours = playbook(server, inventory, OURS, "ours")
                plain = playbook(server, inventory, PLAIN, "plain")
                ok &= _check(f"ours rerun, {args.foreign} other distributions", ours, expect_writes=0)
                rows.append(("rerun, 0 other distributions (as above)", rerun_ours, rerun_plain))
                rows.append((f"rerun, {args.foreign} other distributions", ours, plain))
            finally:
                server.stop()

            n = args.collectors
            server = spawn(deploy_reads=args.deploy_reads, log_flush_interval=0.2, latency=args.latency,
                           cloudfront_rate_limit=args.rate_limit)
            try:
                print(f"part 3: {n} collectors, {args.latency * 1000:.0f} ms per call, {args.rate_limit:g} CloudFront calls/s",
                      flush=True)
                warm_up(server, inventory)
                ours = playbook(server, inventory, OURS, "fleet", forks=n)
                plain = playbook(server, inventory, PLAIN, "plain_fleet", forks=n)
                ok &= _check(f"ours converge, {n} collectors", ours)
                rows.append((f"converge, {n} collectors, latency", ours, plain))
                one_ours = median_run([playbook(server, inventory, OURS, "fleet", "--limit", "f-ours-01")
                                       for dummy in range(args.repeat)])
                one_plain = median_run([playbook(server, inventory, PLAIN, "plain_fleet", "--limit", "f-plain-01")
                                        for dummy in range(args.repeat)])
                rows.append(("rerun, 1 collector, latency", one_ours, one_plain))
                ours = playbook(server, inventory, OURS, "fleet", forks=n)
                plain = playbook(server, inventory, PLAIN, "plain_fleet", forks=n)
                ok &= _check(f"ours rerun, {n} collectors", ours, expect_writes=0)
                rows.append((f"rerun, {n} collectors, latency", ours, plain))
                cores = os.cpu_count() or 1
                for who, fleet_run, single in (("ours", ours, rerun_ours), ("plain", plain, rerun_plain)):
                    bound = n * single.wall / cores
                    cpu_bound = fleet_run.cpu / cores
                    notes.append(
                        f"{who}: {n} collectors' rerun with {args.latency * 1000:.0f} ms per call: {fleet_run.wall:.1f} s, "
                        f"{fleet_run.hosts_failed} hosts failed, {fleet_run.throttled} calls throttled and retried. CPU bound "
                        f"{n} x {single.wall:.1f} s (one collector's rerun, no latency) / {cores} cores = {bound:.1f} s: "
                        f"ratio {fleet_run.wall / bound:.2f}; its own CPU time {fleet_run.cpu:.1f} s / {cores} cores = {cpu_bound:.1f} s: "
                        f"ratio {fleet_run.wall / cpu_bound:.2f}"
                    )
            finally:
                server.stop()

    print()
    print_table(rows)
    print()
    for note in notes:
        print(note)
    print(f"after: {machine()}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
