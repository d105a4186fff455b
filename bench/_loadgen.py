"""A small HTTP load generator (asyncio), used where ``ab``/``wrk`` cannot be installed.

    python _loadgen.py --port P --connections 32 --mode close --requests 2000 --duration 10
    python _loadgen.py --port P --connections 32 --mode keepalive --duration 5

``close``: every request on a new connection (``Connection: close``), until
``--requests`` are done or ``--duration`` seconds pass; with ``--timeline PATH``, it
also writes one line per request to PATH: its start (``time.monotonic()``, the
system's clock, which other processes read too), its latency in seconds, and 1 if it
was answered or 0 if it failed (reload.py's reading); with ``--clients K``, request
``i`` comes from client ``i % K``, as sticky schedulers need to see: from its own
address (127.0.0.2 onwards), with its own ``X-User`` header and socket.io ``sid=``
(bench/schedulers.py's load). ``keepalive``: each of the
``--connections`` connections sends request after request until ``--duration`` (or
``--requests``). Prints one JSON line: completed, errors, elapsed, rps. It is much
slower than ``wrk``/``ab`` (a Python client on the same cores), so figures made with
it measure the client as much as the server; the tables say when it was used.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time

REQUEST_CLOSE = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
REQUEST_KEEP = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


def client_requests(clients: int) -> list[tuple[tuple[str, int] | None, bytes]]:
    """For each of ``clients`` clients, its source address and its request; one
    anonymous client (any source address, no user) when ``clients`` is 0."""
    if not clients:
        return [(None, REQUEST_CLOSE)]
    return [
        (
            (f"127.0.{(n + 2) // 256}.{(n + 2) % 256}", 0),
            f"GET /socket.io/?EIO=4&transport=polling&sid=s{n} HTTP/1.1\r\n"
            f"Host: 127.0.0.1\r\nX-User: u{n}\r\nConnection: close\r\n\r\n".encode(),
        )
        for n in range(clients)
    ]


async def read_response(reader: asyncio.StreamReader) -> bool:
    head = await reader.readuntil(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200"):
        return False
    length = 0
    for line in head.lower().split(b"\r\n"):
        if line.startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    if length:
        await reader.readexactly(length)
    return True


async def main(args: argparse.Namespace) -> dict[str, float]:
    stats = {"completed": 0, "errors": 0}
    timeline: list[tuple[float, float, int]] = []
    started = time.perf_counter()
    deadline = started + args.duration
    budget = [args.requests]
    population = client_requests(args.clients)
    sent = [0]

    def take() -> bool:
        if time.perf_counter() >= deadline or budget[0] <= 0:
            return False
        budget[0] -= 1
        return True

    async def close_client() -> None:
        while take():
            source, request = population[sent[0] % len(population)]
            sent[0] += 1
            begun = time.monotonic()
            ok = False
            try:
                reader, writer = await asyncio.open_connection(
                    "127.0.0.1", args.port, local_addr=source
                )
                writer.write(request)
                ok = await asyncio.wait_for(read_response(reader), args.timeout)
                writer.close()
            except (OSError, asyncio.IncompleteReadError, asyncio.TimeoutError):
                pass
            stats["completed" if ok else "errors"] += 1
            timeline.append((begun, time.monotonic() - begun, int(ok)))

    async def keepalive_client() -> None:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", args.port)
        except OSError:
            stats["errors"] += 1
            return
        try:
            while take():
                writer.write(REQUEST_KEEP)
                ok = await asyncio.wait_for(read_response(reader), args.timeout)
                stats["completed" if ok else "errors"] += 1
        except (OSError, asyncio.IncompleteReadError, asyncio.TimeoutError):
            stats["errors"] += 1
        finally:
            writer.close()

    client = close_client if args.mode == "close" else keepalive_client
    await asyncio.gather(*(client() for _ in range(args.connections)))
    elapsed = time.perf_counter() - started
    if args.timeline:
        with open(args.timeline, "w") as out:
            out.writelines(f"{begun:.6f} {took:.6f} {ok}\n" for begun, took, ok in timeline)
    return {**stats, "elapsed": elapsed, "rps": stats["completed"] / elapsed if elapsed else 0.0}


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--mode", choices=("close", "keepalive"), default="close")
    parser.add_argument("--requests", type=int, default=10**9)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=0, help="close mode: a population")
    parser.add_argument("--timeline", help="close mode: one line per request to this file")
    print(json.dumps(asyncio.run(main(parser.parse_args()))), flush=True)
