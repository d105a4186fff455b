"""Connection hand-off: new connection per request through 2 workers, Python vs Node.

    python bench/handoff.py [--quick] [--rounds 5] [--requests 20000] [--profile]

The same minimal HTTP server (``http_server.py`` / ``http_server.js``: read the request,
write a fixed response, ``Connection: close``) runs in 2 workers under this project's
cluster and under Node's, each with round-robin hand-off (``SCHED_RR``, the primary
accepts and hands connections out) and with a shared listening socket (``SCHED_NONE``,
``NODE_CLUSTER_SCHED_POLICY=none``: the workers accept). Every server is started once;
then rounds of load (``ab -c 32 -n N``, no keep-alive) alternate between them: python
RR, node RR, python NONE, node NONE, python bare RR, (node RR with http.createServer),
and again. "python bare RR" is the floor for a Python primary: a bare loop that accepts,
sends the descriptor to the next worker and closes it, without this package
(``http_server.py --bare``); its ratios are printed as references.

Per round: requests/s (ab's figure), and the CPU time the *primary* used during the
round (``/proc/PID/stat`` utime+stime, before and after) divided by the requests
completed, i.e. the primary's cost of handing off one connection (about 0 under
SCHED_NONE, where the primary does not see connections). The table gives medians over
the rounds. ``--profile`` then samples the Python primary with py-spy during one more
RR round and prints its hottest frames.
"""

from __future__ import annotations

import argparse
import collections
import os
import shutil
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _common as c  # noqa: E402

TARGETS = [
    (
        "python RR / node RR: primary CPU per connection",
        "cpu",
        ("python RR", "node RR"),
        0.35,
        False,
    ),
    ("python RR / node RR: requests/s", "rps", ("python RR", "node RR"), 1.5, True),
    ("python RR / python NONE: requests/s", "rps", ("python RR", "python NONE"), 0.9, True),
]


CPU, RPS = "primary CPU per connection", "requests/s"
BARE = "python bare RR"
REFERENCES = [
    (f"python bare RR / node RR: {CPU}", "cpu", (BARE, "node RR")),
    (f"python RR / python bare RR: {CPU}", "cpu", ("python RR", BARE)),
    (f"python bare RR / python NONE: {RPS}", "rps", (BARE, "python NONE")),
    (f"node RR / node NONE: {RPS}", "rps", ("node RR", "node NONE")),
]


def variants(with_http: bool) -> list[tuple[str, list[str], dict[str, str]]]:
    py = [c.PYTHON, str(c.BENCH / "http_server.py"), "--workers", "2"]
    js = [c.NODE, str(c.BENCH / "http_server.js"), "--workers", "2"]
    rows = [
        ("python RR", py, {"NODE_CLUSTER_SCHED_POLICY": "rr"}),
        ("node RR", js, {"NODE_CLUSTER_SCHED_POLICY": "rr"}),
        ("python NONE", py, {"NODE_CLUSTER_SCHED_POLICY": "none"}),
        ("node NONE", js, {"NODE_CLUSTER_SCHED_POLICY": "none"}),
        ("python bare RR", [*py, "--bare"], {}),  # the floor: see http_server.bare_primary
    ]
    if with_http:
        rows.append(
            ("node RR (http)", [*js, "--kind", "http"], {"NODE_CLUSTER_SCHED_POLICY": "rr"})
        )
    return rows


def one_round(
    tool: str, program: c.Program, port: int, args: argparse.Namespace, clients: int = 0
) -> dict:
    workers = program.worker_pids()
    primary0, workers0 = c.cpu_us(program.pid), c.cpu_us_many(workers)
    result = c.load_close(tool, port, args.concurrency, args.requests, args.max_seconds, clients)
    primary1, workers1 = c.cpu_us(program.pid), c.cpu_us_many(workers)
    done = result["completed"] or float("nan")
    return {
        "rps": result["rps"],
        "cpu": (primary1 - primary0) / done,
        "wcpu": (workers1 - workers0) / done,
        "errors": result["errors"],
        "completed": result["completed"],
    }


def _function(frame: str) -> str:
    """``name (file:line)`` -> ``name (file)``: samples summed per function."""
    name, _, where = frame.partition(" (")
    return f"{name} ({where.rpartition(':')[0] or where.rstrip(')')})"


def profile(tool: str, program: c.Program, port: int, args: argparse.Namespace) -> list[str]:
    """py-spy samples the Python primary during one RR round: its hottest functions."""
    spy = shutil.which("py-spy")
    if spy is None:
        return ["py-spy not found (pip install py-spy): no profile"]
    seconds = max(3, int(args.max_seconds))
    with tempfile.TemporaryDirectory(prefix="handoff-spy-") as folder:
        out = os.path.join(folder, "primary.txt")
        argv = [spy, "record", "--nonblocking", "-r", "250", "-f", "raw", "-o", out]
        argv += ["-d", str(seconds), "--pid", str(program.pid)]
        recorder = threading.Thread(target=lambda: c.run_tool(argv, timeout=seconds + 30))
        recorder.start()
        time.sleep(1.0)  # py-spy attaches
        result = c.load_close(tool, port, args.concurrency, 10**7, seconds - 1.5)
        recorder.join()
        if not os.path.exists(out):
            return ["py-spy recorded nothing (ptrace not permitted?)"]
        with open(out) as raw:
            samples = []
            for line in raw:
                stack, _, count = line.rstrip("\n").rpartition(" ")
                if stack and count.isdigit():
                    samples.append((stack.split(";"), int(count)))
    own: collections.Counter[str] = collections.Counter()
    own_lines: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    total = waiting = 0
    for frames, count in samples:
        total += count
        # py-spy cannot tell idle threads reliably here: the main thread blocked
        # reading stdin and the loop blocked in epoll_wait are waits, not work
        if frames[-1].startswith(("EventLoop._wait_for_events", "primary (", "bare_primary (")):
            waiting += count
            continue
        own[_function(frames[-1])] += count
        own_lines[frames[-1]] += count
        for function in {_function(frame) for frame in frames}:
            inclusive[function] += count
    busy = total - waiting
    if not busy:
        return [f"py-spy: {total} samples, none busy"]
    lines = [
        f"py-spy record --nonblocking -r 250 on the Python RR primary during "
        f"{result['completed']:,.0f} requests ({result['rps']:,.0f}/s): {total} samples, "
        f"{waiting} of them waiting (epoll_wait, or the main thread reading stdin) and left "
        f"out; {busy} busy samples below. A system call made from a line counts as that "
        "line's own time.",
        "",
        "| self % of busy | function |",
        "|---|---|",
    ]
    lines += [f"| {100 * n / busy:.1f} | `{f}` |" for f, n in own.most_common(12)]
    lines += ["", "| self % of busy | source line |", "|---|---|"]
    lines += [f"| {100 * n / busy:.1f} | `{f}` |" for f, n in own_lines.most_common(12)]
    lines += ["", "| inclusive % of busy | function |", "|---|---|"]
    lines += [
        f"| {100 * n / busy:.1f} | `{f}` |"
        for f, n in inclusive.most_common(16)
        if not f.startswith("Thread.")
    ]
    return lines


def main() -> int:
    parser = c.load_options(__doc__.splitlines()[0], max_seconds=30.0)
    parser.add_argument("--profile", action="store_true", help="py-spy the Python primary")
    args = parser.parse_args()
    args.rounds = args.rounds or (1 if args.quick else 5)
    args.requests = args.requests or (300 if args.quick else 20000)
    if args.quick:
        args.max_seconds = min(args.max_seconds, 10.0)

    tools = c.load_tools(args.tool)
    tool = tools["close"]
    c.log(
        f"handoff: load by {tool}, {args.rounds} rounds of {args.requests} requests, "
        f"-c {args.concurrency}"
    )
    servers: dict[str, tuple[c.Program, int]] = {}
    for name, argv, env in variants(with_http=not args.quick):
        program = c.Program(name, argv, env)
        ready = program.wait_event("ready", timeout=60)
        servers[name] = (program, int(ready["port"]))
    warmup = max(50, args.requests // 10)
    for _program, port in servers.values():  # warm-up
        c.load_close(tool, port, args.concurrency, warmup, args.max_seconds)

    results: dict[str, list[dict]] = {name: [] for name in servers}
    for round_no in range(args.rounds):
        for name, (program, port) in servers.items():
            results[name].append(one_round(tool, program, port, args))
        c.log(
            f"handoff: round {round_no + 1}/{args.rounds}: "
            + ", ".join(f"{n} {results[n][-1]['rps']:.0f}/s" for n in servers)
        )

    profile_lines: list[str] = []
    if args.profile:
        program, port = servers["python RR"]
        profile_lines = profile(tool, program, port, args)

    for program, _ in servers.values():
        program.stop(timeout=20)

    med = {
        name: {key: c.median([r[key] for r in rows]) for key in ("rps", "cpu", "wcpu")}
        for name, rows in results.items()
    }
    rows = [
        [
            name,
            med[name]["rps"],
            med[name]["cpu"],
            med[name]["wcpu"],
            int(sum(r["errors"] for r in results[name])),
            int(sum(r["completed"] for r in results[name])),
        ]
        for name in results
    ]
    notes = [
        f"2 workers, {args.rounds} rounds of {args.requests:,} requests, "
        f"{args.concurrency} concurrent, new connection per request "
        f"(load: {tool}); medians over rounds."
    ]
    if tools["note"]:
        notes.append(tools["note"])
    c.print_table(
        "handoff: new connection per request, 2 workers",
        ["variant", "req/s", "primary CPU us/conn", "workers CPU us/req", "errors", "requests"],
        rows,
        notes,
    )
    ratio_rows = []
    for label, key, (a, b), target, higher in TARGETS:
        value = c.ratio(med[a][key], med[b][key])
        ratio_rows.append(
            [
                label,
                f"{value:.2f}",
                ("<= " if not higher else ">= ") + f"{target}",
                c.check_mark(value, target, higher),
            ]
        )
    for label, key, (a, b) in REFERENCES:
        value = c.ratio(med[a][key], med[b][key])
        ratio_rows.append([f"{label} (reference)", f"{value:.2f}", "", ""])
    c.print_table("handoff: ratios (python / node)", ["ratio", "value", "target", ""], ratio_rows)
    if profile_lines:
        print("### handoff: profile of the Python primary\n")
        print("\n".join(profile_lines) + "\n", flush=True)
    return 0


if __name__ == "__main__":
    c.main_wrapper(main)
