"""What the ``green_*`` programs share: the primary's side, and gevent's and eventlet's
servers in a worker (issue 13). Not a test program itself.

Import it only after any monkey-patching the program does at its top: it imports
``cluster`` (through fw_common), and the placement of ``patch_all()`` relative to that
import is what the tests vary.

The primary (:func:`run_primary`) forks the workers and prints ``worker <pid>`` for each,
``listening <id> <address> <port> <address_type>`` for every 'listening' event, and
``ready`` once every worker listens. Then, in ``commands`` mode, it reads lines from
stdin, where the test is its operator:

- ``disconnect <pid>``: ``worker.disconnect()`` on that worker, then ``disconnecting <pid>``;
- ``done`` (or end of input): ``cluster.disconnect()``; the program ends by itself.

Every worker exit is printed as ``exit <pid> <code> <signal> <exited_after_disconnect>``,
and each must be (0, None) with ``exited_after_disconnect`` True. In ``signal`` mode the
primary's script ends once it has forked (as a Node primary's often does): the test ends
the program with Ctrl+C.

A worker (:func:`serve`) answers every request with fw_common's identity line
(``worker <pid> handler <pid>``). The WSGI servers also serve ``/slow``: it prints
``slow <pid>`` when its handler starts, sleeps the green way for :data:`SLOW_SECONDS`,
then answers as usual.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable
from typing import Any

from fw_common import http_answer, identity, read_http_request, shared_ports

import cluster
from must import must_call

#: Longer than gevent's default ``stop_timeout`` (1 s): a drain that stops the server
#: the gevent way would cut the slow request short.
SLOW_SECONDS = 1.5

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


def patch(library: str) -> None:
    """Monkey-patch the way each library's documentation says."""
    if library == "gevent":
        from gevent import monkey

        monkey.patch_all()
    else:
        import eventlet

        eventlet.monkey_patch()


def green_sleep(library: str, seconds: float) -> None:
    if library == "gevent":
        import gevent

        gevent.sleep(seconds)
    else:
        import eventlet

        eventlet.sleep(seconds)


def wsgi_app(library: str) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    """A WSGI app naming this worker; ``/slow`` takes :data:`SLOW_SECONDS` to answer."""

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/slow":
            print(f"slow {os.getpid()}", flush=True)
            green_sleep(library, SLOW_SECONDS)
        body = identity().encode()
        start_response(
            "200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))]
        )
        return [body]

    return app


def serve(server: str) -> None:
    """The worker's whole life: ``server`` on 127.0.0.1 port 0, until disconnected."""
    if server == "gevent-pywsgi":
        from gevent.pywsgi import WSGIServer

        WSGIServer(("127.0.0.1", 0), wsgi_app("gevent"), log=None).serve_forever()
    elif server == "gevent-stream":
        from gevent.server import StreamServer

        def handle(sock: Any, address: Any) -> None:
            with sock, sock.makefile("rb") as rfile:
                read_http_request(rfile)
                sock.sendall(http_answer())

        StreamServer(("127.0.0.1", 0), handle).serve_forever()
    elif server == "eventlet-wsgi":
        import eventlet
        import eventlet.wsgi

        listener = eventlet.listen(("127.0.0.1", 0))
        eventlet.wsgi.server(listener, wsgi_app("eventlet"), log_output=False)
    else:
        raise SystemExit(f"unknown server {server!r}")


def run_primary(mode: str, workers: int = 2) -> None:
    """The primary's whole script (see the module docstring)."""
    assert mode in ("commands", "signal"), mode
    listening: dict[int, list[cluster.Address]] = {}

    def on_fork(worker: cluster.Worker) -> None:
        print(f"worker {worker.process.pid}")

    def on_listening(worker: cluster.Worker, address: cluster.Address) -> None:
        print(f"listening {worker.id} {address.address} {address.port} {address.address_type}")
        listening.setdefault(worker.id, []).append(address)
        if len(listening) == workers and sum(map(len, listening.values())) == workers:
            shared_ports(listening)
            print("ready")

    def on_exit(worker: cluster.Worker, code: int | None, signal: str | None) -> None:
        ead = worker.exited_after_disconnect
        print(f"exit {worker.process.pid} {code} {signal} {ead}")
        assert (code, signal, ead) == (0, None, True), (worker.id, code, signal, ead)

    cluster.on("fork", on_fork)
    cluster.on("listening", on_listening)
    if mode == "commands":
        cluster.on("exit", must_call(on_exit, workers))
    for _ in range(workers):
        cluster.fork()
    if mode == "signal":
        return
    for line in sys.stdin:
        command, *args = line.split()
        if command == "disconnect":
            pid = int(args[0])
            (worker,) = [w for w in cluster.workers.values() if w.process.pid == pid]
            worker.disconnect()
            print(f"disconnecting {pid}")
        elif command == "done":
            break
        else:
            raise SystemExit(f"unknown command {line!r}")
    cluster.disconnect(must_call(lambda: print("disconnected")))
