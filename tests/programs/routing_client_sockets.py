"""Client sockets in a worker are never touched: a worker that also serves a routed
port connects out to a server the test runs (``routing_client_sockets.py <port>
<plain|bound>``), with ``socket.create_connection``, or with a ``source_address`` bind
first (``bound``), and talks to it; the local address it sees is the one the test's
server sees as the peer."""

import os
import socket
import sys
import threading

from routing_common import IdHandler, IdServer, Listening, clean_exit

import cluster
from must import must_call

if cluster.is_primary:
    listening = Listening()
    worker = cluster.fork()

    def on_message(message, handle):
        print("worker says", message)
        worker.disconnect()

    worker.on("message", must_call(on_message))
    cluster.on("exit", must_call(clean_exit))
    listening.wait(worker)
else:
    port, how = int(sys.argv[1]), sys.argv[2]
    server = IdServer(("127.0.0.1", 0), IdHandler)  # a routed server beside the client
    threading.Thread(target=server.serve_forever, daemon=True).start()
    source = ("127.0.0.1", 0) if how == "bound" else None
    with socket.create_connection(("127.0.0.1", port), timeout=5, source_address=source) as sock:
        local = sock.getsockname()
        sock.sendall(f"hello from {os.getpid()}\n".encode())
        with sock.makefile("rb") as answer:
            reply = answer.readline().decode().strip()
    assert reply == f"hi hello from {os.getpid()}", reply
    assert local[1] != server.server_address[1], (local, server.server_address)
    cluster.process.send(f"{reply} via {local[0]} {local[1]}")
