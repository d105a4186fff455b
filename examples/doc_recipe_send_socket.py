"""Recipe: send a socket to a worker (sticky sessions).

Here the primary accepts the connections itself and chooses the worker by the
client's address, so a client always meets the same worker (what "sticky
sessions" need). The connection travels with a message (``send_handle``); the
worker gets a ``socket.socket`` and serves it with ``http.server``, unchanged.

Run it, then ``curl http://localhost:8000`` (``PORT`` picks another port):
always the same worker for you. Ctrl+C stops the program.
"""

import os
import socket
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import cluster

process = cluster.process
port = int(os.environ.get("PORT", 8000))

if cluster.is_primary:
    for _ in range(cluster.available_parallelism()):
        cluster.fork()

    # The primary's own server: a primary's sockets are never shared.
    server = socket.create_server(("", port))
    print(f"Primary {process.pid} accepts on port {port}")
    while True:
        connection, (host, _port, *_) = server.accept()
        workers = sorted(cluster.workers.values(), key=lambda worker: worker.id)
        worker = workers[zlib.crc32(host.encode()) % len(workers)]
        # Once sent, the primary's copy of the connection is closed.
        worker.send("connection", connection)

else:

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.end_headers()
            self.wfile.write(f"Hello from worker {process.pid}\n".encode())

        def log_message(self, format, *args):
            pass

    # A server that is never bound: it only serves the connections it is given.
    server = ThreadingHTTPServer(("", 0), Handler, bind_and_activate=False)

    @process.on("message")
    def on_message(message, handle):
        if message == "connection":
            server.process_request(handle, handle.getpeername())
