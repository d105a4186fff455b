"""Port of test-cluster-send-handle-twice.js: a worker sends the same connected socket
to the primary twice in a row, without error, and exits cleanly.

The accepted socket comes from the primary's own server (a client in the worker
connects to it) and is handed to the worker; the worker's 'message' listener sends it
back twice. The worker's client then sees the connection end once every copy is
closed, and disconnects.

``sys.argv[1] == "queued"``: a large message goes before each of the two sends, so
the second is still queued when the first has been written (and, keep_open being
False, the worker's copy closed): it must still arrive.
"""

import os
import socket
import sys

import cluster
from must import in_thread, must_call, must_not_call

QUEUED = len(sys.argv) > 1 and sys.argv[1] == "queued"
BIG = 4 << 20


if cluster.is_worker:
    port = int(os.environ["SERVER_PORT"])

    def client() -> None:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            assert sock.recv(1) == b""
        cluster.worker.disconnect()

    def on_message(message, handle):
        assert message == "connection" and isinstance(handle, socket.socket)
        results = []
        for name in ("send-handle-1", "send-handle-2"):
            if QUEUED:
                cluster.process.send({"big": "x" * BIG})
            results.append(cluster.process.send(name, handle))
        if not QUEUED:
            assert results == [True, True], results

    cluster.process.on("message", must_call(on_message))
    in_thread(client)
else:
    server = socket.create_server(("127.0.0.1", 0))
    worker = cluster.fork({"SERVER_PORT": server.getsockname()[1]})
    got: list[str] = []

    def accept_one() -> None:
        server.settimeout(10)
        connection, _ = server.accept()
        worker.send("connection", connection)

    in_thread(accept_one)

    def on_message(message, handle):
        if isinstance(message, dict):
            assert QUEUED and message == {"big": "x" * BIG}
            return
        assert isinstance(handle, socket.socket), (message, handle)
        assert handle.getpeername()[0] == "127.0.0.1"
        got.append(message)
        handle.close()

    worker.on("message", must_call(on_message, 4 if QUEUED else 2))
    worker.on("error", must_not_call("worker 'error'"))

    def on_exit(code, signal):
        assert (code, signal) == (0, None), (code, signal)
        assert got == ["send-handle-1", "send-handle-2"], got
        server.close()
        print("got", " ".join(got))

    worker.on("exit", must_call(on_exit))
