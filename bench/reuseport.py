"""SCHED_REUSEPORT against SCHED_NONE and SCHED_RR: requests/s, and the spread.

    python bench/reuseport.py [--quick] [--rounds 3] [--requests 10000] [--tool ...]

Requests/s: ``http_server.py --workers 2`` under each policy
(``NODE_CLUSTER_SCHED_POLICY=reuseport|none|rr``), started once; rounds of load
(``ab -c 32``, a new connection per request) alternate between them; medians.

Spread: this file with ``--serve``, a primary with 2 workers that answer each
connection with their id (after a little work), under each policy; 400 fresh
connections, 16 at a time, from 127.0.0.1; how many each worker got (stddev and
max-min). SCHED_NONE
leaves it to whichever worker's accept() wakes first; SCHED_REUSEPORT to the kernel's
hash of the 4-tuple; RR takes turns.

Targets: REUSEPORT >= 0.95x NONE requests/s; a smaller spread than NONE.
"""

from __future__ import annotations

import collections
import json
import os
import socket
import statistics
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _common as c  # noqa: E402

POLICIES = ("reuseport", "none", "rr")
SPREAD_CONNECTIONS = 400
SPREAD_CLIENTS = 16  # connections in flight at once
WORK = 20_000


def serve() -> None:
    """``--serve``: 2 workers answering ``<id>`` on each connection."""
    import cluster

    if cluster.is_worker:
        with socket.create_server(("127.0.0.1", 0)) as server:
            answer = f"{cluster.worker.id}\n".encode()
            while True:
                conn, _ = server.accept()
                with conn:
                    sum(range(WORK))  # a little work per connection, as a real handler
                    conn.sendall(answer)
    listening: set[int] = set()

    def on_listening(worker: cluster.Worker, address: cluster.Address) -> None:
        listening.add(worker.id)
        if len(listening) == 2:
            pids = [w.process.pid for w in cluster.workers.values()]
            print(json.dumps({"event": "ready", "port": address.port, "workers": pids}))
            sys.stdout.flush()

    cluster.on("listening", on_listening)
    for _ in range(2):
        cluster.fork()
    sys.stdin.read()
    for worker in list(cluster.workers.values()):
        worker.kill("SIGKILL")


def spread(policy: str) -> list[int]:
    program = c.Program(f"spread {policy}", [c.PYTHON, __file__, "--serve"], _env(policy))
    try:
        port = int(program.wait_event("ready", timeout=60)["port"])
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
    finally:
        program.stop(timeout=10)
    return [counts.get(str(i), 0) for i in (1, 2)]


def _env(policy: str) -> dict[str, str]:
    return {"NODE_CLUSTER_SCHED_POLICY": policy}


def main() -> int:
    parser = c.load_options(__doc__.splitlines()[0], max_seconds=30.0)
    args = parser.parse_args()
    args.rounds = args.rounds or (1 if args.quick else 3)
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
    spreads = {policy: spread(policy) for policy in POLICIES}
    rows = [
        [
            policy,
            c.median(rps[policy]),
            errors[policy],
            " / ".join(map(str, spreads[policy])),
            statistics.pstdev(spreads[policy]),
            max(spreads[policy]) - min(spreads[policy]),
        ]
        for policy in POLICIES
    ]
    c.print_table(
        "reuseport: 2 workers, a new connection per request",
        ["policy", "req/s", "errors", f"per worker of {SPREAD_CONNECTIONS}", "stddev", "max-min"],
        rows,
        [f"{args.rounds} rounds of {args.requests:,} requests, -c {args.concurrency}, {tool}"],
    )
    ratio = c.ratio(c.median(rps["reuseport"]), c.median(rps["none"]))
    fairer = statistics.pstdev(spreads["reuseport"]) < statistics.pstdev(spreads["none"])
    c.print_table(
        "reuseport: targets",
        ["target", "value", "goal", "status"],
        [
            ["REUSEPORT / NONE req/s", ratio, ">= 0.95", c.check_mark(ratio, 0.95, True)],
            ["spread stddev REUSEPORT < NONE", str(fairer), "True", "met" if fairer else "MISSED"],
        ],
    )
    return 0


if __name__ == "__main__":
    if "--serve" in sys.argv:
        serve()
    else:
        c.main_wrapper(main)
