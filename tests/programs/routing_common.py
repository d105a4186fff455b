"""What the ``routing_*`` programs share.

Workers answer each connection with one line, ``<worker id> <pid>``, after reading one
line from the client (socketserver, threaded, so a worker serves many at once). The
primary waits for 'listening' from the workers it forked, and talks to them as a client
from its main thread (never from a cluster callback: the cluster's event thread is the
one that accepts and hands out connections).
"""

from __future__ import annotations

import os
import socket
import socketserver
import threading
from typing import Any

import cluster

TIMEOUT = 5.0  # for any one request


class IdHandler(socketserver.StreamRequestHandler):
    """Read one line, answer ``<worker id> <pid>``; a client that went away is fine."""

    def handle(self) -> None:
        try:
            self.rfile.readline()
            self.wfile.write(f"{cluster.worker.id} {os.getpid()}\n".encode())
        except OSError:
            pass


class IdServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def serve_ids(address: Any = ("127.0.0.1", 0), server_class: Any = IdServer) -> None:
    """The worker's whole life: serve ``IdHandler`` on ``address`` until disconnected."""
    with server_class(address, IdHandler) as server:
        server.serve_forever()


def ask(address: Any, payload: bytes = b"hi\n", family: int = socket.AF_INET) -> str:
    """One request on a new connection; the whole answer (until the server closes)."""
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.settimeout(TIMEOUT)
        sock.connect(address)
        sock.sendall(payload)
        return read_all(sock)


def read_all(sock: socket.socket) -> str:
    chunks = []
    while chunk := sock.recv(4096):
        chunks.append(chunk)
    return b"".join(chunks).decode()


def answered_by(answer: str) -> int:
    """The worker id in an ``IdHandler`` answer."""
    worker_id, _pid = answer.split()
    return int(worker_id)


class Listening:
    """Waits for 'listening' from workers: ``wait(worker)`` or ``wait_all(count)``."""

    def __init__(self) -> None:
        self.addresses: dict[int, cluster.Address] = {}
        self._changed = threading.Condition()
        cluster.on("listening", self._on_listening)

    def _on_listening(self, worker: cluster.Worker, address: cluster.Address) -> None:
        with self._changed:
            self.addresses[worker.id] = address
            self._changed.notify_all()

    def wait_all(self, count: int, timeout: float = 15.0) -> cluster.Address:
        """The (shared) address, once ``count`` workers listen."""
        with self._changed:
            ok = self._changed.wait_for(lambda: len(self.addresses) >= count, timeout)
        assert ok, f"only {len(self.addresses)} of {count} workers listened"
        ports = {address.port for address in self.addresses.values()}
        assert len(ports) == 1, self.addresses
        return next(iter(self.addresses.values()))

    def wait(self, worker: cluster.Worker, timeout: float = 15.0) -> cluster.Address:
        with self._changed:
            ok = self._changed.wait_for(lambda: worker.id in self.addresses, timeout)
        assert ok, f"worker {worker.id} never listened"
        return self.addresses[worker.id]


def start_workers(count: int, env: dict[str, str] | None = None) -> cluster.Address:
    """Fork ``count`` workers, each of which must end with a clean exit (see
    :func:`clean_exit`); their shared address once all of them listen."""
    from must import must_call

    listening = Listening()
    cluster.on("exit", must_call(clean_exit, count))
    for _ in range(count):
        cluster.fork(env)
    return listening.wait_all(count)


def clean_exit(worker: cluster.Worker, code: int | None, signal: str | None) -> None:
    """An 'exit' listener: disconnected by the primary, the worker exits 0."""
    assert (code, signal) == (0, None), f"worker {worker.id} exit {code} {signal}"
    assert worker.exited_after_disconnect is True, worker.id
