"""Recipe: a cluster under systemd or in a container.

``systemctl stop`` and ``docker stop`` send SIGTERM to the primary (with
systemd's ``KillMode=mixed``, to the primary alone). On SIGTERM the primary
disconnects every worker: each stops taking connections, finishes the ones it
has and exits; then the primary exits 0. Workers still there after ``GRACE``
seconds are killed. The number of workers is ``WORKERS`` from the environment,
else ``available_parallelism()``, which counts the CPUs of the container's
quota, not the host's.

Run it, then ``curl http://localhost:8000`` (``PORT`` picks another port) and
``kill <primary pid>``.
"""

import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import cluster

process = cluster.process
port = int(os.environ.get("PORT", 8000))
num_workers = int(os.environ.get("WORKERS", cluster.available_parallelism()))
GRACE = 10.0

if cluster.is_primary:
    print(f"Primary {process.pid}: {num_workers} workers")
    for _ in range(num_workers):
        cluster.fork()

    @process.on("SIGTERM")
    def on_sigterm(signal):
        print("SIGTERM: disconnecting every worker")
        # A copy: cluster.disconnect() takes every worker out of cluster.workers.
        leaving = list(cluster.workers.values())

        def kill_the_rest():
            for worker in leaving:
                if not worker.is_dead():
                    worker.kill("SIGKILL")

        timer = threading.Timer(GRACE, kill_the_rest)
        timer.start()

        def all_disconnected():
            timer.cancel()
            print("every worker disconnected")

        cluster.disconnect(all_disconnected)

else:

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.end_headers()
            self.wfile.write(f"Hello from worker {process.pid}\n".encode())

        def log_message(self, format, *args):
            pass

    server = ThreadingHTTPServer(("", port), Handler)
    print(f"Worker {process.pid} started")
    server.serve_forever()
