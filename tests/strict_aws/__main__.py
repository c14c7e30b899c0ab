"""``python -m tests.strict_aws``: run the strict local AWS until SIGTERM or SIGINT."""

import argparse
import os
import signal
import sys
import threading
from pathlib import Path

from .server import StrictAWS


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(prog="python -m tests.strict_aws", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to bind; 0 picks a free one (default)")
    parser.add_argument("--call-log", help="append one JSON line per AWS request to this file")
    parser.add_argument("--deploy-reads", type=int, default=2, help="reads a distribution stays InProgress (default 2)")
    parser.add_argument("--fault-rate", type=float, default=0.0, help="fraction of requests answered with a fault (default 0)")
    parser.add_argument("--fault-seed", type=int, default=0, help="seed of the fault sequence (default 0)")
    parser.add_argument("--log-flush-interval", type=float, default=1.0,
                        help="seconds between deliveries of the local CloudFront edge's access logs; 0: only on demand (default 1)")
    parser.add_argument("--latency", type=float, default=0.0,
                        help="seconds every AWS API call waits before it is answered, as over a network (default 0)")
    parser.add_argument("--cloudfront-rate-limit", type=float, default=0.0,
                        help="CloudFront API calls per second the account may make; more are answered 400 Throttling (default 0: no limit)")
    parser.add_argument("--cloudfront-burst", type=float, default=None,
                        help="CloudFront calls the account may make at once before the rate limit applies (default: one second's worth)")
    parser.add_argument("--pid-file", help="write the process id here; removed on exit")
    parser.add_argument("--endpoint-file", help="write the endpoint URL here once connections are accepted")
    return parser.parse_args(argv)


def _write_atomic(path: str, content: str) -> None:
    tmp = Path(f"{path}.tmp{os.getpid()}")
    tmp.write_text(content, encoding="utf-8")
    tmp.replace(path)


def main(argv: list[str] | None = None) -> int:
    """Serve until a termination signal, then stop cleanly and return 0."""
    args = parse_args(argv)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    server = StrictAWS(port=args.port, call_log=args.call_log, deploy_reads=args.deploy_reads,
                       fault_rate=args.fault_rate, fault_seed=args.fault_seed, host=args.host,
                       log_flush_interval=args.log_flush_interval, latency=args.latency,
                       cloudfront_rate_limit=args.cloudfront_rate_limit, cloudfront_burst=args.cloudfront_burst)
    server.start()
    try:
        if args.pid_file:
            _write_atomic(args.pid_file, f"{os.getpid()}\n")
        if args.endpoint_file:
            _write_atomic(args.endpoint_file, server.endpoint + "\n")
        print(server.endpoint, flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        server.stop()
        if args.pid_file:
            Path(args.pid_file).unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
