"""A listening socket sent to a worker with a message (send_handle) is the worker's to
accept on: the primary's own socket.create_server() goes to the worker, which accepts a
client's connection on it and answers; the cluster does not reroute it."""

import os
import socket
import threading

from routing_common import TIMEOUT, ask, clean_exit

import cluster
from must import must_call

if cluster.is_primary:
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    worker = cluster.fork()
    cluster.on("exit", must_call(clean_exit))
    ready = threading.Event()
    worker.on("message", must_call(lambda message, handle: ready.set()))
    worker.send("server", server)
    assert ready.wait(TIMEOUT), "the worker did not get the server"
    server.close()  # the worker's copy serves on
    answer = ask(("127.0.0.1", port))
    print("answer", answer.strip())
    assert answer == f"accepted by {worker.process.pid}\n", answer
    worker.disconnect()
else:
    received = []
    got = threading.Event()

    def on_message(message, handle):
        assert message == "server", message
        assert isinstance(handle, socket.socket), handle
        received.append(handle)
        got.set()

    cluster.process.on("message", must_call(on_message))
    assert got.wait(TIMEOUT)
    server = received[0]
    assert server.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN) == 1
    cluster.process.send("got it")
    server.settimeout(TIMEOUT)
    conn, _ = server.accept()
    with conn, conn.makefile("rb") as rfile:
        rfile.readline()
        conn.sendall(f"accepted by {os.getpid()}\n".encode())
