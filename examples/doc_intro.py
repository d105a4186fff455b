"""Node's cluster docs, the introduction: workers share one HTTP port.

Run it, then ``curl http://localhost:8000`` (``PORT=8123`` picks another port);
Ctrl+C stops primary and workers.
"""

import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import cluster

process = cluster.process
num_cpus = cluster.available_parallelism()
port = int(os.environ.get("PORT", 8000))

if cluster.is_primary:
    print(f"Primary {process.pid} is running")

    # Fork workers.
    for _ in range(num_cpus):
        cluster.fork()

    @cluster.on("exit")
    def on_exit(worker, code, signal):
        print(f"worker {worker.process.pid} died")

else:
    # Workers can share any TCP connection
    # In this case it is an HTTP server
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"hello world\n")

    server = ThreadingHTTPServer(("", port), Handler)

    print(f"Worker {process.pid} started")
    server.serve_forever()
