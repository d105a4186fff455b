"""Node's cluster docs, ``Event: 'fork'``: a timeout per worker, from ``'fork'``
to ``'listening'``, to notice a worker that cannot start its server.

The workers serve HTTP on port 8000 (``PORT`` picks another) and answer with
their pid. The error message appears when a worker dies (``kill`` one) or when
one has not listened two seconds after it was forked. Ctrl+C stops the program.
"""

import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import cluster

process = cluster.process
port = int(os.environ.get("PORT", 8000))

if cluster.is_primary:
    timeouts = {}

    def error_msg():
        print("Something must be wrong with the connection ...", file=sys.stderr)

    @cluster.on("fork")
    def on_fork(worker):
        timeouts[worker.id] = threading.Timer(2.0, error_msg)
        timeouts[worker.id].start()

    @cluster.on("listening")
    def on_listening(worker, address):
        timeouts[worker.id].cancel()

    @cluster.on("exit")
    def on_exit(worker, code, signal):
        timeouts[worker.id].cancel()
        error_msg()

    for _ in range(2):
        cluster.fork()

else:

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.end_headers()
            self.wfile.write(f"worker {process.pid}\n".encode())

    ThreadingHTTPServer(("", port), Handler).serve_forever()
