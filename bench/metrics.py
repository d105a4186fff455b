"""What watching costs: the primary's CPU per connection with metrics on and off.

    python bench/metrics.py [--rounds 3] [--requests 5000] [--load auto|python]

Two ``python -m cluster -w 2`` primaries serve the same app (bench/metrics_app.py)
with round-robin hand-off: one with ``--no-control`` and no metrics, one with its
control socket and ``--metrics``, scraped each second (``/metrics`` and a ``status`` on
the control socket) during its rounds. Rounds of new-connection load alternate between
them; the table gives the medians of the primary's CPU time per connection
(``/proc/PID/stat``) and the ratio on/off.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _common as c  # noqa: E402

APP = str(c.BENCH / "metrics_app.py")


def status(path: str) -> dict:
    with socket.socket(socket.AF_UNIX) as sock:
        sock.settimeout(5)
        sock.connect(path)
        sock.sendall(b'{"cmd": "status"}\n')
        return json.loads(sock.makefile("rb").readline())


def start(name: str, control: str | None, metrics_port: int | None) -> tuple[c.Program, int]:
    port = _free_port()
    argv = [c.PYTHON, "-m", "cluster", "-w", "2"]
    argv += ["--control", control] if control else ["--no-control"]
    argv += ["--metrics", f"127.0.0.1:{metrics_port}"] if metrics_port else []
    program = c.Program(name, [*argv, APP, str(port)], {"PYTHONPATH": str(c.BENCH.parent)})
    deadline = time.monotonic() + 30
    while True:  # ready: both workers answer on the port
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).read()
            break
        except OSError:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{name} did not start: {program.stderr()[-2000:]}") from None
            time.sleep(0.2)
    program.note_descendants()
    return program, port


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def scrape(control: str, metrics_port: int, stop: threading.Event) -> None:
    while not stop.wait(1.0):
        urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).read()
        status(control)


def one_round(tool: str, program: c.Program, port: int, args: argparse.Namespace) -> float:
    before = c.cpu_us(program.pid)
    result = c.load_close(tool, port, args.concurrency, args.requests, args.max_seconds)
    if not result["completed"]:
        c.log(f"{program.name}: no request completed: {result}")
    return (c.cpu_us(program.pid) - before) / (result["completed"] or float("nan"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--max-seconds", type=float, default=20)
    parser.add_argument("--load", choices=("auto", "python"), default="auto")
    args = parser.parse_args()
    tools = c.load_tools(args.load)
    folder = tempfile.mkdtemp(prefix="bench-metrics-")
    control, metrics_port = os.path.join(folder, "ctl.sock"), _free_port()
    off, off_port = start("metrics off", None, None)
    on, on_port = start("metrics on", control, metrics_port)
    cpu: dict[str, list[float]] = {"off": [], "on": []}
    for number in range(args.rounds):
        c.log(f"round {number + 1}/{args.rounds}")
        cpu["off"].append(one_round(tools["close"], off, off_port, args))
        stop = threading.Event()
        scraper = threading.Thread(target=scrape, args=(control, metrics_port, stop))
        scraper.start()
        cpu["on"].append(one_round(tools["close"], on, on_port, args))
        stop.set()
        scraper.join()
    off_us, on_us = c.median(cpu["off"]), c.median(cpu["on"])
    c.print_table(
        "Primary CPU per connection, metrics and control socket on (scraped each second) vs off",
        ["variant", "primary CPU µs / connection (median)", "rounds"],
        [
            ["off", off_us, args.rounds],
            ["on", on_us, args.rounds],
            ["on / off", c.ratio(on_us, off_us), ""],
        ],
        [tools["note"], c.machine_facts()],
    )
    return 0


if __name__ == "__main__":
    c.main_wrapper(main)
