"""Workers under a scheduler: ``sched_server.py SCHEDULER [socketio]``.

The primary forks 3 workers with ``setup_primary(scheduler=SCHEDULER)`` (``raise``: a
user scheduler that always raises), prints ``worker ID PID`` for each and ``ready PORT``
once all listen, then serves until the test kills its process group.

A worker serves HTTP on threads: ``GET /`` answers its id; ``GET /hold`` answers its id
and keeps the connection open until the client closes it. With ``socketio`` it serves
a python-socketio app (threading mode, WSGI on a threaded wsgiref server) whose
``echo`` event acks with what it was sent and the worker's id.
"""

from __future__ import annotations

import socketserver
import sys
import threading
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import cluster

WORKERS = 3


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


class _Threaded(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


def plain_app(environ, start_response):  # type: ignore[no-untyped-def]
    body = str(cluster.worker.id).encode()
    start_response("200 OK", [("Content-Length", str(len(body)))])
    if environ["PATH_INFO"] == "/hold":
        return _Held(body, environ["wsgi.input"])
    return [body]


class _Held:
    """Sends the body, then waits until the client closes the connection."""

    def __init__(self, body: bytes, stream) -> None:  # type: ignore[no-untyped-def]
        self.parts = [body]
        self.stream = stream

    def __iter__(self):  # type: ignore[no-untyped-def]
        yield from self.parts

    def close(self) -> None:
        self.stream.read(1)  # end-of-file when the client closes


def socketio_app():  # type: ignore[no-untyped-def]
    import socketio

    # A short ping interval bounds a python-engineio race (seen without the cluster, on
    # one plain threaded server): now and then the client's disconnect() waits for its
    # pending long-poll GET until the server's next ping, 25 s by default.
    sio = socketio.Server(async_mode="threading", ping_interval=1)

    @sio.event
    def echo(sid, data):  # type: ignore[no-untyped-def]
        return {"echo": data, "worker": cluster.worker.id}

    return socketio.WSGIApp(sio)


def scheduler_of(name: str):  # type: ignore[no-untyped-def]
    if name == "raise":

        def broken(peer, peeked, workers):  # type: ignore[no-untyped-def]
            raise RuntimeError("scheduler bug")

        return broken
    return name


if cluster.is_primary:
    cluster.setup_primary(scheduler=scheduler_of(sys.argv[1]))
    listening: set[int] = set()

    def on_listening(worker, address) -> None:  # type: ignore[no-untyped-def]
        listening.add(worker.id)
        if len(listening) == WORKERS:
            print("ready", address.port, flush=True)

    cluster.on("listening", on_listening)
    for _ in range(WORKERS):
        w = cluster.fork()
        print("worker", w.id, w.process.pid, flush=True)
else:
    app = socketio_app() if sys.argv[2:] == ["socketio"] else plain_app
    server = make_server("127.0.0.1", 0, app, server_class=_Threaded, handler_class=_Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    cluster.worker.on("disconnect", server.shutdown)
    threading.Event().wait()
