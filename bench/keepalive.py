"""Keep-alive load: 2 workers vs a single process, Python vs Node.

    python bench/keepalive.py [--quick] [--rounds 5] [--seconds 5] [--connections 32]

The servers of handoff.py (``http_server.py`` / ``http_server.js``: a minimal raw-socket
HTTP server) run in 2 workers under this project's cluster and under Node's (default
policy, round-robin), and in a single process without any cluster. Rounds of
keep-alive load (``wrk -t1 -c 32 -d 5s``) alternate between them: python 2 workers,
node 2 workers, python single, node single, and again. With keep-alive the primary
hands off only the 32 connections at the start; the figure is the workers' own
throughput, i.e. what 2 processes gain over 1 on this machine (where the load
generator shares the same cores).
"""

from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _common as c  # noqa: E402


def variants() -> list[tuple[str, list[str]]]:
    py = [c.PYTHON, str(c.BENCH / "http_server.py"), "--workers"]
    js = [c.NODE, str(c.BENCH / "http_server.js"), "--workers"]
    return [
        ("python, 2 workers", [*py, "2"]),
        ("node, 2 workers", [*js, "2"]),
        ("python, single process", [*py, "0"]),
        ("node, single process", [*js, "0"]),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes (smoke test)")
    parser.add_argument("--rounds", type=int)
    parser.add_argument("--seconds", type=float, help="length of one round")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--tool", choices=("auto", "wrk", "python"), default="auto")
    args = parser.parse_args()
    args.rounds = args.rounds or (1 if args.quick else 5)
    args.seconds = args.seconds or (1.0 if args.quick else 5.0)

    tools = c.load_tools(args.tool)
    tool = tools["keepalive"]
    c.log(
        f"keepalive: load by {tool}, {args.rounds} rounds of {args.seconds:g}s, "
        f"{args.connections} connections"
    )
    servers: dict[str, tuple[c.Program, int]] = {}
    for name, argv in variants():
        program = c.Program(name, argv)
        servers[name] = (program, int(program.wait_event("ready", timeout=60)["port"]))
    if not args.quick:
        for _program, port in servers.values():  # warm-up
            c.load_keepalive(tool, port, args.connections, 1.0)

    results: dict[str, list[dict]] = {name: [] for name in servers}
    for round_no in range(args.rounds):
        for name, (_program, port) in servers.items():
            results[name].append(c.load_keepalive(tool, port, args.connections, args.seconds))
        c.log(
            f"keepalive: round {round_no + 1}/{args.rounds}: "
            + ", ".join(f"{n} {results[n][-1]['rps']:.0f}/s" for n in servers)
        )
    for program, _ in servers.values():
        program.stop(timeout=20)

    rps = {name: c.median([r["rps"] for r in rows]) for name, rows in results.items()}
    rows = [
        [
            name,
            rps[name],
            int(sum(r["errors"] for r in results[name])),
            int(sum(r["completed"] for r in results[name])),
        ]
        for name in results
    ]
    notes = [
        f"{args.rounds} rounds of {args.seconds:g}s, {args.connections} keep-alive "
        f"connections (load: {tool}, one thread); medians over rounds."
    ]
    if tools["note"]:
        notes.append(tools["note"])
    c.print_table(
        "keepalive: requests/s, keep-alive connections",
        ["variant", "req/s", "errors", "requests"],
        rows,
        notes,
    )
    ratio_rows = [
        [
            "python: 2 workers / single process",
            c.ratio(rps["python, 2 workers"], rps["python, single process"]),
        ],
        [
            "node: 2 workers / single process",
            c.ratio(rps["node, 2 workers"], rps["node, single process"]),
        ],
        ["2 workers: python / node", c.ratio(rps["python, 2 workers"], rps["node, 2 workers"])],
        [
            "single process: python / node",
            c.ratio(rps["python, single process"], rps["node, single process"]),
        ],
    ]
    c.print_table(
        "keepalive: ratios",
        ["ratio", "value"],
        [[label, f"{value:.2f}"] for label, value in ratio_rows],
    )
    return 0


if __name__ == "__main__":
    c.main_wrapper(main)
