"""``python -m tests.strict_aws``: run the strict local AWS until SIGTERM or SIGINT."""

import argparse
import os
import signal
import sys
import threading
from pathlib import Path

from .server import StrictAWS
from .settings import SETTINGS, add_arguments


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options: one per setting (``settings.SETTINGS``)."""
    parser = argparse.ArgumentParser(prog="python -m tests.strict_aws", description=__doc__)
    add_arguments(parser)
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
    server = StrictAWS(**{s.name: getattr(args, s.name) for s in SETTINGS if not s.process})
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
