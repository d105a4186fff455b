"""The primary's CPU per connection under each scheduler, against round-robin and Node.

    python bench/schedulers.py [--quick] [--rounds 3] [--requests 10000] [--clients 64]

The ``handoff.py`` setup (the same minimal HTTP server in 2 workers, a new connection
per request, 32 in flight), with ``setup_primary(scheduler=...)`` set through
``CLUSTER_BENCH_SCHEDULER`` in ``http_server.py``. The load is a population of
``--clients`` clients, as sticky schedulers meet in production: each connects from its
own address (127.0.0.2 onwards), sends its own ``X-User`` header and socket.io
``sid=``, so ip-hash, header affinity and the sid scheduler each spread the clients
over the workers and find a key in every request. ab and wrk speak from one address,
so ``bench/_loadgen.py`` sends it, to every row alike (Node's too). Every server
starts once; rounds alternate between them. The table gives medians: requests/s, and
the primary's CPU time per connection with its ratios to python round-robin and to
node RR. Target: every sticky scheduler within 1.3x round-robin's primary CPU.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _common as c  # noqa: E402
import handoff  # noqa: E402

SCHEDULERS = ["round-robin", "least-connections", "ip-hash", "header:X-User", "socketio"]
TARGET = 1.3


def variants() -> list[tuple[str, list[str], dict[str, str]]]:
    py = [c.PYTHON, str(c.BENCH / "http_server.py"), "--workers", "2"]
    js = [c.NODE, str(c.BENCH / "http_server.js"), "--workers", "2"]
    rr = {"NODE_CLUSTER_SCHED_POLICY": "rr"}
    rows = [(f"python {name}", py, {**rr, "CLUSTER_BENCH_SCHEDULER": name}) for name in SCHEDULERS]
    return [*rows, ("node RR", js, rr)]


def main() -> int:
    parser = c.load_options(__doc__.splitlines()[0], max_seconds=20.0)
    parser.add_argument("--clients", type=int, default=64, help="clients in the population")
    args = parser.parse_args()
    if args.tool not in ("auto", "python"):
        parser.error("--tool: only bench/_loadgen.py (python) sends a population of clients")
    args.rounds = args.rounds or (1 if args.quick else 3)
    args.requests = args.requests or (300 if args.quick else 10000)
    tool = "python"  # the only load generator that sends a population (see above)
    servers: dict[str, tuple[c.Program, int]] = {}
    for name, argv, env in variants():
        program = c.Program(name, argv, env)
        servers[name] = (program, int(program.wait_event("ready", timeout=60)["port"]))
    for _program, port in servers.values():  # warm-up
        warmup = max(50, args.requests // 10)
        c.load_close(tool, port, args.concurrency, warmup, args.max_seconds, args.clients)
    results: dict[str, list[dict]] = {name: [] for name in servers}
    for round_no in range(args.rounds):
        for name, (program, port) in servers.items():
            results[name].append(handoff.one_round(tool, program, port, args, args.clients))
        c.log(f"schedulers: round {round_no + 1}/{args.rounds} done")
    medians = {
        name: {key: c.median([r[key] for r in rows]) for key in ("rps", "cpu", "errors")}
        for name, rows in results.items()
    }
    rr, node = medians["python round-robin"]["cpu"], medians["node RR"]["cpu"]
    print(c.machine_facts())
    print(
        f"load: bench/_loadgen.py, {args.clients} clients (own address, X-User, sid), "
        f"{args.rounds} round(s) of {args.requests} new connections, "
        f"-c {args.concurrency}, 2 workers\n"
    )
    print("| server | requests/s | primary CPU µs/conn | / python RR | / node RR | errors |")
    print("|---|---|---|---|---|---|")
    worst = 0.0
    for name, m in medians.items():
        vs_rr = c.ratio(m["cpu"], rr)
        if name.startswith("python ") and name != "python round-robin":
            worst = max(worst, vs_rr)
        print(
            f"| {name} | {c.fmt(m['rps'], 0)} | {c.fmt(m['cpu'])} | {c.fmt(vs_rr, 2)} "
            f"| {c.fmt(c.ratio(m['cpu'], node), 2)} | {c.fmt(m['errors'], 0)} |"
        )
    print(
        f"\nworst scheduler / round-robin primary CPU: {worst:.2f} "
        f"(target <= {TARGET}): {c.check_mark(worst, TARGET, False)}"
    )
    return 0


if __name__ == "__main__":
    c.main_wrapper(main)
