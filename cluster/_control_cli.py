"""``python -m cluster status|top|reload|scale N|stop``: talk to a running primary
over its control socket (:mod:`cluster._control`)."""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import time
from collections import deque
from collections.abc import Sequence
from typing import Any

from ._control import control_dir

COMMANDS = ("status", "top", "reload", "scale", "stop")


class ControlError(Exception):
    """No primary found, or it refused the request."""


def find_socket(pid: int | None, path: str | None) -> str:
    """The control socket of ``pid``, ``path`` itself, or the only one of this user's."""
    if path:
        return path
    directory = control_dir()
    if pid is not None:
        return str(directory / f"{pid}.sock")
    live = [p for p in sorted(directory.glob("*.sock")) if _alive(p.stem)]
    if len(live) == 1:
        return str(live[0])
    if not live:
        raise ControlError(f"no running cluster primary found (no control socket in {directory})")
    pids = ", ".join(p.stem for p in live)
    raise ControlError(f"several cluster primaries are running (pids {pids}): pick one with --pid")


def _alive(stem: str) -> bool:
    try:
        os.kill(int(stem), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True


def request(path: str, message: dict[str, Any], timeout: float = 10) -> dict[str, Any]:
    """Send one request, return its reply; ``ControlError`` when refused or unreachable."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(path)
            sock.sendall(json.dumps(message).encode() + b"\n")
            reply = sock.makefile("rb").readline()
    except OSError as exc:
        raise ControlError(f"cannot reach the primary at {path}: {exc}") from None
    if not reply:
        raise ControlError(f"the primary at {path} closed the connection")
    answer: dict[str, Any] = json.loads(reply)
    if not answer.get("ok"):
        raise ControlError(str(answer.get("error")))
    return answer


def status_table(
    status: dict[str, Any], extra_head: str = "", extra: Sequence[str] = ()
) -> str:
    """The workers as a table, one line each, under one line about the primary;
    ``extra`` columns (one string per worker, under ``extra_head``) go after RSS."""
    head = (
        f"primary pid {status['pid']}  phase {status['phase']}  wanted {status['wanted']}  "
        f"cpu {status['cpu_percent']:.1f}%  rss {_mib(status['rss'])}"
    )
    columns = f"{'ID':>4} {'PID':>8} {'STATE':<12} {'UPTIME':>8} {'CPU%':>6} {'RSS':>9} "
    columns += f"{extra_head}{'HANDED':>8} {'QUEUED':>6} {'RESTARTS':>8} LAST EXIT"
    workers = status["workers"]
    rows = [
        f"{w['id']:>4} {w['pid']:>8} {w['state']:<12} {w['uptime']:>7.0f}s "
        f"{w['cpu_percent']:>6.1f} {_mib(w['rss']):>9} {more}{w['connections_handed']:>8} "
        f"{w['connections_queued']:>6} {w['restarts']:>8} {w['last_exit_reason'] or '-'}"
        for w, more in zip(workers, extra or [""] * len(workers), strict=True)
    ]
    return "\n".join([head, columns, *rows])


def _mib(size: int) -> str:
    return f"{size / 1048576:.1f}MiB"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m cluster", allow_abbrev=False)
    parser.add_argument("--pid", type=int, help="the primary's pid")
    parser.add_argument("--control", metavar="PATH", help="the primary's control socket")
    commands = parser.add_subparsers(dest="command", required=True)
    status = commands.add_parser("status", help="a table of the workers")
    status.add_argument("--json", action="store_true", help="the status as JSON")
    top = commands.add_parser("top", help="a live view; keys: r reload, + / - scale, q quit")
    reload = commands.add_parser("reload", help="rolling reload")
    scale = commands.add_parser("scale", help="keep N workers")
    scale.add_argument("workers", help="how many workers")
    stop = commands.add_parser("stop", help="graceful stop")
    for sub in (status, top, reload, scale, stop):
        sub.add_argument("--pid", type=int, default=argparse.SUPPRESS)
        sub.add_argument("--control", default=argparse.SUPPRESS)
    return parser


def main(argv: Sequence[str]) -> int:
    """Run one control command; returns the exit status (1 on failure, 2 bad usage)."""
    args = _parser().parse_args(list(argv))
    try:
        path = find_socket(args.pid, args.control)
        if args.command == "status":
            status = request(path, {"cmd": "status"})
            status.pop("ok", None)
            print(json.dumps(status, indent=2) if args.json else status_table(status))
        elif args.command == "top":
            return top(path)
        elif args.command == "scale":
            request(path, {"cmd": "scale", "workers": args.workers})
        else:
            request(path, {"cmd": args.command})
    except ControlError as exc:
        print(f"cluster: {exc}", file=sys.stderr)
        return 1
    return 0


TREND = " .:-=+*#%@"  # a sparkline in ASCII: any terminal, any locale
HISTORY = 10  # refreshes the RSS trend covers


def bar(fraction: float, width: int = 10) -> str:
    """``[####......]``: ``fraction`` (0..1) of ``width``."""
    filled = round(max(0.0, min(1.0, fraction)) * width)
    return "[" + "#" * filled + "." * (width - filled) + "]"


def trend(values: Sequence[float]) -> str:
    """One character per value, from the lowest of them (``" "``) to the highest."""
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    return "".join(TREND[round((v - low) / span * (len(TREND) - 1))] for v in values)


class TopView:
    """What ``top`` shows: the status table, with connections/s (from the change in
    connections handed since the last refresh), a CPU bar and the RSS trend."""

    def __init__(self) -> None:
        self._handed: dict[int, tuple[int, float]] = {}
        self._rss: dict[int, deque[float]] = {}

    def lines(self, status: dict[str, Any], now: float) -> list[str]:
        extra = [self._extra(worker, now) for worker in status["workers"]]
        head = f"{'CONN/S':>6} {'CPU':<12} {'RSS TREND':<10} "
        return status_table(status, head, extra).split("\n")

    def _extra(self, worker: dict[str, Any], now: float) -> str:
        handed, at = self._handed.get(worker["id"], (worker["connections_handed"], now))
        rate = (worker["connections_handed"] - handed) / (now - at) if now > at else 0.0
        self._handed[worker["id"]] = (worker["connections_handed"], now)
        rss = self._rss.setdefault(worker["id"], deque(maxlen=HISTORY))
        rss.append(float(worker["rss"]))
        return f"{rate:>6.0f} {bar(worker['cpu_percent'] / 100):<12} {trend(list(rss)):<10} "


def top(path: str) -> int:
    """A live view refreshed each second (curses); r reload, + / - scale, q quit."""
    import curses

    view = TopView()

    def run(screen: Any) -> None:
        curses.curs_set(0)
        screen.timeout(1000)
        note = "keys: r reload  + more  - fewer  q quit"
        while True:
            status = request(path, {"cmd": "status"})
            screen.erase()
            table = view.lines(status, time.monotonic())
            lines = ["cluster top  " + time.strftime("%H:%M:%S"), *table]
            height, width = screen.getmaxyx()
            for row, line in enumerate([*lines, "", note][: height - 1]):
                screen.addnstr(row, 0, line, width - 1)
            screen.refresh()
            key = screen.getch()
            if key == ord("q"):
                return
            if key == ord("r"):
                request(path, {"cmd": "reload"})
                note = "reload asked"
            elif key in (ord("+"), ord("-")):
                wanted = max(1, status["wanted"] + (1 if key == ord("+") else -1))
                request(path, {"cmd": "scale", "workers": wanted})
                note = f"scale to {wanted} asked"

    curses.wrapper(run)
    return 0
