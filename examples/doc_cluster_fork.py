"""Node's cluster docs, ``cluster.fork()``: one worker per CPU, each telling the
primary its pid at every request.

Run it, then ``curl http://localhost:3000`` (``PORT`` picks another port);
Ctrl+C stops the program.
"""

import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import cluster

process = cluster.process
num_cpus = os.cpu_count()
port = int(os.environ.get("PORT", 3000))

if cluster.is_primary:
    for _ in range(num_cpus):
        # Workers will be created depending on the CPUs numbers.
        worker = cluster.fork()

        # Received messages from the created worker.
        @worker.on("message")
        def on_message(msg, handle):
            print(f"Received message from worker: {msg}")

else:

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            process.send(process.pid)

            self.send_response(200)
            self.end_headers()
            self.wfile.write(f"Hello World from worker: {process.pid}".encode())

    server = ThreadingHTTPServer(("", port), Handler)
    print(f"Worker {process.pid} listening on the port {port}")
    server.serve_forever()
