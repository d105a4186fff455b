"""Reload under load: the supervisor's rolling reload against Node's, and what supervision costs.

    python bench/reload.py [--quick] [--rounds 3] [--workers 4] [--connections 16]

Three servers, all serving http_server.py's (or .js's) minimal server, alternately,
``--rounds`` times each, under the same load: ``_loadgen.py --timeline``, every request
on a new connection, ``--connections`` at once, for ``--steady`` seconds, a reload, and
as long again after it ends.

- *python supervisor*: ``reload_server.py``, a ``cluster.supervisor.Supervisor``;
  SIGHUP is its ready-gated rolling reload.
- *node rolling restart*: ``reload_server.js``, the rolling restart a Node user
  writes (fork, wait for 'listening', disconnect the old one, wait for its 'exit').
- *python cluster, no supervisor*: ``http_server.py``, a plain cluster primary, under the
  same load with no reload: the steady-state figures without supervision.

The load generator writes each request's start, latency and outcome. *steady* is the
requests started before SIGHUP; *during reload* those started between SIGHUP and the
end of the reload (every old worker exited). *failed* counts requests refused, reset
or unanswered over the whole run. *primary CPU* is the primary's CPU time over the run
divided by the requests answered. The load generator is a Python client on the same
cores: its latencies include its own, the same for every server.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import threading
import time
from dataclasses import dataclass

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _common as c  # noqa: E402

SERVERS = {
    "python supervisor": [c.PYTHON, str(c.BENCH / "reload_server.py")],
    "node rolling restart": [c.NODE, str(c.BENCH / "reload_server.js")],
    "python cluster, no supervisor": [c.PYTHON, str(c.BENCH / "http_server.py")],
}
RELOADS = ("python supervisor", "node rolling restart")


@dataclass
class Run:
    requests: int
    failed: int
    steady: list[float]
    reloading: list[float]
    reload_s: float | None
    cpu_us_per_request: float


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def read_timeline(path: str) -> list[tuple[float, float, bool]]:
    with open(path) as lines:
        return [(float(a), float(b), c == "1") for a, b, c in (line.split() for line in lines)]


def measure(name: str, workers: int, connections: int, steady_s: float) -> Run:
    """One server under load, reloaded once after ``steady_s`` (if it reloads)."""
    port = free_port()
    argv = [*SERVERS[name], "--workers", str(workers), "--port", str(port)]
    program = c.Program(name, argv, {"NODE_CLUSTER_SCHED_POLICY": "rr"})
    program.wait_event("ready", 60)
    reloads = name in RELOADS
    duration = steady_s * 3 if reloads else steady_s * 2
    with tempfile.NamedTemporaryFile(prefix="reload-timeline-", delete=False) as file:
        timeline_path = file.name
    load_argv = [c.PYTHON, str(c.BENCH / "_loadgen.py"), "--port", str(port), "--mode", "close",
                 "--connections", str(connections), "--duration", str(duration),
                 "--timeline", timeline_path]
    outcome: dict[str, object] = {}
    cpu_before = c.cpu_us(program.pid)
    load = threading.Thread(
        target=lambda: outcome.update(result=c.run_tool(load_argv, duration + 60))
    )
    load.start()
    hup_at = done_at = None
    if reloads:
        time.sleep(steady_s)  # a benchmark's schedule, not synchronisation
        hup_at = time.monotonic()
        os.kill(program.pid, signal.SIGHUP)
        program.wait_event("reload_start", 30)
        program.wait_event("reload_done", 120)
        done_at = time.monotonic()
    load.join()
    cpu = c.cpu_us(program.pid) - cpu_before
    program.stop(wait_for="stopped", timeout=30)
    try:
        timeline = read_timeline(timeline_path)
    finally:
        os.unlink(timeline_path)
    answered = [(begun, took) for begun, took, ok in timeline if ok]
    end_of_steady = hup_at if hup_at is not None else float("inf")
    return Run(
        requests=len(timeline),
        failed=sum(1 for *_, ok in timeline if not ok),
        steady=[took for begun, took in answered if begun < end_of_steady],
        reloading=[took for begun, took in answered
                   if hup_at is not None and done_at is not None and hup_at <= begun <= done_at],
        reload_s=None if hup_at is None or done_at is None else done_at - hup_at,
        cpu_us_per_request=cpu / len(answered) if answered else float("nan"),
    )


def ms(values: list[float], fraction: float) -> float:
    return c.percentile(values, fraction) * 1000 if values else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes (smoke test)")
    parser.add_argument("--rounds", type=int)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--steady", type=float, help="seconds of load before the reload")
    args = parser.parse_args()
    rounds = args.rounds or (1 if args.quick else 3)
    steady_s = args.steady or (1.0 if args.quick else 4.0)
    workers = 2 if args.quick else args.workers
    c.cache_bytecode()
    runs: dict[str, list[Run]] = {name: [] for name in SERVERS}
    for round_number in range(1, rounds + 1):
        for name in SERVERS:
            print(f"round {round_number}/{rounds}: {name}", file=sys.stderr, flush=True)
            runs[name].append(measure(name, workers, args.connections, steady_s))

    rows = []
    for name, results in runs.items():
        reload_times = [r.reload_s for r in results if r.reload_s is not None]
        rows.append([
            name,
            sum(r.requests for r in results),
            sum(r.failed for r in results),
            c.median([ms(r.steady, 0.5) for r in results]),
            c.median([ms(r.steady, 0.99) for r in results]),
            c.median([ms(r.reloading, 0.99) for r in results]) if name in RELOADS else "-",
            c.median(reload_times) if reload_times else "-",
            c.median([r.cpu_us_per_request for r in results]),
        ])
    c.print_table(
        f"reload: {workers} workers, {args.connections} clients, new connection per request",
        ["server", "requests", "failed", "p50 steady ms", "p99 steady ms",
         "p99 during reload ms", "reload s", "primary CPU us/req"],
        rows,
        [f"{rounds} round(s) each, medians over rounds; requests and failed are totals. "
         "Load: bench/_loadgen.py (a Python client on the same cores).",
         c.machine_facts()],
    )
    python, node, plain = (rows[0], rows[1], rows[2])
    c.print_table(
        "reload: ratios",
        ["ratio", "value"],
        [
            ["p99 during reload / p99 steady, python supervisor", c.ratio(python[5], python[4])],
            ["p99 during reload / p99 steady, node rolling restart", c.ratio(node[5], node[4])],
            ["p99 during reload, python / node", c.ratio(python[5], node[5])],
            ["primary CPU per request, supervisor / no supervisor", c.ratio(python[7], plain[7])],
        ],
    )
    return 0


if __name__ == "__main__":
    c.main_wrapper(main)
