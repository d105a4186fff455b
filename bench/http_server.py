"""The Python side of the HTTP benchmarks (handoff, keepalive, startup, scale).

``python http_server.py --workers N``: a cluster primary with N workers, each serving a
minimal HTTP server on one shared port (``--port``, 0 by default, on 127.0.0.1);
``--workers 0``: the same server in a single process, no cluster. The scheduling policy comes from
``NODE_CLUSTER_SCHED_POLICY`` (``rr``, the default, or ``none``).

The server is as light as Python allows: a ``selectors`` (epoll) loop over raw sockets
that reads a request head, writes a fixed response and closes when the client asked
for it (``Connection: close``, or HTTP/1.0 without keep-alive), else keeps the
connection for the next request. A newly accepted connection is read at once (the
request has usually arrived by then) before it is given to epoll. ``http_server.js``
is the same server for Node.

It prints JSON lines: ``{"event": "ready", "port", "pid", "workers", "online_s",
"listening_s"}`` once every worker listens (times from just before the first
``fork()`` to the last ``'online'`` / ``'listening'`` event), and, after its stdin
closes, ``{"event": "stopped", "stop_s"}`` (``cluster.disconnect()`` to the last
``'exit'``) before it exits.
"""

from __future__ import annotations

import functools
import json
import os
import select
import selectors
import socket
import subprocess
import sys
import threading
import time

import cluster

RESP_CLOSE = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
RESP_KEEP = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok"
STOP_TIMEOUT = 15.0


def option(name: str, default: str) -> str:
    args = sys.argv[1:]
    return args[args.index(name) + 1] if name in args else default


def emit(**fields: object) -> None:
    sys.stdout.write(json.dumps(fields) + "\n")
    sys.stdout.flush()


def closes(head: bytes) -> bool:
    """Does this request (its head, lower-cased) end the connection?"""
    end = head.find(b"\r\n")
    first = head if end < 0 else head[:end]
    if first.endswith(b"http/1.0"):
        return b"connection: keep-alive" not in head
    return b"connection: close" in head


def serve(single: bool, route: socket.socket | None = None) -> None:
    """The server of one worker (or of the single process); with ``route``, it serves
    the connections a bare primary sends there instead of listening."""
    if route is None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", int(option("--port", "0"))))
        listener.listen(511)  # Node's default backlog
        accept = listener.accept
    else:
        listener = route
        accept = functools.partial(_receive_connection, route)
    listener.setblocking(False)
    if single:
        emit(event="ready", port=listener.getsockname()[1], pid=os.getpid(), workers=[])
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ)
    buffers: dict[socket.socket, bytes] = {}

    def on_data(conn: socket.socket, buffer: bytes) -> bytes | None:
        """Serve what ``conn`` has sent; the unfinished rest, or None once closed."""
        try:
            data = conn.recv(65536)
        except (BlockingIOError, InterruptedError):
            return buffer
        except OSError:
            data = b""
        if not data:
            conn.close()
            return None
        buffer += data
        out = []
        done = False
        while True:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                break
            head = buffer[:end].lower()
            buffer = buffer[end + 4 :]
            if closes(head):
                out.append(RESP_CLOSE)
                done = True
                break
            out.append(RESP_KEEP)
        if out:
            reply = b"".join(out)
            try:
                sent = conn.send(reply)
            except (BlockingIOError, InterruptedError):
                sent = 0
            except OSError:
                conn.close()
                return None
            if sent < len(reply):  # never for these sizes; stay correct anyway
                try:
                    conn.setblocking(True)
                    conn.sendall(reply[sent:])
                    conn.setblocking(False)
                except OSError:
                    done = True
        if done:
            conn.close()
            return None
        return buffer

    wait = selector.select
    while True:
        for key, _ in wait():
            sock = key.fileobj
            if sock is listener:
                for _ in range(64):
                    try:
                        conn, _ = accept()
                    except (BlockingIOError, InterruptedError):
                        break
                    except OSError:
                        break
                    conn.setblocking(False)
                    rest = on_data(conn, b"")  # the request is usually there already
                    if rest is not None:
                        buffers[conn] = rest
                        selector.register(conn, selectors.EVENT_READ)
            else:
                rest = on_data(sock, buffers[sock])  # type: ignore[arg-type]
                if rest is None:
                    del buffers[sock]  # type: ignore[arg-type]
                    selector.unregister(sock)
                else:
                    buffers[sock] = rest  # type: ignore[index]


def _receive_connection(route: socket.socket) -> tuple[socket.socket, None]:
    _, fds, _, _ = socket.recv_fds(route, 1, 1)
    if not fds:
        os._exit(0)  # the bare primary has gone
    return socket.socket(fileno=fds[0]), None


def bare_primary(count: int) -> None:
    """The reference for the primary's cost per connection: the least a Python primary
    can do to hand connections out (accept, send the descriptor to the next worker in
    turn, close it), without the cluster package: no routing choices, no bookkeeping.
    Its workers (this file with ``--bare-route FD``) serve as the cluster's do."""
    listener = socket.create_server(("127.0.0.1", 0), backlog=511)
    listener.setblocking(False)
    routes, workers = [], []
    for _ in range(count):
        primary_end, worker_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        argv = [sys.executable, __file__, "--bare-route", str(worker_end.fileno())]
        workers.append(subprocess.Popen(argv, pass_fds=[worker_end.fileno()]))
        worker_end.close()
        routes.append(primary_end)
    emit(event="ready", port=listener.getsockname()[1], pid=os.getpid(),
         workers=[w.pid for w in workers], online_s=None, listening_s=None)  # fmt: skip

    def stop() -> None:
        sys.stdin.read()  # until the driver closes our stdin
        stopping = time.perf_counter()
        for route in routes:
            route.shutdown(socket.SHUT_RDWR)  # the workers see end-of-file and exit
        for worker in workers:
            worker.wait(STOP_TIMEOUT)
        emit(event="stopped", stop_s=time.perf_counter() - stopping)
        os._exit(0)

    threading.Thread(target=stop, daemon=True).start()
    poller = select.epoll()
    poller.register(listener.fileno(), select.EPOLLIN)
    accept, turn = listener._accept, 0  # type: ignore[attr-defined]
    while True:
        poller.poll()
        for _ in range(64):
            try:
                fd, _peer = accept()
            except BlockingIOError:
                break
            socket.send_fds(routes[turn % count], [b"c"], [fd])
            turn += 1
            os.close(fd)


def primary(count: int) -> None:
    if os.environ.get("CLUSTER_BENCH_SCHEDULER"):  # bench/schedulers.py
        cluster.setup_primary(scheduler=os.environ["CLUSTER_BENCH_SCHEDULER"])
    process = cluster.process
    state = {"online": 0, "listening": 0, "exited": 0, "port": 0}
    all_exited = threading.Event()
    started = time.perf_counter()
    times: dict[str, float] = {}

    def on_online(worker: cluster.Worker) -> None:
        state["online"] += 1
        if state["online"] == count:
            times["online"] = time.perf_counter() - started

    def on_listening(worker: cluster.Worker, address: cluster.Address) -> None:
        state["listening"] += 1
        state["port"] = address.port
        if state["listening"] == count:
            times["listening"] = time.perf_counter() - started
            emit(
                event="ready",
                port=address.port,
                pid=process.pid,
                workers=[w.process.pid for w in list(cluster.workers.values())],
                online_s=times.get("online"),
                listening_s=times["listening"],
            )

    def on_exit(worker: cluster.Worker, code: object, signal: object) -> None:
        state["exited"] += 1
        if state["exited"] == count:
            all_exited.set()

    cluster.on("online", on_online)
    cluster.on("listening", on_listening)
    cluster.on("exit", on_exit)
    for _ in range(count):
        cluster.fork()

    sys.stdin.read()  # until the driver closes our stdin
    stopping = time.perf_counter()
    cluster.disconnect()
    if all_exited.wait(STOP_TIMEOUT):
        emit(event="stopped", stop_s=time.perf_counter() - stopping)
    else:
        for worker in list(cluster.workers.values()):
            worker.kill("SIGKILL")
        emit(event="stopped", stop_s=None)
    process.exit(0)


if __name__ == "__main__":
    workers = int(option("--workers", "2"))
    if "--bare-route" in sys.argv:
        serve(single=False, route=socket.socket(fileno=int(option("--bare-route", "-1"))))
    elif "--bare" in sys.argv:
        bare_primary(workers)
    elif cluster.is_worker:
        serve(single=False)
    elif workers == 0:
        threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
        serve(single=True)
    else:
        primary(workers)
