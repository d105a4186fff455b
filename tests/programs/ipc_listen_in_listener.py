"""SPEC.md: message order is preserved, also while a worker's 'message' listener
starts a server. listen() asks the primary and waits for its answer; in a listener
that wait happens on the event thread itself, which reads the channel right there:
the messages that arrive meanwhile wait, in order, until the listener has returned.

The primary sends "serve" and then 2,000 numbered messages at once; the worker starts
a server in its listener for "serve", and again for messages 500 and 1,500 (a second
wait while messages held by the first are still being delivered). It must see every
number once, in order, never inside another listener call, and 'listening' for each
of its three servers; a message sent after all that must still be heard."""

import socket

import cluster
from must import must_call

COUNT = 2_000
SERVE_AT = {500, 1_500}

if cluster.is_worker:
    process = cluster.process
    servers = []
    seen = []
    busy = []  # non-empty while a listener runs: a nested call would find it so

    def serve() -> None:
        servers.append(socket.create_server(("127.0.0.1", 0)))

    def on_message(message, handle):
        assert not busy, f"message {message!r} delivered inside the listener for {busy[0]!r}"
        busy.append(message)
        try:
            take(message)
        finally:
            busy.clear()

    def take(message) -> None:
        if message == "ping":
            process.send("pong")
            return
        if message == "serve":
            serve()
            return
        seen.append(message)
        if message in SERVE_AT:
            serve()
        if len(seen) == COUNT:
            assert seen == list(range(COUNT)), [n for i, n in enumerate(seen) if i != n][:5]
            process.send({"in order": len(seen), "servers": len(servers)})

    process.on("message", on_message)
else:
    worker = cluster.fork()
    listening = []

    def on_online():
        worker.send("serve")
        for n in range(COUNT):
            worker.send(n)

    def on_message(message, handle):
        if message == "pong":
            worker.disconnect()
            return
        assert message == {"in order": COUNT, "servers": 3}, message
        worker.send("ping")

    def on_exit(code, signal):
        assert (code, signal) == (0, None), (code, signal)
        assert len(listening) == 3, listening
        print("in order while serving:", COUNT)

    worker.on("online", on_online)
    worker.on("listening", listening.append)
    worker.on("message", must_call(on_message, times=2))
    worker.on("exit", must_call(on_exit))
