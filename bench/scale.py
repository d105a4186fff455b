"""Scale: 32 workers started and stopped, 5,000 connections held open, Python vs Node.

    python bench/scale.py [--quick] [--rounds 2] [--workers 32] [--connections 5000]

Starts the servers of handoff.py (``http_server.py`` / ``http_server.js``) with 32
workers under the default policy (round-robin: the primary accepts every connection and
hands it to a worker), alternately Python and Node, ``--rounds`` times each. Each time:

1. the primary times ``fork()`` to the last ``'listening'``;
2. this script (raising its RLIMIT_NOFILE as needed, within the hard limit) opens
   5,000 connections (at most 256 connecting at once), sends a keep-alive request on
   each and reads the answer, and keeps them all open;
3. while they are held: the primary's RSS (and its peak, VmHWM), the CPU the primary
   used to hand them off, and how they are spread over the workers (sockets each
   worker holds, from /proc/PID/fd);
4. a second request on every held connection (each must still be served);
5. every connection closed, then ``cluster.disconnect()`` to the last ``'exit'``.

Errors (a connection refused, reset or unanswered) are counted and reported.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _common as c  # noqa: E402
from _loadgen import REQUEST_KEEP, read_response  # noqa: E402

CONNECT_CONCURRENCY = 256
IO_TIMEOUT = 30.0


def sockets_of(pid: int) -> int:
    count = 0
    with contextlib.suppress(OSError):
        for fd in os.listdir(f"/proc/{pid}/fd"):
            with contextlib.suppress(OSError):
                if os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:"):
                    count += 1
    return count


async def exercise(program: c.Program, port: int, count: int) -> dict[str, float]:
    held: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
    errors = {"open": 0, "again": 0}
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
    workers = program.worker_pids()
    baseline = {pid: sockets_of(pid) for pid in workers}

    async def open_one() -> None:
        async with gate:
            try:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection("127.0.0.1", port), IO_TIMEOUT
                )
            except (OSError, asyncio.TimeoutError):
                errors["open"] += 1
                return
            try:
                writer.write(REQUEST_KEEP)
                if await asyncio.wait_for(read_response(reader), IO_TIMEOUT):
                    held.append((reader, writer))
                    return
            except (OSError, asyncio.IncompleteReadError, asyncio.TimeoutError):
                pass
            errors["open"] += 1
            writer.close()

    async def again(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            writer.write(REQUEST_KEEP)
            if await asyncio.wait_for(read_response(reader), IO_TIMEOUT):
                return
        except (OSError, asyncio.IncompleteReadError, asyncio.TimeoutError):
            pass
        errors["again"] += 1

    rss_idle = c.rss_kb(program.pid)
    cpu0 = c.cpu_us(program.pid)
    started = time.perf_counter()
    try:
        await asyncio.gather(*(open_one() for _ in range(count)))
        opened = time.perf_counter() - started
        cpu = c.cpu_us(program.pid) - cpu0
        spread = [sockets_of(pid) - baseline[pid] for pid in workers]
        rss_held = c.rss_kb(program.pid)
        peak = c.rss_kb(program.pid, "VmHWM")
        await asyncio.gather(*(again(r, w) for r, w in held))
    finally:
        for _, writer in held:
            writer.close()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(
                asyncio.gather(*(w.wait_closed() for _, w in held), return_exceptions=True),
                IO_TIMEOUT,
            )
    return {
        "held": len(held),
        "open_s": opened,
        "errors": errors["open"] + errors["again"],
        "cpu_ms": cpu / 1000,
        "rss_idle_mib": rss_idle / 1024,
        "rss_held_mib": rss_held / 1024,
        "rss_peak_mib": peak / 1024,
        "spread_min": min(spread) if spread else 0,
        "spread_max": max(spread) if spread else 0,
    }


def one_run(side: str, workers: int, connections: int) -> dict[str, float]:
    script = "http_server.py" if side == "python" else "http_server.js"
    argv = [
        c.PYTHON if side == "python" else c.NODE,
        str(c.BENCH / script),
        "--workers",
        str(workers),
    ]
    program = c.Program(f"{side} x{workers}", argv, {"NODE_CLUSTER_SCHED_POLICY": "rr"})
    try:
        ready = program.wait_event("ready", timeout=180)
        result = asyncio.run(exercise(program, int(ready["port"]), connections))
        stopped = program.stop(timeout=60, wait_for="stopped") or {}
    finally:
        program.kill()
    stop = stopped.get("stop_s")
    result["start_ms"] = ready["listening_s"] * 1000
    result["stop_ms"] = stop * 1000 if stop is not None else float("nan")
    return result


ROWS = [
    ("start_ms", "fork() to all 'listening', ms"),
    ("open_s", "open the connections + first answer, s"),
    ("held", "connections held and answered"),
    ("errors", "errors (refused, reset, unanswered)"),
    ("spread_min", "fewest connections on one worker"),
    ("spread_max", "most connections on one worker"),
    ("cpu_ms", "primary CPU to hand them off, ms"),
    ("rss_idle_mib", "primary RSS before, MiB"),
    ("rss_held_mib", "primary RSS holding them, MiB"),
    ("rss_peak_mib", "primary peak RSS (VmHWM), MiB"),
    ("stop_ms", "disconnect() to all 'exit', ms"),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes (smoke test)")
    parser.add_argument("--rounds", type=int)
    parser.add_argument("--workers", type=int)
    parser.add_argument("--connections", type=int)
    args = parser.parse_args()
    rounds = args.rounds or (1 if args.quick else 2)
    workers = args.workers or (4 if args.quick else 32)
    connections = args.connections or (200 if args.quick else 5000)
    limit = c.raise_nofile(connections + 1024)
    if limit < connections + 100:
        c.log(f"scale: RLIMIT_NOFILE is {limit}: fewer connections than asked may open")

    results: dict[str, list[dict[str, float]]] = {"python": [], "node": []}
    for round_no in range(rounds):
        for side in ("python", "node"):
            results[side].append(one_run(side, workers, connections))
        c.log(
            f"scale: round {round_no + 1}/{rounds}: "
            + ", ".join(
                f"{side} {results[side][-1]['held']:.0f} held, {results[side][-1]['errors']:.0f} "
                "errors"
                for side in results
            )
        )

    rows = []
    for key, label in ROWS:
        if key == "errors":
            py = sum(r[key] for r in results["python"])
            js = sum(r[key] for r in results["node"])
        else:
            py = c.median([r[key] for r in results["python"]])
            js = c.median([r[key] for r in results["node"]])
        rows.append([label, py, js, f"{c.ratio(py, js):.2f}" if key != "errors" else ""])
    c.print_table(
        f"scale: {workers} workers, {connections:,} connections held open (round-robin)",
        ["measure", "python", "node", "python/node"],
        rows,
        [
            f"Medians over {rounds} run(s) of each, alternated (errors: the total); "
            f"RLIMIT_NOFILE {limit}."
        ],
    )
    return 0


if __name__ == "__main__":
    c.main_wrapper(main)
