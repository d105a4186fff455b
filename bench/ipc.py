"""IPC: messages between the primary and one worker, Python vs Node.

    python bench/ipc.py [--quick] [--rounds 3]

Runs ``ipc_cluster.py`` (this project) and ``ipc.js`` (Node's cluster) alternately,
``--rounds`` times each, and prints medians. Each run forks one worker and measures,
for JSON messages ``{"t": "d", "p": "<payload>"}`` with a payload of 16 bytes
("small"), 1 KB and 64 KB:

- primary -> worker messages/s: the primary sends N messages in one go, the worker
  answers after the last (100,000 small, 20,000 of 1 KB, 2,000 of 64 KB);
- worker -> primary messages/s: the same the other way;
- round trip p50 / p99 in microseconds: one message at a time, echoed by the worker
  (10,000 small, 5,000 of 1 KB, 1,000 of 64 KB).

Each round also runs ``ipc_bare.py``, the same round trips between two bare Python
processes (no cluster package): the floor that Python sets for the round trip; and
``ipc_bare.py --emit``, the same with one ``EventEmitter.emit`` and a ``send()``
function per message: the floor for any API shaped like Node's.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _common as c  # noqa: E402

FULL = {
    "small": {"size": 16, "oneway": 100_000, "ping": 10_000},
    "1 KB": {"size": 1024, "oneway": 20_000, "ping": 5_000},
    "64 KB": {"size": 65536, "oneway": 2_000, "ping": 1_000},
}
QUICK = {
    "small": {"size": 16, "oneway": 1_000, "ping": 100},
    "1 KB": {"size": 1024, "oneway": 200, "ping": 50},
    "64 KB": {"size": 65536, "oneway": 20, "ping": 10},
}
METRICS = [
    ("p2w", "primary -> worker, msg/s", True),
    ("w2p", "worker -> primary, msg/s", True),
    ("rtt_p50_us", "round trip p50, us", False),
    ("rtt_p99_us", "round trip p99, us", False),
]


SCRIPTS = {
    "python": ["ipc_cluster.py"],
    "node": ["ipc.js"],
    "python bare": ["ipc_bare.py"],
    "python bare + emit": ["ipc_bare.py", "--emit"],
}


def run(side: str, config: dict, timeout: float) -> dict:
    program = c.NODE if side == "node" else c.PYTHON
    script, *options = SCRIPTS[side]
    argv = [program, str(c.BENCH / script), *options, json.dumps(config)]
    program = c.Program(f"{side} ipc", argv)
    try:
        result = program.wait_event("result", timeout=timeout)["results"]
        program.proc.wait(timeout=30)  # it disconnects its worker and exits
        return dict(result)
    finally:
        program.stop(timeout=5)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes (smoke test)")
    parser.add_argument("--rounds", type=int)
    args = parser.parse_args()
    rounds = args.rounds or (1 if args.quick else 3)
    config = QUICK if args.quick else FULL
    timeout = 60 if args.quick else 600

    results: dict[str, list[dict]] = {side: [] for side in SCRIPTS}
    for round_no in range(rounds):
        for side in SCRIPTS:
            results[side].append(run(side, config, timeout))
        c.log(f"ipc: round {round_no + 1}/{rounds} done")

    rows = []
    for size, spec in config.items():
        for key, label, _higher in METRICS:
            py = c.median([r[size][key] for r in results["python"]])
            js = c.median([r[size][key] for r in results["node"]])
            count = spec["ping"] if key.startswith("rtt") else spec["oneway"]
            rows.append([f"{size}: {label}", f"{count:,}", py, js, f"{c.ratio(py, js):.2f}"])
    c.print_table(
        "ipc: messages between the primary and one worker",
        ["measure", "messages", "python", "node", "python/node"],
        rows,
        [
            f"JSON messages, one worker; medians over {rounds} run(s) of each, alternated. "
            "msg/s: higher is better; round trips: lower is better."
        ],
    )
    floor_rows = []
    for size in config:
        p50 = {side: c.median([r[size]["rtt_p50_us"] for r in results[side]]) for side in SCRIPTS}
        floor_rows.append(
            [
                size,
                p50["python bare"],
                p50["python bare + emit"],
                p50["python"],
                p50["node"],
                f"{c.ratio(p50['python bare'], p50['node']):.2f}",
                f"{c.ratio(p50['python bare + emit'], p50['node']):.2f}",
                f"{c.ratio(p50['python'], p50['node']):.2f}",
            ]
        )
    c.print_table(
        "ipc: round trip p50 (us) against bare Python loops",
        [
            "payload",
            "python bare",
            "bare + emit",
            "python",
            "node",
            "bare/node",
            "bare + emit/node",
            "python/node",
        ],
        floor_rows,
        [
            "python bare: two plain Python processes echoing the same frames with the "
            "same JSON codec, no cluster package (ipc_bare.py): what Python itself costs. "
            "bare + emit: the same loops handing each message to a listener through "
            "EventEmitter.emit('message'), the listener calling a send() function "
            "(ipc_bare.py --emit): the least a Node-shaped API adds."
        ],
    )
    return 0


if __name__ == "__main__":
    c.main_wrapper(main)
