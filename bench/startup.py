"""Start-up: from fork() to every worker 'online' and 'listening', Python vs Node.

    python bench/startup.py [--quick] [--rounds 5] [--workers 2,8,16]

Starts the servers of handoff.py (``http_server.py`` / ``http_server.js``) with 2, 8
and 16 workers, alternately Python and Node, ``--rounds`` times each. The primary
itself times, from just before its first ``fork()``, the last ``'online'`` event (every
worker is running) and the last ``'listening'`` event (every worker's server listens on
the shared port); then, after the driver closes its stdin, ``cluster.disconnect()`` to
the last ``'exit'``. Medians in milliseconds. The package's bytecode is cached first
(``compileall``), as after any first run.
"""

from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _common as c  # noqa: E402


def start_and_stop(side: str, workers: int) -> dict[str, float]:
    if side == "python":
        argv = [c.PYTHON, str(c.BENCH / "http_server.py"), "--workers", str(workers)]
    else:
        argv = [c.NODE, str(c.BENCH / "http_server.js"), "--workers", str(workers)]
    program = c.Program(f"{side} x{workers}", argv)
    try:
        ready = program.wait_event("ready", timeout=120)
        stopped = program.stop(timeout=30, wait_for="stopped") or {}
    finally:
        program.kill()
    ms = 1000.0
    stop = stopped.get("stop_s")
    return {
        "online": ready["online_s"] * ms,
        "listening": ready["listening_s"] * ms,
        "stop": stop * ms if stop is not None else float("nan"),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes (smoke test)")
    parser.add_argument("--rounds", type=int)
    parser.add_argument("--workers", help="comma-separated worker counts")
    args = parser.parse_args()
    rounds = args.rounds or (1 if args.quick else 5)
    counts = [int(n) for n in (args.workers or ("2" if args.quick else "2,8,16")).split(",")]

    c.cache_bytecode()
    results: dict[tuple[str, int], list[dict[str, float]]] = {}
    for count in counts:
        for round_no in range(rounds):
            for side in ("python", "node"):
                results.setdefault((side, count), []).append(start_and_stop(side, count))
            c.log(
                f"startup: {count} workers, round {round_no + 1}/{rounds}: "
                + ", ".join(
                    f"{side} {results[(side, count)][-1]['listening']:.0f} ms"
                    for side in ("python", "node")
                )
            )

    rows = []
    for count in counts:
        med = {
            side: {
                key: c.median([r[key] for r in results[(side, count)]])
                for key in ("online", "listening", "stop")
            }
            for side in ("python", "node")
        }
        for key, label in (
            ("online", "all 'online'"),
            ("listening", "all 'listening'"),
            ("stop", "disconnect() to all 'exit'"),
        ):
            py, js = med["python"][key], med["node"][key]
            rows.append([f"{count} workers: {label}", py, js, f"{c.ratio(py, js):.2f}"])
    c.print_table(
        "startup: milliseconds from fork()",
        ["measure", "python ms", "node ms", "python/node"],
        rows,
        [
            f"Medians over {rounds} start(s) of each, alternated; timed by the "
            "primary from just before its first fork()."
        ],
    )
    return 0


if __name__ == "__main__":
    c.main_wrapper(main)
