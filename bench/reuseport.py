"""SCHED_REUSEPORT against SCHED_NONE and SCHED_RR: requests/s, and the spread.

    python bench/reuseport.py [--quick] [--rounds 5] [--requests 10000] [--tool ...]

Requests/s: ``http_server.py --workers 2`` under each policy
(``NODE_CLUSTER_SCHED_POLICY=reuseport|none|rr``), started once; rounds of load
(``ab -c 32``, a new connection per request) alternate between them; medians.

Spread: this file with ``--serve STYLE``, a primary with 8 workers that answer each
connection with their id (after a little work), under each policy; rounds of 400
fresh connections, 16 at a time, from 127.0.0.1; how many each worker got (the
median over rounds of the stddev and of max-min). Eight, as in Node's own account of
SCHED_NONE ("over 70% of all connections ended up in just two processes, out of a
total of eight"): with more workers than cores, which worker's wake-up wins is up to
the CPU scheduler. (With 2 workers on 2 cores every policy comes out near even and
the order changes from run to run.) Two worker styles: ``accept``, a blocking
``accept()`` loop (the kernel wakes one blocked accepter, the one waiting longest),
and ``epoll``, a ``selectors`` loop as asyncio, gevent and most servers run (every
worker's epoll wakes, the first to accept wins). SCHED_NONE leaves it to those
wake-ups; SCHED_REUSEPORT to the kernel's hash of the 4-tuple, a multinomial draw
(a stddev of about 6.6 here, root mean square); RR takes turns.

Targets: REUSEPORT >= 0.95x NONE requests/s; a smaller spread than NONE.
"""

from __future__ import annotations

import collections
import json
import math
import os
import selectors
import socket
import statistics
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _common as c  # noqa: E402

POLICIES = ("reuseport", "none", "rr")
SPREAD_CONNECTIONS = 400
SPREAD_WORKERS = 8
SPREAD_CLIENTS = 16  # connections in flight at once
STYLES = ("accept", "epoll")
WORK = 20_000
# 400 connections over 8 workers at random: each count is Binomial(400, 1/8) and the
# counts sum to 400, so their mean is 50 exactly and their population variance is on
# average the binomial's, 400 * (1/8) * (7/8). Its root: the root-mean-square stddev.
RANDOM_STDDEV = math.sqrt(SPREAD_CONNECTIONS * (SPREAD_WORKERS - 1)) / SPREAD_WORKERS


def serve(style: str) -> None:
    """``--serve STYLE``: SPREAD_WORKERS workers answering ``<id>`` on each connection."""
    import cluster

    if cluster.is_worker:
        with socket.create_server(("127.0.0.1", 0)) as server:
            answer = f"{cluster.worker.id}\n".encode()
            if style == "epoll":
                server.setblocking(False)
                selector = selectors.DefaultSelector()
                selector.register(server, selectors.EVENT_READ)
            while True:
                if style == "epoll":
                    selector.select()
                try:
                    conn, _ = server.accept()
                except BlockingIOError:  # another worker took it
                    continue
                with conn:
                    conn.setblocking(True)
                    sum(range(WORK))  # a little work per connection, as a real handler
                    conn.sendall(answer)
    listening: set[int] = set()

    def on_listening(worker: cluster.Worker, address: cluster.Address) -> None:
        listening.add(worker.id)
        if len(listening) == SPREAD_WORKERS:
            pids = [w.process.pid for w in cluster.workers.values()]
            print(json.dumps({"event": "ready", "port": address.port, "workers": pids}))
            sys.stdout.flush()

    cluster.on("listening", on_listening)
    for _ in range(SPREAD_WORKERS):
        cluster.fork()
    sys.stdin.read()
    for worker in list(cluster.workers.values()):
        worker.kill("SIGKILL")


def spread_round(port: int) -> list[int]:
    """400 connections, 16 at a time: how many each worker answered, by id."""
    counts: collections.Counter[str] = collections.Counter()
    lock = threading.Lock()

    def client() -> None:
        for _ in range(SPREAD_CONNECTIONS // SPREAD_CLIENTS):
            with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
                answer = sock.makefile().readline().strip()
            with lock:
                counts[answer] += 1

    threads = [threading.Thread(target=client) for _ in range(SPREAD_CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [counts.get(str(i), 0) for i in range(1, SPREAD_WORKERS + 1)]


def spreads(policy: str, style: str, rounds: int) -> list[list[int]]:
    argv = [c.PYTHON, __file__, "--serve", style]
    program = c.Program(f"spread {policy} {style}", argv, _env(policy))
    try:
        port = int(program.wait_event("ready", timeout=60)["port"])
        return [spread_round(port) for _ in range(rounds)]
    finally:
        program.stop(timeout=10)


def _env(policy: str) -> dict[str, str]:
    return {"NODE_CLUSTER_SCHED_POLICY": policy}


def main() -> int:
    parser = c.load_options(__doc__.splitlines()[0], max_seconds=30.0)
    args = parser.parse_args()
    args.rounds = args.rounds or (1 if args.quick else 5)
    args.requests = args.requests or (300 if args.quick else 10000)
    tool = c.load_tools(args.tool)["close"]
    servers = {}
    for policy in POLICIES:
        argv = [c.PYTHON, str(c.BENCH / "http_server.py"), "--workers", "2"]
        program = c.Program(policy, argv, _env(policy))
        servers[policy] = (program, int(program.wait_event("ready", timeout=60)["port"]))
    for _program, port in servers.values():  # warm-up
        c.load_close(tool, port, args.concurrency, max(50, args.requests // 10), args.max_seconds)
    rps: dict[str, list[float]] = {policy: [] for policy in POLICIES}
    errors = collections.Counter[str]()
    for _ in range(args.rounds):
        for policy, (_program, port) in servers.items():
            result = c.load_close(tool, port, args.concurrency, args.requests, args.max_seconds)
            rps[policy].append(result["rps"])
            errors[policy] += int(result["errors"])
    for program, _port in servers.values():
        program.stop(timeout=20)
    rows = [[policy, c.median(rps[policy]), errors[policy]] for policy in POLICIES]
    c.print_table(
        "reuseport: 2 workers, a new connection per request",
        ["policy", "req/s", "errors"],
        rows,
        [f"{args.rounds} rounds of {args.requests:,} requests, -c {args.concurrency}, {tool}"],
    )
    spread_rounds = 1 if args.quick else 7
    stddev: dict[tuple[str, str], float] = {}
    rows = []
    for style in STYLES:
        for policy in POLICIES:
            counts = spreads(policy, style, spread_rounds)
            stddev[policy, style] = c.median([statistics.pstdev(row) for row in counts])
            rows.append(
                [
                    style,
                    policy,
                    ", ".join(f"{min(row)}-{max(row)}" for row in counts),
                    stddev[policy, style],
                    c.median([max(row) - min(row) for row in counts]),
                ]
            )
    c.print_table(
        f"reuseport: the spread of {SPREAD_CONNECTIONS} connections over {SPREAD_WORKERS} workers",
        ["worker loop", "policy", "fewest-most, each round", "median stddev", "median max-min"],
        rows,
        [
            f"{spread_rounds} rounds per row, {SPREAD_CLIENTS} connections in flight; "
            f"a random draw's stddev (root mean square): {RANDOM_STDDEV:.1f}"
        ],
    )
    ratio = c.ratio(c.median(rps["reuseport"]), c.median(rps["none"]))
    targets = [["REUSEPORT / NONE req/s", ratio, ">= 0.95", c.check_mark(ratio, 0.95, True)]]
    for style in STYLES:
        fairer = stddev["reuseport", style] < stddev["none", style]
        targets.append(
            [
                f"spread stddev REUSEPORT < NONE ({style})",
                f"{stddev['reuseport', style]:.1f} vs {stddev['none', style]:.1f}",
                "smaller",
                "met" if fairer else "MISSED",
            ]
        )
    c.print_table("reuseport: targets", ["target", "value", "goal", "status"], targets)
    return 0


if __name__ == "__main__":
    if "--serve" in sys.argv:
        serve(sys.argv[sys.argv.index("--serve") + 1])
    else:
        c.main_wrapper(main)
