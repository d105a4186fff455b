"""Port of test-cluster-send-deadlock.js: connected sockets go primary -> worker and
straight back worker -> primary, for two connections at once, without either channel
getting stuck; the worker then disconnects and exits 0.

The server is the primary's own ``socket.create_server``; the worker connects two
clients to it. Each accepted socket is sent to the worker, which sends it back; by
default each sender's copy is closed after sending, and the primary closes the copy
it gets back, so the clients see the connection end.
"""

import socket
import threading

import cluster
from must import in_thread, must_call

CLIENTS = 2


if cluster.is_worker:

    def client(port: int, done: threading.Semaphore) -> None:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            assert sock.recv(1) == b""  # the server side closed every copy
        done.release()

    def run_clients(port: int) -> None:
        done = threading.Semaphore(0)
        for _ in range(CLIENTS):
            in_thread(client, port, done)
        for _ in range(CLIENTS):
            assert done.acquire(timeout=10), "a client never saw its connection close"
        cluster.worker.disconnect()

    def on_message(message, handle):
        if message["cmd"] == "listen":
            in_thread(run_clients, message["port"])
        else:
            assert message["cmd"] == "handle" and isinstance(handle, socket.socket)
            cluster.process.send({"cmd": "reply"}, handle)

    cluster.process.on("message", on_message)
else:
    server = socket.create_server(("127.0.0.1", 0))
    worker = cluster.fork()

    def accept_loop() -> None:
        server.settimeout(10)
        for _ in range(CLIENTS):
            connection, _ = server.accept()
            worker.send({"cmd": "handle"}, connection)

    in_thread(accept_loop)
    worker.send({"cmd": "listen", "port": server.getsockname()[1]})

    def on_reply(message, handle):
        assert message == {"cmd": "reply"}, message
        assert isinstance(handle, socket.socket), handle
        assert handle.getpeername()[0] == "127.0.0.1"
        handle.close()

    worker.on("message", must_call(on_reply, CLIENTS))

    def on_exit(code, signal):
        assert (code, signal) == (0, None), (code, signal)
        server.close()
        print("both handles went round; worker exit", code, signal)

    worker.on("exit", must_call(on_exit))
