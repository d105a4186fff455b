"""The seed tutorial's first example: every worker serves HTTP on one shared port.

Run it, then open http://localhost:8000 a few times: the answers come from different
workers. (PORT=8123 python examples/seed_simple_cluster.py picks another port.)
"""

import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import cluster

num_cpus = cluster.available_parallelism()
process = cluster.process
port = int(os.environ.get("PORT", 8000))

if cluster.is_primary:
    print(f"Primary {process.pid} is running")

    # Fork workers.
    for _ in range(num_cpus):
        cluster.fork()

    @cluster.on("exit")
    def on_exit(worker, code, signal):
        print(f"worker {worker.process.pid} died")
        # Optionally, fork a new worker to replace the dead one
        # cluster.fork()

else:
    # Workers can share any TCP connection
    # In this case it is an HTTP server
    class Hello(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.end_headers()
            self.wfile.write(f"Hello from worker {process.pid}\n".encode())

    server = ThreadingHTTPServer(("", port), Hello)

    print(f"Worker {process.pid} started")
    server.serve_forever()
