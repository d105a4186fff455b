"""Connections queued for a worker that dies are handed to another worker: two workers
listen and take nothing yet; a client opens 10 connections (a request on each), which
the primary hands out to both; worker 1 waits until connections are queued for it and
dies (os._exit) without taking them; then worker 2 starts serving, and every one of
the 10 requests is answered, by worker 2."""

import os
import select
import socket
import threading

from routing_common import TIMEOUT, IdHandler, IdServer, Listening, answered_by, read_all

import cluster
from must import must_call

CONNECTIONS = 10
QUEUED, NOTHING_QUEUED = 7, 8  # the dying worker's exit codes

if cluster.is_primary:
    listening = Listening()
    first, second = cluster.fork(), cluster.fork()

    def first_exit(code, signal):
        assert (code, signal) == (QUEUED, None), (code, signal)
        assert first.exited_after_disconnect is False
        second.send("serve")

    def second_exit(code, signal):
        assert (code, signal) == (0, None), (code, signal)
        assert second.exited_after_disconnect is True

    first.on("exit", must_call(first_exit))
    second.on("exit", must_call(second_exit))
    address = listening.wait_all(2)
    clients = []
    for _ in range(CONNECTIONS):
        sock = socket.create_connection(("127.0.0.1", address.port), timeout=TIMEOUT)
        sock.sendall(b"hi\n")
        clients.append(sock)
    first.send("die")
    answers = []
    for sock in clients:
        with sock:
            try:
                answers.append(answered_by(read_all(sock)))
            except (OSError, ValueError) as exc:
                answers.append(type(exc).__name__)
    print("answers", " ".join(map(str, answers)))
    assert answers == [second.id] * CONNECTIONS, answers
    cluster.disconnect(must_call())
elif cluster.worker.id == 1:
    server = socket.create_server(("127.0.0.1", 0))  # listens, never accepts

    def on_message(message, handle):
        assert message == "die", message
        readable, _, _ = select.select([server], [], [], TIMEOUT)
        os._exit(QUEUED if readable else NOTHING_QUEUED)

    cluster.process.on("message", on_message)
    threading.Event().wait()
else:
    server = IdServer(("127.0.0.1", 0), IdHandler)
    go = threading.Event()
    cluster.process.on("message", lambda message, handle: go.set())
    go.wait()
    server.serve_forever()
