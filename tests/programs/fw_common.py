"""What every ``fw_*`` program shares: the primary's side, and the answer a worker gives.

The primary forks two workers, prints ``worker <pid>`` for each, and one line per
``'listening'`` event (``listening <id> <address> <port> <address_type>``). Once every
worker has a listening server it checks that the workers share their ports (port 0 in
every worker means one port per address) and prints ``ready``; the test is the client.
When the test writes a line to the primary's stdin (or closes it), the primary calls
``cluster.disconnect()``: every worker must exit 0 with ``exited_after_disconnect``, and
the program then ends by itself with status 0.

A worker answers every HTTP request with ``worker <pid> handler <pid>``: the worker's
pid, and the pid of the process that handled the request (a forking server's child).
"""

from __future__ import annotations

import os
import socket
import sys
import threading

import cluster
from must import must_call

WORKERS = 2
#: The worker's own pid (a forking server's children inherit it).
WORKER_PID = os.getpid()


def identity() -> str:
    return f"worker {WORKER_PID} handler {os.getpid()}"


def http_answer() -> bytes:
    """A whole HTTP/1.0 response naming this process; the server closes after it."""
    body = identity().encode()
    head = (
        "HTTP/1.0 200 OK\r\n"
        "Content-Type: text/plain\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    )
    return head.encode() + body


def family_for(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def read_http_request(rfile) -> bytes:  # type: ignore[no-untyped-def]
    """Read a request's head (the tests send GET requests with no body)."""
    head = b""
    while True:
        line = rfile.readline(65536)
        head += line
        if line in (b"", b"\r\n", b"\n"):
            return head


def run_primary() -> None:
    """The primary's whole script (see the module docstring)."""
    listening: dict[int, list[cluster.Address]] = {}
    ready = threading.Event()

    def on_fork(worker: cluster.Worker) -> None:
        print(f"worker {worker.process.pid}")

    def on_listening(worker: cluster.Worker, address: cluster.Address) -> None:
        print(f"listening {worker.id} {address.address} {address.port} {address.address_type}")
        assert isinstance(address.port, int) and address.port > 0, address
        listening.setdefault(worker.id, []).append(address)
        if len(listening) == WORKERS and not ready.is_set():
            ready.set()
            print("ready")

    def on_exit(worker: cluster.Worker, code: int | None, signal: str | None) -> None:
        assert (code, signal) == (0, None), f"worker {worker.id} exit {code} {signal}"
        assert worker.exited_after_disconnect is True, worker.exited_after_disconnect

    def disconnected() -> None:
        shared_ports(listening)
        print("disconnected")

    cluster.on("fork", on_fork)
    cluster.on("listening", on_listening)
    cluster.on("exit", must_call(on_exit, WORKERS))
    for _ in range(WORKERS):
        cluster.fork()
    sys.stdin.readline()  # the test is done with its requests
    assert ready.is_set(), "the test finished before every worker listened"
    cluster.disconnect(must_call(disconnected))


def shared_ports(listening: dict[int, list[cluster.Address]]) -> None:
    """Every worker listened on the same addresses, and on the same port for each."""
    ports: dict[tuple[object, object], set[int]] = {}
    for addresses in listening.values():
        for address in addresses:
            ports.setdefault((address.address, address.address_type), set()).add(address.port)
    assert all(len(found) == 1 for found in ports.values()), ports
    seen = [sorted((a.address, a.address_type) for a in found) for found in listening.values()]
    assert all(each == seen[0] for each in seen), listening
