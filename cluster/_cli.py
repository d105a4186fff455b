"""``python -m cluster [options] app.py [args...]`` (and the ``cluster`` command).

Runs an unmodified server program in N workers that share its ports, under a
:class:`~cluster.supervisor.Supervisor`. Every option has an environment variable
(``CLUSTER_WORKERS``, ``CLUSTER_TIMEOUT``...), which the command line overrides; a bad
value is one line on stderr naming it, exit status 2, and no worker is started.
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from ._units import seconds, size_bytes, worker_count

USAGE_ERROR = 2

DESCRIPTION = """\
Run a server program on every core: N workers share its ports through this primary,
which restarts them with backoff, reloads them one by one without dropping a request
(SIGHUP), adds or removes one (SIGTTIN / SIGTTOU), kills stuck ones, recycles them, and
drains them all on SIGTERM or SIGINT. The program needs no change: any server that
listens through Python's socket module is shared."""

EPILOG = """\
signals:
  HUP             rolling reload: each worker is replaced by one running the code on
                  disk now, and drained only once its replacement is ready
  TTIN / TTOU     one worker more / less
  TERM / INT      graceful stop: drain every worker, SIGKILL after --graceful-timeout

exit status: 0 after a stop, 1 after giving up on a crash loop, 2 for bad usage.
Every option can also be set by an environment variable: CLUSTER_ and the option's
name in capitals (--max-requests: CLUSTER_MAX_REQUESTS); -w also reads WEB_CONCURRENCY.

examples:
  python -m cluster -w 4 app.py --port 8000
  python -m cluster -w max --max-requests 10000 --max-requests-jitter 1000 -m myapp
  kill -HUP $(cat app.pid)      # deploy: copy the new code, then reload"""


def _checked(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    """``parse``, with its own message when it refuses a value (argparse's would be
    "invalid _size value")."""

    def check(text: str) -> Any:
        try:
            return parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return check


def _whole(text: str) -> int:
    if text.isdigit():
        return int(text)
    raise ValueError(f"invalid number {text!r}: a whole number from 0")


def _duration(text: str) -> float:
    return seconds(text)


def _size(text: str) -> int:
    return size_bytes(text)


def _address(text: str) -> str:
    from ._prometheus import parse_address

    parse_address(text)
    return text


# (flags, dest, type, default, help); the default is the Supervisor's where None.
_OPTIONS: list[tuple[tuple[str, ...], str, Callable[[str], Any], Any, str]] = [
    (
        ("-w", "--workers"),
        "workers",
        worker_count,
        "max",
        "how many workers: a number, or max (the CPUs this process may use) [max]",
    ),
    (
        ("--timeout",),
        "timeout",
        _duration,
        "30s",
        "kill a worker (SIGABRT with a stack dump, then SIGKILL) whose servers have "
        "taken no connection handed to them, or that answers no ping, this long; 0 "
        "turns it off [30s]",
    ),
    (
        ("--graceful-timeout",),
        "graceful_timeout",
        _duration,
        "25s",
        "how long a worker may drain (stop, reload, recycle) before SIGKILL [25s]",
    ),
    (
        ("--ready-timeout",),
        "ready_timeout",
        _duration,
        "30s",
        "how long a new worker may take to be ready; then it counts as a failed boot [30s]",
    ),
    (
        ("--ready",),
        "ready",
        str,
        "listening",
        "when a worker is ready: listening (its servers listen) or online (workers "
        "without servers) [listening]",
    ),
    (
        ("--max-requests",),
        "max_requests",
        _whole,
        "0",
        "recycle a worker after this many connections handed to it; 0: never [0]",
    ),
    (
        ("--max-requests-jitter",),
        "max_requests_jitter",
        _whole,
        "0",
        "add a random 0..J to --max-requests for each worker, so they do not all "
        "recycle at once [0]",
    ),
    (
        ("--max-memory",),
        "max_memory",
        _size,
        None,
        "recycle a worker whose RSS stays above this (e.g. 512M, 1G) for 3 checks in a row",
    ),
    (
        ("--max-age",),
        "max_age",
        _duration,
        None,
        "recycle a worker after it has run this long (e.g. 12h)",
    ),
    (
        ("--backoff",),
        "backoff",
        _duration,
        "100ms",
        "first delay before restarting a crashed worker; it doubles with each crash in a "
        "row [100ms]",
    ),
    (("--backoff-max",), "backoff_max", _duration, "15s", "the longest restart delay [15s]"),
    (
        ("--min-uptime",),
        "min_uptime",
        _duration,
        "5s",
        "a worker that stays up this long resets its slot's backoff [5s]",
    ),
    (
        ("--max-boot-failures",),
        "max_boot_failures",
        _whole,
        "5",
        "give up (exit 1) when this many workers fail to boot in a row within a minute [5]",
    ),
    (
        ("--reload-batch",),
        "reload_batch",
        _whole,
        "1",
        "how many workers a reload or recycling replaces at once [1]",
    ),
    (
        ("--control",),
        "control",
        str,
        None,
        "the control socket's path (for status, top, reload, scale, stop) [in "
        "$XDG_RUNTIME_DIR/node-cluster or /tmp/node-cluster-UID, named by the pid]",
    ),
    (
        ("--metrics",),
        "metrics",
        _address,
        None,
        "serve Prometheus metrics on HOST:PORT at /metrics (e.g. 127.0.0.1:9100)",
    ),
]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        """One line naming what was wrong, exit 2 (argparse would print usage too)."""
        self.exit(USAGE_ERROR, f"cluster: error: {message} (see python -m cluster --help)\n")


def _parser() -> _Parser:
    parser = _Parser(
        prog="python -m cluster",
        usage="python -m cluster [options] (app.py | -m module) [args...]",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    for flags, dest, kind, default, text in _OPTIONS:
        parser.add_argument(
            *flags,
            dest=dest,
            type=_checked(kind),
            default=default,
            help=text,
            metavar=dest.upper().split("_")[-1] if kind is not str else None,
        )
    parser.add_argument(
        "--no-prefix",
        dest="prefix_output",
        action="store_false",
        help="pass the workers' output through as it is (by default each "
        "line starts with [worker ID pid PID])",
    )
    parser.add_argument(
        "--no-control",
        dest="no_control",
        action="store_true",
        help="open no control socket",
    )
    parser.add_argument(
        "--scheduling",
        choices=("rr", "none", "reuseport"),
        default=None,
        help="rr: the primary hands out connections (default); none: the "
        "workers accept on a shared socket (uvloop); reuseport: one "
        "SO_REUSEPORT socket per worker, balanced by the kernel (Linux)",
    )
    parser.add_argument(
        "--scheduler",
        default=None,
        help="which worker gets a connection under rr: round-robin (default), "
        "least-connections, ip-hash, header:NAME, cookie:NAME or socketio "
        "(see docs/schedulers.md)",
    )
    parser.add_argument(
        "-m",
        dest="module",
        metavar="MODULE",
        help="run a module, as python -m does, instead of a script",
    )
    parser.add_argument(
        "program", nargs=argparse.REMAINDER, help="the server program and its arguments"
    )
    return parser


def _environment_defaults(parser: _Parser, environ: dict[str, str]) -> None:
    """CLUSTER_<OPTION> (and WEB_CONCURRENCY for -w) as defaults, checked like flags."""
    values: dict[str, Any] = {}
    for _flags, dest, kind, _default, _text in _OPTIONS:
        name = "CLUSTER_" + dest.upper()
        text = environ.get(name, environ.get("WEB_CONCURRENCY") if dest == "workers" else None)
        if text:
            try:
                values[dest] = kind(text)
            except ValueError as exc:
                parser.error(f"environment variable {name}: {exc}")
    parser.set_defaults(**values)


def parse(argv: Sequence[str], environ: dict[str, str] | None = None) -> argparse.Namespace:
    """The command line, checked: every value parsed, the program found."""
    parser = _parser()
    _environment_defaults(parser, dict(os.environ if environ is None else environ))
    args = parser.parse_args(list(argv))
    for _flags, dest, kind, _default, _text in _OPTIONS:
        if isinstance(getattr(args, dest), str) and kind is not str:
            setattr(args, dest, kind(getattr(args, dest)))  # the defaults, as strings above
    if args.scheduler is not None:
        from ._schedulers import check

        if isinstance(args.scheduler, str) and (problem := check(args.scheduler)):
            parser.error(f"argument --scheduler: {problem}")
    if args.ready not in ("listening", "online"):
        parser.error(f"argument --ready: invalid choice {args.ready!r} (listening or online)")
    if args.module is None:
        if not args.program:
            parser.error("no program given: python -m cluster [options] app.py [args...]")
        script, *rest = args.program
        if script.startswith("-"):
            parser.error(f"unrecognized option {script!r}")
        if not os.path.isfile(script):
            parser.error(f"no such script: {script}")
        args.exec, args.args = os.path.abspath(script), rest
    else:
        if importlib.util.find_spec(args.module) is None:
            parser.error(f"no module named {args.module!r}")
        args.exec, args.args = "-m " + args.module, list(args.program)
    return args


def _supervisor_options(args: argparse.Namespace) -> dict[str, Any]:
    options = {dest: getattr(args, dest) for _f, dest, _k, _d, _t in _OPTIONS}
    options = {name: value for name, value in options.items() if value is not None}
    options["prefix_output"] = args.prefix_output
    options["control"] = False if args.no_control else (args.control or True)
    return options


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    argv = sys.argv[1:] if argv is None else argv
    if (
        argv
        and argv[0] in ("status", "top", "reload", "scale", "stop")
        or (len(argv) > 2 and argv[0] in ("--pid", "--control") and argv[2] in ("status", "top"))
    ):
        from ._control_cli import main as control

        return control(argv)
    args = parse(argv)
    import cluster

    from .supervisor import Supervisor

    if args.scheduling is not None:
        cluster.scheduling_policy = cluster._POLICIES[args.scheduling]
    options = _supervisor_options(args)
    try:
        supervisor = Supervisor(**options)
    except ValueError as exc:
        _parser().error(str(exc))
    scheduler = {} if args.scheduler is None else {"scheduler": args.scheduler}
    cluster.setup_primary(exec=args.exec, args=args.args, **scheduler)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    return supervisor.run()
