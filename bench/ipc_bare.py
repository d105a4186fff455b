"""The floor for the IPC round trip: two bare Python processes, no cluster package.

``python ipc_bare.py [--emit] '<json config>'`` (the config of ``ipc_cluster.py``): for
each payload size, ``ping`` round trips of ``{"t": "p", "p": "<size chars>"}`` between
this process and a child (this file with ``--echo FD``) over a Unix socketpair, framed
and encoded as the channel does (a 6-byte header, the package's JSON codec), each side a
plain loop: epoll, ``recvmsg_into``, decode, encode, ``send``. What it measures is what
Python itself costs per round trip on this machine, with none of the cluster's layers
(events, listeners, queues).

``--emit``: the same loops, but each side hands every message to a listener through an
``EventEmitter.emit('message', ...)`` and the listener calls a ``send(message)``
function: the least that a Node-shaped API (an event per message, ``send()``) adds.
Prints ``{"event": "result", "results": {...}}``.
"""

from __future__ import annotations

import functools
import json
import os
import select
import socket
import subprocess
import sys
import time
from collections.abc import Callable

BENCH = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [BENCH, os.path.dirname(BENCH)]

import _common as c  # noqa: E402

from cluster._channel import ANC_SIZE, HEADER  # noqa: E402
from cluster._emitter import EventEmitter  # noqa: E402
from cluster._ipc import from_json, to_json  # noqa: E402

WAIT = 60.0  # seconds without an answer: give up


def exchange(
    sock: socket.socket, count: int | None, message: object = None, emit: bool = False
) -> list[float]:
    """Answer every message with its copy; with ``count``, send ``message`` first and
    time ``count`` round trips. Returns the round trips in seconds."""

    def send(value: object) -> None:
        payload = to_json(value)
        sock.sendall(HEADER.pack(len(payload), 0, 0) + payload)

    deliver: Callable[[object], object] = send
    if emit:
        emitter = EventEmitter()
        emitter.on("message", send)
        deliver = functools.partial(emitter.emit, "message")
    buffer = memoryview(bytearray(1 << 20))
    poller = select.epoll()
    poller.register(sock.fileno(), select.EPOLLIN)
    rtts: list[float] = []
    sent = time.perf_counter()
    if count is not None:
        send(message)
    held = b""
    while count is None or len(rtts) < count:
        if not poller.poll(WAIT):
            raise TimeoutError(f"no answer within {WAIT}s")
        size, _ancillary, _flags, _ = sock.recvmsg_into([buffer], ANC_SIZE)
        if not size:
            break
        held += bytes(buffer[:size])
        length = HEADER.unpack_from(held)[0] if len(held) >= HEADER.size else -1
        if length < 0 or len(held) < HEADER.size + length:
            continue  # a large message arrives in pieces
        value = from_json(held[HEADER.size : HEADER.size + length])
        held = b""
        if count is not None:
            now = time.perf_counter()
            rtts.append(now - sent)
            sent = now
        deliver(value)
    return rtts


def main(config: dict, emit: bool) -> None:
    results = {}
    for name, spec in config.items():
        ours, theirs = socket.socketpair()
        child = subprocess.Popen(
            [sys.executable, __file__, "--echo", str(theirs.fileno())] + ["--emit"] * emit,
            pass_fds=[theirs.fileno()],
        )
        theirs.close()
        try:
            rtts = exchange(ours, spec["ping"], {"t": "p", "p": "x" * spec["size"]}, emit)
        finally:
            ours.close()
            child.wait(WAIT)
        results[name] = {
            "rtt_p50_us": c.percentile(rtts, 0.50) * 1e6,
            "rtt_p99_us": c.percentile(rtts, 0.99) * 1e6,
        }
    print(json.dumps({"event": "result", "results": results}), flush=True)


if __name__ == "__main__":
    emit = "--emit" in sys.argv
    args = [arg for arg in sys.argv[1:] if arg != "--emit"]
    if args[0] == "--echo":
        try:
            exchange(socket.socket(fileno=int(args[1])), None, emit=emit)
        except (ConnectionResetError, BrokenPipeError):
            pass  # the timing side has what it needs and has gone
    else:
        main(json.loads(args[0]), emit)
