"""Node's cluster docs, ``Event: 'exit'``: restart every worker that dies.

Each worker serves HTTP on port 8000 (``PORT`` picks another) and answers with
its pid; a request for ``/crash`` makes it exit with code 1 after answering, and
the primary forks a new one. Ctrl+C stops the program.
"""

import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import cluster

process = cluster.process
port = int(os.environ.get("PORT", 8000))

if cluster.is_primary:

    @cluster.on("exit")
    def on_exit(worker, code, signal):
        print(f"worker {worker.process.pid} died ({signal or code}). restarting...")
        cluster.fork()

    for _ in range(2):
        cluster.fork()

else:

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.end_headers()
            self.wfile.write(f"worker {process.pid}\n".encode())
            if self.path == "/crash":
                process.exit(1)

    server = ThreadingHTTPServer(("", port), Handler)
    print(f"Worker {process.pid} started")
    server.serve_forever()
