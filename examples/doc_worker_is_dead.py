"""Node's cluster docs, ``worker.isDead()``: each worker answers one HTTP
request, then kills itself; the primary reports ``is_dead()`` at each
``'fork'`` and ``'exit'``.

Run it, then ``curl http://localhost:8000`` once per worker (``PORT`` picks
another port): once the last worker is dead, the primary has nothing left to do
and exits.
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

    @cluster.on("fork")
    def on_fork(worker):
        print("worker is dead:", worker.is_dead())

    @cluster.on("exit")
    def on_exit(worker, code, signal):
        print("worker is dead:", worker.is_dead())

else:
    # Workers can share any TCP connection. In this case, it is an HTTP server.
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.end_headers()
            self.wfile.write(f"Current process\n {process.pid}".encode())
            process.kill(process.pid)

    ThreadingHTTPServer(("", port), Handler).serve_forever()
