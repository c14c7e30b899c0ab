"""The strict local AWS's settings, declared once.

Each ``Setting`` drives the command line (``python -m tests.strict_aws --deploy-reads 2``), the ``StrictAWS(...)``
and ``spawn(...)`` keyword arguments, ``cli_args(...)``, and, when ``runtime`` is true, ``StrictAWS.configure(...)``
and ``POST /_strict/config`` (a reset restores the start-up values). A new setting is one line here, and the code
that uses it reads ``app.settings.<name>`` (the current values) or the start-up ``Settings``.
"""

import argparse
from dataclasses import dataclass
from typing import Any, Callable


@dataclass(frozen=True)
class Setting:
    """One setting: its name (a keyword argument; ``--name-with-dashes`` on the command line), type and default."""

    name: str
    type: Callable[[str], Any]
    default: Any
    help: str
    runtime: bool = False  # changeable while the server runs
    process: bool = False  # only for the ``python -m tests.strict_aws`` process (not a StrictAWS argument)
    check: Callable[[Any], str | None] = lambda value: None  # a problem with the value, or None

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")


def _at_least_zero(value: float) -> str | None:
    return None if value >= 0 else "must be >= 0"


def _fraction(value: float) -> str | None:
    return None if 0.0 <= value <= 1.0 else f"must be within [0, 1], got {value}"


SETTINGS = (
    Setting("host", str, "127.0.0.1", "address to bind"),
    Setting("port", int, 0, "port to bind; 0 picks a free one"),
    Setting("call_log", str, None, "append one JSON line per AWS request to this file"),
    Setting("deploy_reads", int, 2, "reads a distribution stays InProgress", runtime=True, check=_at_least_zero),
    Setting("fault_rate", float, 0.0, "fraction of requests answered with a fault", runtime=True, check=_fraction),
    Setting("fault_seed", int, 0, "seed of the fault sequence", runtime=True),
    Setting("log_flush_interval", float, 1.0,
            "seconds between deliveries of the local CloudFront edge's access logs; 0: only on demand", check=_at_least_zero),
    Setting("latency", float, 0.0, "seconds every AWS API call waits before it is answered, as over a network", runtime=True,
            check=_at_least_zero),
    Setting("cloudfront_rate_limit", float, 0.0,
            "CloudFront API calls per second the account may make; more are answered 400 Throttling (0: no limit)", runtime=True,
            check=_at_least_zero),
    Setting("cloudfront_burst", float, None,
            "CloudFront calls the account may make at once before the rate limit applies (default: one second's worth)",
            runtime=True, check=lambda value: None if value >= 1 else f"must be >= 1 call, got {value}"),
    Setting("pid_file", str, None, "write the process id here; removed on exit", process=True),
    Setting("endpoint_file", str, None, "write the endpoint URL here once connections are accepted", process=True),
)
BY_NAME = {setting.name: setting for setting in SETTINGS}


class Settings:
    """Values for the settings (the defaults where not given); ``Settings(deploy_reads=0).deploy_reads``."""

    def __init__(self, process: bool = False, **values: Any):
        for setting in SETTINGS:
            if setting.process and not process:
                continue
            setattr(self, setting.name, setting.default)
        self.update(values, process=process)

    def update(self, values: dict[str, Any], runtime_only: bool = False, process: bool = False) -> None:
        """Set ``values`` after checking every one of them (nothing is set when one is refused: ValueError)."""
        problems = []
        for name, value in values.items():
            setting = BY_NAME.get(name)
            if setting is None or (setting.process and not process) or (runtime_only and not setting.runtime):
                kind = "runtime " if runtime_only else ""
                problems.append(f"unknown {kind}setting {name!r}")
                continue
            if value is not None and setting.type in (int, float) and not isinstance(value, (int, float)):
                problems.append(f"{name}: not a number: {value!r}")
                continue
            problem = setting.check(value) if value is not None else None
            if problem:
                problems.append(f"{name} {problem}")
        if problems:
            raise ValueError("; ".join(problems))
        for name, value in values.items():
            setattr(self, name, value)

    def as_dict(self, runtime_only: bool = False) -> dict[str, Any]:
        return {s.name: getattr(self, s.name) for s in SETTINGS if hasattr(self, s.name) and (s.runtime or not runtime_only)}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """One command-line option per setting."""
    for setting in SETTINGS:
        default = f" (default {setting.default})" if setting.default not in (None, "") else ""
        parser.add_argument(setting.flag, dest=setting.name, type=setting.type, default=setting.default,
                            help=setting.help + default)


def cli_args(**values: Any) -> list[str]:
    """Command-line arguments of ``python -m tests.strict_aws`` for these settings (the others keep their defaults)."""
    settings = Settings(process=True, **values)
    args = []
    for setting in SETTINGS:
        value = getattr(settings, setting.name)
        if value is not None:
            args += [setting.flag, str(value)]
    return args
